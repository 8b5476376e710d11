//! The one place the app lists its services. A new service adds one line to each list here
//! (its routes, its refusals, its catalogue entry, its rule page) and one to
//! `server/src/services.rs` (its desks, due work and plain routes); nothing else outside its own
//! folders changes.

#[cfg(feature = "ssr")]
use crate::error::{explain, Explainer};
use leptos::prelude::*;
use leptos_router::any_nested_route::IntoAnyNestedRoute;

/// Every service's pages.
#[component(transparent)]
pub fn ServiceRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <crate::account::pages::AccountRoutes />
        <crate::staff::pages::StaffRoutes />
        <crate::marriage::pages::MarriageRoutes />
        <crate::divorce::pages::DivorceRoutes />
        <crate::after_death::pages::AfterDeathRoutes />
        <crate::meals::pages::MealsRoutes />
        <crate::timebank::pages::TimebankRoutes />
        <crate::proxy::pages::ProxyRoutes />
        <crate::elders::pages::EldersRoutes />
        <crate::rulebook::pages::RulebookRoutes />
    }
    .into_inner()
    .into_any_nested_route()
}

/// How each service's refusals read (the browser's pages register their own, see `lazy_page!`).
#[cfg(feature = "ssr")]
const EXPLAINERS: &[Explainer] = &[
    explain::<crate::appointments::model::Refusal>,
    explain::<crate::marriage::model::Refusal>,
    explain::<crate::divorce::model::Refusal>,
    explain::<crate::after_death::model::Refusal>,
    explain::<crate::meals::model::Refusal>,
    explain::<crate::timebank::model::Refusal>,
    explain::<crate::proxy::model::Refusal>,
    explain::<crate::elders::model::Refusal>,
];

/// What the shared pages (home, messages, workbench) show of each service, in this order.
#[cfg(feature = "ssr")]
const CATALOGUE: &[crate::catalogue::ServiceEntry] = &[
    crate::marriage::model::SERVICE,
    crate::divorce::model::SERVICE,
    crate::after_death::model::SERVICE,
    crate::meals::model::SERVICE,
    crate::timebank::model::SERVICE,
    crate::proxy::model::SERVICE,
    crate::elders::model::SERVICE,
    crate::account::model::SERVICE,
    crate::appointments::model::SERVICE,
    crate::life::model::SERVICE,
];

/// Each service's 规则说明 page, in the order the index (`/rules`) lists them.
#[cfg(feature = "ssr")]
const RULES: &[crate::catalogue::RulesPage] = &[
    crate::marriage::rules::PAGE,
    crate::divorce::rules::PAGE,
    crate::after_death::rules::PAGE,
    crate::meals::rules::PAGE,
    crate::timebank::rules::PAGE,
];

/// Registers the lists above; called once at start (server and browser), safe to call again.
pub fn init() {
    #[cfg(feature = "ssr")]
    {
        crate::error::register_explainers(EXPLAINERS);
        crate::catalogue::register(CATALOGUE);
        crate::catalogue::register_rules(RULES);
    }
}
