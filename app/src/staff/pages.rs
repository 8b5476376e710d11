//! Pages of the staff workbench.

use super::{
    api::{CreateStaff, StaffSignIn},
    model::{Role, StaffView, Unit, UnitKind},
};
use crate::{
    i18n::{use_locale, use_texts, Locale, Texts},
    ui::{field_error, form_error, format, typed, Field, FormError, Page, RequireStaff},
};
use leptos::prelude::*;
use leptos_router::{
    any_nested_route::IntoAnyNestedRoute, components::Route, hooks::use_query_map, path, SsrMode,
};

crate::lazy_page!(signin, StaffSignInRoute, StaffSignInPage);
crate::lazy_page!(staff, WorkbenchRoute, WorkbenchPage);
crate::lazy_page!(staff, StaffAccountsRoute, StaffAccountsPage);
crate::lazy_page!(staff, AuditRoute, AuditPage);

#[component(transparent)]
pub fn StaffRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/staff/signin") view=StaffSignInRoute ssr=SsrMode::Async />
        <Route path=path!("/staff") view=WorkbenchRoute ssr=SsrMode::Async />
        <Route path=path!("/staff/accounts") view=StaffAccountsRoute ssr=SsrMode::Async />
        <Route path=path!("/staff/audit") view=AuditRoute ssr=SsrMode::Async />
    }
    .into_inner()
    // Erased so the routes type-check both with and without `--cfg erase_components`.
    .into_any_nested_route()
}

/// The name of a role in the reader's language.
pub fn role_name(role: Role, t: &'static Texts) -> &'static str {
    let s = t.staff();
    match role {
        Role::RegistryClerk => s.role_registry_clerk,
        Role::FuneralReviewer => s.role_funeral_reviewer,
        Role::CanteenOperator => s.role_canteen_operator,
        Role::OrganisationAdmin => s.role_organisation_admin,
        Role::Auditor => s.role_auditor,
        Role::Administrator => s.role_administrator,
        Role::DepartmentOfficer => s.role_department_officer,
        Role::FinanceOfficer => s.role_finance_officer,
        Role::CommunityWorker => s.role_community_worker,
    }
}

fn unit_name(u: &Unit, locale: Locale) -> String {
    match locale {
        Locale::ZhCn => u.name_zh.clone(),
        Locale::En => u.name_en.clone(),
    }
}

#[component]
fn StaffSignInPage() -> impl IntoView {
    let t = use_texts();
    let action = ServerAction::<StaffSignIn>::new();
    let typed = typed("staff_signin");
    let next = use_query_map()
        .with_untracked(|q| q.get("next"))
        .unwrap_or_else(|| "/staff".into());
    view! {
        <Page title=t.staff().sign_in_title.to_string()>
            <ActionForm action=action attr:class="mz-form">
                <input type="hidden" name="next" value=next />
                <Field name="username" label=t.staff().username autocomplete="username" maxlength=32 required=true
                    value=typed.get("username").cloned().unwrap_or_default()
                    error=field_error(action.value(), "username") />
                <Field name="password" label=t.staff().password kind="password" autocomplete="current-password" maxlength=128 required=true
                    error=field_error(action.value(), "password") />
                <FormError error=form_error(action.value()) />
                <button type="submit" class="mz-button mz-button--primary">{t.staff().sign_in}</button>
            </ActionForm>
        </Page>
    }
}

/// The header of every workbench page: who is signed in, in which role and unit.
#[component]
pub fn StaffBar(me: StaffView) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    view! {
        <div class="mz-staffbar">
            <p>{me.display_name.clone()}" · "{role_name(me.role, t)}" · "{unit_name(&me.unit, locale)}</p>
            <form method="post" action="/api/staff/sign_out" class="mz-inline-form">
                <button type="submit" class="mz-button">{t.staff().sign_out}</button>
            </form>
        </div>
    }
}

#[component]
fn WorkbenchPage() -> impl IntoView {
    let t = use_texts();
    let desks = Resource::new(|| (), |_| super::api::desks());
    let notices = Resource::new(|| (), |_| super::api::notices());
    view! {
        <RequireStaff view=move |me: StaffView| {
                let role = me.role;
                view! {
                  <Page title=t.staff().workbench.to_string()>
                    <StaffBar me=me />
                    <ul class="mz-tiles">
                        {role.can_manage_staff().then(|| view! {
                            <li class="mz-tile"><a class="mz-tile__link" href="/staff/accounts">
                                <span class="mz-tile__name">{t.staff().accounts_title}</span>
                            </a></li>
                        })}
                        <Suspense>
                            {move || Suspend::new(async move {
                                desks.await.unwrap_or_default().into_iter().map(|d| view! {
                                    <li class="mz-tile"><a class="mz-tile__link" href=d.href>
                                        <span class="mz-tile__name">{d.name}</span>
                                        <span class="mz-tile__body">{d.body}</span>
                                    </a></li>
                                }).collect_view()
                            })}
                        </Suspense>
                        {role.can_read_audit().then(|| view! {
                            <li class="mz-tile"><a class="mz-tile__link" href="/staff/audit">
                                <span class="mz-tile__name">{t.staff().audit_title}</span>
                            </a></li>
                        })}
                    </ul>
                    <Suspense>
                        {move || Suspend::new(async move {
                            let list = notices.await.unwrap_or_default();
                            (!list.is_empty()).then(|| view! { <UnitNotices list=list /> })
                        })}
                    </Suspense>
                    <p class="mz-note">{t.staff().workbench_note}</p>
                  </Page>
                }
        } />
    }
}

/// 本单位通知: what other services told this unit (an order it need not cook any more).
#[component]
fn UnitNotices(list: Vec<super::model::UnitNotice>) -> impl IntoView {
    let t = use_texts();
    let x = t.staff();
    let locale = use_locale();
    let unread = list.iter().any(|n| !n.read);
    view! {
        <section class="mz-section" aria-labelledby="notices-h">
            <h2 id="notices-h">{x.notices_title}</h2>
            <ul class="mz-list">
                {list.into_iter().map(|n| view! {
                    <li class="mz-list__item">
                        <h3 class="mz-list__title">
                            {(!n.read).then(|| view! { <span class="mz-badge">{x.notice_unread}</span>" " })}
                            {n.title}
                        </h3>
                        <p>{n.body}</p>
                        <p class="mz-list__meta">{format::instant_at(chrono::DateTime::from_timestamp(n.at, 0).unwrap_or_default(), locale)}
                            {n.link.map(|l| view! { " · "<a href=l>{x.notice_open}</a> })}</p>
                    </li>
                }).collect_view()}
            </ul>
            {unread.then(|| view! {
                <form method="post" action="/api/staff/notices_read" class="mz-form">
                    <button type="submit" class="mz-button">{x.notices_read}</button>
                </form>
            })}
        </section>
    }
}

#[component]
fn StaffAccountsPage() -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    // Created once per page, outside the guard: the guard's view may run more than once.
    let create = ServerAction::<CreateStaff>::new();
    let list = Resource::new(move || create.version().get(), |_| super::api::list_staff());
    let units = Resource::new(|| (), |_| super::api::units());
    let typed = typed("create_staff");
    view! {
        <RequireStaff view=move |me: StaffView| {
                let typed = typed.clone();
                view! {
                  <Page title=t.staff().accounts_title.to_string()>
                    <StaffBar me=me />
                    <Suspense>
                        {move || Suspend::new(async move {
                            match list.await {
                                Ok(rows) => view! {
                                    <div class="mz-table-wrap" role="region" aria-label=t.staff().accounts_title tabindex="0">
                                    <table class="mz-table">
                                        <caption>{t.staff().accounts_title}</caption>
                                        <thead><tr>
                                            <th scope="col">{t.staff().username}</th>
                                            <th scope="col">{t.staff().display_name}</th>
                                            <th scope="col">{t.staff().role}</th>
                                            <th scope="col">{t.staff().unit}</th>
                                        </tr></thead>
                                        <tbody>
                                            {rows.into_iter().map(|s| view! {
                                                <tr>
                                                    <td>{s.username}</td>
                                                    <td>{s.display_name}</td>
                                                    <td>{role_name(s.role, t)}</td>
                                                    <td>{unit_name(&s.unit, locale)}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                    </div>
                                }.into_any(),
                                Err(e) => view! { <p role="alert">{e.message(t)}</p> }.into_any(),
                            }
                        })}
                    </Suspense>
                    <h2>{t.staff().create_title}</h2>
                    <ActionForm action=create attr:class="mz-form">
                        <Field name="username" label=t.staff().username hint=t.staff().username_hint maxlength=32 required=true
                            value=typed.get("username").cloned().unwrap_or_default()
                            error=field_error(create.value(), "username") />
                        <Field name="display_name" label=t.staff().display_name maxlength=40 required=true
                            value=typed.get("display_name").cloned().unwrap_or_default()
                            error=field_error(create.value(), "display_name") />
                        <Field name="password" label=t.staff().initial_password hint=t.staff().password_hint kind="password"
                            autocomplete="new-password" maxlength=128 required=true
                            error=field_error(create.value(), "password") />
                        <div class="mz-field">
                            <label class="mz-field__label" for="role">{t.staff().role}</label>
                            <select class="mz-field__input" id="role" name="role">
                                {Role::ALL.into_iter().map(|r| {
                                    let selected = typed.get("role").is_some_and(|v| v == r.as_str());
                                    view! { <option value=r.as_str() selected=selected>{role_name(r, t)}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <Suspense>
                            {move || {
                                let chosen = typed.get("unit_id").cloned();
                                Suspend::new(async move {
                                    let units = units.await.unwrap_or_default();
                                    view! {
                                        <div class="mz-field">
                                            <label class="mz-field__label" for="unit_id">{t.staff().unit}</label>
                                            <p class="mz-field__hint" id="unit_id-hint">{t.staff().unit_hint}</p>
                                            <select class="mz-field__input" id="unit_id" name="unit_id" aria-describedby="unit_id-hint unit_id-error">
                                                {units.into_iter().map(|u| {
                                                    let kind = match u.kind {
                                                        UnitKind::Office => t.staff().kind_office,
                                                        UnitKind::Canteen => t.staff().kind_canteen,
                                                        UnitKind::Organisation => t.staff().kind_organisation,
                                                        UnitKind::Bureau => t.staff().kind_bureau,
                                                        UnitKind::Department => t.staff().kind_department,
                                                        UnitKind::Community => t.staff().kind_community,
                                                    };
                                                    let selected = chosen.as_deref() == Some(u.id.as_str());
                                                    view! { <option value=u.id.clone() selected=selected>{format!("{} ({kind})", unit_name(&u, locale))}</option> }
                                                }).collect_view()}
                                            </select>
                                            <p class="mz-field__error" id="unit_id-error" role="alert">
                                                {move || field_error(create.value(), "unit_id").get()}
                                            </p>
                                        </div>
                                    }
                                })
                            }}
                        </Suspense>
                        <FormError error=form_error(create.value()) />
                        <p class="mz-form__ok" role="status">{move || create.value().with(|v| match v {
                            Some(Ok(s)) => Some(t.staff().created(&s.username)),
                            _ => None,
                        })}</p>
                        <button type="submit" class="mz-button mz-button--primary">{t.staff().create}</button>
                    </ActionForm>
                  </Page>
                }
        } />
    }
}

#[component]
fn AuditPage() -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let log = Resource::new(|| (), |_| super::api::audit_log());
    view! {
        <RequireStaff view=move |me: StaffView| {
                view! {
                  <Page title=t.staff().audit_title.to_string()>
                    <StaffBar me=me />
                    <Suspense>
                        {move || Suspend::new(async move {
                            match log.await {
                                Ok(rows) => view! {
                                    <div class="mz-table-wrap" role="region" aria-label=t.staff().audit_title tabindex="0">
                                    <table class="mz-table">
                                        <caption>{t.staff().audit_title}</caption>
                                        <thead><tr>
                                            <th scope="col">{t.staff().when}</th>
                                            <th scope="col">{t.staff().who}</th>
                                            <th scope="col">{t.staff().action}</th>
                                            <th scope="col">{t.staff().target}</th>
                                            <th scope="col">{t.staff().client}</th>
                                        </tr></thead>
                                        <tbody>
                                            {rows.into_iter().map(|e| view! {
                                                <tr>
                                                    <td><time datetime=format::iso_instant(e.at)>{format::instant_at(e.at, locale)}</time></td>
                                                    <td>{e.actor}</td>
                                                    <td>{if locale == crate::i18n::Locale::En { e.action_en } else { e.action_zh }}</td>
                                                    <td>{if locale == crate::i18n::Locale::En { e.target_en } else { e.target }}</td>
                                                    <td>{e.client}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                    </div>
                                }.into_any(),
                                Err(e) => view! { <p role="alert">{e.message(t)}</p> }.into_any(),
                            }
                        })}
                    </Suspense>
                  </Page>
                }
        } />
    }
}
