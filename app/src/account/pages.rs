//! Pages of resident accounts: sign-in (two steps), real-name binding, my account, messages.

use super::api::{BindRealName, RequestCode, ResendCode, VerifyCode};
use crate::{
    error::Code,
    i18n::{use_locale, use_texts, Texts},
    rules::{id_number::IdNumber, phone::Phone},
    ui::{
        browser_today, field_error, form_error, format, typed, Field, FormError, Page,
        RequireResident,
    },
};
use leptos::prelude::*;
use leptos_router::{
    any_nested_route::IntoAnyNestedRoute, components::Route, hooks::use_query_map, path, SsrMode,
};

crate::lazy_page!(signin, SignInRoute, SignInPage);
crate::lazy_page!(signin, CodeRoute, CodePage);
crate::lazy_page!(resident, AccountRoute, AccountPage);
crate::lazy_page!(resident, RealNameRoute, RealNamePage);
crate::lazy_page!(resident, MessagesRoute, MessagesPage);
crate::lazy_page!(resident, AffairsRoute, AffairsPage);

/// The routes of this service.
#[component(transparent)]
pub fn AccountRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/signin") view=SignInRoute ssr=SsrMode::Async />
        <Route path=path!("/signin/code") view=CodeRoute ssr=SsrMode::Async />
        <Route path=path!("/account") view=AccountRoute ssr=SsrMode::Async />
        <Route path=path!("/account/realname") view=RealNameRoute ssr=SsrMode::Async />
        <Route path=path!("/messages") view=MessagesRoute ssr=SsrMode::Async />
        <Route path=path!("/affairs") view=AffairsRoute ssr=SsrMode::Async />
    }
    .into_inner()
    // Erased so the routes type-check both with and without `--cfg erase_components`.
    .into_any_nested_route()
}

fn next_param() -> String {
    use_query_map()
        .with_untracked(|q| q.get("next"))
        .unwrap_or_else(|| "/".into())
}

fn check_phone(v: &str, t: &'static Texts) -> Option<String> {
    Phone::parse(v).err().map(|_| Code::PhoneInvalid.message(t))
}

fn check_id_number(v: &str, t: &'static Texts) -> Option<String> {
    IdNumber::parse(v, browser_today())
        .err()
        .map(|e| Code::IdNumber(e).message(t))
}

/// 居民登录, step 1: the mobile number.
#[component]
fn SignInPage() -> impl IntoView {
    let t = use_texts();
    let action = ServerAction::<RequestCode>::new();
    let typed = typed("signin");
    view! {
        <Page title=t.account().sign_in_title.to_string()>
            <p class="mz-lead">{t.account().sign_in_intro}</p>
            <ActionForm action=action attr:class="mz-form">
                <input type="hidden" name="next" value=next_param() />
                <Field
                    name="phone"
                    label=t.account().phone_label
                    hint=t.account().phone_hint
                    kind="tel"
                    inputmode="numeric"
                    autocomplete="tel"
                    maxlength=20
                    required=true
                    value=typed.get("phone").cloned().unwrap_or_default()
                    error=field_error(action.value(), "phone")
                    check=check_phone
                />
                <FormError error=form_error(action.value()) />
                <button type="submit" class="mz-button mz-button--primary">{t.account().send_code}</button>
            </ActionForm>
            <p class="mz-note">{t.account().staff_hint}" "<a href="/staff/signin">{t.staff().sign_in_title}</a></p>
        </Page>
    }
}

/// 居民登录, step 2: the one-time code.
#[component]
fn CodePage() -> impl IntoView {
    let t = use_texts();
    let pending = Resource::new(|| (), |_| super::api::pending_sign_in());
    let verify = ServerAction::<VerifyCode>::new();
    let resend = ServerAction::<ResendCode>::new();
    let typed = typed("signin_code");
    let next = next_param();
    view! {
        <Page title=t.account().code_title.to_string()>
            <Suspense>
                {move || {
                    let typed = typed.clone();
                    let next = next.clone();
                    Suspend::new(async move {
                        match pending.await {
                            Ok(Some(p)) => {
                                let next2 = next.clone();
                                view! {
                                <p class="mz-lead">{t.account().code_sent_to(&p.phone_masked)}</p>
                                {p.dev_code.map(|c| view! {
                                    <p class="mz-devnote" role="note">{t.account().dev_code_note}" "<strong data-testid="dev-code">{c}</strong></p>
                                })}
                                <ActionForm action=verify attr:class="mz-form">
                                    <input type="hidden" name="next" value=next2 />
                                    <Field
                                        name="code"
                                        label=t.account().code_label
                                        hint=t.account().code_hint
                                        inputmode="numeric"
                                        autocomplete="one-time-code"
                                        maxlength=12
                                        required=true
                                        value=typed.get("code").cloned().unwrap_or_default()
                                        error=field_error(verify.value(), "code")
                                    />
                                    <FormError error=form_error(verify.value()) />
                                    <button type="submit" class="mz-button mz-button--primary">{t.account().sign_in}</button>
                                </ActionForm>
                                <ActionForm action=resend attr:class="mz-form mz-form--secondary">
                                    <input type="hidden" name="next" value=next />
                                    <p class="mz-form__error" role="alert">{move || resend.value().with(|v| match v {
                                        Some(Err(e)) => Some(e.message(t)),
                                        _ => None,
                                    })}</p>
                                    <button type="submit" class="mz-button">{t.account().resend_code}</button>
                                </ActionForm>
                                <p><a href="/signin">{t.account().change_number}</a></p>
                            }.into_any()
                            }
                            Ok(None) => view! {
                                <p>{t.account().no_pending}</p>
                                <p><a class="mz-button mz-button--primary" href="/signin">{t.account().sign_in_title}</a></p>
                            }.into_any(),
                            Err(e) => view! { <p role="alert">{e.message(t)}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </Page>
    }
}

/// 实名认证: name and resident ID number, once.
#[component]
fn RealNamePage() -> impl IntoView {
    let t = use_texts();
    // Created once per page, outside the guard: the guard's view may run more than once.
    let action = ServerAction::<BindRealName>::new();
    let typed = typed("realname");
    let next = next_param();
    view! {
        <Page title=t.account().real_name_title.to_string()>
            <RequireResident view=move |me| {
                let typed = typed.clone();
                let next = next.clone();
                match me.real_name {
                    Some(name) => view! {
                        <p class="mz-lead">{t.account().real_name_done}</p>
                        <dl class="mz-facts">
                            <dt>{t.account().name_label}</dt><dd>{name}</dd>
                            <dt>{t.account().id_number_label}</dt><dd>{me.id_number_masked.unwrap_or_default()}</dd>
                        </dl>
                        <p><a class="mz-button mz-button--primary" href="/">{t.common.back_home}</a></p>
                    }.into_any(),
                    None => view! {
                        <p class="mz-lead">{t.account().real_name_intro}</p>
                        <ActionForm action=action attr:class="mz-form">
                            <input type="hidden" name="next" value=next.clone() />
                            <Field
                                name="name"
                                label=t.account().name_label
                                autocomplete="name"
                                maxlength=30
                                required=true
                                value=typed.get("name").cloned().unwrap_or_default()
                                error=field_error(action.value(), "name")
                            />
                            <Field
                                name="id_number"
                                label=t.account().id_number_label
                                hint=t.account().id_number_hint
                                maxlength=18
                                required=true
                                autocomplete="off"
                                value=typed.get("id_number").cloned().unwrap_or_default()
                                error=field_error(action.value(), "id_number")
                                check=check_id_number
                            />
                            <FormError error=form_error(action.value()) />
                            <p class="mz-note">{t.account().privacy_note}</p>
                            <button type="submit" class="mz-button mz-button--primary">{t.account().bind}</button>
                        </ActionForm>
                    }.into_any(),
                }
            } />
        </Page>
    }
}

/// 我的: the account at a glance, and sign-out.
#[component]
fn AccountPage() -> impl IntoView {
    let t = use_texts();
    view! {
        <Page title=t.account().my_account.to_string()>
            <RequireResident view=move |me| view! {
                <dl class="mz-facts">
                    <dt>{t.account().phone_label}</dt><dd>{me.phone_masked.clone()}</dd>
                    <dt>{t.account().name_label}</dt><dd>{me.real_name.clone().unwrap_or_else(|| t.account().not_bound.into())}</dd>
                    <dt>{t.account().id_number_label}</dt><dd>{me.id_number_masked.clone().unwrap_or_else(|| t.account().not_bound.into())}</dd>
                </dl>
                {me.real_name.is_none().then(|| view! {
                    <p><a class="mz-button mz-button--primary" href="/account/realname">{t.account().real_name_title}</a></p>
                })}
                <p><a class="mz-button" href="/messages">{t.account().messages_title}</a></p>
                <form method="post" action="/api/account/sign_out" class="mz-form">
                    <button type="submit" class="mz-button">{t.account().sign_out}</button>
                </form>
            } />
        </Page>
    }
}

/// 站内信: the message centre.
#[component]
fn MessagesPage() -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    // Created once per page, outside the guard: the guard's view may run more than once.
    let list = Resource::new(|| (), |_| super::api::messages());
    let only = service_param();
    view! {
        <Page title=t.account().messages_title.to_string()>
            <RequireResident view=move |_| {
                view! {
                    <Suspense>
                        {move || {
                            let only = only.get();
                            Suspend::new(async move {
                            match list.await {
                                Ok(items) if items.is_empty() => view! { <p class="mz-empty">{t.account().no_messages}</p> }.into_any(),
                                Ok(items) => {
                                    let any_unread = items.iter().any(|m| !m.read);
                                    let mut services: Vec<(String, String, u32, u32)> = vec![];
                                    for m in &items {
                                        match services.iter_mut().find(|s| s.0 == m.service) {
                                            Some(s) => { s.2 += 1; s.3 += u32::from(!m.read); }
                                            None => services.push((m.service.clone(), m.service_name.clone(), 1, u32::from(!m.read))),
                                        }
                                    }
                                    let shown: Vec<_> = items.into_iter().filter(|m| only.as_ref().is_none_or(|o| *o == m.service)).collect();
                                    view! {
                                        <ServiceFilters base="/messages" services=services active=only.clone() />
                                        <ul class="mz-list">
                                            {shown.into_iter().map(|m| {
                                                let (title, body, link) = (m.title.clone(), m.body.clone(), m.link.clone());
                                                let open = format!("{} · {}", t.account().open, title);
                                                view! {
                                                    <li class="mz-list__item" class:mz-list__item--unread=!m.read>
                                                        <h2 class="mz-list__title">
                                                            {(!m.read).then(|| view! { <span class="mz-badge">{t.account().unread}</span>" " })}
                                                            {title}
                                                        </h2>
                                                        <p class="mz-list__meta">{m.service_name.clone()}</p>
                                                        <p>{body}</p>
                                                        {link.map(|href| view! { <p><a href=href>{open}</a></p> })}
                                                        <p class="mz-list__meta"><time datetime=format::iso_instant(m.at)>{format::instant_at(m.at, locale)}</time></p>
                                                    </li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                        {any_unread.then(|| view! {
                                            <form method="post" action="/api/account/messages_read" class="mz-form">
                                                <button type="submit" class="mz-button">{t.account().mark_all_read}</button>
                                            </form>
                                        })}
                                    }.into_any()
                                }
                                Err(e) => view! { <p role="alert">{e.message(t)}</p> }.into_any(),
                            }
                        })
                        }}
                    </Suspense>
                }
            } />
        </Page>
    }
}

/// The `service` filter of a list page (`?service=meals`), if any.
/// The service a list is filtered by (`?service=`), tracked: with JavaScript a filter link
/// changes only the query, and the list follows it without fetching again.
fn service_param() -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| q.get("service")).filter(|s| !s.is_empty()))
}

/// Filters a list by service with plain links (they work without JavaScript): all, then each
/// service with its count and unread messages.
#[component]
fn ServiceFilters(
    /// The page the links lead to.
    base: &'static str,
    /// (key, name, items, unread) of each service.
    services: Vec<(String, String, u32, u32)>,
    active: Option<String>,
) -> impl IntoView {
    let t = use_texts();
    let x = t.account();
    let current = |on: bool| if on { Some("page") } else { None };
    view! {
        <nav class="mz-filters" aria-label=x.filter_by_service>
            <a class="mz-filter" href=base aria-current=current(active.is_none())>{x.filter_all}</a>
            {services.into_iter().map(|(key, name, n, unread)| {
                let on = active.as_deref() == Some(key.as_str());
                let label = if unread > 0 { x.filter_unread(&n.to_string(), &name, &unread.to_string()) } else { x.filter_count(&n.to_string(), &name) };
                view! { <a class="mz-filter" href=format!("{base}?service={key}") aria-current=current(on)>{label}</a> }
            }).collect_view()}
        </nav>
    }
}

/// 我的办件: every item of every service, what comes next and when, filtered by service; the
/// items of elders the resident acts for are marked as such.
#[component]
fn AffairsPage() -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let x = t.account();
    let data = Resource::new(|| (), |_| super::api::affairs());
    let only = service_param();
    view! {
        <Page title=x.affairs_title.to_string()>
            <RequireResident view=move |_| {
                view! {
                    <Suspense>
                        {move || {
                            let only = only.get();
                            Suspend::new(async move {
                                match data.await {
                                    Ok(v) => {
                                        let services = v.services.iter().map(|s| (s.key.clone(), s.name.clone(), s.items, s.unread)).collect();
                                        let shown: Vec<_> = v.items.into_iter().filter(|i| only.as_ref().is_none_or(|o| *o == i.service)).collect();
                                        view! {
                                            <ServiceFilters base="/affairs" services=services active=only.clone() />
                                            {if shown.is_empty() {
                                                view! { <p class="mz-empty">{t.home.no_affairs}</p> }.into_any()
                                            } else {
                                                view! { <ul class="mz-list">{shown.into_iter().map(|a| crate::home::affair_item(a, t, locale)).collect_view()}</ul> }.into_any()
                                            }}
                                            <p>
                                                <a class="mz-button" href="/messages">{t.home.message_centre}
                                                    {(v.unread_total > 0).then(|| view! { " "<span class="mz-badge">{t.home.unread_count(&v.unread_total.to_string())}</span> })}
                                                </a>
                                            </p>
                                        }.into_any()
                                    }
                                    Err(e) => view! { <p role="alert">{e.message(t)}</p> }.into_any(),
                                }
                            })
                        }}
                    </Suspense>
                }
            } />
        </Page>
    }
}
