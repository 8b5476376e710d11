//! 老人身份确认: the community worker finds an elder (phone, real name, the ID card checked),
//! then confirms or ends the elder's statuses while the check lasts.

use super::{
    api::{CheckElder, ConfirmStatus, EndStatus},
    model::{ElderFile, ElderStatus, StatusRecord, CHECK_MINUTES},
};
use crate::{
    i18n::{use_locale, use_texts},
    identity::Role,
    staff::pages::StaffBar,
    ui::{
        error_line, field_error, form_error, format, typed, Field, FormError, Page, RequireStaff,
    },
};
use leptos::prelude::*;
use leptos_router::{
    any_nested_route::IntoAnyNestedRoute, components::Route, hooks::use_params_map, path, SsrMode,
};

crate::lazy_page!(staff, FindRoute, FindPage);
crate::lazy_page!(staff, FileRoute, FilePage);

/// The routes of the status desk.
#[component(transparent)]
pub fn EldersRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/staff/elders") view=FindRoute ssr=SsrMode::Async />
        <Route path=path!("/staff/elders/:check") view=FileRoute ssr=SsrMode::Async />
    }
    .into_inner()
    .into_any_nested_route()
}

/// Find an elder: phone, real name and the ID number read from the card.
#[component]
fn FindPage() -> impl IntoView {
    let t = use_texts();
    let x = t.elders();
    let find = ServerAction::<CheckElder>::new();
    let typed = typed("elders_check");
    view! {
        <RequireStaff view=move |staff| {
            let v = |k: &str| typed.get(k).cloned().unwrap_or_default();
            let (name, phone) = (v("elder_name"), v("elder_phone"));
            let allowed = staff.role == Role::CommunityWorker;
            view! {
                <Page title=x.desk_name.to_string()>
                    <StaffBar me=staff.clone() />
                    {allowed.then(|| view! {
                        <p class="mz-note">{x.find_note}</p>
                        <ActionForm action=find attr:class="mz-form">
                            <FormError error=form_error(find.value()) />
                            <Field name="elder_name" label=x.elder_name value=name.clone() required=true error=field_error(find.value(), "elder_name") />
                            <Field name="elder_phone" label=x.elder_phone kind="tel" value=phone.clone() required=true error=field_error(find.value(), "elder_phone") />
                            <Field name="elder_id_number" label=x.elder_id_number hint=x.elder_id_hint autocomplete="off" maxlength=18 required=true error=field_error(find.value(), "elder_id_number") />
                            <button class="mz-button mz-button--primary" type="submit">{x.find}</button>
                        </ActionForm>
                        <p><a class="mz-link" href="/staff/family">{x.desk_family}</a></p>
                    })}
                </Page>
            }
        } />
    }
}

/// The checked elder's statuses: confirm one, end one, and the history.
#[component]
fn FilePage() -> impl IntoView {
    let t = use_texts();
    let x = t.elders();
    let check = use_params_map().with_untracked(|p| p.get("check").unwrap_or_default());
    let confirm = ServerAction::<ConfirmStatus>::new();
    let end = ServerAction::<EndStatus>::new();
    let file = Resource::new(
        move || (confirm.version().get(), end.version().get()),
        move |_| super::api::get_elder_file(check.clone()),
    );
    view! {
        <RequireStaff view=move |staff| view! {
            <Page title=x.file_title.to_string()>
                <StaffBar me=staff.clone() />
                <Suspense>
                    {move || Suspend::new(async move {
                        match file.await {
                            Ok(f) => view! { <FileBody f=f confirm=confirm end=end /> }.into_any(),
                            Err(e) => error_line(e, t),
                        }
                    })}
                </Suspense>
                <p><a class="mz-link" href="/staff/elders">{x.find_another}</a></p>
            </Page>
        } />
    }
}

#[component]
fn FileBody(
    f: ElderFile,
    confirm: ServerAction<ConfirmStatus>,
    end: ServerAction<EndStatus>,
) -> impl IntoView {
    let t = use_texts();
    let x = t.elders();
    let locale = use_locale();
    let typed_confirm = typed("elders_confirm");
    let typed_end = typed("elders_end");
    let live: Vec<StatusRecord> = f.live().cloned().collect();
    let ended: Vec<StatusRecord> = f
        .records
        .iter()
        .filter(|r| r.ended_at.is_some())
        .cloned()
        .collect();
    let open: Vec<ElderStatus> = ElderStatus::ALL
        .into_iter()
        .filter(|s| !live.iter().any(|r| r.status == *s))
        .collect();
    let (check, check2, key, key2) = (
        f.check.clone(),
        f.check.clone(),
        f.key.clone(),
        f.key.clone(),
    );
    let expires = format::clock_time(f.check_expires_at);
    view! {
        <dl class="mz-facts" data-elder="">
            <dt>{x.elder_name}</dt><dd>{f.name_masked.clone()}</dd>
            <dt>{x.elder_phone}</dt><dd>{f.phone_masked.clone()}</dd>
            <dt>{x.id_number}</dt><dd>{f.id_number_masked.clone()}</dd>
            <dt>{x.age}</dt><dd>{x.age_years(&f.age.to_string())}</dd>
        </dl>
        <p class="mz-note">{x.check_until(&CHECK_MINUTES.to_string(), &expires)}</p>
        {move || confirm.value().get().and_then(|r| r.ok()).map(|_| view! { <p class="mz-notice" role="status">{x.confirmed}</p> })}
        {move || end.value().get().and_then(|r| r.ok()).map(|_| view! { <p class="mz-notice" role="status">{x.ended}</p> })}
        <section class="mz-section" aria-labelledby="live-h">
            <h2 id="live-h">{x.live_title}</h2>
            {if live.is_empty() {
                view! { <p class="mz-empty">{x.none_live}</p> }.into_any()
            } else {
                view! {
                    <ul class="mz-list" data-list="live">
                        {live.iter().map(|r| view! {
                            <li class="mz-list__item" data-status=r.status.as_str()>
                                <h3 class="mz-list__title">{r.status.text(t)}</h3>
                                <p class="mz-list__meta">{x.since(&format::instant(r.confirmed_at, locale), &r.confirmed_by)}" · "{r.note.clone()}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                    <h3>{x.end_title}</h3>
                    <ActionForm action=end attr:class="mz-form">
                        <FormError error=form_error(end.value()) />
                        <input type="hidden" name="check" value=check2.clone() />
                        <input type="hidden" name="idem_key" value=key2.clone() />
                        <div class="mz-field">
                            <label class="mz-field__label" for="record">{x.end_which}</label>
                            <select class="mz-field__input" id="record" name="record" aria-describedby="record-error">
                                {live.iter().map(|r| view! { <option value=r.id.clone()>{r.status.text(t)}</option> }).collect_view()}
                            </select>
                            <p class="mz-field__error" id="record-error" role="alert">{field_error(end.value(), "record")}</p>
                        </div>
                        <Field name="reason" label=x.end_reason hint=x.end_reason_hint maxlength=200 required=true
                            value=typed_end.get("reason").cloned().unwrap_or_default() error=field_error(end.value(), "reason") />
                        <button class="mz-button" type="submit">{x.end}</button>
                    </ActionForm>
                }.into_any()
            }}
        </section>
        {(!open.is_empty()).then(|| view! {
            <section class="mz-section" aria-labelledby="confirm-h">
                <h2 id="confirm-h">{x.confirm_title}</h2>
                <p class="mz-note">{x.confirm_note}</p>
                <ActionForm action=confirm attr:class="mz-form">
                    <FormError error=form_error(confirm.value()) />
                    <input type="hidden" name="check" value=check.clone() />
                    <input type="hidden" name="idem_key" value=key.clone() />
                    <div class="mz-field">
                        <label class="mz-field__label" for="status">{x.status}</label>
                        <select class="mz-field__input" id="status" name="status" aria-describedby="status-error">
                            {open.iter().map(|s| view! { <option value=s.as_str()>{s.text(t)}</option> }).collect_view()}
                        </select>
                        <p class="mz-field__error" id="status-error" role="alert">{field_error(confirm.value(), "status")}</p>
                    </div>
                    <Field name="note" label=x.note hint=x.note_hint maxlength=200 required=true
                        value=typed_confirm.get("note").cloned().unwrap_or_default() error=field_error(confirm.value(), "note") />
                    <button class="mz-button mz-button--primary" type="submit">{x.confirm}</button>
                </ActionForm>
            </section>
        })}
        <section class="mz-section" aria-labelledby="history-h">
            <h2 id="history-h">{x.history_title}</h2>
            {if ended.is_empty() {
                view! { <p class="mz-empty">{x.none_ended}</p> }.into_any()
            } else {
                view! {
                    <ul class="mz-list" data-list="history">
                        {ended.iter().map(|r| view! {
                            <li class="mz-list__item" data-status=r.status.as_str()>
                                <h3 class="mz-list__title">{r.status.text(t)}</h3>
                                <p class="mz-list__meta">{x.since(&format::instant(r.confirmed_at, locale), &r.confirmed_by)}" · "{r.note.clone()}</p>
                                <p class="mz-list__meta">{x.ended_on(
                                    &format::instant(r.ended_at.unwrap_or_default(), locale),
                                    r.ended_by.as_deref().unwrap_or_default(),
                                )}" · "{r.end_note.clone().unwrap_or_default()}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
