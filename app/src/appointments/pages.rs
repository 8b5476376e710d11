//! The parts of every appointment page: the office's facts, the slot picker, the other party's
//! fields, the partner's confirmation, the voucher, cancelling, moving, and the clerk's counter
//! day (check-in, outcomes, places, publishing, releases, closures). Services build their pages
//! from these; every form is a plain form that also works without JavaScript.

use super::{
    api::{
        Cancel, CheckIn, Closure, Confirm, ConfirmAtCounter, Publish, RecordOutcome, Reschedule,
        SetCapacity, SetRelease,
    },
    model::{BookingStatus, BookingView, ClerkBooking, ClerkDay, OfficeView, Party, SlotView},
};
use crate::{
    error::{AppError, Code},
    i18n::{use_locale, use_texts, Locale, Texts},
    rules::{id_number::IdNumber, phone::Phone},
    ui::{
        browser_today, field_error, form_error,
        format::{self, iso_day},
        Field, FormError, Page, RequireResident,
    },
};
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use std::collections::BTreeMap;

/// An office's name in the reader's language.
pub fn office_name(o: &OfficeView, locale: Locale) -> &str {
    match locale {
        Locale::ZhCn => &o.name_zh,
        Locale::En => &o.name_en,
    }
}

fn office_address(o: &OfficeView, locale: Locale) -> &str {
    match locale {
        Locale::ZhCn => &o.address_zh,
        Locale::En => &o.address_en,
    }
}

/// When a booking is: its day with weekday and year, and its time range.
pub fn when_text(b: &BookingView, locale: Locale) -> String {
    format::day_range(b.day, &b.starts, &b.ends, locale)
}

pub fn check_partner_id(v: &str, t: &'static Texts) -> Option<String> {
    IdNumber::parse(v, browser_today())
        .err()
        .map(|e| Code::IdNumber(e).message(t))
}

pub fn check_phone(v: &str, t: &'static Texts) -> Option<String> {
    Phone::parse(v).err().map(|_| Code::PhoneInvalid.message(t))
}

/// The booking's id from the address (`/…/:id`).
pub fn id_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()))
}

/// The office's name, address, phone and hours.
#[component]
pub fn OfficeFacts(office: OfficeView) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let a = t.appointments();
    let hours = format::opening_hours(&office.hours, locale);
    view! {
        <dl class="mz-facts">
            <dt>{a.office}</dt><dd>{office_name(&office, locale).to_owned()}</dd>
            <dt>{a.address}</dt><dd>{office_address(&office, locale).to_owned()}</dd>
            <dt>{a.phone}</dt><dd><a href=format!("tel:{}", office.phone)>{office.phone.clone()}</a></dd>
            <dt>{a.hours}</dt><dd>{hours}" "<span class="mz-note">{a.hours_holidays}</span></dd>
        </dl>
    }
}

/// The slot picker: radio buttons grouped by day, each with a full spoken label (day, time,
/// places left). Full and unreleased slots are shown but cannot be chosen.
#[component]
pub fn SlotPicker(
    slots: Vec<SlotView>,
    /// The slot chosen before (a no-JavaScript form shown again after an error).
    #[prop(optional)]
    selected: Option<String>,
    /// The server's error for the slot.
    #[prop(into)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let a = t.appointments();
    let mut days: Vec<(NaiveDate, Vec<SlotView>)> = vec![];
    for s in slots {
        match days.last_mut() {
            Some((d, list)) if *d == s.day => list.push(s),
            _ => days.push((s.day, vec![s])),
        }
    }
    let invalid = move || error.get().is_some();
    view! {
        <fieldset class="mz-slots" aria-describedby="slot-error" aria-invalid=move || if invalid() { "true" } else { "false" }>
            <legend class="mz-slots__legend">{a.slot_legend}</legend>
            {days.is_empty().then(|| view! { <p class="mz-empty">{a.no_slots}</p> })}
            {days.into_iter().map(|(day, list)| {
                let heading = format::day(day, locale);
                view! {
                    <fieldset class="mz-slots__day">
                        <legend>{heading.clone()}</legend>
                        {list.into_iter().map(|s| {
                            let time = format::range(&s.starts, &s.ends);
                            let label = slot_label(&s, &time, t, locale);
                            let id = format!("slot-{}", s.id);
                            let checked = selected.as_deref() == Some(s.id.as_str());
                            let disabled = s.left == 0 || s.opens_at.is_some();
                            view! {
                                <div class="mz-slot" class:mz-slot--full=disabled>
                                    <input type="radio" name="slot_id" id=id.clone() value=s.id.clone() checked=checked disabled=disabled />
                                    <label for=id>
                                        <span class="mz-visually-hidden">{heading.clone()}" "</span>
                                        {label}
                                    </label>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                }
            }).collect_view()}
            <p class="mz-field__error" id="slot-error" role="alert">{move || error.get()}</p>
        </fieldset>
    }
}

/// A slot's label: its time and what is left (or when it opens), ceremonies included.
fn slot_label(s: &SlotView, time: &str, t: &'static Texts, locale: Locale) -> String {
    let a = t.appointments();
    match s.opens_at {
        Some(at) => a.slot_opens(time, &format::instant(at, locale)),
        None if s.left == 0 => a.slot_full(time),
        None => {
            let mut l = a.slot_open(&s.left.to_string(), time);
            if s.ceremony_capacity > 0 {
                l.push_str(&if s.ceremony_left == 0 {
                    a.slot_ceremony_full.to_owned()
                } else {
                    a.slot_ceremony(&s.ceremony_left.to_string())
                });
            }
            l
        }
    }
}

/// The other party's name, ID number and mobile number, with what was typed before; and, where
/// the purpose allows it, "my partner has no smartphone" (the clerk confirms them at the counter).
#[component]
pub fn PartnerFields(
    legend: &'static str,
    /// A line under the legend (what the other party will be asked to do).
    #[prop(optional)]
    hint: Option<&'static str>,
    typed: BTreeMap<String, String>,
    /// Offer confirmation at the counter for a partner without a smartphone.
    #[prop(optional)]
    offer_counter: bool,
    #[prop(into)] name_error: Signal<Option<String>>,
    #[prop(into)] id_error: Signal<Option<String>>,
    #[prop(into)] phone_error: Signal<Option<String>>,
) -> impl IntoView {
    let t = use_texts();
    let a = t.appointments();
    let typed_value = |k: &str| typed.get(k).cloned().unwrap_or_default();
    let at_counter = typed.get("partner_at_counter").is_some_and(|v| v == "on");
    view! {
        <fieldset class="mz-group">
            <legend>{legend}</legend>
            {hint.map(|h| view! { <p class="mz-field__hint">{h}</p> })}
            <Field name="partner_name" label=a.partner_name hint=a.partner_name_hint
                autocomplete="off" maxlength=30 required=true
                value=typed_value("partner_name") error=name_error />
            <Field name="partner_id_number" label=a.partner_id_number hint=t.account().id_number_hint
                autocomplete="off" maxlength=18 required=true
                value=typed_value("partner_id_number") error=id_error check=check_partner_id />
            <Field name="partner_phone" label=a.partner_phone hint=a.partner_phone_hint
                kind="tel" inputmode="numeric" autocomplete="off" maxlength=20 required=true
                value=typed_value("partner_phone") error=phone_error check=check_phone />
            {offer_counter.then(|| view! {
                <div class="mz-check">
                    <input type="checkbox" id="partner_at_counter" name="partner_at_counter" value="on"
                        checked=at_counter aria-describedby="partner_at_counter-hint" />
                    <label for="partner_at_counter">{a.partner_at_counter_label}</label>
                    <p class="mz-field__hint" id="partner_at_counter-hint">{a.partner_at_counter_hint}</p>
                </div>
            })}
        </fieldset>
    }
}

/// 双方确认: the invited partner's confirmation form.
#[component]
pub fn ConfirmInvitation(
    booking_id: String,
    body: String,
    confirm: ServerAction<Confirm>,
) -> impl IntoView {
    let a = use_texts().appointments();
    view! {
        <section class="mz-section" aria-labelledby="confirm-h">
            <h2 id="confirm-h">{a.confirm_title}</h2>
            <p>{body}</p>
            <ActionForm action=confirm attr:class="mz-form">
                <input type="hidden" name="booking_id" value=booking_id />
                <p class="mz-field__error" role="alert">{field_error(confirm.value(), "confirm")}</p>
                <FormError error=form_error(confirm.value()) />
                <button type="submit" class="mz-button mz-button--primary">{a.confirm_button}</button>
            </ActionForm>
        </section>
    }
}

/// The applicant's note while the partner has not confirmed yet.
#[component]
pub fn WaitingForPartner(b: BookingView) -> impl IntoView {
    let a = use_texts().appointments();
    let locale = use_locale();
    (b.status == BookingStatus::PendingPartner && b.role == Party::Applicant).then(|| {
        let note = if b.at_counter {
            a.waiting_counter.to_owned()
        } else {
            a.waiting_partner(&format::instant(b.hold_expires_at, locale))
        };
        view! { <p class="mz-note">{note}</p> }
    })
}

/// 预约凭证: the QR code (drawn on the server) and the calendar file.
#[component]
pub fn VoucherQr(
    qr_svg: String,
    calendar: String,
    file: &'static str,
    label: &'static str,
) -> impl IntoView {
    let a = use_texts().appointments();
    view! {
        <section class="mz-section" aria-labelledby="voucher-h">
            <h2 id="voucher-h">{a.voucher_title}</h2>
            <div class="mz-qr" role="img" aria-label=a.qr_label inner_html=qr_svg></div>
            <p class="mz-note">{a.qr_note}</p>
            <p><a class="mz-button" href=calendar download=file>{label}</a></p>
        </section>
    }
}

/// 取消预约, with the explicit tick.
#[component]
pub fn CancelBooking(booking_id: String, cancel: ServerAction<Cancel>) -> impl IntoView {
    let a = use_texts().appointments();
    view! {
        <ActionForm action=cancel attr:class="mz-form mz-form--secondary">
            <input type="hidden" name="booking_id" value=booking_id />
            <div class="mz-check">
                <input type="checkbox" id="confirm_cancel" name="confirm_cancel" value="on" required=true
                    aria-describedby="confirm_cancel-error" />
                <label for="confirm_cancel">{a.cancel_confirm_label}</label>
            </div>
            <p class="mz-field__error" id="confirm_cancel-error" role="alert">{field_error(cancel.value(), "confirm_cancel")}</p>
            <p class="mz-field__error" role="alert">{field_error(cancel.value(), "booking")}</p>
            <FormError error=form_error(cancel.value()) />
            <button type="submit" class="mz-button">{a.cancel_button}</button>
        </ActionForm>
    }
}

/// Past the online cut-off: the office's number to call instead.
#[component]
pub fn CallTheOffice(phone: String) -> impl IntoView {
    let a = use_texts().appointments();
    view! { <p>{a.past_cutoff_note}" "<a href=format!("tel:{phone}")>{phone.clone()}</a></p> }
}

/// Reschedule and cancel, or the office's number once it is too late for either.
#[component]
pub fn ChangeBooking(
    b: BookingView,
    can_change: bool,
    office_phone: String,
    cancel: ServerAction<Cancel>,
    /// The page that moves it (omitted: it cannot be moved online).
    #[prop(optional)]
    reschedule: Option<String>,
) -> impl IntoView {
    let a = use_texts().appointments();
    let locale = use_locale();
    b.status.is_active().then(|| {
        view! {
            <section class="mz-section" aria-labelledby="change-h">
                <h2 id="change-h">{a.change_title}</h2>
                {if can_change {
                    view! {
                        <p>{a.change_until(&format::instant(b.change_until, locale))}</p>
                        {reschedule.clone().map(|href| view! { <p><a class="mz-button" href=href>{a.reschedule}</a></p> })}
                        <CancelBooking booking_id=b.id.clone() cancel=cancel />
                    }.into_any()
                } else {
                    view! { <CallTheOffice phone=office_phone.clone() /> }.into_any()
                }}
            </section>
        }
    })
}

/// 改约: the same office's open slots for the booking's purpose, minus the current one.
#[component]
pub fn ReschedulePage() -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let a = t.appointments();
    let id = id_param();
    let action = ServerAction::<Reschedule>::new();
    let data = Resource::new(
        move || (id.get(), action.version().get()),
        |(id, _)| super::api::move_picker(id),
    );
    view! {
        <Page title=a.reschedule_title.to_string()>
            <RequireResident view=move |_| view! {
                <Suspense>
                    {move || Suspend::new(async move {
                        match data.await {
                            Ok((v, p)) => {
                                let b = v.booking.clone();
                                view! {
                                    <p class="mz-lead">{a.current_time(&when_text(&b, locale))}</p>
                                    <ActionForm action=action attr:class="mz-form">
                                        <input type="hidden" name="booking_id" value=b.id.clone() />
                                        <input type="hidden" name="idempotency_key" value=p.idempotency_key.clone() />
                                        <SlotPicker slots=p.slots.clone() error=field_error(action.value(), "slot") />
                                        <FormError error=form_error(action.value()) />
                                        <button type="submit" class="mz-button mz-button--primary">{a.submit_reschedule}</button>
                                    </ActionForm>
                                    <p><a href=b.page.clone()>{a.back_to_booking}</a></p>
                                }.into_any()
                            }
                            Err(e) => {
                                if e == AppError::NotFound {
                                    crate::ui::set_status(404);
                                }
                                view! { <p class="mz-alert" role="alert">{e.message(t)}</p> }.into_any()
                            }
                        }
                    })}
                </Suspense>
            } />
        </Page>
    }
}

/// The office to book at, when there is more than one (a plain GET form).
#[component]
pub fn OfficeChooser(
    action: &'static str,
    offices: Vec<OfficeView>,
    chosen: String,
    /// Hidden fields the form keeps: (name, value).
    #[prop(optional)]
    keep: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    let a = use_texts().appointments();
    let locale = use_locale();
    view! {
        <form method="get" action=action class="mz-form mz-form--secondary">
            {keep.map(|(name, value)| view! { <input type="hidden" name=name value=value /> })}
            <div class="mz-field">
                <label class="mz-field__label" for="office">{a.choose_office}</label>
                <select class="mz-field__input" id="office" name="office">
                    {offices.iter().map(|o| view! {
                        <option value=o.id.clone() selected=o.id == chosen>{office_name(o, locale).to_owned()}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="mz-button">{a.show_slots}</button>
        </form>
    }
}

/// The clerk's day picker and the links to the day before and after. `back` is the desk page
/// (with its query, e.g. `/staff/divorce?counter=divorce`).
#[component]
pub fn DayPicker(
    back: String,
    day: NaiveDate,
    /// Hidden fields the day form keeps: (name, value).
    #[prop(optional)]
    keep: Option<(&'static str, String)>,
) -> impl IntoView {
    let a = use_texts().appointments();
    let prev = iso_day(day.pred_opt().unwrap_or(day));
    let next = iso_day(day.succ_opt().unwrap_or(day));
    let (path, query) = match back.split_once('?') {
        Some((p, q)) => (p.to_owned(), format!("{q}&")),
        None => (back.clone(), String::new()),
    };
    view! {
        <form method="get" action=path.clone() class="mz-form mz-form--secondary">
            {keep.map(|(name, value)| view! { <input type="hidden" name=name value=value /> })}
            <div class="mz-field">
                <label class="mz-field__label" for="day">{a.day_label}</label>
                <input class="mz-field__input" type="date" id="day" name="day" value=iso_day(day) />
            </div>
            <button type="submit" class="mz-button">{a.show_day}</button>
        </form>
        <p class="mz-daynav">
            <a href=format!("{path}?{query}day={prev}")>{a.prev_day}</a>
            " · "
            <a href=format!("{path}?{query}day={next}")>{a.next_day}</a>
        </p>
    }
}

/// 核验: check-in by the typed booking number or the scanned code.
#[component]
pub fn CheckInForm(
    check_in: ServerAction<CheckIn>,
    typed: BTreeMap<String, String>,
    /// The desk page to come back to.
    back: String,
) -> impl IntoView {
    let a = use_texts().appointments();
    view! {
        <section class="mz-section" aria-labelledby="checkin-h">
            <h2 id="checkin-h">{a.check_in_title}</h2>
            <ActionForm action=check_in attr:class="mz-form">
                <input type="hidden" name="back" value=back />
                <Field name="code" label=a.code_label autocomplete="off" maxlength=80 required=true
                    value=typed.get("code").cloned().unwrap_or_default()
                    error=field_error(check_in.value(), "code") />
                <FormError error=form_error(check_in.value()) />
                <button type="submit" class="mz-button mz-button--primary">{a.check_in_button}</button>
            </ActionForm>
        </section>
    }
}

/// One outcome button on the clerk's day list.
#[component]
pub fn OutcomeButton(
    outcome: ServerAction<RecordOutcome>,
    booking_id: String,
    value: &'static str,
    label: &'static str,
    day: String,
    back: String,
) -> impl IntoView {
    view! {
        <ActionForm action=outcome attr:class="mz-inline-form">
            <input type="hidden" name="booking_id" value=booking_id />
            <input type="hidden" name="outcome" value=value />
            <input type="hidden" name="day" value=day />
            <input type="hidden" name="back" value=back />
            <button type="submit" class="mz-button">{label}</button>
        </ActionForm>
    }
}

/// 现场确认: the clerk types the number on the partner's ID card; it must be the one the
/// applicant typed.
#[component]
fn CounterConfirm(
    confirm: ServerAction<ConfirmAtCounter>,
    b: ClerkBooking,
    day: String,
    back: String,
) -> impl IntoView {
    let a = use_texts().appointments();
    let field_id = format!("card-{}", b.id);
    let error_id = format!("{field_id}-error");
    let booking = b.id.clone();
    let error = Signal::derive(move || {
        confirm.value().with(|v| match v {
            Some(Err(e)) if e.field() == Some("partner_id_number") => {
                // Only under the row whose form was sent.
                confirm
                    .input()
                    .with(|i| i.as_ref().map(|i| i.booking_id == booking))
                    .unwrap_or(true)
                    .then(|| e.message(use_texts()))
            }
            _ => None,
        })
    });
    view! {
        <ActionForm action=confirm attr:class="mz-form mz-form--inline">
            <input type="hidden" name="booking_id" value=b.id.clone() />
            <input type="hidden" name="day" value=day />
            <input type="hidden" name="back" value=back />
            <div class="mz-field">
                <label class="mz-field__label" for=field_id.clone()>{a.counter_card_label}</label>
                <input class="mz-field__input" id=field_id name="partner_id_number" autocomplete="off"
                    maxlength="18" required=true aria-describedby=error_id.clone() />
                <p class="mz-field__error" id=error_id role="alert">{error}</p>
            </div>
            <button type="submit" class="mz-button">{a.counter_confirm_button}</button>
        </ActionForm>
    }
}

/// What a counter's day list needs from the service whose counter it is.
#[derive(Clone, Copy)]
pub struct CounterWording {
    /// A purpose's name on a row (`None` when the counter serves one purpose).
    pub purpose: Option<fn(&str, &'static Texts) -> &'static str>,
    /// The button that records a checked-in booking's outcome, by purpose.
    pub done: fn(&str, &'static Texts) -> &'static str,
    /// A booking's status as the clerk says it, by purpose.
    pub status: fn(BookingStatus, &str, &'static Texts) -> &'static str,
}

/// The server actions of the clerk's day, created once per page.
#[derive(Clone, Copy)]
pub struct CounterActions {
    pub check_in: ServerAction<CheckIn>,
    pub outcome: ServerAction<RecordOutcome>,
    pub confirm: ServerAction<ConfirmAtCounter>,
    pub capacity: ServerAction<SetCapacity>,
    pub publish: ServerAction<Publish>,
    pub closure: ServerAction<Closure>,
    pub release: ServerAction<SetRelease>,
}

impl CounterActions {
    pub fn new() -> Self {
        Self {
            check_in: ServerAction::new(),
            outcome: ServerAction::new(),
            confirm: ServerAction::new(),
            capacity: ServerAction::new(),
            publish: ServerAction::new(),
            closure: ServerAction::new(),
            release: ServerAction::new(),
        }
    }

    /// Changes whenever any of them ran (the day list reloads).
    pub fn version(&self) -> usize {
        self.check_in.version().get()
            + self.outcome.version().get()
            + self.confirm.version().get()
            + self.capacity.version().get()
            + self.publish.version().get()
            + self.closure.version().get()
            + self.release.version().get()
    }
}

impl Default for CounterActions {
    fn default() -> Self {
        Self::new()
    }
}

/// What the no-JavaScript forms of the clerk's day typed before an error.
#[derive(Clone, Default)]
pub struct CounterTyped {
    pub publish: BTreeMap<String, String>,
    pub closure: BTreeMap<String, String>,
    pub release: BTreeMap<String, String>,
}

impl CounterTyped {
    pub fn read() -> Self {
        Self {
            publish: crate::ui::typed("publish"),
            closure: crate::ui::typed("closure"),
            release: crate::ui::typed("release"),
        }
    }
}

/// The clerk's day at one counter: the bookings with their actions, the slots and their
/// places, publishing, and (for counters that have them) releases and closures.
#[component]
pub fn CounterDay(
    d: ClerkDay,
    /// The desk page (with its query), where every form comes back to.
    back: String,
    actions: CounterActions,
    wording: CounterWording,
    typed: CounterTyped,
    /// Places per slot a new slot gets by default.
    default_capacity: u32,
    /// The counter books ceremonies, peak-day releases and closures (the marriage counter).
    #[prop(optional)]
    full_tools: bool,
) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let a = t.appointments();
    let day = iso_day(d.day);
    let heading = format::day(d.day, locale);
    let closed = d.closed_reason.clone();
    let counter = d.counter.clone();
    // After a check-in (the address says which, and the address is followed: with JavaScript
    // the list may render before the navigation lands): what happened, in words, and where.
    let query = leptos_router::hooks::use_query_map();
    let and = if locale == Locale::En { " and " } else { "、" };
    let announced: Vec<(String, String)> = d
        .bookings
        .iter()
        .map(|b| {
            let names = [b.applicant_name.as_str(), b.partner_name.as_str()]
                .into_iter()
                .filter(|n| !n.is_empty())
                .collect::<Vec<_>>()
                .join(and);
            let m = a.checked_in_done(&names, &b.reference, &format::range(&b.starts, &b.ends));
            (b.reference.clone(), m)
        })
        .collect();
    let done = move || {
        let (checked, moved) = query.with(|q| (q.get("checked"), q.get("moved").is_some()));
        let m = announced
            .iter()
            .find(|(r, _)| Some(r) == checked.as_ref())
            .map(|(_, m)| m.clone())?;
        Some(view! {
            <div class="mz-done" role="status">
                <p>{m}</p>
                {moved.then(|| view! { <p>{a.checked_in_moved}</p> })}
            </div>
        })
    };
    let tools = full_tools.then(|| {
        view! {
            <DayTools day=day.clone() back=back.clone() actions=actions typed=typed.clone() closed=closed.is_some() />
        }
    });
    view! {
        <section class="mz-section" aria-labelledby="day-h">
            <h2 id="day-h">{a.list_title}": "{heading}</h2>
            {done}
            <DayPicker back=back.clone() day=d.day />
            {(!d.working_day).then(|| view! { <p class="mz-note">{a.rest_day_note}</p> })}
            {closed.clone().map(|r| view! { <p class="mz-note">{a.closed_note(&r)}</p> })}
            <p class="mz-field__error" role="alert">{field_error(actions.outcome.value(), "booking")}</p>
            {if d.bookings.is_empty() {
                view! { <p class="mz-empty">{a.none_this_day}</p> }.into_any()
            } else {
                view! {
                    <div class="mz-table-wrap" role="region" aria-label=a.list_title tabindex="0">
                        <table class="mz-table mz-table--cards" role="table">
                            <thead role="rowgroup"><tr role="row">
                                <th scope="col" role="columnheader">{a.col_time}</th>
                                <th scope="col" role="columnheader">{a.reference}</th>
                                {wording.purpose.map(|_| view! { <th scope="col" role="columnheader">{a.col_purpose}</th> })}
                                <th scope="col" role="columnheader">{a.col_couple}</th>
                                {full_tools.then(|| view! { <th scope="col" role="columnheader">{a.ceremony}</th> })}
                                <th scope="col" role="columnheader">{a.status}</th>
                                <th scope="col" role="columnheader">{a.col_actions}</th>
                            </tr></thead>
                            <tbody role="rowgroup">
                                {d.bookings.into_iter().map(|b| {
                                    let action = match b.status {
                                        BookingStatus::CheckedIn => Some(("registered", (wording.done)(&b.purpose, t))),
                                        BookingStatus::Confirmed => Some(("no_show", a.mark_no_show)),
                                        _ => None,
                                    };
                                    let pending = b.status == BookingStatus::PendingPartner;
                                    let (day, back) = (day.clone(), back.clone());
                                    let status = (wording.status)(b.status, &b.purpose, t);
                                    view! {
                                        <tr role="row" data-reference=b.reference.clone()>
                                            <td role="cell" data-label=a.col_time><span class="mz-nowrap">{format::range(&b.starts, &b.ends)}</span></td>
                                            <td role="cell" data-label=a.reference><span class="mz-nowrap">{b.reference.clone()}</span></td>
                                            {wording.purpose.map(|p| view! { <td role="cell" data-label=a.col_purpose>{p(&b.purpose, t)}</td> })}
                                            <td role="cell" data-label=a.col_couple><span>{b.applicant_name.clone()}" "<span class="mz-nowrap">{b.applicant_id_masked.clone()}</span><br />{b.partner_name.clone()}" "<span class="mz-nowrap">{b.partner_id_masked.clone()}</span></span></td>
                                            {full_tools.then(|| view! { <td role="cell" data-label=a.ceremony>{if b.ceremony { a.yes } else { a.no }}</td> })}
                                            <td role="cell" data-label=a.status>{status}</td>
                                            <td role="cell" data-label=a.col_actions><div class="mz-actions">
                                                {action.map(|(value, label)| view! {
                                                    <OutcomeButton outcome=actions.outcome booking_id=b.id.clone() value=value label=label day=day.clone() back=back.clone() />
                                                })}
                                                {pending.then(|| view! {
                                                    <CounterConfirm confirm=actions.confirm b=b.clone() day=day.clone() back=back.clone() />
                                                })}
                                            </div></td>
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
            <h2 id="slots-h">{a.slots_title}</h2>
            <p class="mz-field__error" role="alert">{field_error(actions.capacity.value(), "capacity")}</p>
            {d.slots.into_iter().map(|s| {
                let (day, back) = (day.clone(), back.clone());
                let cap_id = format!("cap-{}", s.id);
                let cer_id = format!("cer-{}", s.id);
                view! {
                    <ActionForm action=actions.capacity attr:class="mz-form mz-slotrow">
                        <p class="mz-slotrow__time"><strong class="mz-nowrap">{format::range(&s.starts, &s.ends)}</strong>
                            " · "<span class="mz-nowrap">{a.booked}" "{s.booked}"/"{s.capacity}</span>
                            {s.opens_at.map(|at| view! { " · "{a.release_at}" "{format::instant(at, locale)} })}
                        </p>
                        <input type="hidden" name="slot_id" value=s.id.clone() />
                        <input type="hidden" name="day" value=day />
                        <input type="hidden" name="back" value=back />
                        <div class="mz-field">
                            <label class="mz-field__label" for=cap_id.clone()>{a.capacity}</label>
                            <input class="mz-field__input" id=cap_id name="capacity" inputmode="numeric" value=s.capacity.to_string() />
                        </div>
                        {if full_tools {
                            view! {
                                <div class="mz-field">
                                    <label class="mz-field__label" for=cer_id.clone()>{a.ceremony_capacity}</label>
                                    <input class="mz-field__input" id=cer_id name="ceremony_capacity" inputmode="numeric" value=s.ceremony_capacity.to_string() />
                                </div>
                            }.into_any()
                        } else {
                            view! { <input type="hidden" name="ceremony_capacity" value="0" /> }.into_any()
                        }}
                        <button type="submit" class="mz-button">{a.save}</button>
                    </ActionForm>
                }
            }).collect_view()}
            <h3>{a.publish_title}</h3>
            <ActionForm action=actions.publish attr:class="mz-form">
                <input type="hidden" name="day" value=day.clone() />
                <input type="hidden" name="counter" value=counter.clone() />
                <input type="hidden" name="back" value=back.clone() />
                <Field name="starts" label=a.starts hint=a.time_hint maxlength=5 required=true
                    value=typed.publish.get("starts").cloned().unwrap_or_default()
                    error=field_error(actions.publish.value(), "starts") />
                <Field name="ends" label=a.ends hint=a.time_hint maxlength=5 required=true
                    value=typed.publish.get("ends").cloned().unwrap_or_default()
                    error=field_error(actions.publish.value(), "ends") />
                <Field name="capacity" label=a.capacity inputmode="numeric" maxlength=3 required=true
                    value=typed.publish.get("capacity").cloned().unwrap_or_else(|| default_capacity.to_string())
                    error=field_error(actions.publish.value(), "capacity") />
                {if full_tools {
                    view! {
                        <Field name="ceremony_capacity" label=a.ceremony_capacity inputmode="numeric" maxlength=3 required=true
                            value="0".to_string()
                            error=field_error(actions.publish.value(), "ceremony_capacity") />
                    }.into_any()
                } else {
                    view! { <input type="hidden" name="ceremony_capacity" value="0" /> }.into_any()
                }}
                <p class="mz-field__error" role="alert">{field_error(actions.publish.value(), "day")}</p>
                <FormError error=form_error(actions.publish.value()) />
                <button type="submit" class="mz-button">{a.publish_button}</button>
            </ActionForm>
        </section>
        {tools}
    }
}

/// The marriage counter's day tools: the peak-day release and closing the office.
#[component]
fn DayTools(
    day: String,
    back: String,
    actions: CounterActions,
    typed: CounterTyped,
    closed: bool,
) -> impl IntoView {
    let a = use_texts().appointments();
    let (day2, back2) = (day.clone(), back.clone());
    view! {
        <section class="mz-section" aria-labelledby="release-h">
                <h2 id="release-h">{a.release_title}</h2>
                <ActionForm action=actions.release attr:class="mz-form">
                    <input type="hidden" name="day" value=day.clone() />
                    <input type="hidden" name="back" value=back.clone() />
                    <Field name="release_at" label=a.release_at hint=a.release_hint maxlength=16
                        value=typed.release.get("release_at").cloned().unwrap_or_default()
                        error=field_error(actions.release.value(), "release_at") />
                    <FormError error=form_error(actions.release.value()) />
                    <button type="submit" class="mz-button">{a.release_button}</button>
                </ActionForm>
            </section>
            <section class="mz-section" aria-labelledby="close-h">
                <h2 id="close-h">{a.close_title}</h2>
                <ActionForm action=actions.closure attr:class="mz-form">
                    <input type="hidden" name="day" value=day2 />
                    <input type="hidden" name="back" value=back2 />
                    {if closed {
                        view! {
                            <input type="hidden" name="reopen" value="1" />
                            <button type="submit" class="mz-button">{a.reopen_button}</button>
                        }.into_any()
                    } else {
                        view! {
                            <Field name="reason" label=a.reason maxlength=100 required=true
                                value=typed.closure.get("reason").cloned().unwrap_or_default()
                                error=field_error(actions.closure.value(), "reason") />
                            <p class="mz-field__error" role="alert">{field_error(actions.closure.value(), "day")}</p>
                            <FormError error=form_error(actions.closure.value()) />
                            <button type="submit" class="mz-button">{a.close_button}</button>
                        }.into_any()
                    }}
                </ActionForm>
            </section>
    }
}

/// The clerk's check-in form and day list for one counter, loaded for `day` (from the address).
/// The page creates `actions` once, outside its sign-in guard (whose view may run again).
#[component]
pub fn CounterDesk(
    counter: String,
    actions: CounterActions,
    /// The desk page (with its query), where every form comes back to.
    back: String,
    wording: CounterWording,
    default_capacity: u32,
    #[prop(optional)] full_tools: bool,
) -> impl IntoView {
    let t = use_texts();
    let q = leptos_router::hooks::use_query_map();
    let day = Memo::new(move |_| q.with(|q| q.get("day")));
    let data = {
        let counter = counter.clone();
        Resource::new(
            move || (day.get(), actions.version()),
            move |(d, _)| super::api::day_list(d, Some(counter.clone())),
        )
    };
    let typed_code = crate::ui::typed("check_in");
    let typed = CounterTyped::read();
    view! {
        <CheckInForm check_in=actions.check_in typed=typed_code back=back.clone() />
        <Suspense>
            {move || {
                let (typed, back) = (typed.clone(), back.clone());
                Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! {
                            <CounterDay d=d back=back actions=actions wording=wording typed=typed
                                default_capacity=default_capacity full_tools=full_tools />
                        }.into_any(),
                        Err(e) => view! { <p class="mz-alert" role="alert">{e.message(t)}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The steps of a booking (the journeys issue): one choice per page, so each page's action is
/// on the first screen, each is a real address that works without JavaScript, and what was
/// chosen travels in the address (the day, the slot) or, for the other party's ID number and
/// phone, in an HttpOnly cookie of this browser, never in an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Day,
    Time,
    Partner,
    Review,
}

impl Step {
    fn from_query(s: Option<String>) -> Self {
        match s.as_deref() {
            Some("time") => Self::Time,
            Some("partner") => Self::Partner,
            Some("review") => Self::Review,
            _ => Self::Day,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Time => "time",
            Self::Partner => "partner",
            Self::Review => "review",
        }
    }
}

/// Where a booking's steps stand: the step and what was chosen, from the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepState {
    pub step: Step,
    pub office: Option<String>,
    pub day: Option<NaiveDate>,
    pub slot: Option<String>,
}

impl StepState {
    /// From the page's address, following it: with JavaScript, a step's link or form moves
    /// to the next step without a page load, and the page must show that step.
    pub fn memo() -> Memo<Self> {
        let q = leptos_router::hooks::use_query_map();
        Memo::new(move |_| {
            q.with(|q| Self {
                step: Step::from_query(q.get("step")),
                office: q.get("office").filter(|o| !o.is_empty()),
                day: q
                    .get("day")
                    .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
                slot: q.get("slot").filter(|s| !s.is_empty()),
            })
        })
    }

    /// The address of `step` with what was chosen so far, and `keep` (e.g. the purpose).
    pub fn href(&self, base: &str, keep: &str, step: Step) -> String {
        let mut q = vec![format!("step={}", step.name())];
        if !keep.is_empty() {
            q.push(keep.to_owned());
        }
        if let Some(o) = &self.office {
            q.push(format!("office={}", crate::ui::urlencode(o)));
        }
        if let Some(d) = self.day {
            q.push(format!("day={}", iso_day(d)));
        }
        if let Some(s) = &self.slot {
            q.push(format!("slot={}", crate::ui::urlencode(s)));
        }
        format!("{base}?{}", q.join("&"))
    }
}

/// "第2步，共4步：选择时段" as the step's heading.
#[component]
pub fn StepHeading(step: Step, total: u8) -> impl IntoView {
    let a = use_texts().appointments();
    let (n, name) = match step {
        Step::Day => (1, a.step_day),
        Step::Time => (2, a.step_time),
        Step::Partner => (3, a.step_partner),
        Step::Review => (total, a.step_review),
    };
    view! {
        <h2 class="mz-step">
            <span class="mz-step__count">{a.step_of(&n.to_string(), &total.to_string())}</span>
            " "{name}
        </h2>
    }
}

/// A day's summary in the day step: its places left, or why none.
fn day_summary(slots: &[&SlotView], t: &'static Texts, locale: Locale) -> (bool, String) {
    let a = t.appointments();
    let left: u32 = slots.iter().map(|s| s.left).sum();
    if left > 0 {
        return (true, a.day_open(&left.to_string()));
    }
    match slots.iter().filter_map(|s| s.opens_at).min() {
        Some(at) => (false, a.day_opens(&format::instant(at, locale))),
        None => (false, a.day_full.to_owned()),
    }
}

/// The first three steps of a booking: the days with places, the times of the chosen day, the
/// other party. `base` is the booking page, `keep` what its address keeps (e.g.
/// `purpose=divorce_application`); `form` names the partner draft; `total` counts the steps.
#[component]
pub fn BookingSteps(
    base: &'static str,
    #[prop(optional, into)] keep: String,
    p: super::model::PickerData,
    state: StepState,
    /// The partner step, if the purpose has one: its legend and hint.
    #[prop(default = None)]
    partner: Option<(&'static str, Option<&'static str>)>,
    #[prop(optional)] offer_counter: bool,
    form: &'static str,
    partner_action: ServerAction<super::api::PartnerStep>,
) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let a = t.appointments();
    let total: u8 = if partner.is_some() { 4 } else { 3 };
    let office = p.offices.iter().find(|o| o.id == p.office_id).cloned();
    match state.step {
        Step::Day | Step::Review => {
            let mut days: Vec<(NaiveDate, Vec<&SlotView>)> = vec![];
            for s in &p.slots {
                match days.last_mut() {
                    Some((d, list)) if *d == s.day => list.push(s),
                    _ => days.push((s.day, vec![s])),
                }
            }
            let many = p.offices.len() > 1;
            let items = days
                .into_iter()
                .map(|(day, slots)| {
                    let (open, summary) = day_summary(&slots, t, locale);
                    let href = StepState {
                        step: Step::Time,
                        office: Some(p.office_id.clone()),
                        day: Some(day),
                        slot: None,
                    }
                    .href(base, &keep, Step::Time);
                    let label = format::day(day, locale);
                    view! {
                        <li class="mz-daylist__item" class:mz-daylist__item--full=!open>
                            {if open {
                                view! {
                                    <a class="mz-daylist__link" href=href>
                                        <span class="mz-daylist__day">{label}</span>
                                        <span class="mz-daylist__meta mz-nowrap">{summary}</span>
                                    </a>
                                }.into_any()
                            } else {
                                view! {
                                    <span class="mz-daylist__link" aria-disabled="true">
                                        <span class="mz-daylist__day">{label}</span>
                                        <span class="mz-daylist__meta">{summary}</span>
                                    </span>
                                }.into_any()
                            }}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <StepHeading step=Step::Day total=total />
                {office.clone().map(|o| view! { <p class="mz-step__context">{office_name(&o, locale).to_owned()}</p> })}
                {p.slots.is_empty().then(|| view! { <p class="mz-empty">{a.no_slots}</p> })}
                <ul class="mz-daylist">{items}</ul>
                {many.then(|| view! {
                    <OfficeChooser action=base offices=p.offices.clone() chosen=p.office_id.clone() />
                })}
                {office.map(|o| view! {
                    <details class="mz-explain">
                        <summary>{a.office}</summary>
                        <OfficeFacts office=o />
                    </details>
                })}
            }
            .into_any()
        }
        Step::Time => {
            let day = state.day;
            let slots: Vec<SlotView> = p
                .slots
                .iter()
                .filter(|s| Some(s.day) == day)
                .cloned()
                .collect();
            let back = StepState {
                step: Step::Day,
                slot: None,
                ..state.clone()
            }
            .href(base, &keep, Step::Day);
            let next_step = if partner.is_some() {
                Step::Partner
            } else {
                Step::Review
            };
            let (path, query) = (base, keep.clone());
            let keeps: Vec<(String, String)> = query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            view! {
                <StepHeading step=Step::Time total=total />
                <p class="mz-step__context">{day.map(|d| format::day(d, locale))}</p>
                <form method="get" action=path class="mz-form">
                    <input type="hidden" name="step" value=next_step.name() />
                    <input type="hidden" name="office" value=p.office_id.clone() />
                    <input type="hidden" name="day" value=day.map(iso_day).unwrap_or_default() />
                    {keeps.into_iter().map(|(k, v)| view! { <input type="hidden" name=k value=v /> }).collect_view()}
                    <TimePicker slots=slots selected=state.slot.clone() />
                    <button type="submit" class="mz-button mz-button--primary">{a.next}</button>
                </form>
                <p><a href=back>{a.other_day}</a></p>
            }
            .into_any()
        }
        Step::Partner => {
            let (legend, hint) = partner.unwrap_or((a.partner, None));
            let typed = crate::ui::typed(form);
            let next = state.href(base, &keep, Step::Review);
            let back = state.href(base, &keep, Step::Time);
            view! {
                <StepHeading step=Step::Partner total=total />
                <ActionForm action=partner_action attr:class="mz-form">
                    <input type="hidden" name="form" value=form />
                    <input type="hidden" name="next" value=next />
                    <PartnerFields legend=legend hint=hint.unwrap_or("") typed=typed offer_counter=offer_counter
                        name_error=field_error(partner_action.value(), "partner_name")
                        id_error=field_error(partner_action.value(), "partner_id_number")
                        phone_error=field_error(partner_action.value(), "partner_phone") />
                    <FormError error=form_error(partner_action.value()) />
                    <button type="submit" class="mz-button mz-button--primary">{a.next}</button>
                </ActionForm>
                <p><a href=back>{a.step_time}</a></p>
            }
            .into_any()
        }
    }
}

/// The times of one day, as radio buttons with their places left (a full one shown, not
/// choosable).
#[component]
fn TimePicker(slots: Vec<SlotView>, selected: Option<String>) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let a = t.appointments();
    let first_open = slots
        .iter()
        .find(|s| s.left > 0 && s.opens_at.is_none())
        .map(|s| s.id.clone());
    let chosen = selected.or(first_open);
    view! {
        <fieldset class="mz-slots">
            <legend class="mz-visually-hidden">{a.step_time}</legend>
            {slots.is_empty().then(|| view! { <p class="mz-empty">{a.no_slots}</p> })}
            {slots.into_iter().map(|s| {
                let time = format::range(&s.starts, &s.ends);
                let label = slot_label(&s, &time, t, locale);
                let id = format!("slot-{}", s.id);
                let disabled = s.left == 0 || s.opens_at.is_some();
                let checked = chosen.as_deref() == Some(s.id.as_str()) && !disabled;
                view! {
                    <div class="mz-slot" class:mz-slot--full=disabled>
                        <input type="radio" name="slot" id=id.clone() value=s.id.clone() checked=checked disabled=disabled required=true />
                        <label for=id>{label}</label>
                    </div>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// The review step's facts: the office, when, the other party (masked), with links back to
/// change each.
#[component]
pub fn ReviewFacts(
    p: super::model::PickerData,
    state: StepState,
    base: &'static str,
    #[prop(optional, into)] keep: String,
    draft: Option<super::api::PartnerDraft>,
    total: u8,
) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let a = t.appointments();
    let slot = p
        .slots
        .iter()
        .find(|s| Some(&s.id) == state.slot.as_ref())
        .cloned();
    let office = p.offices.iter().find(|o| o.id == p.office_id).cloned();
    let change_time = state.href(base, &keep, Step::Time);
    let change_partner = state.href(base, &keep, Step::Partner);
    view! {
        <StepHeading step=Step::Review total=total />
        <dl class="mz-facts mz-facts--compact">
            {office.map(|o| view! { <dt>{a.office}</dt><dd>{office_name(&o, locale).to_owned()}</dd> })}
            <dt>{a.when}</dt>
            <dd>
                {match &slot {
                    Some(s) => view! { <span>{format::day_range(s.day, &s.starts, &s.ends, locale)}</span> }.into_any(),
                    None => view! { <span role="alert">{a.slot_gone}</span> }.into_any(),
                }}
                " "<a href=change_time>{a.change}</a>
            </dd>
            {draft.map(|d| view! {
                <dt>{a.partner}</dt>
                <dd>{d.name.clone()}" "<span class="mz-nowrap">{d.id_number_masked.clone()}</span>" "
                    <span class="mz-nowrap">{d.phone_masked.clone()}</span>" "<a href=change_partner.clone()>{a.change}</a></dd>
            })}
        </dl>
    }
}

/// The partner draft's values as the booking form's hidden fields.
#[component]
pub fn DraftFields(draft: super::api::PartnerDraft) -> impl IntoView {
    view! {
        <input type="hidden" name="partner_name" value=draft.name />
        <input type="hidden" name="partner_id_number" value=draft.id_number />
        <input type="hidden" name="partner_phone" value=draft.phone />
        {draft.at_counter.then(|| view! { <input type="hidden" name="partner_at_counter" value="on" /> })}
    }
}

/// A booking's refusal on its review step, with a link to the step where it can be put right
/// (the time for a slot that filled meanwhile, the partner for their details).
#[component]
pub fn BookingErrors<T, V>(
    error: V,
    base: &'static str,
    state: StepState,
    #[prop(optional, into)] keep: String,
) -> impl IntoView
where
    T: Send + Sync + 'static,
    V: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let t = use_texts();
    let a = t.appointments();
    let time = state.href(base, &keep, Step::Time);
    let partner = state.href(base, &keep, Step::Partner);
    view! {
        <div class="mz-form__error" role="alert">
            {move || error.with(|v| match v {
                Some(Err(e)) => {
                    let back = match e.field() {
                        Some("slot") => Some((time.clone(), a.step_time)),
                        Some(f) if f.starts_with("partner") => Some((partner.clone(), a.step_partner)),
                        _ => None,
                    };
                    Some(view! {
                        <p>{e.message(t)}</p>
                        {back.map(|(href, label)| view! { <p><a href=href>{label}</a></p> })}
                    })
                }
                _ => None,
            })}
        </div>
    }
}
