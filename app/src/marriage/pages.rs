//! Pages of marriage appointments: the service page with my bookings, the booking form, the
//! booking and voucher page, moving it, and the registry clerk's desk. They are built from the
//! appointment parts (`crate::appointments::pages`); every form works without JavaScript.

use super::{api::Book, model::MARRIAGE};
use crate::{
    appointments::{
        api::{Cancel, Confirm, PartnerDraft, PartnerStep},
        model::{BookingStatus, Party, PickerData, VoucherView},
        pages::{
            id_param, office_name, when_text, BookingErrors, BookingSteps, ChangeBooking,
            ConfirmInvitation, CounterActions, CounterDesk, CounterWording, DraftFields,
            ReschedulePage, ReviewFacts, Step, StepState, VoucherQr, WaitingForPartner,
        },
    },
    error::AppError,
    i18n::{use_locale, use_texts, Texts},
    identity::Role,
    staff::pages::StaffBar,
    ui::{format, typed, Forbidden, Page, RequireResident, RequireStaff},
};
use leptos::prelude::*;
use leptos_router::{any_nested_route::IntoAnyNestedRoute, components::Route, path, SsrMode};

crate::lazy_page!(resident, MarriageHomeRoute, MarriageHomePage);
crate::lazy_page!(resident, BookRoute, BookPage);
crate::lazy_page!(resident, BookingRoute, BookingPage);
crate::lazy_page!(resident, RescheduleRoute, ReschedulePage);
crate::lazy_page!(staff, ClerkRoute, ClerkPage);

/// The routes of this service.
#[component(transparent)]
pub fn MarriageRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/marriage") view=MarriageHomeRoute ssr=SsrMode::Async />
        <Route path=path!("/marriage/book") view=BookRoute ssr=SsrMode::Async />
        <Route path=path!("/marriage/booking/:id") view=BookingRoute ssr=SsrMode::Async />
        <Route path=path!("/marriage/booking/:id/reschedule") view=RescheduleRoute ssr=SsrMode::Async />
        <Route path=path!("/staff/marriage") view=ClerkRoute ssr=SsrMode::Async />
    }
    .into_inner()
    // Erased so the routes type-check both with and without `--cfg erase_components`.
    .into_any_nested_route()
}

/// What to bring, and the free counselling on offer.
#[component]
fn Guidance() -> impl IntoView {
    let m = use_texts().marriage();
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

/// 结婚登记预约: the service, my bookings and invitations, and what to bring.
#[component]
fn MarriageHomePage() -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let (m, a) = (t.marriage(), t.appointments());
    let mine = Resource::new(
        || (),
        |_| crate::appointments::api::my_bookings(MARRIAGE.service.to_owned()),
    );
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
                                                    <a href=b.page.clone()>{when_text(&b, locale)}</a>
                                                </h3>
                                                <p class="mz-list__meta">
                                                    {a.reference}" "<span class="mz-nowrap">{b.reference.clone()}</span>" · "{b.status.text(b.role, t)}
                                                    {waiting_for_me.then(|| view! { " "<span class="mz-badge">{m.invited}</span> })}
                                                </p>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(AppError::SignInRequired) => view! {
                                <p class="mz-empty">{t.home.sign_in_for_affairs}</p>
                                <p><a class="mz-button" href="/signin?next=/marriage">{t.account().sign_in}</a></p>
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

/// 预约: a day, a time, the partner, then check and book — one step per page.
#[component]
fn BookPage() -> impl IntoView {
    let t = use_texts();
    let m = t.marriage();
    let state = StepState::memo();
    // Created once per page, outside the guard: the guard's view may run more than once.
    let action = ServerAction::<Book>::new();
    let partner_action = ServerAction::<PartnerStep>::new();
    let picker = Resource::new(
        move || (action.version().get(), state.with(|s| s.office.clone())),
        move |(_, office)| super::api::picker(office),
    );
    // Read again on arriving at the review step: the partner step has just stored it.
    let draft = Resource::new(
        move || state.with(|s| s.step == Step::Review),
        |_| crate::appointments::api::read_draft(FORM.to_owned()),
    );
    view! {
        <Page title=m.book_now.to_string()>
            <RequireResident view=move |me| {
                if me.real_name.is_none() {
                    return view! {
                        <p class="mz-lead">{t.errors.real_name_required}</p>
                        <p><a class="mz-button mz-button--primary" href="/account/realname?next=/marriage/book">{t.account().real_name_title}</a></p>
                    }.into_any();
                }
                view! {
                    <Suspense>
                        {move || {
                            let state = state.get();
                            Suspend::new(async move {
                                let p = match picker.await {
                                    Ok(p) => p,
                                    Err(e) => return view! { <p role="alert">{e.message(t)}</p> }.into_any(),
                                };
                                if state.step != Step::Review {
                                    return view! {
                                        <BookingSteps base=BASE p=p state=state partner=Some((m.partner_title, None))
                                            offer_counter=true form=FORM partner_action=partner_action />
                                    }.into_any();
                                }
                                let draft = draft.await.ok().flatten();
                                view! { <Review p=p state=state draft=draft action=action /> }.into_any()
                            })
                        }}
                    </Suspense>
                    <Guidance />
                }.into_any()
            } />
        </Page>
    }
}

/// The booking page and the name of its partner draft.
const BASE: &str = "/marriage/book";
const FORM: &str = "marriage_book";

/// The last step: what will be booked, the ceremony, when an unconfirmed booking lapses, book.
#[component]
fn Review(
    p: PickerData,
    state: StepState,
    draft: Option<PartnerDraft>,
    action: ServerAction<Book>,
) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let (m, a) = (t.marriage(), t.appointments());
    let typed = typed("marriage_book");
    let slot = p
        .slots
        .iter()
        .find(|s| Some(&s.id) == state.slot.as_ref())
        .cloned();
    let Some(d) = draft.clone() else {
        return view! {
            <p class="mz-alert" role="alert">{a.draft_lost}</p>
            <p><a class="mz-button mz-button--primary" href=state.href(BASE, "", Step::Partner)>{a.step_partner}</a></p>
        }
        .into_any();
    };
    let note = slot.as_ref().map(|s| {
        if d.at_counter {
            a.review_note_counter.to_owned()
        } else {
            a.review_note(&format::instant(p.hold_until(s, false), locale))
        }
    });
    let ceremony_left = slot.as_ref().map_or(0, |s| s.ceremony_left);
    view! {
        <ReviewFacts p=p.clone() state=state.clone() base=BASE draft=draft total=4 />
        <ActionForm action=action attr:class="mz-form">
            <input type="hidden" name="idempotency_key" value=p.idempotency_key.clone() />
            <input type="hidden" name="slot_id" value=state.slot.clone().unwrap_or_default() />
            <DraftFields draft=d />
            {(ceremony_left > 0).then(|| view! {
                <div class="mz-check">
                    <input type="checkbox" id="ceremony" name="ceremony" value="on"
                        checked=typed.get("ceremony").is_some_and(|c| c == "on")
                        aria-describedby="ceremony-hint" />
                    <label for="ceremony">{m.ceremony_label}</label>
                    <p class="mz-field__hint" id="ceremony-hint">{m.ceremony_hint}</p>
                </div>
            })}
            <BookingErrors error=action.value() base=BASE state=state.clone() />
            <button type="submit" class="mz-button mz-button--primary">{m.submit_book}</button>
            {note.map(|n| view! { <p class="mz-note">{n}</p> })}
            <p><a href="/rules/marriage#booking">{m.rules_link}</a></p>
        </ActionForm>
    }
    .into_any()
}

/// The booking: its facts, the partner's confirmation, the voucher, and changes.
#[component]
fn BookingPage() -> impl IntoView {
    let t = use_texts();
    let m = t.marriage();
    let id = id_param();
    // Created once per page, outside the guard: the guard's view may run more than once.
    let confirm = ServerAction::<Confirm>::new();
    let cancel = ServerAction::<Cancel>::new();
    let voucher = Resource::new(
        move || (id.get(), confirm.version().get(), cancel.version().get()),
        |(id, _, _)| crate::appointments::api::voucher(id),
    );
    view! {
        <Page title=m.booking_title.to_string()>
            <RequireResident view=move |_| view! {
                <Suspense>
                    {move || Suspend::new(async move {
                        match voucher.await {
                            Ok(v) if v.booking.service == MARRIAGE.service => view! { <Booking v=v confirm=confirm cancel=cancel /> }.into_any(),
                            Ok(_) | Err(AppError::NotFound) => {
                                crate::ui::set_status(404);
                                view! { <p class="mz-alert" role="alert">{AppError::NotFound.message(t)}</p> }.into_any()
                            }
                            Err(e) => view! { <p class="mz-alert" role="alert">{e.message(t)}</p> }.into_any(),
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
    let (m, a) = (t.marriage(), t.appointments());
    let b = v.booking.clone();
    let pending = b.status == BookingStatus::PendingPartner;
    let has_qr = !v.qr_svg.is_empty();
    let address = match locale {
        crate::i18n::Locale::ZhCn => v.office.address_zh.clone(),
        crate::i18n::Locale::En => v.office.address_en.clone(),
    };
    view! {
        // The one who must confirm sees that first, with what and when, before the details.
        {(pending && b.role == Party::Partner).then(|| view! {
            <ConfirmInvitation booking_id=b.id.clone() confirm=confirm
                body=m.confirm_body(&b.applicant_name, office_name(&v.office, locale),
                    &format::instant(b.hold_expires_at, locale), &when_text(&b, locale)) />
        })}
        <p class="mz-status" data-status=b.status.as_str()>
            {a.status}": "<strong>{b.status.text(b.role, t)}</strong>
        </p>
        <dl class="mz-facts">
            <dt>{a.reference}</dt><dd data-testid="reference"><span class="mz-nowrap">{b.reference.clone()}</span></dd>
            <dt>{a.when}</dt><dd>{when_text(&b, locale)}</dd>
            <dt>{a.office}</dt><dd>{office_name(&v.office, locale).to_owned()}</dd>
            <dt>{a.address}</dt><dd>{address}</dd>
            <dt>{a.phone}</dt><dd><a href=format!("tel:{}", v.office.phone)>{v.office.phone.clone()}</a></dd>
            <dt>{a.applicant}</dt><dd>{b.applicant_name.clone()}</dd>
            <dt>{a.partner}</dt><dd>{b.partner_name.clone()}" "{b.partner_id_number_masked.clone()}</dd>
            <dt>{a.ceremony}</dt><dd>{if b.ceremony { a.yes } else { a.no }}</dd>
        </dl>
        <WaitingForPartner b=b.clone() />
        {has_qr.then(|| view! {
            <VoucherQr qr_svg=v.qr_svg.clone() calendar=b.ics_link()
                file="marriage-appointment.ics" label=m.add_calendar />
        })}
        <ChangeBooking b=b.clone() can_change=v.can_change office_phone=v.office.phone.clone() cancel=cancel
            reschedule=format!("{}/reschedule", b.page) />
        <p><a href="/rules/marriage#booking">{m.rules_link}</a></p>
        <Guidance />
    }
}

/// The marriage counter's wording on the clerk's day list.
const WORDING: CounterWording = CounterWording {
    purpose: None,
    done: |_, t: &'static Texts| t.marriage().mark_registered,
    status: |s, _, t| s.text(Party::Applicant, t),
};

/// 婚姻登记员: the day's bookings, check-in, outcomes, places, closures and releases.
#[component]
fn ClerkPage() -> impl IntoView {
    let t = use_texts();
    let actions = CounterActions::new();
    view! {
        <RequireStaff view=move |me| {
            if me.role != Role::RegistryClerk {
                return view! { <Forbidden /> }.into_any();
            }
            view! {
                <Page title=t.marriage().clerk_title.to_string()>
                    <StaffBar me=me />
                    <CounterDesk counter=MARRIAGE.counter.to_owned() actions=actions back="/staff/marriage".to_owned()
                        wording=WORDING default_capacity=10 full_tools=true />
                </Page>
            }.into_any()
        } />
    }
}
