//! The rule pages' server functions: the index, and one service's page in the reader's language.

use crate::{error::AppError, ui::rule_doc::RuleDoc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A rule page as the index lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleLink {
    pub href: String,
    pub title: String,
    pub summary: String,
}

/// 规则说明: every registered rule page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesIndex {
    pub title: String,
    pub lead: String,
    pub pages: Vec<RuleLink>,
}

/// One service's rule page, and the words of the link back to the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulePage {
    pub doc: RuleDoc,
    pub all_rules: String,
}

/// The index of rule pages (public: the rules are the same for everyone).
#[server(prefix = "/api", endpoint = "rules/index")]
pub async fn load_rules_index() -> Result<RulesIndex, AppError> {
    let locale = crate::prefs::Prefs::detect().locale;
    let r = locale.texts().rulebook();
    Ok(RulesIndex {
        title: r.title.to_owned(),
        lead: r.lead.to_owned(),
        pages: crate::catalogue::rules_pages()
            .iter()
            .map(|p| RuleLink {
                href: format!("/rules/{}", p.slug),
                title: (p.title)(locale).to_owned(),
                summary: (p.summary)(locale).to_owned(),
            })
            .collect(),
    })
}

/// One service's rule page, built from its rule data now; `NotFound` for a service without one.
#[server(prefix = "/api", endpoint = "rules/page")]
pub async fn load_rule_page(service: String) -> Result<RulePage, AppError> {
    let locale = crate::prefs::Prefs::detect().locale;
    let page = crate::catalogue::rules_pages()
        .iter()
        .find(|p| p.slug == service)
        .ok_or(AppError::NotFound)?;
    Ok(RulePage {
        doc: (page.build)(locale).await?,
        all_rules: locale.texts().rulebook().all_rules.to_owned(),
    })
}
