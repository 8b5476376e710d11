//! 规则说明 as data: a page that explains a rule, built on the server from the very rule data
//! the deciding code reads (policy files, code constants, each office's stored settings), so
//! the page cannot drift from the decision. Each service builds its own (`<service>/rules.rs`);
//! [`RuleDocView`] shows any of them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One rule page, every text already in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleDoc {
    pub title: String,
    pub lead: String,
    pub sections: Vec<RuleSection>,
}

/// A part of a rule page. Decision pages link to it by its `id` (`/rules/meals#tiers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSection {
    pub id: String,
    pub heading: String,
    pub blocks: Vec<Block>,
}

impl RuleSection {
    pub fn new(id: &str, heading: impl Into<String>, blocks: Vec<Block>) -> Self {
        Self {
            id: id.to_owned(),
            heading: heading.into(),
            blocks,
        }
    }
}

/// What a section says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Block {
    Para(String),
    /// Said in smaller type: where values are demo values, what a policy file notes.
    Note(String),
    List(Vec<String>),
    /// Terms and their values, under a heading of their own if given (one office, one item).
    Facts {
        heading: Option<String>,
        items: Vec<(String, String)>,
    },
    Table {
        caption: String,
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// A rule page's body (its title is the page's).
#[component]
pub fn RuleDocView(
    /// The page, as the server built it.
    doc: RuleDoc,
) -> impl IntoView {
    view! {
        <p class="mz-lead">{doc.lead}</p>
        {doc.sections.into_iter().map(|s| {
            let h = format!("{}-h", s.id);
            let labelled_by = h.clone();
            view! {
                <section class="mz-section" id=s.id aria-labelledby=labelled_by>
                    <h2 id=h>{s.heading}</h2>
                    {s.blocks.into_iter().map(block).collect_view()}
                </section>
            }
        }).collect_view()}
    }
}

fn block(b: Block) -> AnyView {
    match b {
        Block::Para(p) => view! { <p>{p}</p> }.into_any(),
        Block::Note(p) => view! { <p class="mz-note">{p}</p> }.into_any(),
        Block::List(items) => view! {
            <ul>{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
        }
        .into_any(),
        Block::Facts { heading, items } => view! {
            {heading.map(|h| view! { <h3>{h}</h3> })}
            <dl class="mz-facts">
                {items.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
            </dl>
        }
        .into_any(),
        Block::Table {
            caption,
            head,
            rows,
        } => {
            let label = caption.clone();
            view! {
            <div class="mz-table-wrap" role="region" aria-label=label tabindex="0">
                <table class="mz-table">
                    <caption>{caption}</caption>
                    <thead><tr>{head.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {rows.into_iter().map(|r| view! {
                            <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            }
            .into_any()
        }
    }
}

/// `value`, marked as a demo value where it is one (pages never pass a demo figure off as
/// a published one).
#[cfg(feature = "ssr")]
pub fn demo_mark(value: impl Into<String>, demo: bool, locale: crate::i18n::Locale) -> String {
    let value = value.into();
    if demo {
        format!("{value}{}", locale.texts().rulebook().demo)
    } else {
        value
    }
}
