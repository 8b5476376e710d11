//! Languages: zh-CN first, English second.
//!
//! The language is chosen per request from the `mz_lang` cookie (then `Accept-Language`), so the
//! server renders the right language on the first byte. Switching is a form post that sets the
//! cookie and reloads, so it works without JavaScript and never flashes the other language.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

include!(concat!(env!("OUT_DIR"), "/texts.rs"));

/// Name of the cookie that remembers the language.
pub const LANG_COOKIE: &str = "mz_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    ZhCn,
    En,
}

impl Locale {
    pub fn texts(self) -> &'static Texts {
        match self {
            Locale::ZhCn => &ZH_CN,
            Locale::En => &EN,
        }
    }

    /// The BCP 47 tag used in `<html lang>` and in the cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Self> {
        let t = tag.trim().to_ascii_lowercase();
        if t == "zh" || t.starts_with("zh-") || t.starts_with("zh_") {
            Some(Locale::ZhCn)
        } else if t == "en" || t.starts_with("en-") || t.starts_with("en_") {
            Some(Locale::En)
        } else {
            None
        }
    }

    /// Picks a language from a cookie value, then an `Accept-Language` header, then zh-CN.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Self {
        if let Some(l) = cookie.and_then(Self::from_tag) {
            return l;
        }
        accept_language
            .into_iter()
            .flat_map(|h| h.split(','))
            .filter_map(|part| Self::from_tag(part.split(';').next().unwrap_or("")))
            .next()
            .unwrap_or_default()
    }
}

/// The texts of the page's language (the locale is put into context by the shell).
pub fn use_texts() -> &'static Texts {
    use_locale().texts()
}

/// The page's language.
pub fn use_locale() -> Locale {
    use_context::<Locale>().unwrap_or_default()
}

/// Fills `{name}` placeholders in a text.
fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut s = template.to_owned();
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(locale: &str) -> BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(locale);
        let mut out = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let ns = path.file_stem().unwrap().to_string_lossy().to_string();
            let map: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for (k, v) in map {
                assert!(
                    v.as_str().is_some_and(|s| !s.trim().is_empty()),
                    "{locale}/{ns}.{k} is empty"
                );
                out.insert(format!("{ns}.{k}"));
            }
        }
        out
    }

    #[test]
    fn every_locale_has_the_same_keys() {
        let zh = keys("zh-CN");
        let en = keys("en");
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "only in zh-CN: {only_zh:?}; only in en: {only_en:?}"
        );
    }

    /// The issue on journeys: English texts carry no full-width punctuation (Chinese names such
    /// as "中文" on the language switch are words, not punctuation).
    #[test]
    fn english_has_no_full_width_punctuation() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales/en");
        let mut found = vec![];
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let map: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for (k, v) in map {
                let v = v.as_str().unwrap_or_default();
                if v.chars()
                    .any(|c| "，。：；！？（）、《》【】～　".contains(c))
                {
                    found.push(format!("{}.{k}: {v}", path.display()));
                }
            }
        }
        assert!(
            found.is_empty(),
            "full-width punctuation in English: {found:#?}"
        );
    }

    #[test]
    fn the_language_is_chosen_from_cookie_then_header_then_chinese() {
        assert_eq!(Locale::negotiate(Some("en"), Some("zh-CN")), Locale::En);
        assert_eq!(Locale::negotiate(None, Some("en-GB,en;q=0.9")), Locale::En);
        assert_eq!(
            Locale::negotiate(Some("fr"), Some("fr-FR, zh-TW;q=0.5")),
            Locale::ZhCn
        );
        assert_eq!(Locale::negotiate(None, None), Locale::ZhCn);
        assert_eq!(Locale::negotiate(None, Some("de")), Locale::ZhCn);
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(fill("请于{s}秒后重试", &[("s", "45")]), "请于45秒后重试");
    }
}
