//! 时间银行 over real HTTP on both engines: places on a shift never over-taken, a verification
//! banked once, spends never below zero, a reversal restoring the balance (audited), the
//! storage cap's excess to the fund, statements private, admins scoped to their organisation,
//! the last catalogue item sold once, the public record masked, hostile values answered 4xx.

use crate::helpers::{id_number, json, new_client, resident, TestApp};
use chrono::Duration;
use futures::future::join_all;
use reqwest::Client;
use serde_json::Value;

pub(crate) const ORG: &str = server::demo::ORGANISATION;
const OTHER_ORG: &str = server::demo::ORGANISATION_2;
/// Today's morning shift (09:00–11:00; t0 is 10:00), five places, code 2468.
pub(crate) const SHIFT: &str = "demo-shift-0-0";
pub(crate) const CODE: &str = "2468";

async fn app() -> TestApp {
    crate::helpers::spawn_app_with(|c| {
        c.otp_per_address_per_hour = 100_000;
        c.verify_per_address_per_hour = 100_000;
    })
    .await
}

async fn staff(app: &TestApp, username: &str) -> Client {
    let c = new_client();
    app.staff_sign_in(&c, username).await;
    c
}

async fn id_of(app: &TestApp, phone: &str) -> String {
    sqlx::query_scalar("SELECT id FROM residents WHERE phone = $1")
        .bind(phone)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

pub(crate) async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(
        status.is_success() || status.is_redirection(),
        "{status}: {text}"
    );
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn refused(res: reqwest::Response) -> String {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_client_error(), "{status}: {text}");
    text
}

/// Resident `n`, a member of the demo organisation approved by its admin: (client, id).
async fn volunteer(app: &TestApp, admin: &Client, n: u32) -> (Client, String) {
    let (c, _) = resident(app, n).await;
    let id = id_of(app, &format!("1370{n:07}")).await;
    ok(app.call(&c, "timebank/join", &[("org", ORG)]).await).await;
    ok(app
        .call(
            admin,
            "timebank/decide-member",
            &[("resident", &id), ("decision", "approve")],
        )
        .await)
    .await;
    (c, id)
}

async fn balance(app: &TestApp, c: &Client) -> i64 {
    json(app.call(c, "timebank/home", &[]).await).await["accounts"]["balance"]
        .as_i64()
        .unwrap()
}

pub(crate) async fn attendance_id(app: &TestApp, volunteer: &str) -> String {
    sqlx::query_scalar("SELECT id FROM tb_attendance WHERE volunteer_id = $1 AND shift_id = $2")
        .bind(volunteer)
        .bind(SHIFT)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// Takes today's morning shift, signs in now and out `minutes` later.
pub(crate) async fn serve(app: &TestApp, c: &Client, minutes: u64) {
    ok(app
        .call(c, "timebank/take-shift", &[("shift", SHIFT)])
        .await)
    .await;
    ok(app
        .call(
            c,
            "timebank/sign",
            &[("shift", SHIFT), ("code", CODE), ("dir", "in")],
        )
        .await)
    .await;
    app.advance(Duration::minutes(minutes as i64));
    ok(app
        .call(
            c,
            "timebank/sign",
            &[("shift", SHIFT), ("code", CODE), ("dir", "out")],
        )
        .await)
    .await;
}

/// The ledger's invariants, read from the database: every transaction sums to zero, every
/// balance is the sum of its entries, no resident, fund or hold account below zero.
pub(crate) async fn ledger_holds(app: &TestApp) {
    let pool = app.db.pool();
    let amounts: Vec<(String, i64)> = sqlx::query_as("SELECT tx_id, amount FROM tb_entries")
        .fetch_all(pool)
        .await
        .unwrap();
    let mut per_tx = std::collections::HashMap::<String, i64>::new();
    for (tx, a) in &amounts {
        *per_tx.entry(tx.clone()).or_default() += a;
    }
    assert!(
        per_tx.values().all(|s| *s == 0),
        "a transaction does not sum to zero"
    );
    let accounts: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT id, kind, balance FROM tb_accounts")
            .fetch_all(pool)
            .await
            .unwrap();
    for (id, kind, bal) in accounts {
        let entries: Vec<i64> =
            sqlx::query_scalar("SELECT amount FROM tb_entries WHERE account_id = $1")
                .bind(&id)
                .fetch_all(pool)
                .await
                .unwrap();
        assert_eq!(
            entries.iter().sum::<i64>(),
            bal,
            "{id}: balance is not the sum of entries"
        );
        if !kind.ends_with("issuer") {
            assert!(bal >= 0, "{id} below zero");
        }
    }
}

#[tokio::test]
async fn thirty_volunteers_racing_for_five_places_take_five() {
    let app = app().await;
    let admin = staff(&app, "volunteer").await;
    let mut people = vec![];
    for n in 0..30 {
        people.push(volunteer(&app, &admin, 100 + n).await);
    }
    let answers = join_all(
        people
            .iter()
            .map(|(c, _)| app.call(c, "timebank/take-shift", &[("shift", SHIFT)])),
    )
    .await;
    let mut took = 0;
    for res in answers {
        let status = res.status();
        assert!(status.is_success() || status.is_client_error(), "{status}");
        if status.is_success() {
            took += 1;
        } else {
            assert!(res.text().await.unwrap().contains("ShiftFull"));
        }
    }
    assert_eq!(took, 5);
    let (taken, rows): (i64, i64) = (
        sqlx::query_scalar("SELECT taken FROM tb_shifts WHERE id = $1")
            .bind(SHIFT)
            .fetch_one(app.db.pool())
            .await
            .unwrap(),
        sqlx::query_scalar("SELECT COUNT(*) FROM tb_attendance WHERE shift_id = $1")
            .bind(SHIFT)
            .fetch_one(app.db.pool())
            .await
            .unwrap(),
    );
    assert_eq!((taken, rows), (5, 5));
}

#[tokio::test]
async fn a_verification_sent_twice_at_once_banks_once_with_points_and_stars_progress() {
    let app = app().await;
    let admin = staff(&app, "volunteer").await;
    let (c, id) = volunteer(&app, &admin, 1).await;
    // Signing in needs the organiser's code.
    ok(app
        .call(&c, "timebank/take-shift", &[("shift", SHIFT)])
        .await)
    .await;
    let wrong = app
        .call(
            &c,
            "timebank/sign",
            &[("shift", SHIFT), ("code", "0000"), ("dir", "in")],
        )
        .await;
    assert!(refused(wrong).await.contains("WrongCode"));
    ok(app
        .call(
            &c,
            "timebank/sign",
            &[("shift", SHIFT), ("code", CODE), ("dir", "in")],
        )
        .await)
    .await;
    app.advance(Duration::minutes(90));
    ok(app
        .call(
            &c,
            "timebank/sign",
            &[("shift", SHIFT), ("code", CODE), ("dir", "out")],
        )
        .await)
    .await;
    assert_eq!(
        balance(&app, &c).await,
        0,
        "nothing banked before verification"
    );
    let att = attendance_id(&app, &id).await;
    let form = [("attendance", att.as_str()), ("decision", "approve")];
    let answers = join_all((0..8).map(|_| app.call(&admin, "timebank/verify", &form))).await;
    for res in answers {
        assert!(res.status().is_success(), "{}", res.status());
    }
    let home = json(app.call(&c, "timebank/home", &[]).await).await;
    assert_eq!(home["accounts"]["balance"], 90);
    assert_eq!(home["accounts"]["served"], 90);
    // 10 points an hour (demo policy): 15 for 90 minutes.
    assert_eq!(home["accounts"]["points"], 15);
    assert_eq!(home["accounts"]["stars"]["stars"], 0);
    assert_eq!(home["accounts"]["stars"]["next"][1], 6000 - 90);
    let verified: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM tb_transactions WHERE kind = 'verified'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(
        verified, 2,
        "one minutes transaction and one points transaction"
    );
    ledger_holds(&app).await;
}

#[tokio::test]
async fn fifty_concurrent_spends_from_a_balance_covering_ten_apply_ten() {
    let app = app().await;
    let admin = staff(&app, "volunteer").await;
    let (c, id) = volunteer(&app, &admin, 2).await;
    serve(&app, &c, 120).await;
    let att = attendance_id(&app, &id).await;
    ok(app
        .call(
            &admin,
            "timebank/verify",
            &[("attendance", &att), ("decision", "approve")],
        )
        .await)
    .await;
    assert_eq!(balance(&app, &c).await, 120);
    // 50 donations of 12 minutes (0.2 h), each with its own key: the balance covers ten.
    let keys: Vec<String> = (0..50).map(|i| format!("spend-{i}")).collect();
    let answers = join_all(keys.iter().map(|k| {
        let (app, c) = (&app, &c);
        async move {
            app.call(
                c,
                "timebank/donate",
                &[("org", ORG), ("donation_hours", "0.2"), ("idem_key", k)],
            )
            .await
        }
    }))
    .await;
    let mut applied = vec![];
    for (res, key) in answers.into_iter().zip(&keys) {
        let status = res.status();
        if status.is_success() {
            applied.push(key.clone());
        } else {
            assert!(refused(res).await.contains("Insufficient"));
        }
    }
    assert_eq!(applied.len(), 10);
    assert_eq!(balance(&app, &c).await, 0);
    // Replaying a key that applied changes nothing.
    ok(app
        .call(
            &c,
            "timebank/donate",
            &[
                ("org", ORG),
                ("donation_hours", "0.2"),
                ("idem_key", &applied[0]),
            ],
        )
        .await)
    .await;
    let fund: i64 = sqlx::query_scalar("SELECT balance FROM tb_accounts WHERE id = $1")
        .bind(format!("fund:{ORG}"))
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(fund, 120);
    // The database refuses a balance below zero even if code tried.
    let direct = sqlx::query("UPDATE tb_accounts SET balance = -1 WHERE id = $1")
        .bind(format!("resident:{id}"))
        .execute(app.db.pool())
        .await;
    assert!(direct.is_err(), "the CHECK holds");
    // And entries cannot be edited or deleted.
    assert!(sqlx::query("UPDATE tb_entries SET amount = 1")
        .execute(app.db.pool())
        .await
        .is_err());
    assert!(sqlx::query("DELETE FROM tb_transactions")
        .execute(app.db.pool())
        .await
        .is_err());
    ledger_holds(&app).await;
}

#[tokio::test]
async fn a_reversal_restores_the_balance_once_is_audited_and_cannot_take_spent_hours() {
    let app = app().await;
    let admin = staff(&app, "volunteer").await;
    let (c, id) = volunteer(&app, &admin, 3).await;
    serve(&app, &c, 60).await;
    let att = attendance_id(&app, &id).await;
    ok(app
        .call(
            &admin,
            "timebank/verify",
            &[("attendance", &att), ("decision", "approve")],
        )
        .await)
    .await;
    let tx: String = sqlx::query_scalar("SELECT tx_id FROM tb_attendance WHERE id = $1")
        .bind(&att)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    // Without a reason: refused.
    let res = app
        .call(
            &admin,
            "timebank/reverse",
            &[("tx", &tx), ("reason", " "), ("idem_key", "r-0")],
        )
        .await;
    assert!(refused(res).await.contains("ReasonRequired"));
    // Another organisation's admin cannot reverse it.
    let other = staff(&app, "volunteer2").await;
    let res = app
        .call(
            &other,
            "timebank/reverse",
            &[("tx", &tx), ("reason", "错"), ("idem_key", "r-x")],
        )
        .await;
    assert!(refused(res).await.contains("NoSuchTransaction"));
    // Two clerks at once, different keys: one reversal.
    let answers = join_all((0..4).map(|i| {
        let key = format!("r-{}", i + 1);
        let tx = tx.clone();
        let admin = &admin;
        let app = &app;
        async move {
            app.call(
                admin,
                "timebank/reverse",
                &[
                    ("tx", &tx),
                    ("reason", "签退时间登记错误"),
                    ("idem_key", &key),
                ],
            )
            .await
        }
    }))
    .await;
    let mut done = 0;
    for res in answers {
        if res.status().is_success() {
            done += 1;
        } else {
            assert!(refused(res).await.contains("AlreadyReversed"));
        }
    }
    assert_eq!(done, 1);
    let home = json(app.call(&c, "timebank/home", &[]).await).await;
    assert_eq!(home["accounts"]["balance"], 0);
    assert_eq!(home["accounts"]["points"], 0);
    assert_eq!(home["accounts"]["served"], 0);
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'timebank.reverse'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(audited, 1);
    // The statement shows the entry and its reversal with the reason; nothing was edited.
    let st = json(
        app.call(&c, "timebank/statement", &[("of", ""), ("points", "")])
            .await,
    )
    .await;
    let lines = st["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["kind"], "reversal");
    assert_eq!(lines[0]["reason"], "签退时间登记错误");
    assert_eq!(lines[1]["amount"], 60);
    ledger_holds(&app).await;
}

#[tokio::test]
async fn a_reversal_of_hours_already_spent_is_refused() {
    let app = app().await;
    let admin = staff(&app, "volunteer").await;
    let (c, id) = volunteer(&app, &admin, 4).await;
    serve(&app, &c, 60).await;
    let att = attendance_id(&app, &id).await;
    ok(app
        .call(
            &admin,
            "timebank/verify",
            &[("attendance", &att), ("decision", "approve")],
        )
        .await)
    .await;
    ok(app
        .call(
            &c,
            "timebank/donate",
            &[("org", ORG), ("donation_hours", "0.5"), ("idem_key", "d1")],
        )
        .await)
    .await;
    let tx: String = sqlx::query_scalar("SELECT tx_id FROM tb_attendance WHERE id = $1")
        .bind(&att)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let res = app
        .call(
            &admin,
            "timebank/reverse",
            &[("tx", &tx), ("reason", "错"), ("idem_key", "r")],
        )
        .await;
    assert!(refused(res).await.contains("CannotReverse"));
    assert_eq!(balance(&app, &c).await, 30);
    ledger_holds(&app).await;
}

#[tokio::test]
async fn an_admin_cannot_verify_or_see_another_organisations_hours() {
    let app = app().await;
    let admin = staff(&app, "volunteer").await;
    let (c, id) = volunteer(&app, &admin, 5).await;
    serve(&app, &c, 60).await;
    let att = attendance_id(&app, &id).await;
    let other = staff(&app, "volunteer2").await;
    let res = app
        .call(
            &other,
            "timebank/verify",
            &[("attendance", &att), ("decision", "approve")],
        )
        .await;
    assert!(refused(res).await.contains("NoSuchAttendance"));
    let res = app
        .call(&other, "timebank/verify-shift", &[("shift", SHIFT)])
        .await;
    assert_eq!(json(res).await, 0);
    let desk = json(app.call(&other, "timebank/org", &[]).await).await;
    assert!(desk["attendance"].as_array().unwrap().is_empty());
    assert_eq!(balance(&app, &c).await, 0);
    // Staff of another role cannot use the workbench at all.
    let clerk = staff(&app, "clerk").await;
    let res = app.call(&clerk, "timebank/org", &[]).await;
    assert_eq!(res.status(), 403);
    // The organisation's own admin verifies the whole shift at once.
    let res = app
        .call(&admin, "timebank/verify-shift", &[("shift", SHIFT)])
        .await;
    assert_eq!(json(res).await, 1);
    assert_eq!(balance(&app, &c).await, 60);
}

#[tokio::test]
async fn a_resident_cannot_read_anothers_statement_but_a_granted_daughter_can() {
    let app = app().await;
    let admin = staff(&app, "volunteer").await;
    let (mother, mother_id) = volunteer(&app, &admin, 6).await;
    serve(&app, &mother, 60).await;
    let att = attendance_id(&app, &mother_id).await;
    ok(app
        .call(
            &admin,
            "timebank/verify",
            &[("attendance", &att), ("decision", "approve")],
        )
        .await)
    .await;
    let (stranger, _) = resident(&app, 7).await;
    let res = app
        .call(
            &stranger,
            "timebank/statement",
            &[("of", &mother_id), ("points", "")],
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = app
        .get(
            &stranger,
            &format!("/timebank/statement.csv?of={mother_id}"),
        )
        .await;
    assert_eq!(res.status(), 404);
    // A daughter with a time-bank grant sees the balance and posts a need for her mother,
    // paid with her own hours.
    let (daughter, daughter_id) = volunteer(&app, &admin, 8).await;
    ok(app
        .call(
            &daughter,
            "proxy/request",
            &[
                ("elder_phone", "13700000006"),
                ("elder_name", "王小明"),
                ("relation", "child"),
                ("scopes[0]", "timebank"),
                ("ends_on", "2027-06-30"),
            ],
        )
        .await)
    .await;
    let grants = json(app.call(&mother, "proxy/mine", &[]).await).await;
    let grant = grants["given"][0]["id"].as_str().unwrap().to_owned();
    ok(app
        .call(
            &mother,
            "proxy/answer",
            &[("grant", &grant), ("answer", "yes")],
        )
        .await)
    .await;
    let st = json(
        app.call(
            &daughter,
            "timebank/statement",
            &[("of", &mother_id), ("points", "")],
        )
        .await,
    )
    .await;
    assert_eq!(st["balance"], 60);
    let csv = app
        .get(
            &daughter,
            &format!("/timebank/statement.csv?of={mother_id}"),
        )
        .await;
    assert_eq!(csv.status(), 200);
    let body = csv.text().await.unwrap();
    assert!(
        body.starts_with('\u{feff}') && body.contains("verified"),
        "{body}"
    );
    // The daughter has no hours yet: the need is refused, nothing is held.
    let need = |key: &'static str| {
        let app = &app;
        let daughter = &daughter;
        let mother_id = mother_id.clone();
        async move {
            app.call(
                daughter,
                "timebank/post-need",
                &[
                    ("elder", mother_id.as_str()),
                    ("org", ORG),
                    ("kind", "escort"),
                    ("day", "2026-11-25"),
                    ("hours", "0.5"),
                    ("note", "去李惠利医院复查"),
                    ("idem_key", key),
                ],
            )
            .await
        }
    };
    assert!(refused(need("n-1").await).await.contains("Insufficient"));
    // After she served an hour herself, the need holds 30 minutes of hers.
    ok(app
        .call(
            &daughter,
            "timebank/take-shift",
            &[("shift", "demo-shift-0-1")],
        )
        .await)
    .await;
    let code: String =
        sqlx::query_scalar("SELECT sign_code FROM tb_shifts WHERE id = 'demo-shift-0-1'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    app.advance(Duration::hours(4)); // 15:00, in the afternoon shift
    ok(app
        .call(
            &daughter,
            "timebank/sign",
            &[("shift", "demo-shift-0-1"), ("code", &code), ("dir", "in")],
        )
        .await)
    .await;
    app.advance(Duration::hours(1));
    ok(app
        .call(
            &daughter,
            "timebank/sign",
            &[("shift", "demo-shift-0-1"), ("code", &code), ("dir", "out")],
        )
        .await)
    .await;
    ok(app
        .call(
            &admin,
            "timebank/verify-shift",
            &[("shift", "demo-shift-0-1")],
        )
        .await)
    .await;
    assert_eq!(balance(&app, &daughter).await, 60);
    ok(need("n-2").await).await;
    ok(need("n-2").await).await; // the same key: one need
    assert_eq!(balance(&app, &daughter).await, 30);
    let needs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tb_needs WHERE payer_id = $1")
        .bind(&daughter_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(needs, 1);
    // A volunteer takes it (the daughter, who posted it, cannot); the mother confirms it done.
    let (helper, helper_id) = volunteer(&app, &admin, 9).await;
    let need_id: String = sqlx::query_scalar("SELECT id FROM tb_needs WHERE payer_id = $1")
        .bind(&daughter_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(refused(
        app.call(&daughter, "timebank/take-need", &[("need", &need_id)])
            .await
    )
    .await
    .contains("OwnNeed"));
    ok(app
        .call(&helper, "timebank/take-need", &[("need", &need_id)])
        .await)
    .await;
    ok(app
        .call(
            &mother,
            "timebank/close-need",
            &[("need", &need_id), ("outcome", "done"), ("idem_key", "c1")],
        )
        .await)
    .await;
    let h = json(app.call(&helper, "timebank/home", &[]).await).await;
    assert_eq!(h["accounts"]["balance"], 30);
    assert_eq!(
        h["accounts"]["served"], 0,
        "hours paid for a need are not verified service"
    );
    let _ = helper_id;
    ledger_holds(&app).await;
}

#[tokio::test]
async fn the_last_item_in_stock_redeemed_at_once_sells_once() {
    let app = app().await;
    let admin = staff(&app, "volunteer").await;
    let mut people = vec![];
    for n in 0..5 {
        let (c, id) = volunteer(&app, &admin, 200 + n).await;
        // 1,200 points each, written as issued points (the path to them is tested above).
        sqlx::query("INSERT INTO tb_accounts (id, kind, owner, balance, version) VALUES ($1, 'points', $2, 0, 0)")
            .bind(format!("points:{id}"))
            .bind(&id)
            .execute(app.db.pool())
            .await
            .unwrap();
        people.push((c, id));
    }
    // Points through the ledger: a verified shift each would do; here a posting as the desk writes it.
    for (_, id) in &people {
        let tx = format!("seed-{id}");
        sqlx::query("INSERT INTO tb_transactions (id, kind, reason, actor, org_id, created_at, seq) VALUES ($1, 'verified', 'seed', 'test', $2, 0, 0)")
            .bind(&tx)
            .bind(ORG)
            .execute(app.db.pool())
            .await
            .unwrap();
        sqlx::query("INSERT INTO tb_accounts (id, kind, owner) VALUES ($1, 'points_issuer', $2) ON CONFLICT (id) DO NOTHING")
            .bind(format!("points_issuer:{ORG}"))
            .bind(ORG)
            .execute(app.db.pool())
            .await
            .unwrap();
        for (acct, amount) in [
            (format!("points:{id}"), 1200_i64),
            (format!("points_issuer:{ORG}"), -1200),
        ] {
            let row: (i64, i64) = sqlx::query_as(
                "UPDATE tb_accounts SET balance = balance + $1, version = version + 1 WHERE id = $2 RETURNING balance, version",
            )
            .bind(amount)
            .bind(&acct)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
            sqlx::query("INSERT INTO tb_entries (tx_id, account_id, amount, balance_after, version) VALUES ($1, $2, $3, $4, $5)")
                .bind(&tx)
                .bind(&acct)
                .bind(amount)
                .bind(row.0)
                .bind(row.1)
                .execute(app.db.pool())
                .await
                .unwrap();
        }
    }
    // demo-item-3 has 3 in stock: two bought, then five race for the last one.
    for (c, _) in people.iter().take(2) {
        ok(app
            .call(
                c,
                "timebank/redeem",
                &[("item", "demo-item-3"), ("idem_key", "first")],
            )
            .await)
        .await;
    }
    let answers = join_all(people.iter().map(|(c, _)| {
        app.call(
            c,
            "timebank/redeem",
            &[("item", "demo-item-3"), ("idem_key", "race")],
        )
    }))
    .await;
    let mut sold = 0;
    for res in answers {
        if res.status().is_success() {
            sold += 1;
        } else {
            assert!(refused(res).await.contains("OutOfStock"));
        }
    }
    assert_eq!(sold, 1);
    let stock: i64 = sqlx::query_scalar("SELECT stock FROM tb_catalogue WHERE id = 'demo-item-3'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stock, 0);
    let redemptions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM tb_transactions WHERE kind = 'redemption'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(redemptions, 3);
    ledger_holds(&app).await;
}

#[tokio::test]
async fn the_storage_cap_sends_the_excess_to_the_fund_and_says_so() {
    let app = app().await;
    let admin = staff(&app, "volunteer").await;
    let (c, id) = volunteer(&app, &admin, 10).await;
    // Already 1,499 h 30 min banked (seeded as a verified issuance).
    let tx = "seed-cap";
    sqlx::query("INSERT INTO tb_transactions (id, kind, reason, actor, org_id, created_at, seq) VALUES ($1, 'verified', 'seed', 'test', $2, 0, 0)")
        .bind(tx)
        .bind(ORG)
        .execute(app.db.pool())
        .await
        .unwrap();
    for (acct, kind, owner, amount) in [
        (
            format!("issuer:{ORG}"),
            "issuer",
            ORG.to_owned(),
            -89_970_i64,
        ),
        (format!("resident:{id}"), "resident", id.clone(), 89_970),
    ] {
        sqlx::query("INSERT INTO tb_accounts (id, kind, owner, balance, version) VALUES ($1, $2, $3, $4, 1) ON CONFLICT (id) DO NOTHING")
            .bind(&acct)
            .bind(kind)
            .bind(&owner)
            .bind(amount)
            .execute(app.db.pool())
            .await
            .unwrap();
        sqlx::query("INSERT INTO tb_entries (tx_id, account_id, amount, balance_after, version) VALUES ($1, $2, $3, $3, 1)")
            .bind(tx)
            .bind(&acct)
            .bind(amount)
            .execute(app.db.pool())
            .await
            .unwrap();
    }
    serve(&app, &c, 60).await;
    let att = attendance_id(&app, &id).await;
    ok(app
        .call(
            &admin,
            "timebank/verify",
            &[("attendance", &att), ("decision", "approve")],
        )
        .await)
    .await;
    assert_eq!(balance(&app, &c).await, 90_000);
    let fund: i64 = sqlx::query_scalar("SELECT balance FROM tb_accounts WHERE id = $1")
        .bind(format!("fund:{ORG}"))
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(fund, 30);
    let told: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE resident_id = $1 AND topic = 'timebank_over_cap'",
    )
    .bind(&id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(told, 1);
    ledger_holds(&app).await;
}

#[tokio::test]
async fn the_public_record_page_shows_only_its_masked_fields() {
    let app = app().await;
    let admin = staff(&app, "volunteer").await;
    let (c, id) = volunteer(&app, &admin, 11).await;
    let res = app.call(&c, "timebank/issue-record", &[]).await;
    assert!(refused(res).await.contains("NothingServed"));
    serve(&app, &c, 60).await;
    let att = attendance_id(&app, &id).await;
    ok(app
        .call(
            &admin,
            "timebank/verify",
            &[("attendance", &att), ("decision", "approve")],
        )
        .await)
    .await;
    let code = json(app.call(&c, "timebank/issue-record", &[]).await).await;
    let code = code.as_str().unwrap().to_owned();
    let anyone = new_client();
    let rec = json(
        app.call(&anyone, "timebank/public-record", &[("code", &code)])
            .await,
    )
    .await;
    let keys: Vec<&String> = rec.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "code",
            "issued_at",
            "minutes",
            "name_masked",
            "orgs_en",
            "orgs_zh"
        ]
        .iter()
        .collect::<Vec<_>>()
    );
    assert_eq!(rec["name_masked"], "王**");
    assert_eq!(rec["minutes"], 60);
    let page = app.get(&anyone, &format!("/timebank/verify/{code}")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("王**") && !html.contains("王小明") && !html.contains("1370000"));
    assert!(!html.contains(&id_number("33020319900101011")));
    let res = app
        .call(&anyone, "timebank/public-record", &[("code", "NOPE")])
        .await;
    assert!(refused(res).await.contains("NoSuchRecord"));

    // The owner downloads the record as a PDF: the name as bound, the hours, the code and the
    // address where anyone checks it.
    let path = format!("/timebank/record/{code}.pdf");
    let res = c.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let pdf = res.bytes().await.unwrap();
    let text = String::from_utf8_lossy(&pdf);
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(text.contains(&format!("({code}) Tj")), "the code");
    assert!(
        text.contains(&format!("/timebank/verify/{code}")),
        "the check address"
    );
    // 王小明 (U+738B U+5C0F U+660E), the name as bound, in the Chinese font.
    assert!(text.contains("738B5C0F660E>"), "the full name");
    assert!(text.contains("(1)"), "one hour");
    assert!(pdf.len() < 8 * 1024, "{} bytes", pdf.len());
    // Nobody else: another resident, a wrong code, no sign-in.
    let (other, _) = volunteer(&app, &admin, 13).await;
    let res = other.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let res = c
        .get(app.url("/timebank/record/ABCDEFGHJKLM.pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = c
        .get(app.url(&format!("/timebank/record/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = anyone.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 401);
    // The public page still shows only its masked fields.
    let html = app
        .get(&anyone, &format!("/timebank/verify/{code}?issued=1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("王**") && !html.contains("王小明"));
}

#[tokio::test]
async fn hostile_values_never_give_a_5xx() {
    let app = app().await;
    let admin = staff(&app, "volunteer").await;
    let (c, _) = volunteer(&app, &admin, 12).await;
    let long = "9".repeat(5000);
    let nasty = [
        "",
        " ",
        "-1",
        "0",
        "1e9",
        "NaN",
        "999999999999",
        "'; DROP TABLE tb_entries; --",
        "\u{0}",
        &long,
        "２",
        "1.005",
        "%00",
    ];
    for v in nasty {
        for (endpoint, form) in [
            (
                "timebank/donate",
                vec![("org", ORG), ("donation_hours", v), ("idem_key", "h")],
            ),
            (
                "timebank/donate",
                vec![("org", v), ("donation_hours", "1"), ("idem_key", v)],
            ),
            (
                "timebank/give",
                vec![("to", v), ("gift_hours", "1"), ("idem_key", "g")],
            ),
            ("timebank/take-shift", vec![("shift", v)]),
            (
                "timebank/sign",
                vec![("shift", SHIFT), ("code", v), ("dir", "in")],
            ),
            (
                "timebank/sign",
                vec![("shift", SHIFT), ("code", CODE), ("dir", v)],
            ),
            (
                "timebank/post-need",
                vec![
                    ("elder", ""),
                    ("org", ORG),
                    ("kind", v),
                    ("day", v),
                    ("hours", v),
                    ("note", v),
                    ("idem_key", "p"),
                ],
            ),
            ("timebank/redeem", vec![("item", v), ("idem_key", "r")]),
            ("timebank/statement", vec![("of", v), ("points", v)]),
            ("timebank/public-record", vec![("code", v)]),
            ("timebank/join", vec![("org", v)]),
            (
                "timebank/close-need",
                vec![("need", v), ("outcome", "done"), ("idem_key", "c")],
            ),
        ] {
            let res = app.call(&c, endpoint, &form).await;
            assert!(
                res.status().as_u16() < 500,
                "{endpoint} {v:?}: {}",
                res.status()
            );
        }
        for (endpoint, form) in [
            (
                "timebank/add-activity",
                vec![
                    ("title", v),
                    ("place", v),
                    ("day", v),
                    ("starts", v),
                    ("ends", v),
                    ("places", v),
                ],
            ),
            (
                "timebank/verify",
                vec![("attendance", v), ("decision", "approve")],
            ),
            (
                "timebank/reverse",
                vec![("tx", v), ("reason", v), ("idem_key", "x")],
            ),
            (
                "timebank/fund-grant",
                vec![("phone", v), ("name", v), ("hours", v), ("idem_key", "f")],
            ),
            (
                "timebank/decide-member",
                vec![("resident", v), ("decision", v)],
            ),
        ] {
            let res = app.call(&admin, endpoint, &form).await;
            assert!(
                res.status().as_u16() < 500,
                "{endpoint} {v:?}: {}",
                res.status()
            );
        }
    }
    for path in [
        "/timebank/statement.csv?of=%00",
        "/timebank/verify/%FF%FE",
        "/timebank/need?elder=x",
        "/timebank/verify?code=<script>",
    ] {
        let res = app.get(&c, path).await;
        assert!(res.status().as_u16() < 500, "{path}: {}", res.status());
    }
    // A priority elder gets hours from the fund; others are refused.
    let res = app
        .call(
            &admin,
            "timebank/fund-grant",
            &[
                ("phone", "13700000012"),
                ("name", "王小明"),
                ("hours", "1"),
                ("idem_key", "f1"),
            ],
        )
        .await;
    assert!(refused(res).await.contains("NotPriority"));
    let _ = OTHER_ORG;
}

#[tokio::test]
async fn the_organiser_records_hours_for_a_volunteer_without_the_code_once_and_within_the_shift() {
    let app = app().await;
    let admin = staff(&app, "volunteer").await;
    let (c, id) = volunteer(&app, &admin, 6).await;
    ok(app
        .call(&c, "timebank/take-shift", &[("shift", SHIFT)])
        .await)
    .await;
    let att = attendance_id(&app, &id).await;
    async fn record_as(app: &TestApp, who: &Client, att: &str, hours: &str) -> reqwest::Response {
        app.call(
            who,
            "timebank/record",
            &[("attendance", att), ("hours", hours)],
        )
        .await
    }
    let record = |who: &Client, hours: &'static str| {
        let (app, att, who) = (&app, att.clone(), who.clone());
        async move { record_as(app, &who, &att, hours).await }
    };
    // Another organisation's admin cannot see it, let alone record it.
    let other = staff(&app, "volunteer2").await;
    assert!(refused(record(&other, "1").await)
        .await
        .contains("NoSuchAttendance"));
    // More than the two-hour shift, or not a number of hours: refused on the field.
    for bad in ["2.5", "0", "-1", "abc", "1.234", "", "99999999"] {
        let text = refused(record(&admin, bad).await).await;
        assert!(text.contains("MinutesInvalid"), "{bad:?}: {text}");
    }
    // Sent twice at the same moment: recorded once, the other told so.
    let answers = join_all((0..2).map(|_| record(&admin, "1.5"))).await;
    let mut applied = 0;
    for res in answers {
        if res.status().is_success() {
            applied += 1;
        } else {
            assert!(refused(res).await.contains("AlreadyRecorded"));
        }
    }
    assert_eq!(applied, 1);
    // It waits for verification like a signed-out attendance; nothing is banked yet, and the
    // volunteer can no longer sign in with the code.
    let desk = json(app.call(&admin, "timebank/org", &[]).await).await;
    let row = desk["attendance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == att.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["status"], "signed_out");
    assert_eq!(row["minutes"], 90);
    assert_eq!(row["recordable"], false);
    assert_eq!(balance(&app, &c).await, 0);
    let res = app
        .call(
            &c,
            "timebank/sign",
            &[("shift", SHIFT), ("code", CODE), ("dir", "in")],
        )
        .await;
    assert!(refused(res).await.contains("NotSignedIn"));
    ok(app
        .call(
            &admin,
            "timebank/verify",
            &[("attendance", &att), ("decision", "approve")],
        )
        .await)
    .await;
    assert_eq!(balance(&app, &c).await, 90);
    assert!(refused(record(&admin, "1").await)
        .await
        .contains("AlreadyDecided"));
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'timebank.attendance.record'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(audited, 1);
    // A shift two days ahead cannot be recorded yet.
    ok(app
        .call(&c, "timebank/take-shift", &[("shift", "demo-shift-1-0")])
        .await)
    .await;
    let later: String = sqlx::query_scalar(
        "SELECT id FROM tb_attendance WHERE volunteer_id = $1 AND shift_id = 'demo-shift-1-0'",
    )
    .bind(&id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let res = app
        .call(
            &admin,
            "timebank/record",
            &[("attendance", later.as_str()), ("hours", "1")],
        )
        .await;
    assert!(refused(res).await.contains("NotHeldYet"));
    ledger_holds(&app).await;
}

#[tokio::test]
async fn the_organiser_verifies_a_whole_activitys_attendance_at_once_and_only_its_own() {
    let app = app().await;
    let admin = staff(&app, "volunteer").await;
    let (a, _) = volunteer(&app, &admin, 14).await;
    let (b, _) = volunteer(&app, &admin, 15).await;
    // The visit's morning shift (10:00–11:00) and its afternoon shift (14:00–15:30).
    serve(&app, &a, 60).await;
    const AFTERNOON: &str = "demo-shift-0-1";
    ok(app
        .call(&b, "timebank/take-shift", &[("shift", AFTERNOON)])
        .await)
    .await;
    app.advance(Duration::hours(3));
    let sign = |dir: &'static str| {
        let (app, b) = (&app, &b);
        async move {
            ok(app
                .call(
                    b,
                    "timebank/sign",
                    &[("shift", AFTERNOON), ("code", "2469"), ("dir", dir)],
                )
                .await)
            .await
        }
    };
    sign("in").await;
    app.advance(Duration::minutes(90));
    sign("out").await;
    let admin = staff(&app, "volunteer").await;
    let desk = json(app.call(&admin, "timebank/org", &[]).await).await;
    let activities = desk["activities"].as_array().unwrap();
    assert_eq!(activities.len(), 1, "{desk}");
    assert_eq!(activities[0]["id"], "demo-activity-0");
    assert_eq!(activities[0]["waiting"], 2);
    // Another organisation's admin verifies nothing of it.
    let other = staff(&app, "volunteer2").await;
    let form = [("activity", "demo-activity-0")];
    assert_eq!(
        json(app.call(&other, "timebank/verify-activity", &form).await).await,
        0
    );
    assert_eq!(balance(&app, &a).await, 0);
    // Its own admin verifies both shifts at once; again, nothing more is banked.
    assert_eq!(
        json(app.call(&admin, "timebank/verify-activity", &form).await).await,
        2
    );
    assert_eq!(
        json(app.call(&admin, "timebank/verify-activity", &form).await).await,
        0
    );
    assert_eq!(balance(&app, &a).await, 60);
    assert_eq!(balance(&app, &b).await, 90);
    let desk = json(app.call(&admin, "timebank/org", &[]).await).await;
    assert!(desk["activities"].as_array().unwrap().is_empty());
    ledger_holds(&app).await;
    for bad in ["", "x' OR '1'='1", &"9".repeat(500)] {
        let res = app
            .call(&admin, "timebank/verify-activity", &[("activity", bad)])
            .await;
        assert!(res.status().as_u16() < 500, "{bad}: {}", res.status());
    }
}
