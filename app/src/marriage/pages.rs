//! Pages of marriage appointments: the service page with my bookings, the booking form with
//! its slot picker, the booking and voucher page (confirm, reschedule, cancel), and the
//! registry clerk's desk. Every form is a plain form that also works without JavaScript.

use super::{
    api::{
        Book, Cancel, CheckIn, Closure, Confirm, Publish, RecordOutcome, Reschedule, SetCapacity,
        SetRelease,
    },
    model::{BookingStatus, BookingView, OfficeView, Party, SlotView, VoucherView},
};
use crate::{
    error::{AppError, Code},
    i18n::{fill, use_locale, use_texts, Locale, Texts},
    rules::{id_number::IdNumber, phone::Phone},
    staff::{model::Role, pages::StaffBar},
    ui::{
        field_error, form_error, typed, Field, Forbidden, FormError, Page, RequireResident,
        RequireStaff,
    },
};
use chrono::{Datelike, NaiveDate};
use leptos::prelude::*;
use leptos_router::{
    any_nested_route::IntoAnyNestedRoute,
    components::Route,
    hooks::{use_params_map, use_query_map},
    lazy_route, path, Lazy, LazyRoute, MatchNestedRoutes, SsrMode,
};

crate::lazy_page!(MarriageHomeRoute, MarriageHomePage);
crate::lazy_page!(BookRoute, BookPage);
crate::lazy_page!(BookingRoute, BookingPage);
crate::lazy_page!(RescheduleRoute, ReschedulePage);
crate::lazy_page!(ClerkRoute, ClerkPage);

/// The routes of this service.
#[component(transparent)]
pub fn MarriageRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/marriage") view={Lazy::<MarriageHomeRoute>::new()} ssr=SsrMode::Async />
        <Route path=path!("/marriage/book") view={Lazy::<BookRoute>::new()} ssr=SsrMode::Async />
        <Route path=path!("/marriage/booking/:id") view={Lazy::<BookingRoute>::new()} ssr=SsrMode::Async />
        <Route path=path!("/marriage/booking/:id/reschedule") view={Lazy::<RescheduleRoute>::new()} ssr=SsrMode::Async />
        <Route path=path!("/staff/marriage") view={Lazy::<ClerkRoute>::new()} ssr=SsrMode::Async />
    }
    .into_inner()
    // Erased so the routes type-check both with and without `--cfg erase_components`.
    .into_any_nested_route()
}

/// A booking's status in the reader's language.
pub fn status_text(s: BookingStatus, t: &'static Texts) -> &'static str {
    let m = &t.marriage;
    match s {
        BookingStatus::PendingPartner => m.status_pending_partner,
        BookingStatus::Confirmed => m.status_confirmed,
        BookingStatus::CheckedIn => m.status_checked_in,
        BookingStatus::Registered => m.status_registered,
        BookingStatus::Cancelled => m.status_cancelled,
        BookingStatus::Lapsed => m.status_lapsed,
        BookingStatus::NoShow => m.status_no_show,
    }
}

fn weekday_name(n: u32, t: &'static Texts) -> &'static str {
    let m = &t.marriage;
    [
        m.weekday_1,
        m.weekday_2,
        m.weekday_3,
        m.weekday_4,
        m.weekday_5,
        m.weekday_6,
        m.weekday_7,
    ][(n.clamp(1, 7) - 1) as usize]
}

/// A day as people say it: "11月25日 周三" or "Wed 25 Nov" (no chrono formatting in the WASM).
pub fn day_text(d: NaiveDate, t: &'static Texts, locale: Locale) -> String {
    let wd = weekday_name(d.weekday().number_from_monday(), t);
    match locale {
        Locale::ZhCn => format!("{}月{}日 {wd}", d.month(), d.day()),
        Locale::En => {
            const MONTHS: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            format!("{wd} {} {}", d.day(), MONTHS[d.month0() as usize])
        }
    }
}

pub(crate) fn when_text(b: &BookingView, t: &'static Texts, locale: Locale) -> String {
    let day = day_text(b.day, t, locale);
    match locale {
        Locale::ZhCn => format!("{}年{day} {}–{}", b.day.year(), b.starts, b.ends),
        Locale::En => format!("{day} {}, {}–{}", b.day.year(), b.starts, b.ends),
    }
}

pub(crate) fn instant(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(crate::ui::format_time)
        .unwrap_or_default()
}

pub(crate) fn office_name(o: &OfficeView, locale: Locale) -> &str {
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

pub(crate) fn check_partner_id(v: &str, t: &'static Texts) -> Option<String> {
    IdNumber::parse(v, crate::browser_today())
        .err()
        .map(|e| Code::IdNumber(e).message(t))
}

pub(crate) fn check_phone(v: &str, t: &'static Texts) -> Option<String> {
    Phone::parse(v).err().map(|_| Code::PhoneInvalid.message(t))
}

/// The office's name, address, phone and hours.
#[component]
pub(crate) fn OfficeFacts(office: OfficeView) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let m = &t.marriage;
    let hours = office
        .hours
        .iter()
        .map(|(d, o, c)| {
            fill(
                m.hours_line,
                &[("day", weekday_name(*d, t)), ("opens", o), ("closes", c)],
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <dl class="mz-facts">
            <dt>{m.office}</dt><dd>{office_name(&office, locale).to_owned()}</dd>
            <dt>{m.address}</dt><dd>{office_address(&office, locale).to_owned()}</dd>
            <dt>{m.phone}</dt><dd><a href=format!("tel:{}", office.phone)>{office.phone.clone()}</a></dd>
            <dt>{m.hours}</dt><dd>{hours}</dd>
        </dl>
    }
}

/// What to bring, and the free counselling on offer.
#[component]
fn Guidance() -> impl IntoView {
    let m = &use_texts().marriage;
    view! {
        <section class="mz-section" aria-labelledby="bring-h">
            <h2 id="bring-h">{m.bring_title}</h2>
            <p>{m.bring_body}</p>
        </section>
        <section class="mz-section" aria-labelledby="counselling-h">
            <h2 id="counselling-h">{m.counselling_title}</h2>
            <p>{m.counselling_body}</p>
        </section>
    }
}

/// The slot picker: radio buttons grouped by day, each with a full spoken label (day, time,
/// places left). Full and unreleased slots are shown but cannot be chosen.
#[component]
pub(crate) fn SlotPicker(
    slots: Vec<SlotView>,
    /// The slot chosen before (a no-JavaScript form shown again after an error).
    #[prop(optional)]
    selected: Option<String>,
    /// A slot to leave out (the one a booking already has).
    #[prop(optional)]
    exclude: Option<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let m = &t.marriage;
    let mut days: Vec<(NaiveDate, Vec<SlotView>)> = vec![];
    for s in slots
        .into_iter()
        .filter(|s| Some(&s.id) != exclude.as_ref())
    {
        match days.last_mut() {
            Some((d, list)) if *d == s.day => list.push(s),
            _ => days.push((s.day, vec![s])),
        }
    }
    let invalid = move || error.get().is_some();
    view! {
        <fieldset class="mz-slots" aria-describedby="slot-error" aria-invalid=move || if invalid() { "true" } else { "false" }>
            <legend class="mz-slots__legend">{m.slot_legend}</legend>
            {days.is_empty().then(|| view! { <p class="mz-empty">{m.no_slots}</p> })}
            {days.into_iter().map(|(day, list)| {
                let heading = day_text(day, t, locale);
                view! {
                    <fieldset class="mz-slots__day">
                        <legend>{heading.clone()}</legend>
                        {list.into_iter().map(|s| {
                            let time = format!("{}–{}", s.starts, s.ends);
                            let label = match s.opens_at {
                                Some(at) => fill(m.slot_opens, &[("time", &time), ("when", &instant(at))]),
                                None if s.left == 0 => fill(m.slot_full, &[("time", &time)]),
                                None => {
                                    let mut l = fill(m.slot_open, &[("time", &time), ("n", &s.left.to_string())]);
                                    if s.ceremony_capacity > 0 {
                                        l.push_str(&fill(m.slot_ceremony, &[("n", &s.ceremony_left.to_string())]));
                                    }
                                    l
                                }
                            };
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

/// 结婚登记预约: the service, my bookings and invitations, and what to bring.
#[component]
fn MarriageHomePage() -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let m = &t.marriage;
    let mine = Resource::new(|| (), |_| super::api::my_bookings(None));
    view! {
        <Page title=m.title.to_string()>
            <p class="mz-lead">{m.intro}</p>
            <p><a class="mz-button mz-button--primary" href="/marriage/book">{m.book_now}</a></p>
            <section class="mz-section" aria-labelledby="mine-h">
                <h2 id="mine-h">{m.my_bookings}</h2>
                <Suspense>
                    {move || Suspend::new(async move {
                        match mine.await {
                            Ok(list) if list.is_empty() => view! { <p class="mz-empty">{m.no_bookings}</p> }.into_any(),
                            Ok(list) => view! {
                                <ul class="mz-list">
                                    {list.into_iter().map(|b| {
                                        let waiting_for_me = b.role == Party::Partner && b.status == BookingStatus::PendingPartner;
                                        view! {
                                            <li class="mz-list__item">
                                                <h3 class="mz-list__title">
                                                    <a href=format!("/marriage/booking/{}", b.id)>{when_text(&b, t, locale)}</a>
                                                </h3>
                                                <p class="mz-list__meta">
                                                    {m.reference}" "{b.reference.clone()}" · "{status_text(b.status, t)}
                                                    {waiting_for_me.then(|| view! { " "<span class="mz-badge">{m.invited}</span> })}
                                                </p>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(AppError::SignInRequired) => view! {
                                <p class="mz-empty">{t.home.sign_in_for_affairs}</p>
                                <p><a class="mz-button" href="/signin?next=/marriage">{t.account.sign_in}</a></p>
                            }.into_any(),
                            Err(e) => view! { <p role="alert">{e.message(t)}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
            <Guidance />
        </Page>
    }
}

fn office_param() -> Option<String> {
    use_query_map().with_untracked(|q| q.get("office"))
}

/// 预约: choose the office and a slot, enter the partner, book.
#[component]
fn BookPage() -> impl IntoView {
    let t = use_texts();
    let m = &t.marriage;
    // Created once per page, outside the guard: the guard's view may run more than once.
    let action = ServerAction::<Book>::new();
    let picker = Resource::new(
        move || action.version().get(),
        |_| super::api::picker(office_param()),
    );
    let typed = typed("marriage_book");
    view! {
        <Page title=m.book_now.to_string()>
            <RequireResident view=move |me| {
                let typed = typed.clone();
                if me.real_name.is_none() {
                    return view! {
                        <p class="mz-lead">{t.errors.real_name_required}</p>
                        <p><a class="mz-button mz-button--primary" href="/account/realname?next=/marriage/book">{t.account.real_name_title}</a></p>
                    }.into_any();
                }
                view! {
                    <Suspense>
                        {move || {
                            let typed = typed.clone();
                            Suspend::new(async move {
                                let p = match picker.await {
                                    Ok(p) => p,
                                    Err(e) => return view! { <p role="alert">{e.message(t)}</p> }.into_any(),
                                };
                                let office = p.offices.iter().find(|o| o.id == p.office_id).cloned();
                                let many = p.offices.len() > 1;
                                view! {
                                    {many.then(|| view! {
                                        <OfficeChooser action="/marriage/book" offices=p.offices.clone() chosen=p.office_id.clone() />
                                    })}
                                    {office.map(|o| view! { <OfficeFacts office=o /> })}
                                    <ActionForm action=action attr:class="mz-form">
                                        <input type="hidden" name="idempotency_key" value=p.idempotency_key.clone() />
                                        <SlotPicker slots=p.slots.clone() selected=typed.get("slot").cloned().unwrap_or_default()
                                            error=field_error(action.value(), "slot") />
                                        <PartnerFields legend=m.partner_title typed=typed.clone()
                                            name_error=field_error(action.value(), "partner_name")
                                            id_error=field_error(action.value(), "partner_id_number")
                                            phone_error=field_error(action.value(), "partner_phone") />
                                        <div class="mz-check">
                                            <input type="checkbox" id="ceremony" name="ceremony" value="on"
                                                checked=typed.get("ceremony").is_some_and(|c| c == "on")
                                                aria-describedby="ceremony-hint" />
                                            <label for="ceremony">{m.ceremony_label}</label>
                                            <p class="mz-field__hint" id="ceremony-hint">{m.ceremony_hint}</p>
                                        </div>
                                        <p class="mz-note">{m.hold_note}</p>
                                        <FormError error=form_error(action.value()) />
                                        <button type="submit" class="mz-button mz-button--primary">{m.submit_book}</button>
                                    </ActionForm>
                                    <Guidance />
                                }.into_any()
                            })
                        }}
                    </Suspense>
                }.into_any()
            } />
        </Page>
    }
}

fn id_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()))
}

/// The booking: its facts, the partner's confirmation, the voucher, and changes.
#[component]
fn BookingPage() -> impl IntoView {
    let t = use_texts();
    let m = &t.marriage;
    let id = id_param();
    // Created once per page, outside the guard: the guard's view may run more than once.
    let confirm = ServerAction::<Confirm>::new();
    let cancel = ServerAction::<Cancel>::new();
    let voucher = Resource::new(
        move || (id.get(), confirm.version().get(), cancel.version().get()),
        |(id, _, _)| super::api::voucher(id),
    );
    view! {
        <Page title=m.booking_title.to_string()>
            <RequireResident view=move |_| view! {
                <Suspense>
                    {move || Suspend::new(async move {
                        match voucher.await {
                            Ok(v) => view! { <Booking v=v confirm=confirm cancel=cancel /> }.into_any(),
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
            <p><a href="/marriage">{m.back_to_list}</a></p>
        </Page>
    }
}

#[component]
fn Booking(
    v: VoucherView,
    confirm: ServerAction<Confirm>,
    cancel: ServerAction<Cancel>,
) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let m = &t.marriage;
    let b = v.booking.clone();
    let pending = b.status == BookingStatus::PendingPartner;
    let has_qr = !v.qr_svg.is_empty();
    let id = b.id.clone();
    let office_phone = v.office.phone.clone();
    view! {
        <p class="mz-status" data-status=b.status.as_str()>
            {m.status}": "<strong>{status_text(b.status, t)}</strong>
        </p>
        <dl class="mz-facts">
            <dt>{m.reference}</dt><dd data-testid="reference">{b.reference.clone()}</dd>
            <dt>{m.when}</dt><dd>{when_text(&b, t, locale)}</dd>
            <dt>{m.office}</dt><dd>{office_name(&v.office, locale).to_owned()}</dd>
            <dt>{m.address}</dt><dd>{office_address(&v.office, locale).to_owned()}</dd>
            <dt>{m.phone}</dt><dd><a href=format!("tel:{}", v.office.phone)>{v.office.phone.clone()}</a></dd>
            <dt>{m.applicant}</dt><dd>{b.applicant_name.clone()}</dd>
            <dt>{m.partner}</dt><dd>{b.partner_name.clone()}" "{b.partner_id_number_masked.clone()}</dd>
            <dt>{m.ceremony}</dt><dd>{if b.ceremony { m.yes } else { m.no }}</dd>
        </dl>
        {(pending && b.role == Party::Partner).then(|| view! {
            <ConfirmInvitation booking_id=id.clone() confirm=confirm
                body=fill(m.confirm_body, &[("name", &b.applicant_name), ("when", &instant(b.hold_expires_at))]) />
        })}
        <WaitingForPartner b=b.clone() />
        {has_qr.then(|| view! {
            <VoucherQr qr_svg=v.qr_svg.clone() calendar=format!("/marriage/booking/{}/voucher.ics", b.id)
                file="marriage-appointment.ics" label=m.add_calendar />
        })}
        {b.status.is_active().then(|| view! {
            <section class="mz-section" aria-labelledby="change-h">
                <h2 id="change-h">{m.change_title}</h2>
                {if v.can_change {
                    view! {
                        <p>{fill(m.change_until, &[("when", &instant(b.change_until))])}</p>
                        <p><a class="mz-button" href=format!("/marriage/booking/{}/reschedule", b.id)>{m.reschedule}</a></p>
                        <CancelBooking booking_id=id.clone() cancel=cancel />
                    }.into_any()
                } else {
                    view! { <CallTheOffice phone=office_phone.clone() /> }.into_any()
                }}
            </section>
        })}
        <Guidance />
    }
}

/// The other party's name, ID number and mobile number, with what was typed before.
#[component]
pub(crate) fn PartnerFields(
    legend: &'static str,
    /// A line under the legend (what the other party will be asked to do).
    #[prop(optional)]
    hint: Option<&'static str>,
    typed: std::collections::BTreeMap<String, String>,
    #[prop(into)] name_error: Signal<Option<String>>,
    #[prop(into)] id_error: Signal<Option<String>>,
    #[prop(into)] phone_error: Signal<Option<String>>,
) -> impl IntoView {
    let t = use_texts();
    let m = &t.marriage;
    let typed_value = |k: &str| typed.get(k).cloned().unwrap_or_default();
    view! {
        <fieldset class="mz-group">
            <legend>{legend}</legend>
            {hint.map(|h| view! { <p class="mz-field__hint">{h}</p> })}
            <Field name="partner_name" label=m.partner_name hint=m.partner_name_hint
                autocomplete="off" maxlength=30 required=true
                value=typed_value("partner_name") error=name_error />
            <Field name="partner_id_number" label=m.partner_id_number hint=t.account.id_number_hint
                autocomplete="off" maxlength=18 required=true
                value=typed_value("partner_id_number") error=id_error check=check_partner_id />
            <Field name="partner_phone" label=m.partner_phone hint=m.partner_phone_hint
                kind="tel" inputmode="numeric" autocomplete="off" maxlength=20 required=true
                value=typed_value("partner_phone") error=phone_error check=check_phone />
        </fieldset>
    }
}

/// 双方确认: the invited partner's confirmation form.
#[component]
pub(crate) fn ConfirmInvitation(
    booking_id: String,
    body: String,
    confirm: ServerAction<Confirm>,
) -> impl IntoView {
    let m = &use_texts().marriage;
    view! {
        <section class="mz-section" aria-labelledby="confirm-h">
            <h2 id="confirm-h">{m.confirm_title}</h2>
            <p>{body}</p>
            <ActionForm action=confirm attr:class="mz-form">
                <input type="hidden" name="booking_id" value=booking_id />
                <p class="mz-field__error" role="alert">{field_error(confirm.value(), "confirm")}</p>
                <FormError error=form_error(confirm.value()) />
                <button type="submit" class="mz-button mz-button--primary">{m.confirm_button}</button>
            </ActionForm>
        </section>
    }
}

/// The applicant's note while the partner has not confirmed yet.
#[component]
pub(crate) fn WaitingForPartner(b: BookingView) -> impl IntoView {
    let m = &use_texts().marriage;
    (b.status == BookingStatus::PendingPartner && b.role == Party::Applicant).then(|| {
        view! {
            <p class="mz-note">{fill(m.waiting_partner, &[("when", &instant(b.hold_expires_at))])}</p>
        }
    })
}

/// 预约凭证: the QR code (drawn on the server) and the calendar file.
#[component]
pub(crate) fn VoucherQr(
    qr_svg: String,
    calendar: String,
    file: &'static str,
    label: &'static str,
) -> impl IntoView {
    let m = &use_texts().marriage;
    view! {
        <section class="mz-section" aria-labelledby="voucher-h">
            <h2 id="voucher-h">{m.voucher_title}</h2>
            <div class="mz-qr" role="img" aria-label=m.qr_label inner_html=qr_svg></div>
            <p class="mz-note">{m.qr_note}</p>
            <p><a class="mz-button" href=calendar download=file>{label}</a></p>
        </section>
    }
}

/// 取消预约, with the explicit tick.
#[component]
pub(crate) fn CancelBooking(booking_id: String, cancel: ServerAction<Cancel>) -> impl IntoView {
    let m = &use_texts().marriage;
    view! {
        <ActionForm action=cancel attr:class="mz-form mz-form--secondary">
            <input type="hidden" name="booking_id" value=booking_id />
            <div class="mz-check">
                <input type="checkbox" id="confirm_cancel" name="confirm_cancel" value="on" required=true
                    aria-describedby="confirm_cancel-error" />
                <label for="confirm_cancel">{m.cancel_confirm_label}</label>
            </div>
            <p class="mz-field__error" id="confirm_cancel-error" role="alert">{field_error(cancel.value(), "confirm_cancel")}</p>
            <p class="mz-field__error" role="alert">{field_error(cancel.value(), "booking")}</p>
            <FormError error=form_error(cancel.value()) />
            <button type="submit" class="mz-button">{m.cancel_button}</button>
        </ActionForm>
    }
}

/// Past the online cut-off: the office's number to call instead.
#[component]
pub(crate) fn CallTheOffice(phone: String) -> impl IntoView {
    let m = &use_texts().marriage;
    view! { <p>{m.past_cutoff_note}" "<a href=format!("tel:{phone}")>{phone.clone()}</a></p> }
}

/// The clerk's day picker and the links to the day before and after. `query` is what the
/// page's address carries besides the day (e.g. `counter=divorce&`).
#[component]
pub(crate) fn DayPicker(
    action: &'static str,
    query: String,
    day: chrono::NaiveDate,
    /// Hidden fields the day form keeps (the counter).
    #[prop(optional)]
    counter: Option<&'static str>,
) -> impl IntoView {
    let m = &use_texts().marriage;
    let prev = iso_day(day - chrono::Days::new(1));
    let next = iso_day(day + chrono::Days::new(1));
    view! {
        <form method="get" action=action class="mz-form mz-form--secondary">
            {counter.map(|c| view! { <input type="hidden" name="counter" value=c /> })}
            <div class="mz-field">
                <label class="mz-field__label" for="day">{m.day_label}</label>
                <input class="mz-field__input" type="date" id="day" name="day" value=iso_day(day) />
            </div>
            <button type="submit" class="mz-button">{m.show_day}</button>
        </form>
        <p class="mz-daynav">
            <a href=format!("{action}?{query}day={prev}")>{m.prev_day}</a>
            " · "
            <a href=format!("{action}?{query}day={next}")>{m.next_day}</a>
        </p>
    }
}

/// The office to book at, when there is more than one (a plain GET form).
#[component]
pub(crate) fn OfficeChooser(
    action: &'static str,
    offices: Vec<OfficeView>,
    chosen: String,
    /// Hidden fields the form keeps: (name, value).
    #[prop(optional)]
    keep: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    let m = &use_texts().marriage;
    let locale = use_locale();
    view! {
        <form method="get" action=action class="mz-form mz-form--secondary">
            {keep.map(|(name, value)| view! { <input type="hidden" name=name value=value /> })}
            <div class="mz-field">
                <label class="mz-field__label" for="office">{m.choose_office}</label>
                <select class="mz-field__input" id="office" name="office">
                    {offices.iter().map(|o| view! {
                        <option value=o.id.clone() selected=o.id == chosen>{office_name(o, locale).to_owned()}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="mz-button">{m.show_slots}</button>
        </form>
    }
}

/// 核验: check-in by the typed booking number or the scanned code.
#[component]
pub(crate) fn CheckInForm(
    check_in: ServerAction<CheckIn>,
    typed: std::collections::BTreeMap<String, String>,
    /// The counter the clerk works (a hidden field; marriage when absent).
    #[prop(optional)]
    counter: Option<&'static str>,
) -> impl IntoView {
    let m = &use_texts().marriage;
    view! {
        <section class="mz-section" aria-labelledby="checkin-h">
            <h2 id="checkin-h">{m.check_in_title}</h2>
            <ActionForm action=check_in attr:class="mz-form">
                {counter.map(|c| view! { <input type="hidden" name="counter" value=c /> })}
                <Field name="code" label=m.code_label autocomplete="off" maxlength=80 required=true
                    value=typed.get("code").cloned().unwrap_or_default()
                    error=field_error(check_in.value(), "code") />
                <FormError error=form_error(check_in.value()) />
                <button type="submit" class="mz-button mz-button--primary">{m.check_in_button}</button>
            </ActionForm>
        </section>
    }
}

/// One outcome button on the clerk's day list.
#[component]
pub(crate) fn OutcomeButton(
    outcome: ServerAction<RecordOutcome>,
    booking_id: String,
    value: &'static str,
    label: &'static str,
    day: String,
    #[prop(optional)] counter: Option<&'static str>,
) -> impl IntoView {
    view! {
        <ActionForm action=outcome attr:class="mz-inline-form">
            <input type="hidden" name="booking_id" value=booking_id />
            <input type="hidden" name="outcome" value=value />
            <input type="hidden" name="day" value=day />
            {counter.map(|c| view! { <input type="hidden" name="counter" value=c /> })}
            <button type="submit" class="mz-button">{label}</button>
        </ActionForm>
    }
}

/// 改约: the same office's open slots, minus the current one.
#[component]
fn ReschedulePage() -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let m = &t.marriage;
    let id = id_param();
    let action = ServerAction::<Reschedule>::new();
    let data = Resource::new(
        move || (id.get(), action.version().get()),
        |(id, _)| async move {
            let v = super::api::voucher(id).await?;
            let p = super::api::picker(Some(v.booking.office_id.clone())).await?;
            Ok::<_, AppError>((v, p))
        },
    );
    view! {
        <Page title=m.reschedule_title.to_string()>
            <RequireResident view=move |_| view! {
                <Suspense>
                    {move || Suspend::new(async move {
                        match data.await {
                            Ok((v, p)) => {
                                let b = v.booking.clone();
                                let back = format!("/marriage/booking/{}", b.id);
                                view! {
                                    <p class="mz-lead">{fill(m.current_time, &[("when", &when_text(&b, t, locale))])}</p>
                                    <ActionForm action=action attr:class="mz-form">
                                        <input type="hidden" name="booking_id" value=b.id.clone() />
                                        <input type="hidden" name="idempotency_key" value=p.idempotency_key.clone() />
                                        <SlotPicker slots=p.slots.clone() exclude=b.slot_id.clone()
                                            error=field_error(action.value(), "slot") />
                                        <FormError error=form_error(action.value()) />
                                        <button type="submit" class="mz-button mz-button--primary">{m.submit_reschedule}</button>
                                    </ActionForm>
                                    <p><a href=back>{m.booking_title}</a></p>
                                }.into_any()
                            }
                            Err(e) => view! { <p class="mz-alert" role="alert">{e.message(t)}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            } />
        </Page>
    }
}

/// `YYYY-MM-DD` without chrono's formatter (which would add to the WASM).
pub(crate) fn iso_day(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

fn day_query() -> Memo<Option<String>> {
    let q = use_query_map();
    Memo::new(move |_| q.with(|q| q.get("day")))
}

/// 婚姻登记员: the day's bookings, check-in, outcomes, places, closures and releases.
#[component]
fn ClerkPage() -> impl IntoView {
    let t = use_texts();
    let m = &t.marriage;
    let day = day_query();
    // Created once per page, outside the guard: the guard's view may run more than once.
    let check_in = ServerAction::<CheckIn>::new();
    let outcome = ServerAction::<RecordOutcome>::new();
    let capacity = ServerAction::<SetCapacity>::new();
    let publish = ServerAction::<Publish>::new();
    let closure = ServerAction::<Closure>::new();
    let release = ServerAction::<SetRelease>::new();
    let data = Resource::new(
        move || {
            (
                day.get(),
                check_in.version().get()
                    + outcome.version().get()
                    + capacity.version().get()
                    + publish.version().get()
                    + closure.version().get()
                    + release.version().get(),
            )
        },
        |(d, _)| super::api::day_list(d, None),
    );
    let typed_code = typed("marriage_check_in");
    let typed_publish = typed("marriage_publish");
    let typed_closure = typed("marriage_closure");
    let typed_release = typed("marriage_release");
    view! {
        <RequireStaff view=move |me| {
            if me.role != Role::RegistryClerk {
                return view! { <Forbidden /> }.into_any();
            }
            let typed_code = typed_code.clone();
            let typed_publish = typed_publish.clone();
            let typed_closure = typed_closure.clone();
            let typed_release = typed_release.clone();
            view! {
                <Page title=m.clerk_title.to_string()>
                    <StaffBar me=me />
                    <CheckInForm check_in=check_in typed=typed_code />
                    <Suspense>
                        {move || {
                            let typed_publish = typed_publish.clone();
                            let typed_closure = typed_closure.clone();
                            let typed_release = typed_release.clone();
                            Suspend::new(async move {
                                match data.await {
                                    Ok(d) => view! {
                                        <ClerkDayView d=d outcome=outcome capacity=capacity publish=publish closure=closure release=release
                                            typed_publish=typed_publish typed_closure=typed_closure typed_release=typed_release />
                                    }.into_any(),
                                    Err(e) => view! { <p class="mz-alert" role="alert">{e.message(t)}</p> }.into_any(),
                                }
                            })
                        }}
                    </Suspense>
                </Page>
            }.into_any()
        } />
    }
}

#[allow(clippy::too_many_arguments)]
#[component]
fn ClerkDayView(
    d: super::model::ClerkDay,
    outcome: ServerAction<RecordOutcome>,
    capacity: ServerAction<SetCapacity>,
    publish: ServerAction<Publish>,
    closure: ServerAction<Closure>,
    release: ServerAction<SetRelease>,
    typed_publish: std::collections::BTreeMap<String, String>,
    typed_closure: std::collections::BTreeMap<String, String>,
    typed_release: std::collections::BTreeMap<String, String>,
) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let m = &t.marriage;
    let day = iso_day(d.day);
    let heading = format!("{} {}", d.day.year(), day_text(d.day, t, locale));
    let closed = d.closed_reason.clone();
    let (day_slots, day_publish, day_release, day_close) =
        (day.clone(), day.clone(), day.clone(), day.clone());
    view! {
        <section class="mz-section" aria-labelledby="day-h">
            <h2 id="day-h">{m.list_title}": "{heading}</h2>
            <DayPicker action="/staff/marriage" query=String::new() day=d.day />
            {(!d.working_day).then(|| view! { <p class="mz-note">{m.rest_day_note}</p> })}
            {closed.clone().map(|r| view! { <p class="mz-note">{fill(m.closed_note, &[("reason", &r)])}</p> })}
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
                                <th scope="col">{m.col_couple}</th>
                                <th scope="col">{m.ceremony}</th>
                                <th scope="col">{m.status}</th>
                                <th scope="col">{m.col_actions}</th>
                            </tr></thead>
                            <tbody>
                                {d.bookings.into_iter().map(|b| {
                                    let action = match b.status {
                                        BookingStatus::CheckedIn => Some(("registered", m.mark_registered)),
                                        BookingStatus::Confirmed => Some(("no_show", m.mark_no_show)),
                                        _ => None,
                                    };
                                    let day = day.clone();
                                    view! {
                                        <tr data-reference=b.reference.clone()>
                                            <td>{b.starts.clone()}"–"{b.ends.clone()}</td>
                                            <td>{b.reference.clone()}</td>
                                            <td>{b.applicant_name.clone()}" "{b.applicant_id_masked.clone()}<br />{b.partner_name.clone()}" "{b.partner_id_masked.clone()}</td>
                                            <td>{if b.ceremony { m.yes } else { m.no }}</td>
                                            <td>{status_text(b.status, t)}</td>
                                            <td>{action.map(|(value, label)| view! {
                                                <OutcomeButton outcome=outcome booking_id=b.id.clone() value=value label=label day=day.clone() />
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
            <p class="mz-field__error" role="alert">{field_error(capacity.value(), "capacity")}</p>
            {d.slots.into_iter().map(|s| {
                let day = day_slots.clone();
                let cap_id = format!("cap-{}", s.id);
                let cer_id = format!("cer-{}", s.id);
                view! {
                    <ActionForm action=capacity attr:class="mz-form mz-slotrow">
                        <p class="mz-slotrow__time"><strong>{s.starts.clone()}"–"{s.ends.clone()}</strong>
                            " · "{m.booked}" "{s.capacity - s.left.min(s.capacity)}"/"{s.capacity}
                            {s.opens_at.map(|at| view! { " · "{m.release_at}" "{instant(at)} })}
                        </p>
                        <input type="hidden" name="slot_id" value=s.id.clone() />
                        <input type="hidden" name="day" value=day.clone() />
                        <div class="mz-field">
                            <label class="mz-field__label" for=cap_id.clone()>{m.capacity}</label>
                            <input class="mz-field__input" id=cap_id name="capacity" inputmode="numeric" value=s.capacity.to_string() />
                        </div>
                        <div class="mz-field">
                            <label class="mz-field__label" for=cer_id.clone()>{m.ceremony_capacity}</label>
                            <input class="mz-field__input" id=cer_id name="ceremony_capacity" inputmode="numeric" value=s.ceremony_capacity.to_string() />
                        </div>
                        <button type="submit" class="mz-button">{m.save}</button>
                    </ActionForm>
                }
            }).collect_view()}
            <h3>{m.publish_title}</h3>
            <ActionForm action=publish attr:class="mz-form">
                <input type="hidden" name="day" value=day_publish />
                <Field name="starts" label=m.starts hint=m.time_hint maxlength=5 required=true
                    value=typed_publish.get("starts").cloned().unwrap_or_default()
                    error=field_error(publish.value(), "starts") />
                <Field name="ends" label=m.ends hint=m.time_hint maxlength=5 required=true
                    value=typed_publish.get("ends").cloned().unwrap_or_default()
                    error=field_error(publish.value(), "ends") />
                <Field name="capacity" label=m.capacity inputmode="numeric" maxlength=3 required=true
                    value=typed_publish.get("capacity").cloned().unwrap_or_else(|| "10".into())
                    error=field_error(publish.value(), "capacity") />
                <Field name="ceremony_capacity" label=m.ceremony_capacity inputmode="numeric" maxlength=3 required=true
                    value="0".to_string()
                    error=field_error(publish.value(), "ceremony_capacity") />
                <p class="mz-field__error" role="alert">{field_error(publish.value(), "day")}</p>
                <FormError error=form_error(publish.value()) />
                <button type="submit" class="mz-button">{m.publish_button}</button>
            </ActionForm>
        </section>
        <section class="mz-section" aria-labelledby="release-h">
            <h2 id="release-h">{m.release_title}</h2>
            <ActionForm action=release attr:class="mz-form">
                <input type="hidden" name="day" value=day_release />
                <Field name="release_at" label=m.release_at hint=m.release_hint maxlength=16
                    value=typed_release.get("release_at").cloned().unwrap_or_default()
                    error=field_error(release.value(), "release_at") />
                <FormError error=form_error(release.value()) />
                <button type="submit" class="mz-button">{m.release_button}</button>
            </ActionForm>
        </section>
        <section class="mz-section" aria-labelledby="close-h">
            <h2 id="close-h">{m.close_title}</h2>
            <ActionForm action=closure attr:class="mz-form">
                <input type="hidden" name="day" value=day_close />
                {if closed.is_some() {
                    view! {
                        <input type="hidden" name="reopen" value="1" />
                        <button type="submit" class="mz-button">{m.reopen_button}</button>
                    }.into_any()
                } else {
                    view! {
                        <Field name="reason" label=m.reason maxlength=100 required=true
                            value=typed_closure.get("reason").cloned().unwrap_or_default()
                            error=field_error(closure.value(), "reason") />
                        <p class="mz-field__error" role="alert">{field_error(closure.value(), "day")}</p>
                        <FormError error=form_error(closure.value()) />
                        <button type="submit" class="mz-button">{m.close_button}</button>
                    }.into_any()
                }}
            </ActionForm>
        </section>
    }
}
