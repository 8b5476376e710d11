//! The two appointment features the shape issue finished: a partner without a smartphone,
//! confirmed by the clerk at the counter after checking the ID card (audited, both told); and
//! peak days, whose places open at the instant the year's table gives, with ceremony places
//! that run out visibly.

use crate::helpers::{
    add_slot, count, error_json, json, marriage_app, new_client, partner, resident, TestApp,
};
use chrono::Duration;
use reqwest::{Client, StatusCode};
use serde_json::Value;

const PARTNER_PHONE: &str = "13900001111";

async fn book_with(
    app: &TestApp,
    c: &Client,
    slot: &str,
    n: u32,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let partner_id = partner(n);
    let key = format!("f{n}-{slot}");
    let mut form = vec![
        ("slot_id", slot),
        ("partner_name", "李小红"),
        ("partner_id_number", partner_id.as_str()),
        ("partner_phone", PARTNER_PHONE),
        ("idempotency_key", key.as_str()),
    ];
    form.extend_from_slice(extra);
    app.call(c, "marriage/book", &form).await
}

/// The slot as the marriage picker shows it to `c`.
async fn picker_slot(app: &TestApp, c: &Client, slot: &str) -> Value {
    let picker = json(app.call(c, "marriage/picker", &[]).await).await;
    picker["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == slot)
        .cloned()
        .expect("the slot is shown")
}

async fn clerk(app: &TestApp) -> Client {
    let c = new_client();
    app.staff_sign_in(&c, "clerk").await;
    c
}

#[tokio::test]
async fn a_partner_without_a_smartphone_is_confirmed_by_the_clerk_after_the_id_card() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-25", "09:00", 2, 0).await;
    let (a, _) = resident(&app, 70).await;
    let b = json(book_with(&app, &a, &slot, 70, &[("partner_at_counter", "on")]).await).await;
    let id = b["id"].as_str().unwrap().to_owned();
    assert_eq!(b["status"], "PendingPartner", "{b}");
    assert!(
        app.sms.notices_to(PARTNER_PHONE).is_empty(),
        "no text to a partner who has no smartphone"
    );
    // The hold lasts until the appointment: a sweep the next morning leaves it.
    app.advance(Duration::hours(20));
    app.due("appointments").await;
    let clerk = clerk(&app).await;
    let confirm = |card: String| {
        let (app, clerk, id) = (&app, &clerk, id.clone());
        async move {
            app.call(
                clerk,
                "appointments/confirm_at_counter",
                &[
                    ("booking_id", &id),
                    ("partner_id_number", &card),
                    ("day", "2026-11-25"),
                ],
            )
            .await
        }
    };
    let res = confirm(partner(71)).await;
    let e = error_json(res).await;
    assert_eq!(e["Invalid"]["field"], "partner_id_number", "{e}");
    assert_eq!(e["Invalid"]["code"]["appointments"], "CardMismatch", "{e}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'marriage.card_mismatch'"
        )
        .await,
        1,
        "a card that does not match is audited"
    );
    let res = confirm(partner(70)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let again = confirm(partner(70)).await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "a double tap answers the outcome"
    );
    let status: String = sqlx::query_scalar("SELECT status FROM appointments WHERE id = $1")
        .bind(&id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(status, "confirmed");
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'marriage.confirm_at_counter'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(audited, 1, "audited once");
    let messages = json(app.call(&a, "account/messages", &[]).await).await;
    assert!(
        messages
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["topic"] == "marriage_confirmed"),
        "the applicant is told: {messages}"
    );
    assert!(
        !app.sms.notices_to(PARTNER_PHONE).is_empty(),
        "the partner is told by text once confirmed"
    );
}

#[tokio::test]
async fn a_ceremony_place_runs_out_visibly_and_the_booking_can_go_without_it() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-26", "09:00", 5, 1).await;
    let (a, _) = resident(&app, 72).await;
    json(book_with(&app, &a, &slot, 72, &[("ceremony", "on")]).await).await;
    let (b, _) = resident(&app, 73).await;
    let res = book_with(&app, &b, &slot, 73, &[("ceremony", "on")]).await;
    let e = error_json(res).await;
    assert_eq!(e["Invalid"]["code"]["appointments"], "CeremonyFull", "{e}");
    let shown = picker_slot(&app, &b, &slot).await;
    assert_eq!(shown["ceremony_left"], 0, "{shown}");
    assert_eq!(shown["left"], 4, "{shown}");
    json(book_with(&app, &b, &slot, 73, &[]).await).await;
}

#[tokio::test]
async fn a_peak_days_places_open_at_the_tables_instant_and_the_page_says_when() {
    let app = marriage_app().await;
    let clerk = clerk(&app).await;
    // 20 May 2027 (a Thursday, a peak day in the 2027 table): its places open on 13 May at 09:00.
    let res = app
        .call(
            &clerk,
            "appointments/publish",
            &[
                ("day", "2027-05-20"),
                ("starts", "09:00"),
                ("ends", "12:00"),
                ("capacity", "3"),
                ("ceremony_capacity", "0"),
                ("counter", "marriage"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let slot: String = sqlx::query_scalar("SELECT id FROM slots WHERE day = '2027-05-20'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let release: i64 = sqlx::query_scalar("SELECT release_at FROM slots WHERE id = $1")
        .bind(&slot)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(release, 1_810_170_000, "2027-05-13 09:00 in Shanghai");
    // The day before the release, a week and a day ahead: the picker says when it opens.
    let release_day = chrono::DateTime::from_timestamp(release, 0).unwrap();
    app.clock.set(release_day - Duration::days(1));
    let (c, _) = resident(&app, 74).await;
    let shown = picker_slot(&app, &c, &slot).await;
    assert_eq!(shown["opens_at"], release, "{shown}");
    let res = book_with(&app, &c, &slot, 74, &[]).await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["appointments"],
        "NotYetReleased"
    );
    app.clock.set(release_day - Duration::seconds(1));
    let res = book_with(&app, &c, &slot, 74, &[]).await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["appointments"],
        "NotYetReleased",
        "not a second early"
    );
    app.clock.set(release_day);
    json(book_with(&app, &c, &slot, 74, &[]).await).await;
}
