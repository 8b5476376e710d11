//! 家人代办: ask to act for an elder, confirm or end grants; and the counter's form that
//! records a grant for an elder without a phone.

use super::{
    api::{AnswerGrant, FamilyGrant, RecordGrant, RequestGrant, RevokeGrant},
    model::{FamilyMember, GrantStatus, GrantView, Grants, Relation, Scope},
};
use crate::{
    error::AppError,
    i18n::{use_locale, use_texts},
    staff::pages::StaffBar,
    ui::{
        error_line, field_error, form_error, format, typed, Field, FormError, Page,
        RequireResident, RequireStaff,
    },
};
use leptos::prelude::*;
use leptos_router::{any_nested_route::IntoAnyNestedRoute, components::Route, path, SsrMode};

crate::lazy_page!(resident, FamilyRoute, FamilyPage);
crate::lazy_page!(staff, RecordRoute, RecordPage);

/// The routes of proxy grants.
#[component(transparent)]
pub fn ProxyRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/family") view=FamilyRoute ssr=SsrMode::Async />
        <Route path=path!("/staff/family") view=RecordRoute ssr=SsrMode::Async />
    }
    .into_inner()
    .into_any_nested_route()
}

/// The fields a grant is asked or recorded with: relation, scopes, last day.
#[component]
fn GrantFields<T: 'static + Send + Sync>(
    value: Signal<Option<Result<T, AppError>>>,
    typed: std::collections::BTreeMap<String, String>,
) -> impl IntoView {
    let t = use_texts();
    let x = t.proxy();
    let v = |k: &str| typed.get(k).cloned().unwrap_or_default();
    view! {
        <div class="mz-field">
            <label class="mz-field__label" for="relation">{x.relation}</label>
            <select class="mz-field__input" id="relation" name="relation">
                {Relation::ALL.map(|r| view! { <option value=r.as_str()>{r.text(t)}</option> }).collect_view()}
            </select>
        </div>
        <fieldset class="mz-fieldset" aria-describedby="scopes-error">
            <legend>{x.scopes}</legend>
            {Scope::ALL.iter().enumerate().map(|(i, s)| view! {
                <label class="mz-check"><input type="checkbox" name=format!("scopes[{i}]") value=s.as_str() checked=true />" "{s.text(t)}</label>
            }).collect_view()}
            <p class="mz-field__error" id="scopes-error" role="alert">{field_error(value, "scopes")}</p>
        </fieldset>
        <Field name="ends_on" label=x.ends_on hint=x.ends_on_hint kind="date" value=v("ends_on") error=field_error(value, "ends_on") />
    }
}

/// 家人代办: grants I gave (as an elder) and hold (for an elder).
#[component]
fn FamilyPage() -> impl IntoView {
    let t = use_texts();
    let x = t.proxy();
    let request = ServerAction::<RequestGrant>::new();
    let answer = ServerAction::<AnswerGrant>::new();
    let revoke = ServerAction::<RevokeGrant>::new();
    let family = ServerAction::<FamilyGrant>::new();
    let grants = Resource::new(
        move || {
            (
                request.version().get(),
                answer.version().get(),
                revoke.version().get(),
                family.version().get(),
            )
        },
        |_| super::api::my_grants(),
    );
    let typed = typed("proxy_request");
    let v = |k: &str| typed.get(k).cloned().unwrap_or_default();
    let (phone, name) = (v("elder_phone"), v("elder_name"));
    let typed2 = typed.clone();
    view! {
        <Page title=x.title.to_string()>
            <p class="mz-lead">{x.lead}</p>
            <RequireResident view=move |_| {
                let (phone, name, typed2) = (phone.clone(), name.clone(), typed2.clone());
                view! {
                    <Suspense>
                        {move || Suspend::new(async move {
                            match grants.await {
                                Ok(g) => view! {
                                    <FamilySection members=g.family.clone() action=family />
                                    <GrantLists g=g answer=answer revoke=revoke />
                                }.into_any(),
                                Err(e) => error_line(e, t),
                            }
                        })}
                    </Suspense>
                    <section class="mz-section" aria-labelledby="ask-h">
                        <h2 id="ask-h">{x.ask_title}</h2>
                        <p class="mz-note">{x.ask_note}</p>
                        <ActionForm action=request attr:class="mz-form">
                            <FormError error=form_error(request.value()) />
                            <Field name="elder_phone" label=x.elder_phone kind="tel" value=phone required=true error=field_error(request.value(), "elder_phone") />
                            <Field name="elder_name" label=x.elder_name value=name required=true error=field_error(request.value(), "elder_name") />
                            <GrantFields value=request.value().into() typed=typed2 />
                            <button class="mz-button mz-button--primary" type="submit">{x.ask}</button>
                        </ActionForm>
                    </section>
                }
            } />
        </Page>
    }
}

/// 家庭成员: family members the platform knows of (a registered spouse), each with one form
/// to let them act for me or to ask to act for them, without typing numbers.
#[component]
fn FamilySection(members: Vec<FamilyMember>, action: ServerAction<FamilyGrant>) -> impl IntoView {
    let t = use_texts();
    let x = t.proxy();
    let locale = use_locale();
    (!members.is_empty()).then(|| view! {
        <section class="mz-section" aria-labelledby="family-h">
            <h2 id="family-h">{x.family_title}</h2>
            <p class="mz-note">{x.family_note}</p>
            <FormError error=form_error(action.value()) />
            <p class="mz-field__error" role="alert">{field_error(action.value(), "link")}</p>
            <ul class="mz-list">
                {members.into_iter().map(|m| {
                    let p = format!("fam-{}", m.link_id);
                    let title = x.family_since(&m.name_masked, m.relation.text(t), &format::day(m.since, locale));
                    view! {
                        <li class="mz-list__item">
                            <h3 class="mz-list__title">{title}</h3>
                            {if m.has_account { view! {
                                <ActionForm action=action attr:class="mz-form">
                                    <input type="hidden" name="link" value=m.link_id.clone() />
                                    <fieldset class="mz-fieldset">
                                        <legend class="mz-visually-hidden">{x.way_label}</legend>
                                        <label class="mz-check"><input type="radio" name="way" value="give" checked=true />" "{x.family_give}</label>
                                        <label class="mz-check"><input type="radio" name="way" value="ask" />" "{x.family_ask}</label>
                                    </fieldset>
                                    <fieldset class="mz-fieldset" aria-describedby=format!("{p}-scopes-error")>
                                        <legend>{x.scopes}</legend>
                                        {Scope::ALL.iter().enumerate().map(|(i, s)| view! {
                                            <label class="mz-check"><input type="checkbox" name=format!("scopes[{i}]") value=s.as_str() checked=true />" "{s.text(t)}</label>
                                        }).collect_view()}
                                        <p class="mz-field__error" id=format!("{p}-scopes-error") role="alert">{field_error(action.value(), "scopes")}</p>
                                    </fieldset>
                                    <div class="mz-field">
                                        <label class="mz-field__label" for=format!("{p}-ends_on")>{x.ends_on}</label>
                                        <p class="mz-field__hint" id=format!("{p}-ends_on-hint")>{x.ends_on_hint}</p>
                                        <input class="mz-field__input" type="date" id=format!("{p}-ends_on") name="ends_on" required=true
                                            aria-describedby=format!("{p}-ends_on-hint {p}-ends_on-error") />
                                        <p class="mz-field__error" id=format!("{p}-ends_on-error") role="alert">{field_error(action.value(), "ends_on")}</p>
                                    </div>
                                    <button class="mz-button mz-button--primary" type="submit">{x.family_submit}</button>
                                </ActionForm>
                            }.into_any() } else { view! { <p class="mz-list__meta">{x.family_no_account}</p> }.into_any() }}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    })
}

#[component]
fn GrantLists(
    g: Grants,
    answer: ServerAction<AnswerGrant>,
    revoke: ServerAction<RevokeGrant>,
) -> impl IntoView {
    let t = use_texts();
    let x = t.proxy();
    view! {
        <FormError error=form_error(answer.value()) />
        <FormError error=form_error(revoke.value()) />
        <section class="mz-section" aria-labelledby="given-h">
            <h2 id="given-h">{x.given_title}</h2>
            {if g.given.is_empty() { view! { <p class="mz-empty">{x.none}</p> }.into_any() } else {
                view! { <ul class="mz-list">{g.given.into_iter().map(|gv| view! { <GrantItem g=gv elder_side=true answer=answer revoke=revoke /> }).collect_view()}</ul> }.into_any()
            }}
        </section>
        <section class="mz-section" aria-labelledby="held-h">
            <h2 id="held-h">{x.held_title}</h2>
            {if g.held.is_empty() { view! { <p class="mz-empty">{x.none}</p> }.into_any() } else {
                view! { <ul class="mz-list">{g.held.into_iter().map(|gv| view! { <GrantItem g=gv elder_side=false answer=answer revoke=revoke /> }).collect_view()}</ul> }.into_any()
            }}
        </section>
    }
}

#[component]
fn GrantItem(
    g: GrantView,
    elder_side: bool,
    answer: ServerAction<AnswerGrant>,
    revoke: ServerAction<RevokeGrant>,
) -> impl IntoView {
    let t = use_texts();
    let x = t.proxy();
    let locale = use_locale();
    let scopes = g
        .scopes
        .iter()
        .map(|s| s.text(t))
        .collect::<Vec<_>>()
        .join(" · ");
    let status = match g.status {
        GrantStatus::Requested => x.st_requested,
        GrantStatus::Active if g.live => x.st_active,
        GrantStatus::Active => x.st_expired,
        GrantStatus::Revoked | GrantStatus::Declined => x.st_ended,
    };
    let pending = g.status == GrantStatus::Requested;
    let id = g.id.clone();
    let id2 = g.id.clone();
    let id3 = g.id.clone();
    view! {
        <li class="mz-list__item" data-grant=g.status.as_str()>
            <h3 class="mz-list__title">{g.other_name.clone()}" · "{g.relation.text(t)}</h3>
            <p class="mz-list__meta">{g.other_phone.clone()}" · "{scopes}" · "{x.until(&format::day(g.ends_on, locale))}" · "<strong>{status}</strong>
                {g.at_counter.then(|| format!(" · {}", x.at_counter))}</p>
            <div class="mz-actions">
                {(pending && elder_side).then(|| view! {
                    <ActionForm action=answer attr:class="mz-inline-form">
                        <input type="hidden" name="grant" value=id.clone() />
                        <input type="hidden" name="answer" value="yes" />
                        <button class="mz-button mz-button--primary" type="submit">{x.confirm}</button>
                    </ActionForm>
                    <ActionForm action=answer attr:class="mz-inline-form">
                        <input type="hidden" name="grant" value=id2.clone() />
                        <input type="hidden" name="answer" value="no" />
                        <button class="mz-button" type="submit">{x.decline}</button>
                    </ActionForm>
                })}
                {(!(pending && elder_side)).then(|| view! {
                    <ActionForm action=revoke attr:class="mz-inline-form">
                        <input type="hidden" name="grant" value=id3.clone() />
                        <button class="mz-button" type="submit">{if pending { x.withdraw } else { x.revoke }}</button>
                    </ActionForm>
                })}
            </div>
        </li>
    }
}

/// At the counter: a grant for an elder without a phone to confirm on, the ID card checked.
#[component]
fn RecordPage() -> impl IntoView {
    let t = use_texts();
    let x = t.proxy();
    let record = ServerAction::<RecordGrant>::new();
    let typed = typed("proxy_record");
    view! {
        <RequireStaff view=move |staff| {
            let typed = typed.clone();
            let v = |k: &str| typed.get(k).cloned().unwrap_or_default();
            let allowed = super::model::may_record(staff.role);
            let (ep, en, pp) = (v("elder_phone"), v("elder_name"), v("proxy_phone"));
            view! {
                <Page title=x.record_title.to_string()>
                    <StaffBar me=staff.clone() />
                    {allowed.then(|| view! {
                        <p class="mz-note">{x.record_note}</p>
                        {move || record.value().get().and_then(|r| r.ok()).map(|_| view! { <p class="mz-notice" role="status">{x.recorded}</p> })}
                        <ActionForm action=record attr:class="mz-form">
                            <FormError error=form_error(record.value()) />
                            <Field name="elder_name" label=x.elder_name value=en.clone() required=true error=field_error(record.value(), "elder_name") />
                            <Field name="elder_phone" label=x.elder_phone kind="tel" value=ep.clone() required=true error=field_error(record.value(), "elder_phone") />
                            <Field name="elder_id_number" label=x.elder_id_number hint=x.elder_id_hint autocomplete="off" maxlength=18 required=true error=field_error(record.value(), "elder_id_number") />
                            <Field name="proxy_phone" label=x.proxy_phone kind="tel" value=pp.clone() required=true error=field_error(record.value(), "proxy_phone") />
                            <GrantFields value=record.value().into() typed=typed.clone() />
                            <button class="mz-button mz-button--primary" type="submit">{x.record}</button>
                        </ActionForm>
                    })}
                </Page>
            }
        } />
    }
}
