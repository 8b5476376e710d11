//! The time-bank pages: the resident's bank (balance, stars and 请志愿者帮忙 on the first
//! screen; shifts to take and sign; needs; family; gifts; points), posting a need, the
//! statement, the public record check, and the organisation's workbench with its month chart
//! (server-rendered SVG with a text equivalent). Every form works without JavaScript.

use super::{
    api::{
        AddActivity, CloseNeed, DecideMember, Donate, FundGrant, Give, IssueRecord, Join, PostNeed,
        RecordHours, Redeem, Reverse, Sign, TakeNeed, TakeShift, Verify, VerifyActivity,
        VerifyShift,
    },
    model::{
        clock_text, hours_text, AttendanceStatus, MemberStatus, NeedStatus, NeedView, OrgDesk,
        PublicRecord, Statement, TimebankHome,
    },
};
use crate::{
    error::AppError,
    i18n::{use_locale, use_texts, Texts},
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

crate::lazy_page!(resident, TimebankHomeRoute, TimebankHomePage);
crate::lazy_page!(resident, NeedRoute, NeedPage);
crate::lazy_page!(resident, StatementRoute, StatementPage);
crate::lazy_page!(resident, VerifyRoute, VerifyPage);
crate::lazy_page!(staff, OrgRoute, OrgPage);

/// The routes of this service.
#[component(transparent)]
pub fn TimebankRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/timebank") view=TimebankHomeRoute ssr=SsrMode::Async />
        <Route path=path!("/timebank/need") view=NeedRoute ssr=SsrMode::Async />
        <Route path=path!("/timebank/statement") view=StatementRoute ssr=SsrMode::Async />
        <Route path=path!("/timebank/verify") view=VerifyRoute ssr=SsrMode::Async />
        <Route path=path!("/timebank/verify/:code") view=VerifyRoute ssr=SsrMode::Async />
        <Route path=path!("/staff/timebank") view=OrgRoute ssr=SsrMode::Async />
    }
    .into_inner()
    .into_any_nested_route()
}

/// Any refusal of an action, whichever field it names (for the one-button forms of a list).
fn any_error<T, V>(value: V) -> Signal<Option<String>>
where
    T: Send + Sync + 'static,
    V: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let t = use_texts();
    Signal::derive(move || {
        value.with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().err().map(|e| e.message(t)))
        })
    })
}

fn stars_line(h: &TimebankHome, t: &'static Texts) -> String {
    let x = t.timebank();
    let s = h.accounts.stars;
    let now = if s.stars == 0 {
        x.no_stars.to_owned()
    } else {
        x.stars_n(&s.stars.to_string())
    };
    let next = match s.next {
        Some((n, left)) => x.next_star(&hours_text(left, t), &n.to_string()),
        None => x.top_star.to_owned(),
    };
    format!("{now} · {next}")
}

/// 时间银行: the first screen holds the balance, the stars and 请志愿者帮忙.
#[component]
fn TimebankHomePage() -> impl IntoView {
    let t = use_texts();
    let x = t.timebank();
    let join = ServerAction::<Join>::new();
    let take = ServerAction::<TakeShift>::new();
    let sign = ServerAction::<Sign>::new();
    let take_need = ServerAction::<TakeNeed>::new();
    let close_need = ServerAction::<CloseNeed>::new();
    let give = ServerAction::<Give>::new();
    let donate = ServerAction::<Donate>::new();
    let redeem = ServerAction::<Redeem>::new();
    let home = Resource::new(
        move || {
            (
                join.version().get(),
                take.version().get(),
                sign.version().get(),
                take_need.version().get(),
                close_need.version().get(),
                give.version().get(),
                donate.version().get(),
                redeem.version().get(),
            )
        },
        |_| super::api::home(),
    );
    let posted = use_query_map().with_untracked(|q| q.get("posted").is_some());
    view! {
        <Page title=x.title.to_string()>
            {posted.then(|| view! { <p class="mz-notice" role="status">{x.need_posted}</p> })}
            <RequireResident view=move |_| view! {
                <Suspense>
                    {move || Suspend::new(async move {
                        match home.await {
                            Ok(h) => view! {
                                <HomeBody h=h join=join take=take sign=sign take_need=take_need close_need=close_need give=give donate=donate redeem=redeem />
                            }.into_any(),
                            Err(e) => error_line(e, t),
                        }
                    })}
                </Suspense>
            } />
        </Page>
    }
}

#[component]
#[allow(clippy::too_many_arguments)]
fn HomeBody(
    h: TimebankHome,
    join: ServerAction<Join>,
    take: ServerAction<TakeShift>,
    sign: ServerAction<Sign>,
    take_need: ServerAction<TakeNeed>,
    close_need: ServerAction<CloseNeed>,
    give: ServerAction<Give>,
    donate: ServerAction<Donate>,
    redeem: ServerAction<Redeem>,
) -> impl IntoView {
    let t = use_texts();
    let x = t.timebank();
    let locale = use_locale();
    let a = h.accounts.clone();
    let typed_give = typed("timebank_give");
    let typed_donate = typed("timebank_donate");
    let typed_sign = typed("timebank_sign");
    let v = |k: &str, m: &std::collections::BTreeMap<String, String>| {
        m.get(k).cloned().unwrap_or_default()
    };
    let key = StoredValue::new(h.key.clone());
    let my_points = a.points;
    let approved_orgs: Vec<_> = h
        .orgs
        .iter()
        .filter(|o| o.member == Some(MemberStatus::Approved))
        .cloned()
        .collect();
    let family: Vec<_> = h.people.clone();
    let gift_key = format!("{}-give", h.key);
    let donate_key = format!("{}-donate", h.key);
    let sign_code = StoredValue::new(v("code", &typed_sign));
    view! {
        <section class="mz-section mz-summary" aria-labelledby="acct-h">
            <h2 id="acct-h">{x.balance}</h2>
            <p class="mz-big" data-balance=a.balance.to_string()>{hours_text(a.balance, t)}</p>
            <p class="mz-facts">
                {(a.held > 0).then(|| format!("{} {} · ", x.held, hours_text(a.held, t)))}
                {x.points}" "<span data-points=a.points.to_string()>{a.points.to_string()}</span>
                " · "{x.served}" "<span data-served=a.served.to_string()>{hours_text(a.served, t)}</span>
            </p>
            <p class="mz-facts" data-stars=a.stars.stars.to_string()>{"★".repeat(usize::from(a.stars.stars))}" "{stars_line(&h, t)}</p>
            <p><a class="mz-button mz-button--primary" href="/timebank/need">{x.ask_help}</a></p>
            <p class="mz-note">{x.cap_note(&hours_text(a.cap, t))}" "<a href="/rules/timebank#stars">{x.rules_link}</a></p>
        </section>
        {(!h.real_name_bound).then(|| view! {
            <p class="mz-notice" role="status">{x.bind_first}" "<a href="/account/realname?next=/timebank">{x.bind_link}</a></p>
        })}
        {(!family.is_empty()).then(|| view! {
            <section class="mz-section" aria-labelledby="fam-h">
                <h2 id="fam-h">{x.family}</h2>
                <ul class="mz-list">
                    {family.iter().map(|p| view! {
                        <li class="mz-list__item" data-person=p.id.clone()>
                            <h3 class="mz-list__title">{p.name_masked.clone()}</h3>
                            {p.balance.map(|b| view! { <p class="mz-list__meta">{x.family_balance(&hours_text(b, t))}</p> })}
                            <div class="mz-actions">
                                {p.may_post.then(|| view! { <a class="mz-button" href=format!("/timebank/need?elder={}", urlencode(&p.id))>{x.for_them}</a> })}
                                {p.balance.is_some().then(|| view! { <a class="mz-link" href=format!("/timebank/statement?of={}", urlencode(&p.id))>{x.statement}</a> })}
                            </div>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        <section class="mz-section" aria-labelledby="act-h">
            <h2 id="act-h">{x.activities}</h2>
            <FormError error=any_error(take.value()) />
            <FormError error=any_error(sign.value()) />
            {if h.activities.is_empty() {
                view! { <p class="mz-empty">{x.no_activities}</p> }.into_any()
            } else {
                view! {
                    <ul class="mz-list">
                        {h.activities.iter().map(|act| view! {
                            <li class="mz-list__item">
                                <h3 class="mz-list__title">{act.title.clone()}</h3>
                                <p class="mz-list__meta">{format::day(act.day, locale)}" · "{act.place.clone()}" · "{pick(locale, &act.org_zh, &act.org_en).to_owned()}</p>
                                {act.shifts.iter().map(|s| {
                                    let when = format!("{}–{}", clock_text(s.starts_minute), clock_text(s.ends_minute));
                                    let left = s.places - s.taken;
                                    let sid = s.id.clone();
                                    let code_id = format!("code-{}", s.id);
                                    view! {
                                        <div class="mz-shift" data-shift=s.id.clone()>
                                            <p><strong>{when}</strong>" · "{x.places_left(&left.to_string())}
                                                {s.mine.map(|m| view! { " · "<span data-status=m.as_str()>{m.text(t)}</span> })}
                                                {(s.my_minutes > 0).then(|| format!(" · {} {}", x.proposed, hours_text(s.my_minutes, t)))}
                                            </p>
                                            {match s.mine {
                                                None => view! {
                                                    <ActionForm action=take attr:class="mz-inline-form">
                                                        <input type="hidden" name="shift" value=sid.clone() />
                                                        <button class="mz-button" type="submit" disabled=left <= 0>{x.take_shift}</button>
                                                    </ActionForm>
                                                }.into_any(),
                                                Some(m @ (AttendanceStatus::Taken | AttendanceStatus::SignedIn)) => {
                                                    let dir = if m == AttendanceStatus::Taken { "in" } else { "out" };
                                                    view! {
                                                        <ActionForm action=sign attr:class="mz-form mz-inline-form">
                                                            <input type="hidden" name="shift" value=sid.clone() />
                                                            <input type="hidden" name="dir" value=dir />
                                                            <div class="mz-field">
                                                                <label class="mz-field__label" for=code_id.clone()>{x.sign_code}</label>
                                                                <input class="mz-field__input" id=code_id.clone() name="code" inputmode="numeric" maxlength="8" autocomplete="off" value=sign_code.get_value() />
                                                            </div>
                                                            <button class="mz-button mz-button--primary" type="submit">{if dir == "in" { x.sign_in } else { x.sign_out }}</button>
                                                        </ActionForm>
                                                    }.into_any()
                                                }
                                                Some(_) => ().into_any(),
                                            }}
                                        </div>
                                    }
                                }).collect_view()}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        {(!h.my_needs.is_empty()).then(|| view! {
            <section class="mz-section" aria-labelledby="mine-h">
                <h2 id="mine-h">{x.my_needs}</h2>
                <FormError error=any_error(close_need.value()) />
                <ul class="mz-list">
                    {h.my_needs.iter().map(|n| view! { <NeedItem n=n.clone() take=None close=Some(close_need) key=key.get_value() /> }).collect_view()}
                </ul>
            </section>
        })}
        {(!h.open_needs.is_empty()).then(|| view! {
            <section class="mz-section" aria-labelledby="open-h">
                <h2 id="open-h">{x.open_needs}</h2>
                <FormError error=any_error(take_need.value()) />
                <ul class="mz-list">
                    {h.open_needs.iter().map(|n| view! { <NeedItem n=n.clone() take=Some(take_need) close=None key=key.get_value() /> }).collect_view()}
                </ul>
            </section>
        })}
        <section class="mz-section" aria-labelledby="orgs-h">
            <h2 id="orgs-h">{x.orgs}</h2>
            <FormError error=any_error(join.value()) />
            <ul class="mz-list">
                {h.orgs.clone().into_iter().map(|o| { let oid = o.id.clone(); view! {
                    <li class="mz-list__item" data-org=o.id.clone()>
                        <h3 class="mz-list__title">{pick(locale, &o.name_zh, &o.name_en).to_owned()}</h3>
                        {match o.member {
                            Some(m) => view! { <p class="mz-list__meta" data-member=m.as_str()>{m.text(t)}</p> }.into_any(),
                            None => view! {
                                <ActionForm action=join attr:class="mz-inline-form">
                                    <input type="hidden" name="org" value=oid.clone() />
                                    <button class="mz-button" type="submit">{x.join}</button>
                                </ActionForm>
                            }.into_any(),
                        }}
                    </li>
                }}).collect_view()}
            </ul>
        </section>
        {(!family.is_empty()).then(|| view! {
            <section class="mz-section" aria-labelledby="give-h">
                <h2 id="give-h">{x.give}</h2>
                <ActionForm action=give attr:class="mz-form">
                    <FormError error=form_error(give.value()) />
                    <input type="hidden" name="idem_key" value=gift_key.clone() />
                    <fieldset class="mz-fieldset" aria-describedby="to-error">
                        <legend>{x.give_to}</legend>
                        {family.iter().enumerate().map(|(i, p)| view! {
                            <label class="mz-check"><input type="radio" name="to" value=p.id.clone() checked=i == 0 />" "{p.name_masked.clone()}</label>
                        }).collect_view()}
                        <p class="mz-field__error" id="to-error" role="alert">{move || field_error(give.value(), "to").get()}</p>
                    </fieldset>
                    <Field name="gift_hours" label=x.give_hours inputmode="decimal" value=v("gift_hours", &typed_give) error=field_error(give.value(), "gift_hours") />
                    <button class="mz-button" type="submit">{x.give_submit}</button>
                </ActionForm>
            </section>
        })}
        {(!approved_orgs.is_empty()).then(|| view! {
            <section class="mz-section" aria-labelledby="donate-h">
                <h2 id="donate-h">{x.donate}</h2>
                <ActionForm action=donate attr:class="mz-form">
                    <FormError error=form_error(donate.value()) />
                    <input type="hidden" name="idem_key" value=donate_key.clone() />
                    <input type="hidden" name="org" value=approved_orgs[0].id.clone() />
                    <p class="mz-note">{pick(locale, &approved_orgs[0].name_zh, &approved_orgs[0].name_en).to_owned()}</p>
                    <Field name="donation_hours" label=x.donate_hours inputmode="decimal" value=v("donation_hours", &typed_donate) error=field_error(donate.value(), "donation_hours") />
                    <button class="mz-button" type="submit">{x.donate_submit}</button>
                </ActionForm>
            </section>
        })}
        {(!h.catalogue.is_empty()).then(|| view! {
            <section class="mz-section" aria-labelledby="cat-h">
                <h2 id="cat-h">{x.catalogue}</h2>
                <FormError error=any_error(redeem.value()) />
                <ul class="mz-list">
                    {h.catalogue.clone().into_iter().map(|i| { let iid = i.id.clone(); let ikey = format!("{}-redeem-{}", key.get_value(), i.id); let cannot = i.stock <= 0 || i.points > my_points; view! {
                        <li class="mz-list__item" data-item=i.id.clone()>
                            <h3 class="mz-list__title">{pick(locale, &i.name_zh, &i.name_en).to_owned()}</h3>
                            <p class="mz-list__meta">{x.item_points(&i.points.to_string())}" · "{x.item_stock(&i.stock.to_string())}</p>
                            <ActionForm action=redeem attr:class="mz-inline-form">
                                <input type="hidden" name="item" value=iid.clone() />
                                <input type="hidden" name="idem_key" value=ikey.clone() />
                                <button class="mz-button" type="submit" disabled=cannot>{x.redeem}</button>
                            </ActionForm>
                        </li>
                    }}).collect_view()}
                </ul>
            </section>
        })}
        <section class="mz-section" aria-labelledby="rec-h">
            <h2 id="rec-h">{x.record}</h2>
            <p class="mz-note">{x.record_body}</p>
            <RecordButton />
        </section>
        <p class="mz-actions">
            <a class="mz-link" href="/timebank/statement">{x.statement}</a>" "
            <a class="mz-link" href="/timebank/statement?points=1">{x.points_statement}</a>
        </p>
    }
}

#[component]
fn RecordButton() -> impl IntoView {
    let x = use_texts().timebank();
    let issue = ServerAction::<IssueRecord>::new();
    view! {
        <ActionForm action=issue attr:class="mz-inline-form">
            <FormError error=any_error(issue.value()) />
            <button class="mz-button" type="submit">{x.record_issue}</button>
        </ActionForm>
    }
}

#[component]
fn NeedItem(
    n: NeedView,
    take: Option<ServerAction<TakeNeed>>,
    close: Option<ServerAction<CloseNeed>>,
    key: String,
) -> impl IntoView {
    let t = use_texts();
    let x = t.timebank();
    let locale = use_locale();
    let (id, id2) = (n.id.clone(), n.id.clone());
    view! {
        <li class="mz-list__item" data-need=n.id.clone()>
            <h3 class="mz-list__title">{pick(locale, &n.kind_zh, &n.kind_en).to_owned()}" · "{hours_text(n.minutes, t)}</h3>
            <p class="mz-list__meta">{format::day(n.day, locale)}" · "{n.elder_masked.clone()}" · "<span data-status=n.status.as_str()>{n.status.text(t)}</span></p>
            {(!n.note.is_empty()).then(|| view! { <p class="mz-list__meta">{n.note.clone()}</p> })}
            <div class="mz-actions">
                {take.filter(|_| n.status == NeedStatus::Open).map(|a| view! {
                    <ActionForm action=a attr:class="mz-inline-form">
                        <input type="hidden" name="need" value=id2.clone() />
                        <button class="mz-button mz-button--primary" type="submit">{x.take_need}</button>
                    </ActionForm>
                })}
                {close.filter(|_| n.mine && matches!(n.status, NeedStatus::Open | NeedStatus::Taken)).map(|a| {
                    let (outcome, label) = if n.status == NeedStatus::Taken { ("done", x.confirm_done) } else { ("cancel", x.cancel_need) };
                    view! {
                        <ActionForm action=a attr:class="mz-inline-form">
                            <input type="hidden" name="need" value=id.clone() />
                            <input type="hidden" name="outcome" value=outcome />
                            <input type="hidden" name="idem_key" value=format!("{key}-{outcome}-{id}") />
                            <button class="mz-button" type="submit">{label}</button>
                        </ActionForm>
                    }
                })}
            </div>
        </li>
    }
}

/// 请志愿者帮忙: for whom, what, when, how long; the hours are held until it is done.
#[component]
fn NeedPage() -> impl IntoView {
    let t = use_texts();
    let x = t.timebank();
    let post = ServerAction::<PostNeed>::new();
    let home = Resource::new(|| (), |_| super::api::home());
    let elder = use_query_map().with_untracked(|q| q.get("elder").unwrap_or_default());
    view! {
        <Page title=x.need_heading.to_string()>
            <RequireResident view=move |_| {
                let elder = elder.clone();
                view! {
                    <Suspense>
                        {move || {
                            let elder = elder.clone();
                            Suspend::new(async move {
                                match home.await {
                                    Ok(h) => view! { <NeedForm h=h post=post elder=elder /> }.into_any(),
                                    Err(e) => error_line(e, t),
                                }
                            })
                        }}
                    </Suspense>
                }
            } />
            <p><a class="mz-link" href="/timebank">{x.title}</a></p>
        </Page>
    }
}

#[component]
fn NeedForm(h: TimebankHome, post: ServerAction<PostNeed>, elder: String) -> impl IntoView {
    let t = use_texts();
    let x = t.timebank();
    let locale = use_locale();
    let typed = typed("timebank_need");
    let v = move |k: &str| typed.get(k).cloned().unwrap_or_default();
    let for_whom: Vec<(String, String)> =
        std::iter::once((String::new(), x.need_for_me.to_owned()))
            .chain(
                h.people
                    .iter()
                    .filter(|p| p.may_post)
                    .map(|p| (p.id.clone(), p.name_masked.clone())),
            )
            .collect();
    view! {
        <p class="mz-facts">{x.balance}" "<strong>{hours_text(h.accounts.balance, t)}</strong></p>
        <ActionForm action=post attr:class="mz-form">
            <FormError error=form_error(post.value()) />
            <input type="hidden" name="idem_key" value=format!("{}-need", h.key) />
            <button class="mz-button mz-button--primary" type="submit">{x.need_submit}</button>
            <fieldset class="mz-fieldset" aria-describedby="elder-error">
                <legend>{x.need_for}</legend>
                {for_whom.into_iter().map(|(id, name)| {
                    let checked = id == elder;
                    view! { <label class="mz-check"><input type="radio" name="elder" value=id checked=checked />" "{name}</label> }
                }).collect_view()}
                <p class="mz-field__error" id="elder-error" role="alert">{move || field_error(post.value(), "elder").get()}</p>
            </fieldset>
            <fieldset class="mz-fieldset" aria-describedby="kind-error">
                <legend>{x.need_kind}</legend>
                {h.need_kinds.iter().enumerate().map(|(i, k)| view! {
                    <label class="mz-check"><input type="radio" name="kind" value=k.key.clone() checked=i == 0 />" "{pick(locale, &k.name_zh, &k.name_en).to_owned()}</label>
                }).collect_view()}
                <p class="mz-field__error" id="kind-error" role="alert">{move || field_error(post.value(), "kind").get()}</p>
            </fieldset>
            <fieldset class="mz-fieldset" aria-describedby="org-error">
                <legend>{x.need_org}</legend>
                {h.orgs.iter().enumerate().map(|(i, o)| view! {
                    <label class="mz-check"><input type="radio" name="org" value=o.id.clone() checked=i == 0 />" "{pick(locale, &o.name_zh, &o.name_en).to_owned()}</label>
                }).collect_view()}
                <p class="mz-field__error" id="org-error" role="alert">{move || field_error(post.value(), "org").get()}</p>
            </fieldset>
            <Field name="day" label=x.need_day kind="date" value=v("day") error=field_error(post.value(), "day") />
            <Field name="hours" label=x.need_hours hint=x.need_hours_hint inputmode="decimal" value=v("hours") error=field_error(post.value(), "hours") />
            <Field name="note" label=x.need_note maxlength=200 value=v("note") error=field_error(post.value(), "note") />
        </ActionForm>
    }
}

/// 账户明细: every entry with its counterpart and reason; CSV to download.
#[component]
fn StatementPage() -> impl IntoView {
    let t = use_texts();
    let x = t.timebank();
    let q = use_query_map();
    let of = q.with_untracked(|q| q.get("of").unwrap_or_default());
    let points = q.with_untracked(|q| q.get("points").unwrap_or_default());
    let csv = format!(
        "/timebank/statement.csv?{}{}",
        if of.is_empty() {
            String::new()
        } else {
            format!("of={}&", urlencode(&of))
        },
        if points == "1" { "points=1" } else { "" }
    );
    let st = Resource::new(
        || (),
        move |_| super::api::get_statement(of.clone(), points.clone()),
    );
    view! {
        <Page title=x.statement.to_string()>
            <RequireResident view=move |_| {
                let csv = csv.clone();
                view! {
                    <Suspense>
                        {move || {
                            let csv = csv.clone();
                            Suspend::new(async move {
                                match st.await {
                                    Ok(s) => view! { <StatementBody s=s csv=csv /> }.into_any(),
                                    Err(e) => error_line(e, t),
                                }
                            })
                        }}
                    </Suspense>
                }
            } />
            <p><a class="mz-link" href="/timebank">{x.title}</a></p>
        </Page>
    }
}

#[component]
fn StatementBody(s: Statement, csv: String) -> impl IntoView {
    let t = use_texts();
    let x = t.timebank();
    let locale = use_locale();
    let amount = move |n: i64| {
        if s.points {
            n.to_string()
        } else {
            hours_text(n, t)
        }
    };
    view! {
        <h2>{x.statement_of(&s.owner_masked)}</h2>
        <p class="mz-big" data-balance=s.balance.to_string()>{amount(s.balance)}</p>
        <p><a class="mz-button" href=csv download="">{x.download_csv}</a></p>
        {if s.lines.is_empty() {
            view! { <p class="mz-empty">{x.no_entries}</p> }.into_any()
        } else {
            view! {
                <ul class="mz-list" data-list="statement">
                    {s.lines.iter().map(|l| view! {
                        <li class="mz-list__item" data-kind=l.kind.as_str()>
                            <h3 class="mz-list__title">{l.kind.text(t)}" "<strong data-amount=l.amount.to_string()>{if l.amount > 0 { "+" } else { "" }}{amount(l.amount)}</strong></h3>
                            <p class="mz-list__meta">{format::instant(l.at, locale)}" · "{x.col_balance}" "{amount(l.balance_after)}
                                {(!l.counterpart.is_empty()).then(|| format!(" · {} {}", x.col_counterpart, l.counterpart))}
                                {(!l.reason.is_empty()).then(|| format!(" · {}", l.reason))}</p>
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

/// 志愿服务记录核验: anyone types (or follows) a record's number; masked fields only.
#[component]
fn VerifyPage() -> impl IntoView {
    let t = use_texts();
    let x = t.timebank();
    let code = use_params_map()
        .with_untracked(|p| p.get("code"))
        .or_else(|| use_query_map().with_untracked(|q| q.get("code")));
    let code2 = code.clone();
    // Just issued by its owner: the download (the PDF is the owner's only, others get 404).
    let issued = use_query_map()
        .with_untracked(|q| q.get("issued").is_some())
        .then(|| code.clone())
        .flatten()
        .filter(|c| c.len() == 12 && c.bytes().all(|b| b.is_ascii_alphanumeric()));
    let rec = Resource::new(
        || (),
        move |_| {
            let c = code2.clone();
            async move {
                match c {
                    Some(c) if !c.trim().is_empty() => {
                        super::api::get_public_record(c).await.map(Some)
                    }
                    _ => Ok(None),
                }
            }
        },
    );
    view! {
        <Page title=x.verify_heading.to_string()>
            {issued.map(|c| view! {
                <div class="mz-notice" role="status">
                    <p>{x.record_issued}</p>
                    <p><a class="mz-button mz-button--primary" href=format!("/timebank/record/{c}.pdf") download="" rel="external">{x.record_download}</a></p>
                </div>
            })}
            <form class="mz-form mz-inline-form" method="get" action="/timebank/verify">
                <Field name="code" label=x.verify_code maxlength=12 value=code.clone().unwrap_or_default() autocomplete="off" />
                <button class="mz-button mz-button--primary" type="submit">{x.verify_submit}</button>
            </form>
            <Suspense>
                {move || Suspend::new(async move {
                    match rec.await {
                        Ok(Some(r)) => view! { <RecordCard r=r /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => error_line(e, t),
                    }
                })}
            </Suspense>
        </Page>
    }
}

#[component]
fn RecordCard(r: PublicRecord) -> impl IntoView {
    let t = use_texts();
    let x = t.timebank();
    let locale = use_locale();
    view! {
        <section class="mz-section" aria-labelledby="rec-h" data-record=r.code.clone()>
            <h2 id="rec-h">{x.verify_ok}</h2>
            <dl class="mz-facts">
                <dt>{x.verify_code}</dt><dd>{r.code.clone()}</dd>
                <dt>{x.verify_name}</dt><dd data-name="">{r.name_masked.clone()}</dd>
                <dt>{x.verify_orgs}</dt><dd>{pick(locale, &r.orgs_zh, &r.orgs_en).to_owned()}</dd>
                <dt>{x.verify_hours}</dt><dd data-minutes=r.minutes.to_string()>{hours_text(r.minutes, t)}</dd>
                <dt>{x.verify_issued}</dt><dd>{format::instant(r.issued_at, locale)}</dd>
            </dl>
        </section>
    }
}

/// The organisation's workbench.
#[component]
fn OrgPage() -> impl IntoView {
    let t = use_texts();
    let x = t.timebank();
    let decide = ServerAction::<DecideMember>::new();
    let add = ServerAction::<AddActivity>::new();
    let verify = ServerAction::<Verify>::new();
    let verify_all = ServerAction::<VerifyShift>::new();
    let verify_activity = ServerAction::<VerifyActivity>::new();
    let reverse = ServerAction::<Reverse>::new();
    let grant = ServerAction::<FundGrant>::new();
    let record = ServerAction::<RecordHours>::new();
    let d = Resource::new(
        move || {
            (
                decide.version().get(),
                add.version().get(),
                verify.version().get(),
                verify_all.version().get(),
                verify_activity.version().get(),
                reverse.version().get(),
                grant.version().get(),
                record.version().get(),
            )
        },
        |_| super::api::get_org_desk(),
    );
    view! {
        <RequireStaff view=move |staff| {
            let allowed = staff.role == Role::OrganisationAdmin;
            view! {
                <Page title=x.desk_name.to_string()>
                    <StaffBar me=staff.clone() />
                    {allowed.then(|| view! {
                        <Suspense>
                            {move || Suspend::new(async move {
                                match d.await {
                                    Ok(d) => view! { <OrgBody d=d decide=decide add=add verify=verify verify_all=verify_all verify_activity=verify_activity reverse=reverse grant=grant record=record /> }.into_any(),
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

/// Minutes as hours typed in a form ("2", "1.5", "0.25"), the way `parse_hours` reads them.
fn hours_input(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    if m == 0 {
        h.to_string()
    } else {
        format!("{h}.{:02}", m * 100 / 60)
            .trim_end_matches('0')
            .to_owned()
    }
}

/// Hours per month as bars (SVG drawn on the server) with the same figures as text.
#[component]
fn MonthChart(months: Vec<(String, i64)>) -> impl IntoView {
    let t = use_texts();
    let x = t.timebank();
    let max = months.iter().map(|m| m.1).max().unwrap_or(0).max(60);
    let (w, h, bar) = (320, 140, 40);
    view! {
        <figure class="mz-chart">
            <svg viewBox=format!("0 0 {w} {}", h + 24) width="100%" role="img" aria-labelledby="chart-cap" focusable="false">
                {months.iter().enumerate().map(|(i, (m, v))| {
                    let bh = (*v).max(0) * h / max;
                    let xpos = 10 + i as i64 * 52;
                    view! {
                        <rect x=xpos.to_string() y=(h - bh).to_string() width=bar.to_string() height=bh.to_string() fill="#1d5fa8" />
                        <text x=(xpos + bar / 2).to_string() y=(h + 18).to_string() text-anchor="middle" font-size="12" fill="#222">{m[5..].to_string()}</text>
                    }
                }).collect_view()}
            </svg>
            <figcaption id="chart-cap">{x.chart}</figcaption>
            <ul class="mz-list" data-list="months">
                {months.iter().map(|(m, v)| view! { <li>{x.chart_text(&hours_text(*v, t), m)}</li> }).collect_view()}
            </ul>
        </figure>
    }
}

#[component]
#[allow(clippy::too_many_arguments)]
fn OrgBody(
    d: OrgDesk,
    decide: ServerAction<DecideMember>,
    add: ServerAction<AddActivity>,
    verify: ServerAction<Verify>,
    verify_all: ServerAction<VerifyShift>,
    verify_activity: ServerAction<VerifyActivity>,
    reverse: ServerAction<Reverse>,
    grant: ServerAction<FundGrant>,
    record: ServerAction<RecordHours>,
) -> impl IntoView {
    let t = use_texts();
    let x = t.timebank();
    let locale = use_locale();
    let typed_act = typed("timebank_activity");
    let typed_grant = typed("timebank_grant");
    let typed_rev = typed("timebank_reverse");
    let typed_rec = typed("timebank_record");
    let v = |k: &str, m: &std::collections::BTreeMap<String, String>| {
        m.get(k).cloned().unwrap_or_default()
    };
    let pending: Vec<_> = d
        .volunteers
        .iter()
        .filter(|v| v.status == MemberStatus::Pending)
        .cloned()
        .collect();
    let members: Vec<_> = d
        .volunteers
        .iter()
        .filter(|v| v.status == MemberStatus::Approved)
        .cloned()
        .collect();
    let key = StoredValue::new(d.key.clone());
    let reason = StoredValue::new(v("reason", &typed_rev));
    let typed_hours = StoredValue::new(typed_rec.get("hours").cloned());
    view! {
        <h2>{x.staff_heading(pick(locale, &d.org_zh, &d.org_en))}</h2>
        <p class="mz-facts">{x.this_month}" "<strong data-month=d.this_month.to_string()>{hours_text(d.this_month, t)}</strong>" · "{x.fund}" "<strong data-fund=d.fund.to_string()>{hours_text(d.fund, t)}</strong></p>
        <section class="mz-section" aria-labelledby="att-h">
            <h2 id="att-h">{x.attendance}</h2>
            <FormError error=any_error(verify.value()) />
            <FormError error=any_error(verify_all.value()) />
            <FormError error=any_error(verify_activity.value()) />
            <FormError error=any_error(reverse.value()) />
            <FormError error=any_error(record.value()) />
            // A whole activity's attendance at once (all its shifts), or one by one below.
            {(!d.activities.is_empty()).then(|| view! {
                <ul class="mz-list" data-list="activities">
                    {d.activities.clone().into_iter().map(|a| { let aid = a.id.clone(); view! {
                        <li class="mz-list__item" data-activity=a.id.clone()>
                            <p class="mz-list__meta">{x.activity_waiting(&a.title, &format::day(a.day, locale), &a.waiting.to_string())}</p>
                            <ActionForm action=verify_activity attr:class="mz-inline-form">
                                <input type="hidden" name="activity" value=aid.clone() />
                                <button class="mz-button mz-button--primary" type="submit">{x.verify_activity}</button>
                            </ActionForm>
                        </li>
                    }}).collect_view()}
                </ul>
            })}
            {if d.attendance.is_empty() {
                view! { <p class="mz-empty">{x.no_attendance}</p> }.into_any()
            } else {
                view! {
                    <ul class="mz-list" data-list="attendance">
                        {d.attendance.iter().map(|a| {
                            let (aid, aid2) = (a.id.clone(), a.id.clone());
                            let rid = format!("reason-{}", a.id);
                            let hid = format!("hours-{}", a.id);
                            let aid3 = a.id.clone();
                            // What was typed (after a refusal without JavaScript), else the shift's length.
                            let hours_value = typed_hours.get_value().unwrap_or_else(|| hours_input(a.shift_minutes));
                            view! {
                                <li class="mz-list__item" data-attendance=a.id.clone()>
                                    <h3 class="mz-list__title">{a.volunteer_masked.clone()}" · "{a.activity.clone()}</h3>
                                    <p class="mz-list__meta">{format::day(a.day, locale)}" · "<span data-status=a.status.as_str()>{a.status.text(t)}</span>" · "{hours_text(a.minutes, t)}
                                        {a.reversed.then(|| format!(" · {}", x.reversed))}</p>
                                    {(a.status == AttendanceStatus::SignedOut).then(|| view! {
                                        <div class="mz-actions">
                                            <ActionForm action=verify attr:class="mz-inline-form">
                                                <input type="hidden" name="attendance" value=aid.clone() />
                                                <input type="hidden" name="decision" value="approve" />
                                                <button class="mz-button mz-button--primary" type="submit">{x.verify_one}</button>
                                            </ActionForm>
                                            <ActionForm action=verify attr:class="mz-inline-form">
                                                <input type="hidden" name="attendance" value=aid2.clone() />
                                                <input type="hidden" name="decision" value="reject" />
                                                <button class="mz-button" type="submit">{x.reject}</button>
                                            </ActionForm>
                                        </div>
                                    })}
                                    {a.recordable.then(|| view! {
                                        <details>
                                            <summary>{x.record_for}</summary>
                                            <ActionForm action=record attr:class="mz-form">
                                                <p class="mz-note">{x.record_hint}</p>
                                                <input type="hidden" name="attendance" value=aid3.clone() />
                                                <div class="mz-field">
                                                    <label class="mz-field__label" for=hid.clone()>{x.record_hours}</label>
                                                    <input class="mz-field__input" id=hid.clone() name="hours" inputmode="decimal" maxlength="8" value=hours_value.clone() />
                                                </div>
                                                <button class="mz-button mz-button--primary" type="submit">{x.record_for}</button>
                                            </ActionForm>
                                        </details>
                                    })}
                                    {a.tx_id.clone().filter(|_| !a.reversed && a.status == AttendanceStatus::Verified).map(|tx| { let ikey = format!("{}-rev-{tx}", key.get_value()); let txv = tx.clone(); view! {
                                        <details>
                                            <summary>{x.reverse}</summary>
                                            <ActionForm action=reverse attr:class="mz-form">
                                                <input type="hidden" name="tx" value=txv.clone() />
                                                <input type="hidden" name="idem_key" value=ikey.clone() />
                                                <div class="mz-field">
                                                    <label class="mz-field__label" for=rid.clone()>{x.reverse_reason}</label>
                                                    <input class="mz-field__input" id=rid.clone() name="reason" maxlength="200" value=reason.get_value() />
                                                </div>
                                                <button class="mz-button" type="submit">{x.reverse}</button>
                                            </ActionForm>
                                        </details>
                                    }})}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="mz-section" aria-labelledby="shifts-h">
            <h2 id="shifts-h">{x.shifts}</h2>
            <ul class="mz-list" data-list="shifts">
                {d.shifts.clone().into_iter().map(|s| { let sid = s.id.clone(); view! {
                    <li class="mz-list__item" data-shift=s.id.clone()>
                        <h3 class="mz-list__title">{s.activity.clone()}</h3>
                        <p class="mz-list__meta">{format::day(s.day, locale)}" "{clock_text(s.starts_minute)}"–"{clock_text(s.ends_minute)}" · "{s.taken.to_string()}"/"{s.places.to_string()}
                            " · "{x.sign_code}" "<strong data-code=s.sign_code.clone()>{s.sign_code.clone()}</strong></p>
                        <ActionForm action=verify_all attr:class="mz-inline-form">
                            <input type="hidden" name="shift" value=sid.clone() />
                            <button class="mz-button" type="submit">{x.verify_all}</button>
                        </ActionForm>
                    </li>
                }}).collect_view()}
            </ul>
        </section>
        <section class="mz-section" aria-labelledby="pend-h">
            <h2 id="pend-h">{x.pending_members}</h2>
            <FormError error=any_error(decide.value()) />
            {if pending.is_empty() {
                view! { <p class="mz-empty">{x.no_pending}</p> }.into_any()
            } else {
                view! {
                    <ul class="mz-list" data-list="pending">
                        {pending.clone().into_iter().map(|p| { let pid = p.id.clone(); view! {
                            <li class="mz-list__item" data-member=p.id.clone()>
                                <h3 class="mz-list__title">{p.name_masked.clone()}</h3>
                                <div class="mz-actions">
                                    {[("approve", x.approve), ("decline", x.decline)].map(|(dcs, label)| { let pid = pid.clone(); view! {
                                        <ActionForm action=decide attr:class="mz-inline-form">
                                            <input type="hidden" name="resident" value=pid.clone() />
                                            <input type="hidden" name="decision" value=dcs />
                                            <button class=if dcs == "approve" { "mz-button mz-button--primary" } else { "mz-button" } type="submit">{label}</button>
                                        </ActionForm>
                                    }}).collect_view()}
                                </div>
                            </li>
                        }}).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="mz-section" aria-labelledby="vol-h">
            <h2 id="vol-h">{x.volunteers}</h2>
            <ul class="mz-list" data-list="volunteers">
                {members.iter().map(|m| view! {
                    <li class="mz-list__item">{m.name_masked.clone()}" · "{"★".repeat(usize::from(m.stars))}" · "{hours_text(m.served, t)}</li>
                }).collect_view()}
            </ul>
        </section>
        <section class="mz-section" aria-labelledby="chart-h">
            <h2 id="chart-h">{x.chart}</h2>
            <MonthChart months=d.months.clone() />
        </section>
        <details>
            <summary>{x.add_activity}</summary>
            <ActionForm action=add attr:class="mz-form">
                <FormError error=form_error(add.value()) />
                <Field name="title" label=x.activity_title maxlength=60 value=v("title", &typed_act) error=field_error(add.value(), "title") />
                <Field name="place" label=x.activity_place maxlength=60 value=v("place", &typed_act) error=field_error(add.value(), "place") />
                <Field name="day" label=x.activity_day kind="date" value=v("day", &typed_act) error=field_error(add.value(), "day") />
                <Field name="starts" label=x.activity_starts kind="time" value=v("starts", &typed_act) error=field_error(add.value(), "starts") />
                <Field name="ends" label=x.activity_ends kind="time" value=v("ends", &typed_act) error=field_error(add.value(), "ends") />
                <Field name="places" label=x.activity_places kind="number" value=v("places", &typed_act) error=field_error(add.value(), "places") />
                <button class="mz-button mz-button--primary" type="submit">{x.activity_submit}</button>
            </ActionForm>
        </details>
        <details>
            <summary>{x.grant}</summary>
            <ActionForm action=grant attr:class="mz-form">
                <FormError error=form_error(grant.value()) />
                <input type="hidden" name="idem_key" value=format!("{}-grant", key.get_value()) />
                <Field name="phone" label=x.grant_phone kind="tel" inputmode="tel" value=v("phone", &typed_grant) error=field_error(grant.value(), "phone") />
                <Field name="name" label=x.grant_name value=v("name", &typed_grant) error=field_error(grant.value(), "name") />
                <Field name="hours" label=x.grant_hours inputmode="decimal" value=v("hours", &typed_grant) error=field_error(grant.value(), "hours") />
                <button class="mz-button" type="submit">{x.grant_submit}</button>
            </ActionForm>
        </details>
    }
}
