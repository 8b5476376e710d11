//! 长辈版 and 中文 / English: the two switches on every page.
//!
//! Both are plain form posts to server functions that set a cookie and send the browser back,
//! so they work before (and without) the WASM, and the next page is rendered by the server in
//! the chosen size and language from the first byte — no flash of the other mode.

use crate::i18n::{use_texts, Locale};
use leptos::prelude::*;

/// Cookie remembering elder mode.
pub const ELDER_COOKIE: &str = "mz_elder";

/// The reader's display preferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Prefs {
    pub locale: Locale,
    /// 长辈版: large type, large targets, high contrast.
    pub elder: bool,
}

impl Prefs {
    pub fn mode_attr(self) -> &'static str {
        if self.elder {
            "elder"
        } else {
            "standard"
        }
    }

    /// On the server: from the request's cookies (and `Accept-Language`). In the browser: from
    /// the attributes the server wrote on `<html>`, so hydration agrees with the server.
    pub fn detect() -> Self {
        if let Some(p) = use_context::<Prefs>() {
            return p;
        }
        #[cfg(feature = "ssr")]
        {
            use http::{header, request::Parts};
            let accept = use_context::<Parts>().and_then(|p| {
                p.headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok().map(str::to_owned))
            });
            let lang = crate::web::cookie(crate::i18n::LANG_COOKIE);
            let elder = crate::web::cookie(ELDER_COOKIE).is_some_and(|v| v == "1");
            return Prefs {
                locale: Locale::negotiate(lang.as_deref(), accept.as_deref()),
                elder,
            };
        }
        #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
        {
            let root = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element());
            let lang = root.as_ref().and_then(|r| r.get_attribute("lang"));
            let elder = root
                .and_then(|r| r.get_attribute("data-mode"))
                .is_some_and(|m| m == "elder");
            return Prefs {
                locale: lang
                    .as_deref()
                    .and_then(Locale::from_tag)
                    .unwrap_or_default(),
                elder,
            };
        }
        #[allow(unreachable_code)]
        Prefs::default()
    }
}

/// Turns elder mode on or off.
#[server(prefix = "/api", endpoint = "prefs/elder")]
pub async fn set_elder(on: String) -> Result<(), crate::error::AppError> {
    let on = on == "1";
    crate::web::set_cookie(
        ELDER_COOKIE,
        if on { "1" } else { "0" },
        365 * 24 * 3600,
        false,
    );
    Ok(())
}

/// Chooses the language.
#[server(prefix = "/api", endpoint = "prefs/lang")]
pub async fn set_lang(lang: String) -> Result<(), crate::error::AppError> {
    let locale = Locale::from_tag(&lang).ok_or(crate::error::AppError::BadRequest)?;
    crate::web::set_cookie(
        crate::i18n::LANG_COOKIE,
        locale.tag(),
        365 * 24 * 3600,
        false,
    );
    // A signed-in resident's SMS follow the language they read in.
    if let Ok(Some(me)) = crate::web::current_resident().await {
        use crate::account::desk::AccountDesk;
        crate::desk::desk::<dyn AccountDesk>()?
            .set_locale(&me, locale)
            .await?;
    }
    Ok(())
}

/// The header every page shares: the service name, who is signed in, and the two switches
/// (elder mode, and the other language by its own name), compact in one row.
#[component]
pub fn Header() -> impl IntoView {
    let t = use_texts();
    let prefs = Prefs::detect();
    let (other, other_name) = match prefs.locale {
        Locale::ZhCn => (Locale::En, "English"),
        Locale::En => (Locale::ZhCn, "中文"),
    };
    let session = expect_context::<crate::session::Session>();
    view! {
        <header class="mz-header">
            <div class="mz-header__row">
                <a class="mz-header__brand" href="/">{t.common.app_name}</a>
                <Suspense>
                    {move || Suspend::new(async move {
                        let who = session.who.await.ok();
                        let staff = who.as_ref().and_then(|w| w.staff_name.clone());
                        let resident = who.as_ref().is_some_and(|w| w.resident.is_some());
                        match (staff, resident) {
                            (Some(name), _) => view! {
                                <a class="mz-header__account" href="/staff">{t.common.staff_signed_in(&name)}</a>
                            }.into_any(),
                            (None, true) => view! { <a class="mz-header__account" href="/account">{t.common.my_account}</a> }.into_any(),
                            (None, false) => view! { <a class="mz-header__account" href="/signin">{t.common.sign_in}</a> }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
            <nav class="mz-header__switches" aria-label=t.common.display_settings>
                <form method="post" action="/api/prefs/elder" class="mz-inline-form">
                    <input type="hidden" name="on" value=if prefs.elder { "0" } else { "1" } />
                    <button type="submit" class="mz-switch" aria-pressed=if prefs.elder { "true" } else { "false" }>
                        {t.common.elder_mode}
                    </button>
                </form>
                <form method="post" action="/api/prefs/lang" class="mz-inline-form">
                    <input type="hidden" name="lang" value=other.tag() />
                    <button type="submit" class="mz-switch" lang=other.tag() aria-label=t.common.switch_language>
                        {other_name}
                    </button>
                </form>
            </nav>
        </header>
    }
}
