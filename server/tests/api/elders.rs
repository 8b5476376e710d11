//! 老人身份 over real HTTP: a community worker checks the ID card and confirms a status, the meal
//! price and the time bank's priority rule follow it while it lives and stop when it ends;
//! nobody else confirms; a wrong ID card is refused; hostile values never give a 5xx.

use crate::helpers::{count, id_number, json, new_client, resident, TestApp};
use crate::meals::{elder, item, menu, order, order_id};
use reqwest::{Client, StatusCode};
use serde_json::Value;

const TOMORROW: &str = "2026-11-24";

async fn staff(app: &TestApp, username: &str) -> Client {
    let c = new_client();
    app.staff_sign_in(&c, username).await;
    c
}

/// Meals elder `n` (张桂英, born 1 January 1946): phone and ID number.
fn elder_ids(n: u32) -> (String, String) {
    (
        format!("1380{n:07}"),
        id_number(&format!("33020319460101{n:03}")),
    )
}

/// The worker checks an elder's card; the check id from the page it goes to.
async fn check(
    app: &TestApp,
    worker: &Client,
    name: &str,
    phone: &str,
    id: &str,
) -> reqwest::Response {
    app.call(
        worker,
        "elders/check",
        &[
            ("elder_name", name),
            ("elder_phone", phone),
            ("elder_id_number", id),
        ],
    )
    .await
}

fn check_id(res: &reqwest::Response) -> String {
    assert!(res.status().is_success(), "{}", res.status());
    let to = res.headers()["location"].to_str().unwrap();
    to.strip_prefix("/staff/elders/").unwrap().to_owned()
}

async fn confirm(
    app: &TestApp,
    worker: &Client,
    check: &str,
    status: &str,
    key: &str,
) -> reqwest::Response {
    app.call(
        worker,
        "elders/confirm",
        &[
            ("check", check),
            ("status", status),
            ("note", "低保证 2026-0001，已查验原件"),
            ("idem_key", key),
        ],
    )
    .await
}

async fn file(app: &TestApp, worker: &Client, check: &str) -> Value {
    json(app.call(worker, "elders/file", &[("check", check)]).await).await
}

async fn refusal(res: reqwest::Response) -> String {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_client_error(), "{status}: {text}");
    text
}

async fn subsidy_of(app: &TestApp, c: &Client, day: &str, key: &str) -> i64 {
    let m = menu(app, c, "", day, "lunch").await;
    let res = order(app, c, "", day, &item(&m, "A套餐"), key).await;
    let id = order_id(&res);
    let o = json(app.call(c, "meals/order-view", &[("order", &id)]).await).await;
    o["subsidy"].as_i64().unwrap()
}

#[tokio::test]
async fn a_confirmed_status_lowers_the_meal_price_as_the_policy_says_until_it_ends() {
    let app = crate::helpers::spawn_app().await;
    let c = elder(&app, 21).await;
    let (phone, id) = elder_ids(21);
    let worker = staff(&app, "community").await;
    // 80 years old: the age80 tier, 5元 a meal; 低保 raises it one tier (age90, 8元).
    let res = check(&app, &worker, "张桂英", &phone, &id).await;
    let chk = check_id(&res);
    let res = confirm(&app, &worker, &chk, "dibao", "c-1").await;
    assert!(res.status().is_success(), "{}", res.status());
    // The same form twice (a double tap) confirms once; another confirmation is refused.
    assert!(confirm(&app, &worker, &chk, "dibao", "c-1")
        .await
        .status()
        .is_success());
    assert!(refusal(confirm(&app, &worker, &chk, "dibao", "c-2").await)
        .await
        .contains("AlreadyLive"));
    let m = menu(&app, &c, "", TOMORROW, "lunch").await;
    assert_eq!(m["facts"]["statuses"], serde_json::json!(["dibao"]));
    assert_eq!(subsidy_of(&app, &c, TOMORROW, "o-1").await, 800);
    // The elder is told; the worker's check and confirmation are audited.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE topic = 'elders_status_confirmed'"
        )
        .await,
        1
    );
    for action in ["elders.check", "elders.status.confirm"] {
        let n = count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"),
        )
        .await;
        assert_eq!(n, 1, "{action}");
    }
    // Ended with a reason: it stays in the history and no longer counts.
    let f = file(&app, &worker, &chk).await;
    let record = f["records"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(f["records"][0]["status"], "dibao");
    assert!(f["id_number_masked"].as_str().unwrap().contains('*'));
    let end = |key: &'static str| {
        let (app, worker, chk, record) = (&app, &worker, chk.clone(), record.clone());
        async move {
            app.call(
                worker,
                "elders/end",
                &[
                    ("check", chk.as_str()),
                    ("record", record.as_str()),
                    ("reason", "2026年12月起停发低保"),
                    ("idem_key", key),
                ],
            )
            .await
        }
    };
    assert!(end("e-1").await.status().is_success());
    assert!(refusal(end("e-2").await).await.contains("NotLive"));
    let f = file(&app, &worker, &chk).await;
    assert_eq!(f["records"].as_array().unwrap().len(), 1);
    assert!(f["records"][0]["ended_at"].is_i64());
    assert_eq!(f["records"][0]["end_note"], "2026年12月起停发低保");
    let m = menu(&app, &c, "", "2026-11-25", "lunch").await;
    assert_eq!(m["facts"]["statuses"], serde_json::json!([]));
    assert_eq!(subsidy_of(&app, &c, "2026-11-25", "o-2").await, 500);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM elder_status_records").await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE topic = 'elders_status_ended'"
        )
        .await,
        1
    );
    // Confirmed again later: a new record beside the ended one.
    assert!(confirm(&app, &worker, &chk, "dibao", "c-3")
        .await
        .status()
        .is_success());
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM elder_status_records").await,
        2
    );
}

#[tokio::test]
async fn only_a_community_worker_confirms_and_only_with_the_elders_own_id_card() {
    let app = crate::helpers::spawn_app().await;
    let c = elder(&app, 22).await;
    let (phone, id) = elder_ids(22);
    let worker = staff(&app, "community").await;
    // A resident, a canteen operator or a clerk cannot check or confirm.
    for who in [
        &c,
        &staff(&app, "canteen").await,
        &staff(&app, "clerk").await,
    ] {
        let res = check(&app, who, "张桂英", &phone, &id).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    // The wrong card (another valid number), the wrong name: refused by the field.
    let other = id_number("33020319460101099");
    let res = check(&app, &worker, "张桂英", &phone, &other).await;
    let text = refusal(res).await;
    assert!(
        text.contains("IdMismatch") && text.contains("elder_id_number"),
        "{text}"
    );
    let text = refusal(check(&app, &worker, "张桂花", &phone, &id).await).await;
    assert!(text.contains("NoSuchElder"), "{text}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM elder_checks").await, 0);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'elders.card_mismatch'"
        )
        .await,
        1,
        "the card that did not match is audited"
    );
    // A check is the worker's own: another worker, or a canteen operator, cannot use it.
    let chk = check_id(&check(&app, &worker, "张桂英", &phone, &id).await);
    let admin = staff(&app, "admin").await;
    let res = app
        .call(
            &admin,
            "staff/create",
            &[
                ("username", "community2"),
                ("display_name", "社区工作人员 韩梅"),
                ("password", server::demo::DEMO_PASSWORD),
                ("role", "community_worker"),
                ("unit_id", server::demo::COMMUNITY),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let second = staff(&app, "community2").await;
    assert!(refusal(confirm(&app, &second, &chk, "tekun", "x-1").await)
        .await
        .contains("CheckExpired"));
    assert_eq!(
        confirm(&app, &staff(&app, "canteen").await, &chk, "tekun", "x-2")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        confirm(&app, &c, &chk, "tekun", "x-3").await.status(),
        StatusCode::FORBIDDEN
    );
    // A check lasts 30 minutes.
    app.advance(chrono::Duration::minutes(31));
    assert!(refusal(confirm(&app, &worker, &chk, "tekun", "x-4").await)
        .await
        .contains("CheckExpired"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM elder_status_records").await,
        0
    );
    // The worker also records a family proxy for an elder without a phone, the card checked.
    let (_daughter, _) = resident(&app, 23).await;
    let grant = |who: Client, card: String| {
        let (app, phone) = (&app, phone.clone());
        async move {
            app.call(
                &who,
                "proxy/record",
                &[
                    ("elder_phone", phone.as_str()),
                    ("elder_name", "张桂英"),
                    ("elder_id_number", card.as_str()),
                    ("proxy_phone", "13700000023"),
                    ("relation", "child"),
                    ("scopes[0]", "meals"),
                    ("ends_on", "2027-06-30"),
                ],
            )
            .await
        }
    };
    assert_eq!(
        grant(staff(&app, "clerk").await, id.clone()).await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(refusal(grant(worker.clone(), other).await)
        .await
        .contains("IdMismatch"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'proxy.card_mismatch'"
        )
        .await,
        1,
        "the card that did not match is audited"
    );
    assert!(grant(worker.clone(), id.clone())
        .await
        .status()
        .is_success());
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM proxy_grants WHERE status = 'active' AND recorded_by IS NOT NULL"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_time_banks_priority_rule_reads_only_live_statuses() {
    let app = crate::helpers::spawn_app_with(|c| {
        c.otp_per_address_per_hour = 100_000;
        c.verify_per_address_per_hour = 100_000;
    })
    .await;
    // Resident 24 (王小明, 36): a priority elder only with both 低保 and 失能 (the demo rule).
    let (_c, card) = resident(&app, 24).await;
    let admin = staff(&app, "volunteer").await;
    let grant = |key: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            app.call(
                admin,
                "timebank/fund-grant",
                &[
                    ("phone", "13700000024"),
                    ("name", "王小明"),
                    ("hours", "1"),
                    ("idem_key", key),
                ],
            )
            .await
        }
    };
    assert!(refusal(grant("g-1").await).await.contains("NotPriority"));
    let worker = staff(&app, "community").await;
    let chk = check_id(&check(&app, &worker, "王小明", "13700000024", &card).await);
    for (status, key) in [("dibao", "p-1"), ("shineng", "p-2")] {
        assert!(confirm(&app, &worker, &chk, status, key)
            .await
            .status()
            .is_success());
    }
    // Now a priority elder: the grant is refused only for want of hours in the fund.
    let text = refusal(grant("g-2").await).await;
    assert!(!text.contains("NotPriority"), "{text}");
    // 失能 ended: no longer a priority elder.
    let f = file(&app, &worker, &chk).await;
    let shineng = f["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "shineng")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .call(
            &worker,
            "elders/end",
            &[
                ("check", chk.as_str()),
                ("record", shineng.as_str()),
                ("reason", "复评为能力完好"),
                ("idem_key", "p-3"),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    assert!(refusal(grant("g-3").await).await.contains("NotPriority"));
}

#[tokio::test]
async fn hostile_values_on_the_status_desk_never_give_a_server_error() {
    let app = crate::helpers::spawn_app().await;
    let c = elder(&app, 25).await;
    let worker = staff(&app, "community").await;
    let long = "长".repeat(5000);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "elders/check",
            vec![
                ("elder_name", "' OR 1=1 --"),
                ("elder_phone", "x"),
                ("elder_id_number", "%00"),
            ],
        ),
        (
            "elders/check",
            vec![
                ("elder_name", &long),
                ("elder_phone", "13800000025"),
                ("elder_id_number", "33020319460101025X"),
            ],
        ),
        ("elders/check", vec![]),
        ("elders/file", vec![("check", "../../etc/passwd")]),
        ("elders/file", vec![("check", "")]),
        (
            "elders/file",
            vec![("check", "ffffffffffffffffffffffffffffffff")],
        ),
        (
            "elders/confirm",
            vec![
                ("check", "zz"),
                ("status", "emperor"),
                ("note", ""),
                ("idem_key", ""),
            ],
        ),
        (
            "elders/confirm",
            vec![
                ("check", "ab"),
                ("status", "dibao"),
                ("note", &long),
                ("idem_key", "k"),
            ],
        ),
        (
            "elders/end",
            vec![
                ("check", "ab"),
                ("record", "'; DROP TABLE residents; --"),
                ("reason", "x"),
                ("idem_key", "k"),
            ],
        ),
        ("elders/end", vec![("check", "ab")]),
    ];
    for who in [&worker, &c] {
        for (endpoint, form) in &cases {
            let res = app.call(who, endpoint, form).await;
            assert!(
                res.status().as_u16() < 500,
                "{endpoint} {form:?}: {}",
                res.status()
            );
        }
        for path in [
            "/staff/elders",
            "/staff/elders/%FF%FE",
            "/staff/elders/ffffffffffffffffffffffffffffffff",
            "/staff/elders/<script>",
        ] {
            let res = app.get(who, path).await;
            assert!(res.status().as_u16() < 500, "{path}: {}", res.status());
        }
    }
    // A plain form post (no JavaScript) that fails goes back to the page, keeping the name.
    let res = app
        .post_page_form(
            &worker,
            "elders/check",
            "/staff/elders",
            &[
                ("elder_name", "张桂英"),
                ("elder_phone", "13800000025"),
                ("elder_id_number", "330203194601010991"),
            ],
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let page = app
        .get(&worker, "/staff/elders")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("张桂英"), "the typed name is kept");
    assert!(
        !page.contains("330203194601010991"),
        "the ID number is not kept"
    );
}
