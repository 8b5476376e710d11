//! Pages of divorce registration: the service page with my applications (their dates and how
//! each was counted, withdrawal) and my appointments, the booking page for each purpose, the
//! appointment page, and the clerk's divorce and counselling desk. Every page carries the
//! quick-exit control; every form works without JavaScript.

use super::{
    api::{BookAppointment, DivorceOverview, Receive, Withdraw},
    model::{explain_steps, CaseStatus, CaseView, Phase},
};
use crate::{
    error::AppError,
    i18n::{fill, use_locale, use_texts, Texts},
    marriage::{
        api::{Cancel, CheckIn, Confirm, Publish, RecordOutcome},
        model::{BookingStatus, Counter, Party, Purpose, VoucherView},
        pages::{
            day_text, instant, iso_day, office_name, status_text, when_text, CallTheOffice,
            CancelBooking, CheckInForm, ConfirmInvitation, DayPicker, OfficeChooser, OfficeFacts,
            OutcomeButton, PartnerFields, SlotPicker, VoucherQr, WaitingForPartner,
        },
    },
    staff::{model::Role, pages::StaffBar},
    ui::{
        field_error, form_error, typed, Field, Forbidden, FormError, Page, RequireResident,
        RequireStaff,
    },
};
use chrono::Datelike;
use leptos::prelude::*;
use leptos_router::{
    any_nested_route::IntoAnyNestedRoute,
    components::Route,
    hooks::{use_params_map, use_query_map},
    lazy_route, path, Lazy, LazyRoute, MatchNestedRoutes, SsrMode,
};

crate::lazy_page!(DivorceHomeRoute, DivorceHomePage);
crate::lazy_page!(DivorceBookRoute, DivorceBookPage);
crate::lazy_page!(AppointmentRoute, AppointmentPage);
crate::lazy_page!(DivorceClerkRoute, DivorceClerkPage);

/// The routes of this service.
#[component(transparent)]
pub fn DivorceRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/divorce") view={Lazy::<DivorceHomeRoute>::new()} ssr=SsrMode::Async />
        <Route path=path!("/divorce/book") view={Lazy::<DivorceBookRoute>::new()} ssr=SsrMode::Async />
        <Route path=path!("/divorce/appointment/:id") view={Lazy::<AppointmentRoute>::new()} ssr=SsrMode::Async />
        <Route path=path!("/staff/divorce") view={Lazy::<DivorceClerkRoute>::new()} ssr=SsrMode::Async />
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
        <a class="mz-quick-exit" href=EXIT_TO rel="noreferrer" title=t.divorce.quick_exit_label
            on:click=|ev| {
                ev.prevent_default();
                let _ = window().location().replace(EXIT_TO);
            }>
            {t.divorce.quick_exit}
        </a>
    }
}

fn purpose_text(p: Purpose, t: &'static Texts) -> &'static str {
    let x = &t.divorce;
    match p {
        Purpose::DivorceApplication => x.purpose_divorce_application,
        Purpose::DivorceCertificate => x.purpose_divorce_certificate,
        Purpose::Counselling => x.purpose_counselling,
        Purpose::Marriage => t.marriage.title,
    }
}

/// An appointment's status; "registered" says what was done for this purpose.
fn appointment_status(status: BookingStatus, purpose: Purpose, t: &'static Texts) -> &'static str {
    let x = &t.divorce;
    match (status, purpose) {
        (BookingStatus::Registered, Purpose::DivorceApplication) => x.done_application,
        (BookingStatus::Registered, Purpose::DivorceCertificate) => x.done_certificate,
        (BookingStatus::Registered, Purpose::Counselling) => x.done_counselling,
        (s, _) => status_text(s, t),
    }
}

fn case_status(c: &CaseView, now: i64, t: &'static Texts) -> &'static str {
    let x = &t.divorce;
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
    let x = &t.divorce;
    let withdraw = ServerAction::<Withdraw>::new();
    let data = Resource::new(move || withdraw.version().get(), |_| super::api::overview());
    view! {
        <Page title=x.title.to_string()>
            <QuickExit />
            <p class="mz-lead">{x.intro}</p>
            <Suspense>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(o) => view! { <Overview o=o withdraw=withdraw /> }.into_any(),
                        Err(AppError::SignInRequired) => view! {
                            <p class="mz-empty">{t.home.sign_in_for_affairs}</p>
                            <p><a class="mz-button" href="/signin?next=/divorce">{t.account.sign_in}</a></p>
                        }.into_any(),
                        Err(e) => view! { <p role="alert">{e.message(t)}</p> }.into_any(),
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
fn Overview(o: DivorceOverview, withdraw: ServerAction<Withdraw>) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let x = &t.divorce;
    let m = &t.marriage;
    let open_case = o.cases.iter().any(|c| c.status == CaseStatus::Open);
    let pending_application = o
        .appointments
        .iter()
        .any(|b| b.purpose == Purpose::DivorceApplication && b.status.is_active());
    let now = o.now;
    view! {
        {(!open_case && !pending_application).then(|| view! {
            <p><a class="mz-button mz-button--primary" href="/divorce/book?purpose=divorce_application">{x.book_application}</a></p>
        })}
        <section class="mz-section" aria-labelledby="cases-h">
            <h2 id="cases-h">{x.my_cases}</h2>
            {if o.cases.is_empty() {
                view! { <p class="mz-empty">{x.no_cases}</p> }.into_any()
            } else {
                o.cases.into_iter().map(|c| view! { <CaseCard c=c now=now withdraw=withdraw /> }).collect_view().into_any()
            }}
        </section>
        <section class="mz-section" aria-labelledby="appointments-h">
            <h2 id="appointments-h">{x.my_appointments}</h2>
            {if o.appointments.is_empty() {
                view! { <p class="mz-empty">{x.no_appointments}</p> }.into_any()
            } else {
                view! {
                    <ul class="mz-list">
                        {o.appointments.into_iter().map(|b| {
                            let waiting_for_me = b.role == Party::Partner && b.status == BookingStatus::PendingPartner;
                            view! {
                                <li class="mz-list__item">
                                    <h3 class="mz-list__title">
                                        <a href=b.purpose.page(&b.id)>{purpose_text(b.purpose, t)}": "{when_text(&b, t, locale)}</a>
                                    </h3>
                                    <p class="mz-list__meta">
                                        {m.reference}" "{b.reference.clone()}" · "{appointment_status(b.status, b.purpose, t)}
                                        {waiting_for_me.then(|| view! { " "<span class="mz-badge">{m.invited}</span> })}
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
    let x = &t.divorce;
    let open = c.status == CaseStatus::Open;
    let phase = c.phase_at(now);
    let cooling = explain_steps(&c.cooling_steps, x.received, t, locale);
    let window = explain_steps(&c.window_steps, x.cooling_off_ended, t, locale);
    let received = format!(
        "{} {}",
        c.received_on.year(),
        day_text(c.received_on, t, locale)
    );
    let heading_id = format!("case-{}", c.id);
    let labelled_by = heading_id.clone();
    let id = c.id.clone();
    view! {
        <article class="mz-case" aria-labelledby=labelled_by data-status=c.status.as_str()>
            <h3 id=heading_id>{x.case_reference}" "{c.reference.clone()}</h3>
            <p class="mz-status">{t.marriage.status}": "<strong data-testid="case-status">{case_status(&c, now, t)}</strong></p>
            {(c.status == CaseStatus::Withdrawn).then(|| view! {
                <p>{if c.withdrawn_by_me { x.withdrawn_by_me } else { x.withdrawn_by_other }}</p>
            })}
            <dl class="mz-facts">
                <dt>{x.received_on}</dt><dd>{received}</dd>
                <dt>{x.cooling_ends}</dt><dd data-testid="cooling-ends">{instant(c.cooling_ends_at)}</dd>
                <dt>{x.window_ends}</dt><dd data-testid="window-ends">{instant(c.window_ends_at)}</dd>
            </dl>
            {(!c.unsure_years.is_empty()).then(|| {
                let sep = if locale == crate::i18n::Locale::ZhCn { "、" } else { ", " };
                let years = c.unsure_years.iter().map(i32::to_string).collect::<Vec<_>>().join(sep);
                view! { <p class="mz-note" data-testid="unsure-years">{fill(x.unsure_years, &[("years", &years)])}</p> }
            })}
            <details class="mz-explain">
                <summary>{x.how_cooling}</summary>
                <p data-testid="cooling-explain">{cooling}</p>
            </details>
            <details class="mz-explain">
                <summary>{x.how_window}</summary>
                <p>{window}</p>
            </details>
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

/// 预约: an application (with the other party), a certificate visit or counselling.
#[component]
fn DivorceBookPage() -> impl IntoView {
    let t = use_texts();
    let x = &t.divorce;
    let purpose = query("purpose")
        .and_then(|p| Purpose::parse(&p))
        .filter(|p| p.service() == "divorce")
        .unwrap_or(Purpose::DivorceApplication);
    let case_id = query("case").unwrap_or_default();
    let action = ServerAction::<BookAppointment>::new();
    let picker = {
        let case_id = case_id.clone();
        Resource::new(
            move || action.version().get(),
            move |_| {
                super::api::appointment_picker(
                    purpose.as_str().to_owned(),
                    Some(case_id.clone()),
                    query("office"),
                )
            },
        )
    };
    let typed = typed("divorce_book");
    let title = format!("{}：{}", x.book_title, purpose_text(purpose, t));
    view! {
        <Page title=title>
            <QuickExit />
            <RequireResident view=move |me| {
                let typed = typed.clone();
                let case_id = case_id.clone();
                if me.real_name.is_none() {
                    return view! {
                        <p class="mz-lead">{t.errors.real_name_required}</p>
                        <p><a class="mz-button mz-button--primary" href="/account/realname?next=/divorce">{t.account.real_name_title}</a></p>
                    }.into_any();
                }
                view! {
                    <Suspense>
                        {move || {
                            let typed = typed.clone();
                            let case_id = case_id.clone();
                            Suspend::new(async move {
                                let p = match picker.await {
                                    Ok(p) => p,
                                    Err(e) => return view! { <p class="mz-alert" role="alert">{e.message(t)}</p> }.into_any(),
                                };
                                let office = p.offices.iter().find(|o| o.id == p.office_id).cloned();
                                let choose_office = purpose == Purpose::DivorceApplication && p.offices.len() > 1;
                                let note = match purpose {
                                    Purpose::DivorceCertificate => Some(x.certificate_note),
                                    Purpose::Counselling => Some(x.counselling_note),
                                    _ => None,
                                };
                                view! {
                                    {choose_office.then(|| view! {
                                        <OfficeChooser action="/divorce/book" offices=p.offices.clone() chosen=p.office_id.clone()
                                            keep=("purpose", purpose.as_str()) />
                                    })}
                                    {office.map(|o| view! { <OfficeFacts office=o /> })}
                                    {note.map(|n| view! { <p class="mz-note">{n}</p> })}
                                    <ActionForm action=action attr:class="mz-form">
                                        <input type="hidden" name="purpose" value=purpose.as_str() />
                                        <input type="hidden" name="case_id" value=case_id.clone() />
                                        <input type="hidden" name="idempotency_key" value=p.idempotency_key.clone() />
                                        <SlotPicker slots=p.slots.clone() selected=typed.get("slot").cloned().unwrap_or_default()
                                            error=field_error(action.value(), "slot") />
                                        {(purpose == Purpose::DivorceApplication).then(|| view! {
                                            <PartnerFields legend=x.partner_title hint=x.partner_hint typed=typed.clone()
                                                name_error=field_error(action.value(), "partner_name")
                                                id_error=field_error(action.value(), "partner_id_number")
                                                phone_error=field_error(action.value(), "partner_phone") />
                                        })}
                                        <FormError error=form_error(action.value()) />
                                        <button type="submit" class="mz-button mz-button--primary">{x.submit_book}</button>
                                    </ActionForm>
                                }.into_any()
                            })
                        }}
                    </Suspense>
                }.into_any()
            } />
            <p><a href="/divorce">{x.back}</a></p>
        </Page>
    }
}

fn id_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()))
}

/// One appointment: its facts, the other party's confirmation, the voucher, cancelling.
#[component]
fn AppointmentPage() -> impl IntoView {
    let t = use_texts();
    let x = &t.divorce;
    let id = id_param();
    let confirm = ServerAction::<Confirm>::new();
    let cancel = ServerAction::<Cancel>::new();
    let voucher = Resource::new(
        move || (id.get(), confirm.version().get(), cancel.version().get()),
        |(id, _, _)| crate::marriage::api::voucher(id),
    );
    view! {
        <Page title=x.appointment_title.to_string()>
            <QuickExit />
            <RequireResident view=move |_| view! {
                <Suspense>
                    {move || Suspend::new(async move {
                        match voucher.await {
                            Ok(v) if v.booking.purpose.service() == "divorce" => view! { <Appointment v=v confirm=confirm cancel=cancel /> }.into_any(),
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
    let x = &t.divorce;
    let m = &t.marriage;
    let b = v.booking.clone();
    let pending = b.status == BookingStatus::PendingPartner;
    let has_qr = !v.qr_svg.is_empty();
    let id = b.id.clone();
    let office_phone = v.office.phone.clone();
    view! {
        <p class="mz-status" data-status=b.status.as_str()>
            {m.status}": "<strong>{appointment_status(b.status, b.purpose, t)}</strong>
        </p>
        <dl class="mz-facts">
            <dt>{x.purpose}</dt><dd>{purpose_text(b.purpose, t)}</dd>
            <dt>{m.reference}</dt><dd data-testid="reference">{b.reference.clone()}</dd>
            <dt>{m.when}</dt><dd>{when_text(&b, t, locale)}</dd>
            <dt>{m.office}</dt><dd>{office_name(&v.office, locale).to_owned()}</dd>
            <dt>{m.phone}</dt><dd><a href=format!("tel:{}", v.office.phone)>{v.office.phone.clone()}</a></dd>
            <dt>{m.applicant}</dt><dd>{b.applicant_name.clone()}</dd>
            <dt>{x.partner_title}</dt><dd>{b.partner_name.clone()}" "{b.partner_id_number_masked.clone()}</dd>
        </dl>
        {(pending && b.role == Party::Partner).then(|| view! {
            <ConfirmInvitation booking_id=id.clone() confirm=confirm
                body=fill(x.confirm_body, &[("name", &b.applicant_name), ("when", &instant(b.hold_expires_at))]) />
        })}
        <WaitingForPartner b=b.clone() />
        {has_qr.then(|| view! {
            <VoucherQr qr_svg=v.qr_svg.clone() calendar=format!("/divorce/appointment/{}/voucher.ics", b.id)
                file="appointment.ics" label=x.add_voucher_calendar />
        })}
        {b.status.is_active().then(|| view! {
            <section class="mz-section" aria-labelledby="change-h">
                <h2 id="change-h">{m.change_title}</h2>
                {if v.can_change {
                    view! { <CancelBooking booking_id=id.clone() cancel=cancel /> }.into_any()
                } else {
                    view! { <CallTheOffice phone=office_phone.clone() /> }.into_any()
                }}
            </section>
        })}
    }
}

/// The clerk's divorce counter and counselling: the day's appointments, check-in, receipt,
/// the certificate, slots, and receiving an application in person.
#[component]
fn DivorceClerkPage() -> impl IntoView {
    let t = use_texts();
    let x = &t.divorce;
    let q = use_query_map();
    let day = Memo::new(move |_| q.with(|q| q.get("day")));
    let counter = Memo::new(move |_| {
        q.with(|q| q.get("counter"))
            .and_then(|c| Counter::parse(&c))
            .filter(|c| *c != Counter::Marriage)
            .unwrap_or(Counter::Divorce)
    });
    let check_in = ServerAction::<CheckIn>::new();
    let outcome = ServerAction::<RecordOutcome>::new();
    let publish = ServerAction::<Publish>::new();
    let receive = ServerAction::<Receive>::new();
    let data = Resource::new(
        move || {
            (
                day.get(),
                counter.get(),
                check_in.version().get()
                    + outcome.version().get()
                    + publish.version().get()
                    + receive.version().get(),
            )
        },
        |(d, c, _)| crate::marriage::api::day_list(d, Some(c.as_str().to_owned())),
    );
    let typed_code = typed("marriage_check_in");
    let typed_publish = typed("marriage_publish");
    let typed_receive = typed("divorce_receive");
    let received = q.with_untracked(|q| q.get("received").is_some());
    view! {
        <RequireStaff view=move |me| {
            if me.role != Role::RegistryClerk {
                return view! { <Forbidden /> }.into_any();
            }
            let typed_code = typed_code.clone();
            let typed_publish = typed_publish.clone();
            let typed_receive = typed_receive.clone();
            let c = counter.get_untracked();
            view! {
                <Page title=x.staff_title.to_string()>
                    <StaffBar me=me />
                    <form method="get" action="/staff/divorce" class="mz-form mz-form--secondary">
                        <div class="mz-field">
                            <label class="mz-field__label" for="counter">{x.counter}</label>
                            <select class="mz-field__input" id="counter" name="counter">
                                <option value="divorce" selected=c == Counter::Divorce>{x.counter_divorce}</option>
                                <option value="counselling" selected=c == Counter::Counselling>{x.counter_counselling}</option>
                            </select>
                        </div>
                        <button type="submit" class="mz-button">{x.switch_counter}</button>
                    </form>
                    <CheckInForm check_in=check_in typed=typed_code counter=c.as_str() />
                    <Suspense>
                        {move || {
                            let typed_publish = typed_publish.clone();
                            Suspend::new(async move {
                                match data.await {
                                    Ok(d) => view! { <CounterDay d=d counter=c outcome=outcome publish=publish typed_publish=typed_publish /> }.into_any(),
                                    Err(e) => view! { <p class="mz-alert" role="alert">{e.message(t)}</p> }.into_any(),
                                }
                            })
                        }}
                    </Suspense>
                    {(c == Counter::Divorce).then(|| view! {
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

#[component]
fn CounterDay(
    d: crate::marriage::model::ClerkDay,
    counter: Counter,
    outcome: ServerAction<RecordOutcome>,
    publish: ServerAction<Publish>,
    typed_publish: std::collections::BTreeMap<String, String>,
) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let x = &t.divorce;
    let m = &t.marriage;
    let day = iso_day(d.day);
    let c = counter.as_str();
    let heading = format!("{} {}", d.day.year(), day_text(d.day, t, locale));
    let day_publish = day.clone();
    view! {
        <section class="mz-section" aria-labelledby="day-h">
            <h2 id="day-h">{m.list_title}": "{heading}</h2>
            <DayPicker action="/staff/divorce" query=format!("counter={c}&") day=d.day counter=c />
            <p class="mz-field__error" role="alert">{field_error(outcome.value(), "booking")}</p>
            {if d.bookings.is_empty() {
                view! { <p class="mz-empty">{m.none_this_day}</p> }.into_any()
            } else {
                let day = day.clone();
                view! {
                    <div class="mz-table-wrap" role="region" aria-label=m.list_title tabindex="0">
                        <table class="mz-table">
                            <thead><tr>
                                <th scope="col">{m.col_time}</th>
                                <th scope="col">{m.reference}</th>
                                <th scope="col">{x.purpose}</th>
                                <th scope="col">{m.col_couple}</th>
                                <th scope="col">{m.status}</th>
                                <th scope="col">{m.col_actions}</th>
                            </tr></thead>
                            <tbody>
                                {d.bookings.into_iter().map(|b| {
                                    let done = match b.purpose {
                                        Purpose::DivorceApplication => x.outcome_receive,
                                        Purpose::DivorceCertificate => x.outcome_certificate,
                                        _ => x.outcome_attended,
                                    };
                                    let action = match b.status {
                                        BookingStatus::CheckedIn => Some(("registered", done)),
                                        BookingStatus::Confirmed => Some(("no_show", m.mark_no_show)),
                                        _ => None,
                                    };
                                    let day = day.clone();
                                    let status = appointment_status(b.status, b.purpose, t);
                                    view! {
                                        <tr data-reference=b.reference.clone()>
                                            <td>{b.starts.clone()}"–"{b.ends.clone()}</td>
                                            <td>{b.reference.clone()}</td>
                                            <td>{purpose_text(b.purpose, t)}</td>
                                            <td>{b.applicant_name.clone()}" "{b.applicant_id_masked.clone()}<br />{b.partner_name.clone()}" "{b.partner_id_masked.clone()}</td>
                                            <td>{status}</td>
                                            <td>{action.map(|(value, label)| view! {
                                                <OutcomeButton outcome=outcome booking_id=b.id.clone() value=value label=label day=day.clone() counter=c />
                                            })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <section class="mz-section" aria-labelledby="slots-h">
            <h2 id="slots-h">{m.slots_title}</h2>
            <ul class="mz-list">
                {d.slots.into_iter().map(|s| view! {
                    <li>{s.starts.clone()}"–"{s.ends.clone()}" · "{m.booked}" "{s.capacity - s.left.min(s.capacity)}"/"{s.capacity}</li>
                }).collect_view()}
            </ul>
            <h3>{m.publish_title}</h3>
            <ActionForm action=publish attr:class="mz-form">
                <input type="hidden" name="day" value=day_publish />
                <input type="hidden" name="counter" value=c />
                <input type="hidden" name="ceremony_capacity" value="0" />
                <Field name="starts" label=m.starts hint=m.time_hint maxlength=5 required=true
                    value=typed_publish.get("starts").cloned().unwrap_or_default()
                    error=field_error(publish.value(), "starts") />
                <Field name="ends" label=m.ends hint=m.time_hint maxlength=5 required=true
                    value=typed_publish.get("ends").cloned().unwrap_or_default()
                    error=field_error(publish.value(), "ends") />
                <Field name="capacity" label=m.capacity inputmode="numeric" maxlength=3 required=true
                    value=typed_publish.get("capacity").cloned().unwrap_or_else(|| "4".into())
                    error=field_error(publish.value(), "capacity") />
                <p class="mz-field__error" role="alert">{field_error(publish.value(), "day")}</p>
                <FormError error=form_error(publish.value()) />
                <button type="submit" class="mz-button">{m.publish_button}</button>
            </ActionForm>
        </section>
    }
}
