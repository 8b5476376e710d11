//! The meal pages: the home (再来一单 in one tap, whom for, canteens), the menu with its price
//! line by line, an order with its pick-up code, and the canteen's day. Every form works
//! without JavaScript; with it, the price follows the ticked dishes (the same pure function the
//! desk charges with).

use super::{
    api::{
        AddItem, ApproveSettlement, CancelOrder, CloseOrder, FindByName, PlaceOrder, RateOrder,
        ServeCode,
    },
    model::{
        line_text, meal_name, mode_name, CanteenCard, CanteenDay, MealsHome, MenuView, OrderStatus,
        OrderView, SettlementView, StaffOrder,
    },
    policy::{Meal, Mode},
};
use crate::{
    i18n::{use_locale, use_texts, Locale},
    identity::Role,
    staff::pages::StaffBar,
    ui::{
        error_line, field_error, form_error, format, pick, typed, urlencode, Field, FormError,
        Page, RequireResident, RequireStaff,
    },
};
use leptos::prelude::*;
use leptos_router::{
    any_nested_route::IntoAnyNestedRoute,
    components::Route,
    hooks::{use_params_map, use_query_map},
    path, SsrMode,
};

crate::lazy_page!(resident, MealsHomeRoute, MealsHomePage);
crate::lazy_page!(resident, MenuRoute, MenuPage);
crate::lazy_page!(resident, OrderRoute, OrderPage);
crate::lazy_page!(staff, CanteenRoute, CanteenPage);
crate::lazy_page!(staff, SettlementRoute, SettlementPage);

/// The routes of this service.
#[component(transparent)]
pub fn MealsRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/meals") view=MealsHomeRoute ssr=SsrMode::Async />
        <Route path=path!("/meals/menu") view=MenuRoute ssr=SsrMode::Async />
        <Route path=path!("/meals/order/:id") view=OrderRoute ssr=SsrMode::Async />
        <Route path=path!("/staff/meals") view=CanteenRoute ssr=SsrMode::Async />
        <Route path=path!("/staff/meals/settlement") view=SettlementRoute ssr=SsrMode::Async />
    }
    .into_inner()
    .into_any_nested_route()
}

/// The menu page's address.
fn menu_href(
    elder: &str,
    canteen: &str,
    day: chrono::NaiveDate,
    meal: Meal,
    items: &[String],
    mode: Option<Mode>,
) -> String {
    let mut href = format!(
        "/meals/menu?elder={}&canteen={}&day={}&meal={}",
        urlencode(elder),
        urlencode(canteen),
        format::iso_day(day),
        meal.as_str()
    );
    if !items.is_empty() {
        href.push_str(&format!("&items={}", urlencode(&items.join(","))));
    }
    if let Some(m) = mode {
        href.push_str(&format!("&mode={}", m.as_str()));
    }
    href
}

/// 老年助餐: the usual meal in one tap, whom for, where.
#[component]
fn MealsHomePage() -> impl IntoView {
    let t = use_texts();
    let x = t.meals();
    let home = Resource::new(|| (), |_| super::api::home());
    let canteens = Resource::new(|| (), |_| super::api::canteens(None, None));
    view! {
        <Page title=x.title.to_string()>
            <p class="mz-lead">{x.lead}</p>
            <RequireResident view=move |_| view! {
                <Suspense>
                    {move || Suspend::new(async move {
                        match (home.await, canteens.await) {
                            (Ok(h), Ok(c)) => view! { <HomeBody h=h canteens=c /> }.into_any(),
                            (Err(e), _) | (_, Err(e)) => error_line(e, t),
                        }
                    })}
                </Suspense>
            } />
            <p class="mz-note">{x.no_prepaid}</p>
        </Page>
    }
}

#[component]
fn HomeBody(h: MealsHome, canteens: Vec<CanteenCard>) -> impl IntoView {
    let t = use_texts();
    let x = t.meals();
    let locale = use_locale();
    let sorted = RwSignal::new(canteens);
    view! {
        {(h.choices.is_empty()).then(|| view! { <p class="mz-notice" role="status"><a href="/account/realname?next=/meals">{x.err_real_name}</a></p> })}
        {(!h.usual.is_empty()).then(|| view! {
            <section class="mz-section" aria-labelledby="usual-h">
                <h2 id="usual-h">{x.usual_title}</h2>
                {h.usual.iter().map(|u| {
                    let href = menu_href(&u.elder.id, &u.canteen_id, u.day, u.meal, &u.items, Some(u.mode));
                    let who = if u.elder.is_self { String::new() } else { format!("{} · ", x.for_elder(&u.elder.name_masked)) };
                    view! {
                        <p><a class="mz-button mz-button--primary" href=href data-usual=u.elder.id.clone()>
                            {who}{format::day(u.day, locale)}" "{meal_name(u.meal, t)}" · "{pick(locale, &u.canteen_zh, &u.canteen_en).to_owned()}
                        </a></p>
                    }
                }).collect_view()}
            </section>
        })}
        {(!h.orders.is_empty()).then(|| view! {
            <section class="mz-section" aria-labelledby="orders-h">
                <h2 id="orders-h">{x.orders_title}</h2>
                <ul class="mz-list">
                    {h.orders.iter().map(|o| view! {
                        <li class="mz-list__item">
                            <h3 class="mz-list__title"><a href=format!("/meals/order/{}", o.id)>{format::day(o.day, locale)}" "{meal_name(o.meal, t)}</a></h3>
                            <p class="mz-list__meta">
                                {o.for_elder.then(|| format!("{} · ", x.for_elder(&o.elder_masked)))}
                                {pick(locale, &o.canteen_zh, &o.canteen_en).to_owned()}" · "{o.status.text(t)}" · "{x.pay_line(&format::money(o.pay, locale))}
                            </p>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        <section class="mz-section" aria-labelledby="canteens-h">
            <h2 id="canteens-h">{x.canteens_title}</h2>
            <NearestFirst sorted=sorted />
            <ul class="mz-list">
                {move || sorted.get().iter().map(|c| {
                    let choices = h.choices.clone();
                    let h = h.clone();
                    let modes = c.modes.iter().map(|m| mode_name(*m, t)).collect::<Vec<_>>().join(" · ");
                    view! {
                        <li class="mz-list__item">
                            <h3 class="mz-list__title">{pick(locale, &c.name_zh, &c.name_en).to_owned()}</h3>
                            <p class="mz-list__meta">{pick(locale, &c.address_zh, &c.address_en).to_owned()}" · "{modes}
                                {c.distance_m.map(|m| format!(" · {}", x.distance(&format!("{:.1}", f64::from(m) / 1000.0))))}</p>
                            {choices.into_iter().map(|ch| {
                                let label = if ch.is_self { x.order_for_me.to_owned() } else { x.for_elder(&ch.name_masked) };
                                view! { <DayMealLinks elder=ch.id.clone() canteen=c.id.clone() label=label today=h.today /> }
                            }).collect_view()}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <p><a class="mz-link" href="/family">{x.family_link}</a></p>
    }
}

/// 离我最近: where the phone can tell where it is (and its owner agrees), the canteens
/// nearest first; absent without JavaScript or a location, where the list stays by district.
#[component]
fn NearestFirst(sorted: RwSignal<Vec<CanteenCard>>) -> impl IntoView {
    let x = use_texts().meals();
    let can = RwSignal::new(false);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if window().navigator().geolocation().is_ok() {
            can.set(true);
        }
    });
    let locate = move |_| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Ok(geo) = window().navigator().geolocation() else {
                return;
            };
            let found =
                wasm_bindgen::closure::Closure::once_into_js(move |pos: web_sys::Position| {
                    let c = pos.coords();
                    let (lat, lng) = (c.latitude().to_string(), c.longitude().to_string());
                    leptos::task::spawn_local(async move {
                        if let Ok(list) = super::api::canteens(Some(lat), Some(lng)).await {
                            sorted.set(list);
                        }
                    });
                });
            let _ = geo.get_current_position(found.unchecked_ref());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = sorted;
    };
    view! { <button type="button" class="mz-button" hidden=move || !can.get() on:click=locate>{x.nearest_first}</button> }
}

/// Lunch and dinner today and on the next two days at a canteen, one link each.
#[component]
fn DayMealLinks(
    elder: String,
    canteen: String,
    label: String,
    today: chrono::NaiveDate,
) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    view! {
        <div class="mz-actions" role="group" aria-label=label.clone()>
            <p class="mz-list__meta"><strong>{label.clone()}</strong></p>
            {(0..=2u64).flat_map(|ahead| [Meal::Lunch, Meal::Dinner].map(|m| (ahead, m))).map(|(ahead, m)| {
                let day = today + chrono::Days::new(ahead);
                view! { <a class="mz-button" href=menu_href(&elder, &canteen, day, m, &[], None)>{format::day(day, locale)}" "{meal_name(m, t)}</a> }
            }).collect_view()}
        </div>
    }
}

/// 点餐: the day's menu, the price line by line, and 下单.
#[component]
fn MenuPage() -> impl IntoView {
    let t = use_texts();
    let x = t.meals();
    let q = use_query_map();
    let get = move |k: &str| q.with_untracked(|q| q.get(k).unwrap_or_default());
    let (elder, canteen, day, meal, items, mode) = (
        get("elder"),
        get("canteen"),
        get("day"),
        get("meal"),
        get("items"),
        get("mode"),
    );
    let menu = Resource::new(
        || (),
        move |_| {
            super::api::menu(
                elder.clone(),
                canteen.clone(),
                day.clone(),
                meal.clone(),
                items.clone(),
                mode.clone(),
            )
        },
    );
    view! {
        <Page title=x.menu_title.to_string()>
            <RequireResident view=move |_| view! {
                <Suspense>
                    {move || Suspend::new(async move {
                        match menu.await {
                            Ok(m) => view! { <MenuBody m=m /> }.into_any(),
                            Err(e) => error_line(e, t),
                        }
                    })}
                </Suspense>
            } />
            <p><a class="mz-link" href="/meals">{x.back_home}</a></p>
        </Page>
    }
}

#[component]
fn MenuBody(m: MenuView) -> impl IntoView {
    let t = use_texts();
    let x = t.meals();
    let locale = use_locale();
    let action = ServerAction::<PlaceOrder>::new();
    let typed = typed("meals_order");
    let selected = RwSignal::new(m.selected.clone());
    let mode = RwSignal::new(m.mode);
    let view_ = StoredValue::new(m.clone());
    let quote = Memo::new(move |_| view_.with_value(|v| v.quote(&selected.get(), mode.get())));
    let zh = locale == Locale::ZhCn;
    let who = if m.elder.is_self {
        String::new()
    } else {
        x.for_elder(&m.elder.name_masked)
    };
    let heading = format!(
        "{} {} · {}",
        format::day(m.day, locale),
        meal_name(m.meal, t),
        pick(locale, &m.canteen.name_zh, &m.canteen.name_en)
    );
    let areas = m.canteen.delivery_areas.clone();
    let modes = m.canteen.modes.clone();
    let address = typed.get("address").cloned().unwrap_or_default();
    view! {
        <h2 data-speak="heading">{heading}</h2>
        {(!who.is_empty()).then(|| view! { <p class="mz-notice">{who}</p> })}
        <p class="mz-note">{x.cutoff_line(&format::deadline(m.cutoff_at, locale))}</p>
        {if !m.open {
            view! { <p class="mz-alert" role="alert">{if m.items.is_empty() { x.err_not_served } else { x.closed }}</p> }.into_any()
        } else {
            view! {
                <ActionForm action=action attr:class="mz-form">
                    <FormError error=form_error(action.value()) />
                    <input type="hidden" name="elder" value=m.elder.id.clone() />
                    <input type="hidden" name="canteen" value=m.canteen.id.clone() />
                    <input type="hidden" name="day" value=format::iso_day(m.day) />
                    <input type="hidden" name="meal" value=m.meal.as_str() />
                    <input type="hidden" name="idem_key" value=m.key.clone() />
                    // The price first: on an elder's phone the order button sits right under it.
                    <section class="mz-explain" aria-labelledby="price-h" aria-live="polite">
                        <h3 id="price-h">{x.price_title}</h3>
                        <ul>
                            {move || quote.get().lines.iter().map(|l| view! { <li data-speak="line">{line_text(l, t, zh)}</li> }).collect_view()}
                        </ul>
                        <p class="mz-facts">
                            {move || {
                                let q = quote.get();
                                format!("{} {} · {} {} · ", x.food, format::money(q.food, locale), x.subsidy, format::money(q.subsidy, locale))
                            }}
                            <strong>{move || x.pay_line(&format::money(quote.get().pay, locale))}</strong>
                        </p>
                    </section>
                    <button class="mz-button mz-button--primary" type="submit">{x.place_order}</button>
                    <p><a href="/rules/meals#tiers">{x.why_price}</a></p>
                    {m.policy.demo.then(|| view! { <p class="mz-note">{x.demo_policy}</p> })}
                    <fieldset class="mz-fieldset" aria-describedby="items-error">
                        <legend>{x.dishes}</legend>
                        {m.items.iter().enumerate().map(|(i, item)| {
                            let id = item.id.clone();
                            let id2 = id.clone();
                            let checked = m.selected.contains(&id);
                            let sold_out = item.left <= 0;
                            let labels = item.labels.iter().map(|l| l.text(t)).collect::<Vec<_>>().join(" · ");
                            let allergens = (!item.allergens.is_empty()).then(|| x.allergens(&item.allergens));
                            view! {
                                <label class="mz-check">
                                    <input type="checkbox" name=format!("items[{i}]") value=id checked=checked disabled=sold_out
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            selected.update(|s| { s.retain(|x| *x != id2); if on { s.push(id2.clone()); } });
                                        } />
                                    " "<span data-speak="item">{pick(locale, &item.name_zh, &item.name_en).to_owned()}</span>" · "{format::money(item.price, locale)}
                                    <span class="mz-list__meta">" "{labels}{allergens.map(|a| format!(" · {a}"))}
                                        {if sold_out { format!(" · {}", x.sold_out) } else { format!(" · {}", x.left(&item.left.to_string())) }}</span>
                                </label>
                            }
                        }).collect_view()}
                        <p class="mz-field__error" id="items-error" role="alert">{field_error(action.value(), "items")}</p>
                    </fieldset>
                    <fieldset class="mz-fieldset" aria-describedby="mode-error">
                        <legend>{x.mode}</legend>
                        {modes.iter().map(|md| {
                            let md = *md;
                            let label = if md == Mode::Delivery { format!("{} ({})", mode_name(md, t), x.fee(&format::money(m.canteen.delivery_fee, locale))) } else { mode_name(md, t).to_owned() };
                            view! { <label class="mz-check"><input type="radio" name="mode" value=md.as_str() checked=md == m.mode on:change=move |_| mode.set(md) />" "{label}</label> }
                        }).collect_view()}
                        <p class="mz-field__error" id="mode-error" role="alert">{field_error(action.value(), "mode")}</p>
                    </fieldset>
                    {(!areas.is_empty()).then(|| view! {
                        <div class="mz-field">
                            <label class="mz-field__label" for="area">{x.area}</label>
                            <select class="mz-field__input" id="area" name="area" aria-describedby="area-error">
                                {areas.iter().map(|a| view! { <option value=a.clone()>{a.clone()}</option> }).collect_view()}
                            </select>
                            <p class="mz-field__error" id="area-error" role="alert">{field_error(action.value(), "area")}</p>
                        </div>
                        <Field name="address" label=x.address hint=x.address_hint value=address error=field_error(action.value(), "address") />
                    })}
                    <button class="mz-button mz-button--primary" type="submit">{x.place_order}</button>
                </ActionForm>
            }.into_any()
        }}
    }
}

/// One order: what, where, the price and why, the pick-up code; cancel until the cut-off.
#[component]
fn OrderPage() -> impl IntoView {
    let t = use_texts();
    let x = t.meals();
    let params = use_params_map();
    let id = params.with_untracked(|p| p.get("id").unwrap_or_default());
    let fresh = use_query_map().with_untracked(|q| q.get("new").is_some());
    let cancel = ServerAction::<CancelOrder>::new();
    let rate = ServerAction::<RateOrder>::new();
    let order = Resource::new(
        move || (cancel.version().get(), rate.version().get()),
        move |_| super::api::get_order(id.clone()),
    );
    view! {
        <Page title=x.order_title.to_string()>
            {fresh.then(|| view! { <p class="mz-notice" role="status">{x.ordered}</p> })}
            <RequireResident view=move |_| view! {
                <Suspense>
                    {move || Suspend::new(async move {
                        match order.await {
                            Ok(o) => view! { <OrderBody o=o cancel=cancel rate=rate /> }.into_any(),
                            Err(e) => error_line(e, t),
                        }
                    })}
                </Suspense>
            } />
            <p><a class="mz-link" href="/meals">{x.back_home}</a></p>
        </Page>
    }
}

#[component]
fn OrderBody(
    o: OrderView,
    cancel: ServerAction<CancelOrder>,
    rate: ServerAction<RateOrder>,
) -> impl IntoView {
    let t = use_texts();
    let x = t.meals();
    let locale = use_locale();
    let zh = locale == Locale::ZhCn;
    let qr = o.qr.clone();
    let placed = o.status == OrderStatus::Placed;
    let (id1, id2) = (o.id.clone(), o.id.clone());
    view! {
        <h2>{format::day(o.day, locale)}" "{meal_name(o.meal, t)}" · "{pick(locale, &o.canteen_zh, &o.canteen_en).to_owned()}</h2>
        <p class="mz-status" data-status=o.status.as_str()><strong>{o.status.text(t)}</strong></p>
        {o.placed_by.as_ref().map(|(name, rel)| view! { <p class="mz-notice">{x.placed_by(name, rel.text(t))}</p> })}
        {o.for_elder.then(|| view! { <p class="mz-note">{x.for_elder(&o.elder_masked)}</p> })}
        {placed.then(|| view! {
            <section class="mz-section" aria-labelledby="code-h">
                <h3 id="code-h">{x.pickup_code}</h3>
                <p class="mz-facts"><strong class="mz-nowrap" data-code="pickup" style="font-size:2em;letter-spacing:0.2em">{o.pickup_code.clone()}</strong></p>
                <div class="mz-qr" role="img" aria-label=x.pickup_qr inner_html=qr></div>
            </section>
        })}
        <dl class="mz-facts">
            <dt>{x.reference}</dt><dd class="mz-nowrap">{o.reference.clone()}</dd>
            <dt>{x.dishes}</dt><dd>{o.items.iter().map(|i| pick(locale, &i.name_zh, &i.name_en).to_owned()).collect::<Vec<_>>().join(" · ")}</dd>
            <dt>{x.mode}</dt><dd>{mode_name(o.mode, t)}{o.area.clone().map(|a| format!(" · {a}"))}</dd>
            <dt>{x.food}</dt><dd>{format::money(o.food, locale)}</dd>
            <dt>{x.subsidy}</dt><dd>{format::money(o.subsidy, locale)}</dd>
            <dt>{x.pay}</dt><dd><strong>{format::money(o.pay, locale)}</strong></dd>
        </dl>
        <ul class="mz-explain">{o.lines.iter().map(|l| view! { <li>{line_text(l, t, zh)}</li> }).collect_view()}</ul>
        <p class="mz-note">{x.no_prepaid}</p>
        {o.can_cancel.then(|| view! {
            <ActionForm action=cancel attr:class="mz-form">
                <FormError error=form_error(cancel.value()) />
                <input type="hidden" name="order" value=id1.clone() />
                <p class="mz-note">{x.cutoff_line(&format::deadline(o.cutoff_at, locale))}</p>
                <button class="mz-button" type="submit">{x.cancel}</button>
            </ActionForm>
        })}
        {(o.status == OrderStatus::Served && o.rating.is_none()).then(|| view! {
            <ActionForm action=rate attr:class="mz-form">
                <FormError error=form_error(rate.value()) />
                <input type="hidden" name="order" value=id2.clone() />
                <fieldset class="mz-fieldset" aria-describedby="stars-error">
                    <legend>{x.rate}</legend>
                    {(1..=5).map(|n| view! { <label class="mz-check"><input type="radio" name="stars" value=n.to_string() checked=n == 5 />" "{x.stars(&n.to_string())}</label> }).collect_view()}
                    <p class="mz-field__error" id="stars-error" role="alert">{field_error(rate.value(), "stars")}</p>
                </fieldset>
                <Field name="note" label=x.note error=field_error(rate.value(), "note") />
                <button class="mz-button mz-button--primary" type="submit">{x.send_rating}</button>
            </ActionForm>
        })}
        {o.rating.map(|r| view! { <p class="mz-note">{x.rated(&r.to_string())}</p> })}
    }
}

/// The canteen's day: what to cook, who comes, where to deliver; serve by code or by name.
#[component]
fn CanteenPage() -> impl IntoView {
    let t = use_texts();
    let x = t.meals();
    let q = use_query_map();
    // Followed as the address changes (the day's links, "show all"), not only on first render.
    let day = Memo::new(move |_| q.with(|q| q.get("day").unwrap_or_default()));
    let close = ServerAction::<CloseOrder>::new();
    let code = ServerAction::<ServeCode>::new();
    let add = ServerAction::<AddItem>::new();
    let find = ServerAction::<FindByName>::new();
    // The name to find: the hydrated page's last search, or what a plain post asked for (kept
    // for this page once, never in the address).
    let kept = typed("meals_find").get("name").cloned();
    let name = Signal::derive(move || match find.value().get() {
        Some(Ok(n)) => Some(n),
        _ => kept.clone(),
    });
    let lists = Resource::new(
        move || {
            (
                close.version().get(),
                code.version().get(),
                add.version().get(),
                name.get(),
                day.get(),
            )
        },
        move |(_, _, _, name, day)| super::api::canteen_lists(day, name),
    );
    view! {
        <RequireStaff view=move |staff| {
            let allowed = staff.role == Role::CanteenOperator;
            view! {
                <Page title=x.canteen_title.to_string()>
                    <StaffBar me=staff.clone() />
                    {allowed.then(|| view! {
                        <Suspense>
                            {move || Suspend::new(async move {
                                match lists.await {
                                    Ok(d) => view! { <CanteenBody d=d close=close code=code add=add find=find /> }.into_any(),
                                    Err(e) => error_line(e, t),
                                }
                            })}
                        </Suspense>
                    })}
                </Page>
            }
        } />
    }
}

#[component]
fn CanteenBody(
    d: CanteenDay,
    close: ServerAction<CloseOrder>,
    code: ServerAction<ServeCode>,
    add: ServerAction<AddItem>,
    find: ServerAction<FindByName>,
) -> impl IntoView {
    let t = use_texts();
    let x = t.meals();
    let locale = use_locale();
    let typed_item = typed("meals_item");
    let typed_code = typed("meals_code");
    let prev = d.day.pred_opt().map(format::iso_day).unwrap_or_default();
    let next = d.day.succ_opt().map(format::iso_day).unwrap_or_default();
    let v = |k: &str, m: &std::collections::BTreeMap<String, String>| {
        m.get(k).cloned().unwrap_or_default()
    };
    let (found, typed_name) = (d.name.clone(), d.name.clone().unwrap_or_default());
    let all = format!("/staff/meals?day={}", format::iso_day(d.day));
    view! {
        <h2>{pick(locale, &d.canteen_zh, &d.canteen_en).to_owned()}" · "{format::day(d.day, locale)}</h2>
        <p class="mz-daynav">
            <a class="mz-button" href=format!("/staff/meals?day={prev}")>{x.prev_day}</a>" "
            <a class="mz-button" href=format!("/staff/meals?day={next}")>{x.next_day}</a>
        </p>
        <ActionForm action=code attr:class="mz-form mz-inline-form">
            <FormError error=form_error(code.value()) />
            <Field name="code" label=x.serve_by_code hint=x.serve_by_code_hint kind="text" maxlength=4 value=v("code", &typed_code) error=field_error(code.value(), "code") />
            <button class="mz-button mz-button--primary" type="submit">{x.serve}</button>
        </ActionForm>
        <ActionForm action=find attr:class="mz-form mz-inline-form">
            <FormError error=form_error(find.value()) />
            <Field name="name" label=x.find_by_name hint=x.find_by_name_hint maxlength=30 value=typed_name error=field_error(find.value(), "name") />
            <button class="mz-button" type="submit">{x.find}</button>
        </ActionForm>
        {found.map(|n| view! {
            <p class="mz-notice" role="status">{x.found_for(&n)}" "
                <a class="mz-link" href=all on:click=move |_| find.value().set(None)>{x.show_all}</a></p>
        })}
        <FormError error=form_error(close.value()) />
        {d.meals.into_iter().map(|ml| {
            let meal = meal_name(ml.meal, t);
            let mid = format!("meal-{}", ml.meal.as_str());
            view! {
                <section class="mz-section" aria-labelledby=mid.clone()>
                    <h2 id=mid.clone()>{meal}</h2>
                    <h3>{x.production}</h3>
                    {if ml.production.is_empty() {
                        view! { <p class="mz-empty">{x.no_orders}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="mz-list" data-list="production">
                                {ml.production.iter().map(|(n, c)| view! { <li class="mz-list__item"><span>{n.clone()}</span>" × "<strong data-count=n.clone()>{c.to_string()}</strong></li> }).collect_view()}
                                {ml.labels.iter().map(|(l, c)| view! { <li class="mz-list__item"><span>{l.text(t)}</span>" × "<strong>{c.to_string()}</strong></li> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    <h3>{x.counter_list}</h3>
                    <ul class="mz-list" data-list="counter">
                        {ml.counter.into_iter().map(|o| view! { <StaffOrderItem o=o close=close /> }).collect_view()}
                    </ul>
                    {ml.delivery.into_iter().map(|(area, orders)| view! {
                        <h3>{x.delivery_to(&area)}</h3>
                        <ul class="mz-list" data-list="delivery">
                            {orders.into_iter().map(|o| view! { <StaffOrderItem o=o close=close /> }).collect_view()}
                        </ul>
                    }).collect_view()}
                    <details>
                        <summary>{x.menu_of(meal)}</summary>
                        <ul class="mz-list">
                            {ml.menu.iter().map(|i| view! { <li class="mz-list__item">{pick(locale, &i.name_zh, &i.name_en).to_owned()}" · "{format::money(i.price, locale)}" · "{x.left(&i.left.to_string())}</li> }).collect_view()}
                        </ul>
                    </details>
                </section>
            }
        }).collect_view()}
        <details>
            <summary>{x.add_item}</summary>
            <ActionForm action=add attr:class="mz-form">
                <FormError error=form_error(add.value()) />
                <input type="hidden" name="day" value=format::iso_day(d.day) />
                <fieldset class="mz-fieldset">
                    <legend>{x.meal}</legend>
                    {[Meal::Lunch, Meal::Dinner].map(|m| view! { <label class="mz-check"><input type="radio" name="meal" value=m.as_str() checked=m == Meal::Lunch />" "{meal_name(m, t)}</label> }).collect_view()}
                </fieldset>
                <Field name="name_zh" label=x.item_name_zh value=v("name_zh", &typed_item) error=field_error(add.value(), "name_zh") />
                <Field name="name_en" label=x.item_name_en value=v("name_en", &typed_item) error=field_error(add.value(), "name_en") />
                <Field name="price" label=x.item_price hint=x.item_price_hint value=v("price", &typed_item) error=field_error(add.value(), "price") />
                <Field name="portions" label=x.item_portions kind="number" value=v("portions", &typed_item) error=field_error(add.value(), "portions") />
                <fieldset class="mz-fieldset">
                    <legend>{x.labels}</legend>
                    {super::model::Label::ALL.iter().enumerate().map(|(i, l)| view! { <label class="mz-check"><input type="checkbox" name=format!("labels[{i}]") value=l.as_str() />" "{l.text(t)}</label> }).collect_view()}
                </fieldset>
                <Field name="allergens" label=x.item_allergens value=v("allergens", &typed_item) error=field_error(add.value(), "allergens") />
                <button class="mz-button mz-button--primary" type="submit">{x.add_item}</button>
            </ActionForm>
        </details>
        <p><a class="mz-link" href="/staff/family">{x.record_grant_link}</a></p>
        <p><a class="mz-link" href="/staff/meals/settlement">{x.settlement_link}</a></p>
    }
}

/// 月度结算: each canteen's month by tier, approved once by the finance office, downloadable.
#[component]
fn SettlementPage() -> impl IntoView {
    let t = use_texts();
    let x = t.meals();
    let month = use_query_map().with_untracked(|q| q.get("month").unwrap_or_default());
    let approve = ServerAction::<ApproveSettlement>::new();
    let m2 = month.clone();
    let views = Resource::new(
        move || approve.version().get(),
        move |_| super::api::settlements(m2.clone()),
    );
    view! {
        <RequireStaff view=move |staff| {
            let month = month.clone();
            let finance = staff.role == Role::FinanceOfficer;
            view! {
                <Page title=x.settlement_title.to_string()>
                    <StaffBar me=staff.clone() />
                    <form class="mz-form mz-inline-form" method="get" action="/staff/meals/settlement">
                        <Field name="month" label=x.month hint=x.month_hint value=month.clone() />
                        <button class="mz-button" type="submit">{x.show}</button>
                    </form>
                    <FormError error=form_error(approve.value()) />
                    <Suspense>
                        {move || Suspend::new(async move {
                            match views.await {
                                Ok(v) => v.into_iter().map(|s| view! { <SettlementCard s=s finance=finance approve=approve /> }).collect_view().into_any(),
                                Err(e) => error_line(e, t),
                            }
                        })}
                    </Suspense>
                </Page>
            }
        } />
    }
}

#[component]
fn SettlementCard(
    s: SettlementView,
    finance: bool,
    approve: ServerAction<ApproveSettlement>,
) -> impl IntoView {
    let t = use_texts();
    let x = t.meals();
    let locale = use_locale();
    let base = format!("/staff/meals/settlement/{}/{}", s.canteen_id, s.month);
    let hid = format!("settle-{}", s.canteen_id);
    view! {
        <section class="mz-section" aria-labelledby=hid.clone()>
            <h2 id=hid.clone()>{pick(locale, &s.canteen_zh, &s.canteen_en).to_owned()}" · "{s.month.clone()}</h2>
            <ul class="mz-list">
                {s.settlement.rows.iter().map(|r| view! {
                    <li class="mz-list__item">
                        <strong>{if r.tier.is_empty() { x.tier_none.to_owned() } else { r.tier.clone() }}</strong>" · "
                        {x.meals_count(&r.meals.to_string())}" · "{x.subsidy_owed(&format::money(r.subsidy, locale))}
                    </li>
                }).collect_view()}
            </ul>
            <p class="mz-facts" data-total="subsidy">
                <strong>{x.meals_count(&s.settlement.meals.to_string())}" · "{x.subsidy_owed(&format::money(s.settlement.subsidy, locale))}</strong>
                " · "{x.paid_by_elders(&format::money(s.settlement.paid, locale))}
            </p>
            <h3>{x.ratings_title}</h3>
            {if s.ratings.count == 0 {
                view! { <p class="mz-empty">{x.no_ratings}</p> }.into_any()
            } else {
                let avg = format!("{}.{}", s.ratings.average_tenths / 10, s.ratings.average_tenths % 10);
                view! {
                    <p class="mz-facts">{x.ratings_line(&avg, &s.ratings.count.to_string())}</p>
                    <ul class="mz-list">
                        {s.ratings.notes.iter().map(|(n, note, day)| view! { <li class="mz-list__item">{x.stars(&n.to_string())}" · "{format::day(*day, locale)}" · "{note.clone()}</li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <p class="mz-actions">
                <a class="mz-button" href=format!("{base}.csv") download="">{x.download_csv}</a>
                <a class="mz-button" href=format!("{base}.xlsx") download="">{x.download_xlsx}</a>
            </p>
            {match (s.approved.clone(), finance, s.closed) {
                (Some((name, _)), _, _) => view! { <p class="mz-status"><strong>{x.approved_by(&name)}</strong></p> }.into_any(),
                (None, true, true) => view! {
                    <ActionForm action=approve attr:class="mz-form">
                        <input type="hidden" name="canteen" value=s.canteen_id.clone() />
                        <input type="hidden" name="month" value=s.month.clone() />
                        <button class="mz-button mz-button--primary" type="submit">{x.approve}</button>
                    </ActionForm>
                }.into_any(),
                (None, _, false) => view! { <p class="mz-note">{x.not_closed}</p> }.into_any(),
                (None, false, true) => ().into_any(),
            }}
        </section>
    }
}

#[component]
fn StaffOrderItem(o: StaffOrder, close: ServerAction<CloseOrder>) -> impl IntoView {
    let t = use_texts();
    let x = t.meals();
    let locale = use_locale();
    let placed = o.status == OrderStatus::Placed;
    let form = move |outcome: &'static str, label: &'static str, primary: bool, id: String| {
        view! {
            <ActionForm action=close attr:class="mz-inline-form">
                <input type="hidden" name="order" value=id />
                <input type="hidden" name="outcome" value=outcome />
                <button class=if primary { "mz-button mz-button--primary" } else { "mz-button" } type="submit">{label}</button>
            </ActionForm>
        }
    };
    view! {
        <li class="mz-list__item" data-order=o.reference.clone() data-status=o.status.as_str()>
            <h4 class="mz-list__title">{o.elder_masked.clone()}" · "{x.phone_last4(&o.phone_last4)}" · "{x.code_is(&o.pickup_code)}</h4>
            <p class="mz-list__meta">{o.items.join(" · ")}" · "{mode_name(o.mode, t)}{o.address.clone().map(|a| format!(" · {a}"))}" · "{x.pay_line(&format::money(o.pay, locale))}</p>
            {if placed {
                view! {
                    <div class="mz-actions">
                        {form("served", if o.mode == Mode::Delivery { x.mark_delivered } else { x.mark_served }, true, o.id.clone())}
                        {form("no_show", x.mark_no_show, false, o.id.clone())}
                    </div>
                }.into_any()
            } else {
                view! { <p class="mz-status"><strong>{o.status.text(t)}</strong></p> }.into_any()
            }}
        </li>
    }
}
