//! Pages of divorce registration: the service page with my applications (their dates and how
//! each was counted, withdrawal) and my appointments, the booking page for each purpose, the
//! appointment page, and the clerk's divorce and counselling desk. Every page carries the
//! quick-exit control; every form works without JavaScript.

use super::{
    api::{BookAppointment, CasesView, Receive, Withdraw},
    model::{
        explain_steps, CaseStatus, CaseView, Phase, APPLICATION, CERTIFICATE, COUNSELLING, PURPOSES,
    },
};
use crate::{
    appointments::{
        api::{Cancel, Confirm, PartnerDraft, PartnerStep},
        model::{BookingStatus, BookingView, Party, PickerData, PurposeSpec, VoucherView},
        pages::{
            id_param, office_name, when_text, BookingErrors, BookingSteps, ChangeBooking,
            ConfirmInvitation, CounterActions, CounterDesk, CounterWording, DraftFields,
            ReviewFacts, Step, StepState, VoucherQr, WaitingForPartner,
        },
    },
    error::AppError,
    i18n::{use_locale, use_texts, Texts},
    identity::Role,
    staff::pages::StaffBar,
    ui::{
        field_error, form_error, format, typed, Field, Forbidden, FormError, Page, RequireResident,
        RequireStaff,
    },
};
use leptos::prelude::*;
use leptos_router::{
    any_nested_route::IntoAnyNestedRoute, components::Route, hooks::use_query_map, path, SsrMode,
};

crate::lazy_page!(resident, DivorceHomeRoute, DivorceHomePage);
crate::lazy_page!(resident, DivorceBookRoute, DivorceBookPage);
crate::lazy_page!(resident, AppointmentRoute, AppointmentPage);
crate::lazy_page!(staff, DivorceClerkRoute, DivorceClerkPage);

/// The routes of this service.
#[component(transparent)]
pub fn DivorceRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/divorce") view=DivorceHomeRoute ssr=SsrMode::Async />
        <Route path=path!("/divorce/book") view=DivorceBookRoute ssr=SsrMode::Async />
        <Route path=path!("/divorce/appointment/:id") view=AppointmentRoute ssr=SsrMode::Async />
        <Route path=path!("/staff/divorce") view=DivorceClerkRoute ssr=SsrMode::Async />
    }
    .into_inner()
    .into_any_nested_route()
}

/// Where the quick-exit control leads: an ordinary, unrelated page.
const EXIT_TO: &str = "https://www.weather.com.cn/";

/// 快速离开: one tap leaves for an unrelated page. With JavaScript the divorce page is also
/// replaced in the history, so "back" does not return to it.
#[component]
fn QuickExit() -> impl IntoView {
    let t = use_texts();
    view! {
        <a class="mz-quick-exit" href=EXIT_TO rel="noreferrer" title=t.divorce().quick_exit_label
            on:click=|ev| {
                ev.prevent_default();
                let _ = window().location().replace(EXIT_TO);
            }>
            {t.divorce().quick_exit}
        </a>
    }
}

/// A purpose's name, by its key.
fn purpose_text(key: &str, t: &'static Texts) -> &'static str {
    let x = t.divorce();
    match key {
        k if k == APPLICATION.key => x.purpose_divorce_application,
        k if k == CERTIFICATE.key => x.purpose_divorce_certificate,
        _ => x.purpose_counselling,
    }
}

/// An appointment's status from the reader's side; "registered" says what was done for this
/// purpose.
fn appointment_status(
    status: BookingStatus,
    purpose: &str,
    role: Party,
    t: &'static Texts,
) -> &'static str {
    let x = t.divorce();
    match status {
        BookingStatus::Registered if purpose == APPLICATION.key => x.done_application,
        BookingStatus::Registered if purpose == CERTIFICATE.key => x.done_certificate,
        BookingStatus::Registered => x.done_counselling,
        s => s.text(role, t),
    }
}

fn case_status(c: &CaseView, now: i64, t: &'static Texts) -> &'static str {
    let x = t.divorce();
    match c.status {
        CaseStatus::Open => match c.phase_at(now) {
            Phase::CoolingOff => x.phase_cooling,
            Phase::CertificateWindow => x.phase_window,
            Phase::DeemedWithdrawn => x.phase_ending,
        },
        CaseStatus::Withdrawn => x.case_withdrawn,
        CaseStatus::DeemedWithdrawn => x.case_deemed_withdrawn,
        CaseStatus::Divorced => x.case_divorced,
    }
}

/// 离婚登记: my applications and appointments.
#[component]
fn DivorceHomePage() -> impl IntoView {
    let t = use_texts();
    let x = t.divorce();
    let withdraw = ServerAction::<Withdraw>::new();
    let cases = Resource::new(move || withdraw.version().get(), |_| super::api::overview());
    let appointments = Resource::new(
        move || withdraw.version().get(),
        |_| crate::appointments::api::my_bookings(APPLICATION.service.to_owned()),
    );
    view! {
        <Page title=x.title.to_string()>
            <QuickExit />
            <p class="mz-lead">{x.intro}</p>
            <Suspense>
                {move || Suspend::new(async move {
                    match (cases.await, appointments.await) {
                        (Ok(c), Ok(a)) => view! { <Overview c=c appointments=a withdraw=withdraw /> }.into_any(),
                        (Err(AppError::SignInRequired), _) | (_, Err(AppError::SignInRequired)) => view! {
                            <p class="mz-empty">{t.home.sign_in_for_affairs}</p>
                            <p><a class="mz-button" href="/signin?next=/divorce">{t.account().sign_in}</a></p>
                        }.into_any(),
                        (Err(e), _) | (_, Err(e)) => view! { <p role="alert">{e.message(t)}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <section class="mz-section" aria-labelledby="counselling-h">
                <h2 id="counselling-h">{x.counselling_title}</h2>
                <p>{x.counselling_body}</p>
            </section>
        </Page>
    }
}

#[component]
fn Overview(
    c: CasesView,
    appointments: Vec<BookingView>,
    withdraw: ServerAction<Withdraw>,
) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let (x, a) = (t.divorce(), t.appointments());
    let open_case = c.cases.iter().any(|c| c.status == CaseStatus::Open);
    let pending_application = appointments
        .iter()
        .any(|b| b.purpose == APPLICATION.key && b.status.is_active());
    let now = c.now;
    view! {
        {(!open_case && !pending_application).then(|| view! {
            <p><a class="mz-button mz-button--primary" href="/divorce/book?purpose=divorce_application">{x.book_application}</a></p>
        })}
        <section class="mz-section" aria-labelledby="cases-h">
            <h2 id="cases-h">{x.my_cases}</h2>
            {if c.cases.is_empty() {
                view! { <p class="mz-empty">{x.no_cases}</p> }.into_any()
            } else {
                c.cases.into_iter().map(|c| view! { <CaseCard c=c now=now withdraw=withdraw /> }).collect_view().into_any()
            }}
        </section>
        <section class="mz-section" aria-labelledby="appointments-h">
            <h2 id="appointments-h">{x.my_appointments}</h2>
            {if appointments.is_empty() {
                view! { <p class="mz-empty">{x.no_appointments}</p> }.into_any()
            } else {
                view! {
                    <ul class="mz-list">
                        {appointments.into_iter().map(|b| {
                            let waiting_for_me = b.role == Party::Partner && b.status == BookingStatus::PendingPartner;
                            view! {
                                <li class="mz-list__item">
                                    <h3 class="mz-list__title">
                                        <a href=b.page.clone()>{purpose_text(&b.purpose, t)}": "{when_text(&b, locale)}</a>
                                    </h3>
                                    <p class="mz-list__meta">
                                        {a.reference}" "<span class="mz-nowrap">{b.reference.clone()}</span>" · "{appointment_status(b.status, &b.purpose, b.role, t)}
                                        {waiting_for_me.then(|| view! { " "<span class="mz-badge">{t.marriage().invited}</span> })}
                                    </p>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// One application: its status, both dates with how each was counted, the calendar file, and
/// what can be done now (withdraw, counselling, the certificate visit).
#[component]
fn CaseCard(c: CaseView, now: i64, withdraw: ServerAction<Withdraw>) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let x = t.divorce();
    let open = c.status == CaseStatus::Open;
    let phase = c.phase_at(now);
    let cooling = explain_steps(&c.cooling_steps, x.received, t, locale);
    let window = explain_steps(&c.window_steps, x.cooling_off_ended, t, locale);
    let received = format::day(c.received_on, locale);
    let heading_id = format!("case-{}", c.id);
    let labelled_by = heading_id.clone();
    let id = c.id.clone();
    view! {
        <article class="mz-case" aria-labelledby=labelled_by data-status=c.status.as_str()>
            <h3 id=heading_id>{x.case_reference}" "{c.reference.clone()}</h3>
            <p class="mz-status">{t.appointments().status}": "<strong data-testid="case-status">{case_status(&c, now, t)}</strong></p>
            {(c.status == CaseStatus::Withdrawn).then(|| view! {
                <p>{if c.withdrawn_by_me { x.withdrawn_by_me } else { x.withdrawn_by_other }}</p>
            })}
            <dl class="mz-facts">
                <dt>{x.received_on}</dt><dd>{received}</dd>
                <dt>{x.cooling_ends}</dt><dd data-testid="cooling-ends">{format::instant(c.cooling_ends_at, locale)}</dd>
                <dt>{x.window_ends}</dt><dd data-testid="window-ends">{format::instant(c.window_ends_at, locale)}</dd>
            </dl>
            {(!c.unsure_years.is_empty()).then(|| {
                let sep = if locale == crate::i18n::Locale::ZhCn { "、" } else { ", " };
                let years = c.unsure_years.iter().map(i32::to_string).collect::<Vec<_>>().join(sep);
                view! { <p class="mz-note" data-testid="unsure-years">{x.unsure_years(&years)}</p> }
            })}
            <details class="mz-explain">
                <summary>{x.how_cooling}</summary>
                <p data-testid="cooling-explain">{cooling}</p>
            </details>
            <details class="mz-explain">
                <summary>{x.how_window}</summary>
                <p>{window}</p>
            </details>
            <p><a href="/rules/divorce#counting">{x.rules_link}</a></p>
            <p>
                <a class="mz-button" href=format!("/divorce/case/{}/dates.ics", c.id) download="dates.ics">{x.add_calendar}</a>
            </p>
            <p class="mz-note">{x.calendar_note}</p>
            {(open && phase == Phase::CertificateWindow).then(|| view! {
                <p><a class="mz-button mz-button--primary" href=format!("/divorce/book?purpose=divorce_certificate&case={}", c.id)>{x.book_certificate}</a></p>
            })}
            {(open && phase == Phase::CoolingOff).then(|| {
                let id = id.clone();
                let box_id = format!("confirm_withdraw-{id}");
                let err_id = format!("{box_id}-error");
                let (box_for, err_for) = (box_id.clone(), err_id.clone());
                let counselling = format!("/divorce/book?purpose=counselling&case={id}");
                let (h_id, h_ref) = (format!("withdraw-h-{id}"), format!("withdraw-h-{id}"));
                view! {
                    <p><a class="mz-button" href=counselling>{x.book_counselling}</a></p>
                    <section class="mz-section" aria-labelledby=h_ref>
                        <h4 id=h_id>{x.withdraw_title}</h4>
                        <p>{x.withdraw_body}</p>
                        <ActionForm action=withdraw attr:class="mz-form mz-form--secondary">
                            <input type="hidden" name="case_id" value=id.clone() />
                            <div class="mz-check">
                                <input type="checkbox" id=box_id name="confirm_withdraw" value="on" required=true
                                    aria-describedby=err_for />
                                <label for=box_for>{x.withdraw_confirm_label}</label>
                            </div>
                            <p class="mz-field__error" id=err_id role="alert">{field_error(withdraw.value(), "confirm_withdraw")}</p>
                            <FormError error=form_error(withdraw.value()) />
                            <button type="submit" class="mz-button">{x.withdraw_button}</button>
                        </ActionForm>
                    </section>
                }
            })}
        </article>
    }
}

fn query(name: &'static str) -> Option<String> {
    use_query_map().with_untracked(|q| q.get(name))
}

/// 预约: an application (with the other party), a certificate visit or counselling — one step
/// per page (a day, a time, the other party for an application, then check and book).
#[component]
fn DivorceBookPage() -> impl IntoView {
    let t = use_texts();
    let x = t.divorce();
    let purpose = query("purpose")
        .and_then(|p| PURPOSES.iter().find(|s| s.key == p).copied())
        .unwrap_or(APPLICATION);
    let case_id = query("case").unwrap_or_default();
    let state = StepState::memo();
    let action = ServerAction::<BookAppointment>::new();
    let partner_action = ServerAction::<PartnerStep>::new();
    let picker = {
        let case_id = case_id.clone();
        Resource::new(
            move || (action.version().get(), state.with(|s| s.office.clone())),
            move |(_, office)| {
                super::api::appointment_picker(
                    purpose.key.to_owned(),
                    Some(case_id.clone()),
                    office,
                )
            },
        )
    };
    // Read again on arriving at the review step: the partner step has just stored it.
    let draft = Resource::new(
        move || state.with(|s| s.step == Step::Review),
        |_| crate::appointments::api::read_draft(FORM.to_owned()),
    );
    let keep = if case_id.is_empty() {
        format!("purpose={}", purpose.key)
    } else {
        format!(
            "purpose={}&case={}",
            purpose.key,
            crate::ui::urlencode(&case_id)
        )
    };
    let title = x.book_title_of(purpose_text(purpose.key, t));
    view! {
        <Page title=title>
            <QuickExit />
            <RequireResident view=move |me| {
                let (keep, case_id) = (keep.clone(), case_id.clone());
                if me.real_name.is_none() {
                    return view! {
                        <p class="mz-lead">{t.errors.real_name_required}</p>
                        <p><a class="mz-button mz-button--primary" href="/account/realname?next=/divorce">{t.account().real_name_title}</a></p>
                    }.into_any();
                }
                view! {
                    <Suspense>
                        {move || {
                            let (state, keep, case_id) = (state.get(), keep.clone(), case_id.clone());
                            Suspend::new(async move {
                                let p = match picker.await {
                                    Ok(p) => p,
                                    Err(e) => return view! { <p class="mz-alert" role="alert">{e.message(t)}</p> }.into_any(),
                                };
                                let is_application = purpose.key == APPLICATION.key;
                                let note = match purpose.key {
                                    k if k == CERTIFICATE.key => Some(x.certificate_note),
                                    k if k == COUNSELLING.key => Some(x.counselling_note),
                                    _ => None,
                                };
                                if state.step != Step::Review {
                                    return view! {
                                        {(state.step == Step::Day).then(|| note.map(|n| view! { <p class="mz-note">{n}</p> }))}
                                        <BookingSteps base=BASE keep=keep p=p state=state
                                            partner=is_application.then_some((x.partner_title, Some(x.partner_hint)))
                                            form=FORM partner_action=partner_action />
                                    }.into_any();
                                }
                                let draft = if is_application { draft.await.ok().flatten() } else { None };
                                view! { <DivorceReview p=p state=state keep=keep case_id=case_id purpose=purpose draft=draft action=action /> }.into_any()
                            })
                        }}
                    </Suspense>
                }.into_any()
            } />
            <p><a href="/divorce">{x.back}</a></p>
        </Page>
    }
}

const BASE: &str = "/divorce/book";
const FORM: &str = "divorce_book";

/// The last step of a divorce appointment: what will be booked, then book.
#[component]
fn DivorceReview(
    p: PickerData,
    state: StepState,
    keep: String,
    case_id: String,
    purpose: PurposeSpec,
    draft: Option<PartnerDraft>,
    action: ServerAction<BookAppointment>,
) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let (x, a) = (t.divorce(), t.appointments());
    let is_application = purpose.key == APPLICATION.key;
    if is_application && draft.is_none() {
        return view! {
            <p class="mz-alert" role="alert">{a.draft_lost}</p>
            <p><a class="mz-button mz-button--primary" href=state.href(BASE, &keep, Step::Partner)>{a.step_partner}</a></p>
        }
        .into_any();
    }
    let slot = p
        .slots
        .iter()
        .find(|s| Some(&s.id) == state.slot.as_ref())
        .cloned();
    let note = slot
        .as_ref()
        .filter(|_| is_application)
        .map(|s| a.review_note(&format::instant(p.hold_until(s, false), locale)));
    let total = if is_application { 4 } else { 3 };
    view! {
        <ReviewFacts p=p.clone() state=state.clone() base=BASE keep=keep.clone() draft=draft.clone() total=total />
        <ActionForm action=action attr:class="mz-form">
            <input type="hidden" name="purpose" value=purpose.key />
            <input type="hidden" name="case_id" value=case_id />
            <input type="hidden" name="idempotency_key" value=p.idempotency_key.clone() />
            <input type="hidden" name="slot_id" value=state.slot.clone().unwrap_or_default() />
            {draft.map(|d| view! { <DraftFields draft=d /> })}
            <BookingErrors error=action.value() base=BASE state=state.clone() keep=keep />
            <button type="submit" class="mz-button mz-button--primary">{x.submit_book}</button>
            {note.map(|n| view! { <p class="mz-note">{n}</p> })}
        </ActionForm>
    }
    .into_any()
}

/// One appointment: its facts, the other party's confirmation, the voucher, cancelling.
#[component]
fn AppointmentPage() -> impl IntoView {
    let t = use_texts();
    let x = t.divorce();
    let id = id_param();
    let confirm = ServerAction::<Confirm>::new();
    let cancel = ServerAction::<Cancel>::new();
    let voucher = Resource::new(
        move || (id.get(), confirm.version().get(), cancel.version().get()),
        |(id, _, _)| crate::appointments::api::voucher(id),
    );
    view! {
        <Page title=x.appointment_title.to_string()>
            <QuickExit />
            <RequireResident view=move |_| view! {
                <Suspense>
                    {move || Suspend::new(async move {
                        match voucher.await {
                            Ok(v) if v.booking.service == APPLICATION.service => view! { <Appointment v=v confirm=confirm cancel=cancel /> }.into_any(),
                            Ok(_) | Err(AppError::NotFound) => {
                                crate::ui::set_status(404);
                                view! { <p class="mz-alert" role="alert">{AppError::NotFound.message(t)}</p> }.into_any()
                            }
                            Err(e) => view! { <p class="mz-alert" role="alert">{e.message(t)}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            } />
            <p><a href="/divorce">{x.back}</a></p>
        </Page>
    }
}

#[component]
fn Appointment(
    v: VoucherView,
    confirm: ServerAction<Confirm>,
    cancel: ServerAction<Cancel>,
) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let (x, a) = (t.divorce(), t.appointments());
    let b = v.booking.clone();
    let pending = b.status == BookingStatus::PendingPartner;
    let has_qr = !v.qr_svg.is_empty();
    view! {
        // The one who must confirm sees that first, with what and when, before the details.
        {(pending && b.role == Party::Partner).then(|| view! {
            <ConfirmInvitation booking_id=b.id.clone() confirm=confirm
                body=x.confirm_body(&b.applicant_name, office_name(&v.office, locale),
                    &format::instant(b.hold_expires_at, locale), &when_text(&b, locale)) />
        })}
        <p class="mz-status" data-status=b.status.as_str()>
            {a.status}": "<strong>{appointment_status(b.status, &b.purpose, b.role, t)}</strong>
        </p>
        <dl class="mz-facts">
            <dt>{x.purpose}</dt><dd>{purpose_text(&b.purpose, t)}</dd>
            <dt>{a.reference}</dt><dd data-testid="reference"><span class="mz-nowrap">{b.reference.clone()}</span></dd>
            <dt>{a.when}</dt><dd>{when_text(&b, locale)}</dd>
            <dt>{a.office}</dt><dd>{office_name(&v.office, locale).to_owned()}</dd>
            <dt>{a.phone}</dt><dd><a href=format!("tel:{}", v.office.phone)>{v.office.phone.clone()}</a></dd>
            <dt>{a.applicant}</dt><dd>{b.applicant_name.clone()}</dd>
            <dt>{x.partner_title}</dt><dd>{b.partner_name.clone()}" "{b.partner_id_number_masked.clone()}</dd>
        </dl>
        <WaitingForPartner b=b.clone() />
        {has_qr.then(|| view! {
            <VoucherQr qr_svg=v.qr_svg.clone() calendar=b.ics_link()
                file="appointment.ics" label=x.add_voucher_calendar />
        })}
        <ChangeBooking b=b.clone() can_change=v.can_change office_phone=v.office.phone.clone() cancel=cancel />
    }
}

/// The divorce and counselling counters' wording on the clerk's day list.
const WORDING: CounterWording = CounterWording {
    purpose: Some(purpose_text),
    done: |purpose, t: &'static Texts| {
        let x = t.divorce();
        match purpose {
            k if k == APPLICATION.key => x.outcome_receive,
            k if k == CERTIFICATE.key => x.outcome_certificate,
            _ => x.outcome_attended,
        }
    },
    status: |s, purpose, t| appointment_status(s, purpose, Party::Applicant, t),
};

/// The clerk's divorce counter and counselling: the day's appointments, check-in, receipt,
/// the certificate, slots, and receiving an application in person.
#[component]
fn DivorceClerkPage() -> impl IntoView {
    let t = use_texts();
    let x = t.divorce();
    let q = use_query_map();
    let counter = Memo::new(move |_| {
        q.with(|q| q.get("counter"))
            .filter(|c| c == COUNSELLING.counter)
            .map(|_| COUNSELLING.counter)
            .unwrap_or(APPLICATION.counter)
    });
    let actions = CounterActions::new();
    let receive = ServerAction::<Receive>::new();
    let typed_receive = typed("divorce_receive");
    let received = q.with_untracked(|q| q.get("received").is_some());
    view! {
        <RequireStaff view=move |me| {
            if me.role != Role::RegistryClerk {
                return view! { <Forbidden /> }.into_any();
            }
            let typed_receive = typed_receive.clone();
            let c = counter.get_untracked();
            view! {
                <Page title=x.staff_title.to_string()>
                    <StaffBar me=me />
                    <form method="get" action="/staff/divorce" class="mz-form mz-form--secondary">
                        <div class="mz-field">
                            <label class="mz-field__label" for="counter">{x.counter}</label>
                            <select class="mz-field__input" id="counter" name="counter">
                                <option value=APPLICATION.counter selected=c == APPLICATION.counter>{x.counter_divorce}</option>
                                <option value=COUNSELLING.counter selected=c == COUNSELLING.counter>{x.counter_counselling}</option>
                            </select>
                        </div>
                        <button type="submit" class="mz-button">{x.switch_counter}</button>
                    </form>
                    {move || {
                        let c = counter.get();
                        view! {
                            <CounterDesk counter=c.to_owned() actions=actions
                                back=format!("/staff/divorce?counter={c}") wording=WORDING default_capacity=4 />
                        }
                    }}
                    {(c == APPLICATION.counter).then(|| view! {
                        <section class="mz-section" aria-labelledby="walkin-h">
                            <h2 id="walkin-h">{x.walk_in_title}</h2>
                            {received.then(|| view! { <p class="mz-note" role="status">{x.received_done}</p> })}
                            <p class="mz-field__hint">{x.walk_in_hint}</p>
                            <ActionForm action=receive attr:class="mz-form">
                                <Field name="party_a_id_number" label=x.party_a autocomplete="off" maxlength=18 required=true
                                    value=typed_receive.get("party_a_id_number").cloned().unwrap_or_default()
                                    error=field_error(receive.value(), "party_a_id_number") />
                                <Field name="party_b_id_number" label=x.party_b autocomplete="off" maxlength=18 required=true
                                    value=typed_receive.get("party_b_id_number").cloned().unwrap_or_default()
                                    error=field_error(receive.value(), "party_b_id_number") />
                                <Field name="received_on" label=x.received_on_label maxlength=10
                                    value=typed_receive.get("received_on").cloned().unwrap_or_default()
                                    error=field_error(receive.value(), "received_on") />
                                <FormError error=form_error(receive.value()) />
                                <button type="submit" class="mz-button">{x.receive_button}</button>
                            </ActionForm>
                        </section>
                    })}
                </Page>
            }.into_any()
        } />
    }
}
