//! 老年助餐 over real HTTP: the price as the policy says and as quoted, portions never
//! oversold, the weekly cap holding when an elder and a proxy order at once, the cut-off, proxy
//! grants confirmed and revoked, canteen staff scoped to their canteen, an order served once.

use crate::helpers::{count, id_number, json, new_client, resident, TestApp};
use futures::{future::join_all, stream, StreamExt};
use reqwest::Client;
use serde_json::Value;

const CANTEEN: &str = server::demo::CANTEEN;
/// t0 is Monday 2026-11-23, 10:00 in Shanghai: today's lunch has closed (09:30), tomorrow's is open.
pub(crate) const TOMORROW: &str = "2026-11-24";

/// A signed-in elder number `n`, born 1 January 1946 (80 on t0), named 张桂英.
pub(crate) async fn elder(app: &TestApp, n: u32) -> Client {
    let c = new_client();
    app.sign_in(&c, &format!("1380{n:07}")).await;
    let res = app
        .call(
            &c,
            "account/bind_real_name",
            &[
                ("name", "张桂英"),
                ("id_number", &id_number(&format!("33020319460101{n:03}"))),
                ("next", "/"),
            ],
        )
        .await;
    assert!(
        res.status().is_success(),
        "bind elder {n}: {}",
        res.status()
    );
    c
}

pub(crate) async fn menu(app: &TestApp, c: &Client, elder: &str, day: &str, meal: &str) -> Value {
    json(
        app.call(
            c,
            "meals/menu",
            &[
                ("elder", elder),
                ("canteen", CANTEEN),
                ("day", day),
                ("meal", meal),
                ("items", ""),
                ("mode", ""),
            ],
        )
        .await,
    )
    .await
}

/// The id of the menu item whose Chinese name starts with `prefix`.
pub(crate) fn item(menu: &Value, prefix: &str) -> String {
    menu["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name_zh"].as_str().unwrap().starts_with(prefix))
        .unwrap_or_else(|| panic!("no item {prefix}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn order(
    app: &TestApp,
    c: &Client,
    elder: &str,
    day: &str,
    item: &str,
    key: &str,
) -> reqwest::Response {
    app.call(
        c,
        "meals/order",
        &[
            ("elder", elder),
            ("canteen", CANTEEN),
            ("day", day),
            ("meal", "lunch"),
            ("items[0]", item),
            ("mode", "dine_in"),
            ("idem_key", key),
        ],
    )
    .await
}

/// The order id an order's redirect names.
pub(crate) fn order_id(res: &reqwest::Response) -> String {
    let to = res.headers()["location"].to_str().unwrap();
    to.trim_start_matches("/meals/order/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

fn refusal(v: &Value) -> String {
    v.to_string()
}

async fn staff(app: &TestApp, username: &str) -> Client {
    let c = new_client();
    app.staff_sign_in(&c, username).await;
    c
}

/// The resident id behind a client (from the session's own view).
async fn my_id(app: &TestApp, c: &Client) -> String {
    let home = json(app.call(c, "meals/home", &[]).await).await;
    home["choices"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_elder_orders_tomorrows_lunch_at_the_quoted_price_once() {
    let app = crate::helpers::spawn_app().await;
    let c = elder(&app, 1).await;
    let m = menu(&app, &c, "", TOMORROW, "lunch").await;
    assert_eq!(m["open"], true);
    // 80 years old: the age80 tier, 5元 off.
    let lines = m["facts"]["age"].as_u64().unwrap();
    assert_eq!(lines, 80);
    let a = item(&m, "A套餐");
    let res = order(&app, &c, "", TOMORROW, &a, "k-1").await;
    assert!(
        res.status().is_redirection() || res.status().is_success(),
        "{}",
        res.status()
    );
    let id = order_id(&res);
    // The same key again: the same order, nothing more taken.
    let again = order(&app, &c, "", TOMORROW, &a, "k-1").await;
    assert_eq!(order_id(&again), id);
    let o = json(app.call(&c, "meals/order-view", &[("order", &id)]).await).await;
    assert_eq!(
        (o["food"].as_i64(), o["subsidy"].as_i64(), o["pay"].as_i64()),
        (Some(1500), Some(500), Some(1000))
    );
    assert_eq!(o["pickup_code"].as_str().unwrap().len(), 4);
    assert!(
        o["lines"].to_string().contains("WeekLeft"),
        "{}",
        o["lines"]
    );
    assert_eq!(count(&app, "SELECT taken FROM menu_items WHERE id = (SELECT item_id FROM meal_order_items LIMIT 1)").await, 1);
    // A second order for the same meal is refused; today's lunch is past its cut-off.
    let b = item(&m, "B套餐");
    let dup = order(&app, &c, "", TOMORROW, &b, "k-2").await;
    assert!(refusal(&json_err(dup).await).contains("AlreadyOrdered"));
    let today = menu(&app, &c, "", "2026-11-23", "lunch").await;
    assert_eq!(today["open"], false);
    let late = order(&app, &c, "", "2026-11-23", &item(&today, "A套餐"), "k-3").await;
    assert!(refusal(&json_err(late).await).contains("CutOff"));
    // It is in 我的办件.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM affairs WHERE service = 'meals'").await,
        1
    );
}

async fn json_err(res: reqwest::Response) -> Value {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_client_error(), "{status}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

#[tokio::test]
async fn the_cut_off_is_open_one_second_before_and_closed_at_it() {
    let app = crate::helpers::spawn_app().await;
    let c = elder(&app, 2).await;
    let m = menu(&app, &c, "", TOMORROW, "lunch").await;
    let a = item(&m, "A套餐");
    // Tomorrow 09:30 Shanghai is 01:30 UTC; t0 is 02:00 UTC today: 23 h 30 min minus a second.
    app.advance(chrono::Duration::seconds(23 * 3600 + 30 * 60 - 1));
    let res = order(&app, &c, "", TOMORROW, &a, "c-1").await;
    assert!(
        res.status().is_redirection() || res.status().is_success(),
        "{}",
        res.status()
    );
    let id = order_id(&res);
    app.advance(chrono::Duration::seconds(1));
    let cancel = app.call(&c, "meals/cancel", &[("order", &id)]).await;
    assert!(refusal(&json_err(cancel).await).contains("CutOff"));
}

#[tokio::test]
async fn a_hundred_orders_for_twenty_portions_serve_exactly_twenty() {
    let app = crate::helpers::spawn_app_with(|c| {
        c.otp_per_address_per_hour = 100_000;
        c.verify_per_address_per_hour = 100_000;
    })
    .await;
    let op = staff(&app, "canteen").await;
    let res = app
        .call(
            &op,
            "meals/add-item",
            &[
                ("day", TOMORROW),
                ("meal", "lunch"),
                ("name_zh", "限量红烧肉"),
                ("name_en", ""),
                ("price", "20"),
                ("portions", "20"),
            ],
        )
        .await;
    json(res).await;
    let elders: Vec<Client> = stream::iter(0..100u32)
        .map(|n| elder(&app, 100 + n))
        .buffered(16)
        .collect()
        .await;
    let m = menu(&app, &elders[0], "", TOMORROW, "lunch").await;
    let special = item(&m, "限量红烧肉");
    let attempts = elders.iter().enumerate().map(|(n, c)| {
        let (app, special) = (&app, &special);
        async move {
            order(app, c, "", TOMORROW, special, &format!("r-{n}"))
                .await
                .status()
        }
    });
    let statuses = join_all(attempts).await;
    let ok = statuses
        .iter()
        .filter(|s| s.is_redirection() || s.is_success())
        .count();
    assert_eq!(ok, 20, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| s.is_redirection()
            || s.is_success()
            || s.as_u16() == 400
            || s.as_u16() == 409
            || s.as_u16() == 422),
        "{statuses:?}"
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT taken FROM menu_items WHERE id = '{special}'")
        )
        .await,
        20
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM meal_orders WHERE status = 'placed'"
        )
        .await,
        20
    );
}

/// The elder confirms a daughter's request; she may then order for him.
async fn granted_daughter(
    app: &TestApp,
    elder_n: u32,
    daughter_n: u32,
) -> (Client, Client, String) {
    let e = elder(app, elder_n).await;
    let (d, _) = resident(app, daughter_n).await;
    let res = app
        .call(
            &d,
            "proxy/request",
            &[
                ("elder_phone", &format!("1380{elder_n:07}")),
                ("elder_name", "张桂英"),
                ("relation", "child"),
                ("scopes[0]", "meals"),
                ("ends_on", "2027-06-30"),
            ],
        )
        .await;
    json(res).await;
    // Before the elder confirms, the daughter cannot order for her.
    let elder_id = my_id(app, &e).await;
    let grants = json(app.call(&e, "proxy/mine", &[]).await).await;
    let grant = grants["given"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(grants["given"][0]["status"], "requested");
    json(
        app.call(&e, "proxy/answer", &[("grant", &grant), ("answer", "yes")])
            .await,
    )
    .await;
    (e, d, elder_id)
}

#[tokio::test]
async fn an_elder_and_her_daughter_racing_for_the_last_subsidised_meal_of_the_week_get_one() {
    let app = crate::helpers::spawn_app().await;
    let (e, d, elder_id) = granted_daughter(&app, 3, 31).await;
    // Four subsidised lunches this week (Tue–Fri 24–27 Nov), the cap is five.
    for (i, day) in ["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]
        .iter()
        .enumerate()
    {
        let m = menu(&app, &e, "", day, "lunch").await;
        let res = order(&app, &e, "", day, &item(&m, "C套餐"), &format!("w-{i}")).await;
        assert!(
            res.status().is_redirection() || res.status().is_success(),
            "{}",
            res.status()
        );
    }
    // Saturday's lunch by the elder and Sunday's by her daughter, at the same moment: the
    // fifth and last subsidised meal of the week goes to one of them.
    let sat = menu(&app, &e, "", "2026-11-28", "lunch").await;
    let sun = menu(&app, &d, &elder_id, "2026-11-29", "lunch").await;
    assert_eq!(sun["elder"]["is_self"], false);
    let (sat_a, sun_a) = (item(&sat, "A套餐"), item(&sun, "A套餐"));
    let (a, b) = tokio::join!(
        order(&app, &e, "", "2026-11-28", &sat_a, "sat-1"),
        order(&app, &d, &elder_id, "2026-11-29", &sun_a, "sun-1")
    );
    let placed = |s: reqwest::StatusCode| s.is_redirection() || s.is_success();
    assert!(
        placed(a.status()) && placed(b.status()),
        "{} {}",
        a.status(),
        b.status()
    );
    let week = count(&app, &format!("SELECT COUNT(*) FROM meal_subsidy_uses WHERE elder_id = '{elder_id}' AND week = '2026-W48'")).await;
    assert_eq!(week, 5);
    let subsidised = count(&app, "SELECT COUNT(*) FROM meal_orders WHERE day IN ('2026-11-28', '2026-11-29') AND subsidy_fen > 0").await;
    assert_eq!(subsidised, 1);
    // The order the daughter placed says so, to the elder.
    let id = order_id(&b);
    let o = json(app.call(&e, "meals/order-view", &[("order", &id)]).await).await;
    assert_eq!(o["placed_by"][1], "child");
    assert!(count(&app, &format!("SELECT COUNT(*) FROM messages WHERE resident_id = '{elder_id}' AND topic = 'meals_ordered_for_you'")).await == 1);
    // The next Monday starts a new week.
    let monday = menu(&app, &e, "", "2026-11-30", "lunch").await;
    assert_eq!(monday["usage"]["this_week"], 0);
}

#[tokio::test]
async fn a_proxy_whose_grant_was_revoked_a_moment_ago_is_refused() {
    let app = crate::helpers::spawn_app().await;
    let (e, d, elder_id) = granted_daughter(&app, 4, 41).await;
    let m = menu(&app, &d, &elder_id, TOMORROW, "lunch").await;
    let a = item(&m, "A套餐");
    let grants = json(app.call(&e, "proxy/mine", &[]).await).await;
    let grant = grants["given"][0]["id"].as_str().unwrap().to_owned();
    json(app.call(&e, "proxy/revoke", &[("grant", &grant)]).await).await;
    let res = order(&app, &d, &elder_id, TOMORROW, &a, "p-1").await;
    assert!(refusal(&json_err(res).await).contains("NoGrant"));
    // Nor may she read the elder's menu, or order for a stranger.
    let res = app
        .call(
            &d,
            "meals/menu",
            &[
                ("elder", &elder_id),
                ("canteen", CANTEEN),
                ("day", TOMORROW),
                ("meal", "lunch"),
                ("items", ""),
                ("mode", ""),
            ],
        )
        .await;
    assert!(res.status().is_client_error());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM meal_orders").await, 0);
}

#[tokio::test]
async fn canteen_staff_see_only_their_canteen_and_two_taps_serve_once() {
    let app = crate::helpers::spawn_app().await;
    let c = elder(&app, 5).await;
    let m = menu(&app, &c, "", TOMORROW, "lunch").await;
    let res = order(&app, &c, "", TOMORROW, &item(&m, "A套餐"), "s-1").await;
    let id = order_id(&res);
    let op = staff(&app, "canteen").await;
    let day = json(
        app.call(&op, "meals/canteen-day", &[("day", TOMORROW)])
            .await,
    )
    .await;
    assert_eq!(day["meals"][0]["counter"].as_array().unwrap().len(), 1);
    assert_eq!(day["meals"][0]["production"][0][1], 1);
    // Serving tomorrow's meal today is refused; on the day, two taps count once.
    let early = app
        .call(&op, "meals/close", &[("order", &id), ("outcome", "served")])
        .await;
    assert!(early.status().is_client_error());
    app.advance(chrono::Duration::hours(24));
    let op = staff(&app, "canteen").await;
    let form = [("order", id.as_str()), ("outcome", "served")];
    let (a, b) = tokio::join!(
        app.call(&op, "meals/close", &form),
        app.call(&op, "meals/close", &form)
    );
    let oks = [a.status(), b.status()]
        .iter()
        .filter(|s| s.is_success())
        .count();
    assert_eq!(oks, 1, "{} {}", a.status(), b.status());
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'meals.served'"
        )
        .await,
        1
    );
    // Another role, or a resident, cannot read the canteen's lists.
    let clerk = staff(&app, "clerk").await;
    assert!(app
        .call(&clerk, "meals/canteen-day", &[("day", TOMORROW)])
        .await
        .status()
        .is_client_error());
    assert!(app
        .call(&c, "meals/canteen-day", &[("day", TOMORROW)])
        .await
        .status()
        .is_client_error());
    // The elder rates the served meal once.
    json(
        app.call(
            &c,
            "meals/rate",
            &[("order", &id), ("stars", "4"), ("note", "好吃")],
        )
        .await,
    )
    .await;
    let again = app
        .call(&c, "meals/rate", &[("order", &id), ("stars", "5")])
        .await;
    assert!(again.status().is_client_error());
}

#[tokio::test]
async fn hostile_values_never_give_a_server_error() {
    let app = crate::helpers::spawn_app().await;
    let c = elder(&app, 6).await;
    let op = staff(&app, "canteen").await;
    type Case<'a> = (&'a Client, &'a str, &'a [(&'a str, &'a str)]);
    let cases: &[Case] = &[
        (
            &c,
            "meals/menu",
            &[
                ("elder", "x' OR 1=1"),
                ("canteen", CANTEEN),
                ("day", TOMORROW),
                ("meal", "lunch"),
                ("items", ""),
                ("mode", ""),
            ],
        ),
        (
            &c,
            "meals/menu",
            &[
                ("elder", ""),
                ("canteen", CANTEEN),
                ("day", "+262142-12-31"),
                ("meal", "lunch"),
                ("items", ""),
                ("mode", ""),
            ],
        ),
        (
            &c,
            "meals/menu",
            &[
                ("elder", ""),
                ("canteen", "nope"),
                ("day", TOMORROW),
                ("meal", "brunch"),
                ("items", "a,b,c,d,e,f"),
                ("mode", "x"),
            ],
        ),
        (
            &c,
            "meals/order",
            &[
                ("elder", ""),
                ("canteen", CANTEEN),
                ("day", TOMORROW),
                ("meal", "lunch"),
                ("items[0]", "zz"),
                ("mode", "delivery"),
                ("idem_key", "h-1"),
            ],
        ),
        (
            &c,
            "meals/order",
            &[
                ("elder", ""),
                ("canteen", CANTEEN),
                ("day", TOMORROW),
                ("meal", "lunch"),
                ("mode", "dine_in"),
                ("idem_key", "h-2"),
            ],
        ),
        (
            &c,
            "meals/order",
            &[
                ("elder", ""),
                ("canteen", CANTEEN),
                ("day", TOMORROW),
                ("meal", "lunch"),
                ("items[0]", "a"),
                ("mode", "dine_in"),
                ("idem_key", ""),
            ],
        ),
        (&c, "meals/cancel", &[("order", "missing")]),
        (&c, "meals/rate", &[("order", "missing"), ("stars", "99")]),
        (&c, "meals/order-view", &[("order", "../../etc/passwd")]),
        (
            &c,
            "proxy/request",
            &[
                ("elder_phone", "12"),
                ("elder_name", ""),
                ("relation", "boss"),
                ("ends_on", "9999-99-99"),
            ],
        ),
        (&c, "proxy/answer", &[("grant", "x"), ("answer", "maybe")]),
        (&c, "proxy/revoke", &[("grant", "x")]),
        (
            &op,
            "meals/add-item",
            &[
                ("day", "2026-02-30"),
                ("meal", "lunch"),
                ("name_zh", ""),
                ("name_en", ""),
                ("price", "-1"),
                ("portions", "1e9"),
            ],
        ),
        (
            &op,
            "meals/add-item",
            &[
                ("day", TOMORROW),
                ("meal", "breakfast"),
                ("name_zh", "粥"),
                ("name_en", ""),
                ("price", "3"),
                ("portions", "5"),
            ],
        ),
        (&op, "meals/close", &[("order", "x"), ("outcome", "eaten")]),
        (&op, "meals/serve-code", &[("code", "12a4")]),
        (&op, "meals/serve-code", &[("code", "0000")]),
        (&op, "meals/canteen-day", &[("day", "-262143-01-01")]),
        (
            &op,
            "proxy/record",
            &[
                ("elder_phone", "13800000006"),
                ("elder_name", "张桂英"),
                ("elder_id_number", "330203194601010010"),
                ("proxy_phone", "1"),
                ("relation", "child"),
                ("ends_on", "2027-01-01"),
            ],
        ),
    ];
    for (client, endpoint, form) in cases {
        let res = app.call(client, endpoint, form).await;
        assert!(
            res.status().as_u16() < 500,
            "{endpoint} {form:?}: {}",
            res.status()
        );
    }
    for path in [
        "/meals",
        "/meals/menu?day=%2B262142-12-31&meal=x",
        "/meals/order/nope",
        "/family",
        "/staff/meals?day=-262143-01-01",
        "/staff/family",
    ] {
        let res = app.get(&c, path).await;
        assert!(res.status().as_u16() < 500, "{path}: {}", res.status());
        let res = app.get(&op, path).await;
        assert!(
            res.status().as_u16() < 500,
            "{path} (staff): {}",
            res.status()
        );
    }
}

#[tokio::test]
async fn the_months_settlement_equals_its_served_orders_and_is_approved_once() {
    let app = crate::helpers::spawn_app().await;
    // Three elders order tomorrow's lunch; two are served, one is not collected.
    let mut ids = vec![];
    let mut elders = vec![];
    for n in 0..3u32 {
        let c = elder(&app, 70 + n).await;
        let m = menu(&app, &c, "", TOMORROW, "lunch").await;
        ids.push(order_id(
            &order(&app, &c, "", TOMORROW, &item(&m, "B套餐"), "m-1").await,
        ));
        elders.push(c);
    }
    // One more, for the 30th, stays placed until the month is settled.
    let late = elder(&app, 79).await;
    let m = menu(&app, &late, "", "2026-11-30", "lunch").await;
    let open_id = order_id(&order(&app, &late, "", "2026-11-30", &item(&m, "A套餐"), "m-2").await);
    app.advance(chrono::Duration::hours(24));
    let op = staff(&app, "canteen").await;
    for (id, outcome) in [
        (&ids[0], "served"),
        (&ids[1], "served"),
        (&ids[2], "no_show"),
    ] {
        json(
            app.call(&op, "meals/close", &[("order", id), ("outcome", outcome)])
                .await,
        )
        .await;
    }
    json(
        app.call(
            &elders[0],
            "meals/rate",
            &[("order", &ids[0]), ("stars", "4"), ("note", "牛腩很软")],
        )
        .await,
    )
    .await;
    // The canteen sees the rating.
    let own = json(
        app.call(&op, "meals/settlements", &[("month", "2026-11")])
            .await,
    )
    .await;
    assert_eq!(own.as_array().unwrap().len(), 1);
    assert_eq!(
        (
            own[0]["ratings"]["count"].as_i64(),
            own[0]["ratings"]["average_tenths"].as_i64()
        ),
        (Some(1), Some(40))
    );
    assert_eq!(own[0]["ratings"]["notes"][0][1], "牛腩很软");
    // November has not ended: it cannot be approved yet.
    let finance = staff(&app, "finance").await;
    let early = app
        .call(
            &finance,
            "meals/approve-settlement",
            &[("canteen", CANTEEN), ("month", "2026-11")],
        )
        .await;
    assert!(early.status().is_client_error());
    app.advance(chrono::Duration::days(9)); // 3 December
    let finance = staff(&app, "finance").await;
    let v = json(
        app.call(&finance, "meals/settlements", &[("month", "2026-11")])
            .await,
    )
    .await;
    let s = &v[0]["settlement"];
    // Two served B sets (18元), 80 years old: 5元 each.
    assert_eq!(
        (
            s["meals"].as_i64(),
            s["subsidy"].as_i64(),
            s["paid"].as_i64()
        ),
        (Some(2), Some(1000), Some(2600))
    );
    let sum: i64 = count(
        &app,
        "SELECT CAST(COALESCE(SUM(subsidy_fen), 0) AS BIGINT) FROM meal_orders WHERE status = 'served'",
    )
    .await;
    assert_eq!(s["subsidy"].as_i64(), Some(sum));
    let (a, b) = tokio::join!(
        app.call(
            &finance,
            "meals/approve-settlement",
            &[("canteen", CANTEEN), ("month", "2026-11")]
        ),
        app.call(
            &finance,
            "meals/approve-settlement",
            &[("canteen", CANTEEN), ("month", "2026-11")]
        )
    );
    assert_eq!(
        [a.status(), b.status()]
            .iter()
            .filter(|s| s.is_success())
            .count(),
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM meal_orders WHERE settled_month = '2026-11'"
        )
        .await,
        2
    );
    // The month's orders no longer change.
    let op = staff(&app, "canteen").await;
    let res = app
        .call(
            &op,
            "meals/close",
            &[("order", &open_id), ("outcome", "served")],
        )
        .await;
    assert!(refusal(&json_err(res).await).contains("AlreadySettled"));
    // The files: the operator gets its own canteen's, a resident nothing.
    let csv = op
        .get(app.url(&format!("/staff/meals/settlement/{CANTEEN}/2026-11.csv")))
        .send()
        .await
        .unwrap();
    assert!(csv.status().is_success());
    let text = csv.text().await.unwrap();
    assert!(text.contains("合计,2,10.00,1000,2600"), "{text}");
    let xlsx = finance
        .get(app.url(&format!("/staff/meals/settlement/{CANTEEN}/2026-11.xlsx")))
        .send()
        .await
        .unwrap();
    assert!(xlsx.status().is_success());
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let bad = finance
        .get(app.url(&format!("/staff/meals/settlement/{CANTEEN}/2026-13.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 404);
    let resident = elder(&app, 80).await;
    let res = resident
        .get(app.url(&format!("/staff/meals/settlement/{CANTEEN}/2026-11.csv")))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error() || res.status().is_redirection());
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'meals.settlement_approve'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_canteen_operator_sees_and_serves_only_their_own_canteens_orders() {
    let app = crate::helpers::spawn_app().await;
    // A second canteen with its own operator (tests only).
    const OTHER: &str = "canteen-test-2";
    server::desks::staff::staff_desk(&app.setup)
        .ensure_unit(
            OTHER,
            app::identity::UnitKind::Canteen,
            "测试第二食堂",
            "Second test canteen",
        )
        .await
        .unwrap();
    server::desks::meals::load_demo(&app.setup, OTHER)
        .await
        .unwrap();
    let admin = staff(&app, "admin").await;
    let res = app
        .call(
            &admin,
            "staff/create",
            &[
                ("username", "canteen2"),
                ("display_name", "助餐点运营 测试"),
                ("password", server::demo::DEMO_PASSWORD),
                ("role", "canteen_operator"),
                ("unit_id", OTHER),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let c = elder(&app, 31).await;
    let m = menu(&app, &c, "", TOMORROW, "lunch").await;
    let id = order_id(&order(&app, &c, "", TOMORROW, &item(&m, "A套餐"), "x-1").await);
    let o = json(app.call(&c, "meals/order-view", &[("order", &id)]).await).await;
    let code = o["pickup_code"].as_str().unwrap().to_owned();
    // Tomorrow, when it is served: the other canteen's lists do not have it.
    app.advance(chrono::Duration::hours(24));
    let (mine, theirs) = (staff(&app, "canteen").await, staff(&app, "canteen2").await);
    let orders = |day: &Value| -> usize {
        day["meals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                m["counter"].as_array().unwrap().len()
                    + m["delivery"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|d| d[1].as_array().unwrap().len())
                        .sum::<usize>()
            })
            .sum()
    };
    let day = |who: &Client| {
        let (app, who) = (&app, who.clone());
        async move {
            json(
                app.call(&who, "meals/canteen-day", &[("day", TOMORROW)])
                    .await,
            )
            .await
        }
    };
    assert_eq!(orders(&day(&mine).await), 1);
    let other_day = day(&theirs).await;
    assert_eq!(orders(&other_day), 0);
    assert!(!other_day.to_string().contains(&id));
    // Nor can they serve it, by its id or by its pick-up code.
    let res = app
        .call(
            &theirs,
            "meals/close",
            &[("order", &id), ("outcome", "served")],
        )
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
    let res = app
        .call(&theirs, "meals/serve-code", &[("code", &code)])
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM meal_orders WHERE status = 'placed'"
        )
        .await,
        1
    );
    // Their own operator serves it.
    let res = app
        .call(&mine, "meals/serve-code", &[("code", &code)])
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM meal_orders WHERE status = 'served'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_operator_finds_an_elders_orders_by_name_with_or_without_javascript() {
    let app = crate::helpers::spawn_app().await;
    let c = elder(&app, 32).await;
    let m = menu(&app, &c, "", TOMORROW, "lunch").await;
    let id = order_id(&order(&app, &c, "", TOMORROW, &item(&m, "A套餐"), "f-1").await);
    let op = staff(&app, "canteen").await;
    let day = |name: &'static str| {
        let (app, op) = (&app, &op);
        async move {
            json(
                app.call(
                    op,
                    "meals/canteen-day",
                    &[("day", TOMORROW), ("name", name)],
                )
                .await,
            )
            .await
        }
    };
    let found = day("张桂英").await;
    assert_eq!(found["name"], "张桂英");
    assert_eq!(found["meals"][0]["counter"][0]["id"], id.as_str());
    assert_eq!(found["meals"][0]["counter"][0]["elder_masked"], "张**");
    let none = day("李秀兰").await;
    assert!(none["meals"][0]["counter"].as_array().unwrap().is_empty());
    assert_eq!(
        day("").await["meals"][0]["counter"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // A name that is not one is refused by the field; a resident cannot search.
    let res = app.call(&op, "meals/find", &[("name", "x' OR 1=1")]).await;
    assert!(json_err(res).await.to_string().contains("name"));
    assert_eq!(
        app.call(&c, "meals/find", &[("name", "张桂英")])
            .await
            .status(),
        reqwest::StatusCode::FORBIDDEN
    );
    // Without JavaScript: the search is posted, the page after the redirect shows the matches
    // once; the name never goes into the address.
    let page = format!("/staff/meals?day={TOMORROW}");
    let res = app
        .post_page_form(&op, "meals/find", &page, &[("name", "张桂英")])
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(!to.contains("name="), "{to}");
    let html = app.get(&op, &page).await.text().await.unwrap();
    assert!(html.contains("只显示 张桂英 的订单"), "the search is shown");
    let html = app.get(&op, &page).await.text().await.unwrap();
    assert!(!html.contains("只显示 张桂英 的订单"), "once");
}
