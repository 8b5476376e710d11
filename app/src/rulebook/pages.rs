//! The index of rule pages (`/rules`) and one service's rule page (`/rules/<service>`). Two
//! routes for every service's page: a route per service would add to the main WASM module.

use super::api::{load_rule_page, load_rules_index};
use crate::{
    error::AppError,
    i18n::use_texts,
    ui::{error_line, rule_doc::RuleDocView, NotFound, Page},
};
use leptos::prelude::*;
use leptos_router::{
    any_nested_route::IntoAnyNestedRoute, components::Route, hooks::use_params_map, path, SsrMode,
};

crate::lazy_page!(resident, RulesIndexRoute, RulesIndexPage);
crate::lazy_page!(resident, RulesRoute, RulesPage);

/// The routes of the rule pages.
#[component(transparent)]
pub fn RulebookRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/rules") view=RulesIndexRoute ssr=SsrMode::Async />
        <Route path=path!("/rules/:service") view=RulesRoute ssr=SsrMode::Async />
    }
    .into_inner()
    .into_any_nested_route()
}

/// 规则说明: one link per service's rule page, with what it explains.
#[component]
fn RulesIndexPage() -> impl IntoView {
    let t = use_texts();
    let index = Resource::new(|| (), |_| load_rules_index());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match index.await {
                    Ok(i) => view! {
                        <Page title=i.title>
                            <p class="mz-lead">{i.lead}</p>
                            <ul class="mz-list">
                                {i.pages.into_iter().map(|p| view! {
                                    <li class="mz-list__item">
                                        <h2 class="mz-list__title"><a href=p.href>{p.title}</a></h2>
                                        <p class="mz-list__meta">{p.summary}</p>
                                    </li>
                                }).collect_view()}
                            </ul>
                        </Page>
                    }.into_any(),
                    Err(e) => error_line(e, t),
                }
            })}
        </Suspense>
    }
}

/// One service's rules, as its server-side builder wrote them.
#[component]
fn RulesPage() -> impl IntoView {
    let t = use_texts();
    let params = use_params_map();
    let service = params.with_untracked(|p| p.get("service").unwrap_or_default());
    let page = Resource::new(move || service.clone(), load_rule_page);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => view! {
                        <Page title=p.doc.title.clone()>
                            <RuleDocView doc=p.doc />
                            <p><a href="/rules">{p.all_rules}</a></p>
                        </Page>
                    }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound /> }.into_any(),
                    Err(e) => error_line(e, t),
                }
            })}
        </Suspense>
    }
}
