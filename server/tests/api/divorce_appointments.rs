//! Divorce appointments over HTTP with an injected clock: both parties book and confirm the
//! application, the clerk's receipt opens the case; a certificate booking outside the window is
//! refused and one inside it ends in the certificate; counselling only during the cooling-off
//! period; a withdrawal cancels the case's appointments and returns their places; both parties
//! racing for the certificate make one appointment; every notice is neutral.

use crate::{
    divorce::{again, json, topics},
    helpers::{add_counter_slot, booked, marriage_app, resident},
    helpers::{error_json, new_client, TestApp},
};
use chrono::DateTime;
use reqwest::Client;
use serde_json::Value;

fn set(app: &TestApp, rfc3339: &str) {
    app.clock
        .set(DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc());
}

async fn clerk(app: &TestApp) -> Client {
    let c = new_client();
    app.staff_sign_in(&c, "clerk").await;
    c
}

async fn book_application(
    app: &TestApp,
    c: &Client,
    slot: &str,
    partner_n: u32,
    partner_id: &str,
    key: &str,
) -> reqwest::Response {
    app.call(
        c,
        "divorce/book",
        &[
            ("purpose", "divorce_application"),
            ("slot_id", slot),
            ("partner_name", "王小明"),
            ("partner_id_number", partner_id),
            ("partner_phone", &format!("1370{partner_n:07}")),
            ("idempotency_key", key),
        ],
    )
    .await
}

async fn book_for_case(
    app: &TestApp,
    c: &Client,
    purpose: &str,
    case_id: &str,
    slot: &str,
    key: &str,
) -> reqwest::Response {
    app.call(
        c,
        "divorce/book",
        &[
            ("purpose", purpose),
            ("case_id", case_id),
            ("slot_id", slot),
            ("idempotency_key", key),
        ],
    )
    .await
}

async fn status_of(app: &TestApp, id: &str) -> String {
    sqlx::query_scalar("SELECT status FROM appointments WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// The clerk records the appointment done ("registered") at the divorce counter.
async fn record_done(app: &TestApp, clerk: &Client, id: &str, day: &str) -> reqwest::Response {
    app.call(
        clerk,
        "appointments/outcome",
        &[
            ("booking_id", id),
            ("outcome", "registered"),
            ("day", day),
            ("counter", "divorce"),
        ],
    )
    .await
}

/// The clerk checks the appointment in by its number and records it done, on its day.
async fn done_at_the_counter(app: &TestApp, reference: &str, id: &str, day: &str) {
    let clerk = clerk(app).await;
    json(
        app.call(
            &clerk,
            "appointments/check_in",
            &[("code", reference), ("counter", "divorce")],
        )
        .await,
    )
    .await;
    let res = record_done(app, &clerk, id, day).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
}

/// Residents 1 and 2 book, confirm and are received on Thursday 2026-09-03; returns the case.
async fn received_by_appointment(app: &TestApp) -> (Client, Client, String, String, Value) {
    set(app, "2026-09-01T02:00:00Z"); // Tuesday 10:00 in Shanghai
    let slot = add_counter_slot(app, "divorce", "2026-09-03", "09:00", 4, 0).await;
    let (a, ida) = resident(app, 1).await;
    let (b, idb) = resident(app, 2).await;
    let booking = json(book_application(app, &a, &slot, 2, &idb, "k-app").await).await;
    assert_eq!(booking["status"], "PendingPartner");
    assert_eq!(booking["purpose"], "divorce_application");
    assert!(booking["reference"].as_str().unwrap().starts_with("YY"));
    let id = booking["id"].as_str().unwrap().to_owned();
    let confirmed = json(
        app.call(&b, "appointments/confirm", &[("booking_id", &id)])
            .await,
    )
    .await;
    assert_eq!(confirmed["status"], "Confirmed");
    set(app, "2026-09-03T01:30:00Z"); // Thursday 09:30
    done_at_the_counter(
        app,
        booking["reference"].as_str().unwrap(),
        &id,
        "2026-09-03",
    )
    .await;
    assert_eq!(status_of(app, &id).await, "registered");
    let cases = json(app.call(&a, "divorce/mine", &[]).await).await;
    let case = cases[0].clone();
    (a, b, ida, idb, case)
}

#[tokio::test]
async fn both_parties_book_the_application_and_the_clerks_receipt_opens_the_case() {
    let app = marriage_app().await;
    let (a, b, _ida, idb, case) = received_by_appointment(&app).await;
    assert_eq!(case["status"], "Open");
    assert_eq!(case["received_on"], "2026-09-03");
    // The explanation travels with the case: it starts from the receipt day.
    assert!(!case["cooling_steps"].as_array().unwrap().is_empty());
    let seen_by_b = json(app.call(&b, "divorce/mine", &[]).await).await;
    assert_eq!(seen_by_b[0]["id"], case["id"]);
    // Both were told only that something changed: no marriage topic, no details.
    for c in [&a, &b] {
        let t = topics(&app, c).await;
        assert!(t.iter().any(|t| t == "divorce_update"), "{t:?}");
        assert!(t.iter().all(|t| !t.starts_with("marriage")), "{t:?}");
    }
    // Every SMS the partner got is the neutral one.
    let texts = app.sms.notices_to("13700000002");
    assert!(!texts.is_empty());
    assert!(
        texts
            .iter()
            .all(|t| !t.contains("离婚") && !t.contains("结婚")),
        "{texts:?}"
    );
    // The receipt is audited with the clerk's name.
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'divorce.receive'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(audited, 1);
    // One open case per couple: neither can book another application now.
    let slot = add_counter_slot(&app, "divorce", "2026-09-08", "09:00", 4, 0).await;
    let res = book_application(&app, &a, &slot, 2, &idb, "k-again").await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["divorce"],
        "PartyHasOpenCase"
    );
    // An application never books a marriage slot.
    let marriage_slot = add_counter_slot(&app, "marriage", "2026-09-08", "10:00", 4, 0).await;
    let (c3, _) = resident(&app, 3).await;
    let (_c4, id4) = resident(&app, 4).await;
    let res = book_application(&app, &c3, &marriage_slot, 4, &id4, "k-wrong-counter").await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["appointments"],
        "SlotUnknown"
    );
}

#[tokio::test]
async fn a_certificate_booking_outside_the_window_is_refused_and_inside_it_ends_in_the_certificate()
{
    let app = marriage_app().await;
    let (_a, _b, ida, idb, case) = received_by_appointment(&app).await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    // Received Thursday 3 September: day 30 is Saturday 3 October, in the National Day
    // holiday, so the cooling-off period ends Thursday 8 October at 17:00.
    let cooling_ends = case["cooling_ends_at"].as_i64().unwrap();
    assert_eq!(
        DateTime::from_timestamp(cooling_ends, 0)
            .unwrap()
            .to_rfc3339(),
        "2026-10-08T09:00:00+00:00"
    );
    let inside_cooling = add_counter_slot(&app, "divorce", "2026-10-08", "09:00", 4, 0).await;
    let in_window = add_counter_slot(&app, "divorce", "2026-10-09", "09:00", 4, 0).await;
    let counselling = add_counter_slot(&app, "counselling", "2026-10-08", "15:00", 2, 0).await;
    let late_counselling = add_counter_slot(&app, "counselling", "2026-10-09", "15:00", 2, 0).await;
    let after = add_counter_slot(&app, "divorce", "2026-11-10", "09:00", 4, 0).await;
    // The office takes bookings 60 days ahead here, so 10 November can be tried from October.
    sqlx::query("UPDATE registry_offices SET window_last_day = 60")
        .execute(app.db.pool())
        .await
        .unwrap();
    set(&app, "2026-10-07T02:00:00Z"); // Wednesday 7 October, in the cooling-off period
    let a = again(&app, 1).await;
    let b = again(&app, 2).await;
    // The cooling-off period is not over on 8 October at 09:00: outside the window.
    let res = book_for_case(
        &app,
        &a,
        "divorce_certificate",
        &case_id,
        &inside_cooling,
        "c1",
    )
    .await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["divorce"],
        "OutsideCertificateWindow"
    );
    assert_eq!(booked(&app, &inside_cooling).await.0, 0);
    // Counselling: inside the period yes (confirmed at once), after it no.
    let res = book_for_case(&app, &b, "counselling", &case_id, &late_counselling, "s1").await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["divorce"],
        "CounsellingClosed"
    );
    let session =
        json(book_for_case(&app, &b, "counselling", &case_id, &counselling, "s2").await).await;
    assert_eq!(session["status"], "Confirmed");
    // A stranger cannot book for the couple's case.
    let (stranger, id_stranger) = resident(&app, 9).await;
    let res = book_for_case(
        &app,
        &stranger,
        "divorce_certificate",
        &case_id,
        &in_window,
        "x",
    )
    .await;
    assert_eq!(res.status(), 404);
    // Inside the window: held, the other party confirms.
    let visit =
        json(book_for_case(&app, &a, "divorce_certificate", &case_id, &in_window, "c2").await)
            .await;
    assert_eq!(visit["status"], "PendingPartner");
    let visit_id = visit["id"].as_str().unwrap().to_owned();
    json(
        app.call(&b, "appointments/confirm", &[("booking_id", &visit_id)])
            .await,
    )
    .await;
    // After the window (it ends on 9 November at 17:00): refused.
    let res = book_for_case(&app, &a, "divorce_certificate", &case_id, &after, "c3").await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["divorce"],
        "OutsideCertificateWindow"
    );
    assert_eq!(booked(&app, &after).await.0, 0);
    // Proxy grants (代办) between the two, either way, and one of A's with someone else.
    let (ra, rb, rs) = (
        resident_id(&app, &ida).await,
        resident_id(&app, &idb).await,
        resident_id(&app, &id_stranger).await,
    );
    for (id, elder, proxy) in [("g-ab", &ra, &rb), ("g-ba", &rb, &ra), ("g-as", &ra, &rs)] {
        sqlx::query(
            "INSERT INTO proxy_grants (id, elder_id, proxy_id, relation, scopes, ends_on, status, created_at, confirmed_at) \
             VALUES ($1, $2, $3, 'other', 'meals,records', '2027-12-31', 'active', 0, 0)",
        )
        .bind(id)
        .bind(elder)
        .bind(proxy)
        .execute(app.db.pool())
        .await
        .unwrap();
    }
    // On 9 October the clerk issues the certificate: the case ends as divorced.
    set(&app, "2026-10-09T01:30:00Z");
    done_at_the_counter(
        &app,
        visit["reference"].as_str().unwrap(),
        &visit_id,
        "2026-10-09",
    )
    .await;
    let cases = json(app.call(&a, "divorce/mine", &[]).await).await;
    assert_eq!(cases[0]["status"], "Divorced");
    // The certificate ended the grants between the two (issue 15 §2), and only those.
    let grants: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT id, status, ended_by FROM proxy_grants ORDER BY id")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    let ended_by = format!("divorce:{case_id}");
    assert_eq!(
        grants,
        vec![
            ("g-ab".into(), "revoked".into(), Some(ended_by.clone())),
            ("g-as".into(), "active".into(), None),
            ("g-ba".into(), "revoked".into(), Some(ended_by)),
        ]
    );
    // Nothing happens twice: the outcome again is refused, the case unchanged.
    let clerk = clerk(&app).await;
    let res = record_done(&app, &clerk, &visit_id, "2026-10-09").await;
    assert_eq!(error_json(res).await["Invalid"]["code"], "StatusChanged");
}

#[tokio::test]
async fn a_withdrawal_cancels_the_cases_appointments_and_returns_their_places() {
    let app = marriage_app().await;
    let (a, b, _ida, _idb, case) = received_by_appointment(&app).await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let counselling = add_counter_slot(&app, "counselling", "2026-09-10", "15:00", 2, 0).await;
    let session =
        json(book_for_case(&app, &a, "counselling", &case_id, &counselling, "s").await).await;
    assert_eq!(booked(&app, &counselling).await.0, 1);
    let res = app
        .call(
            &b,
            "divorce/withdraw",
            &[("case_id", &case_id), ("confirm_withdraw", "on")],
        )
        .await;
    assert!(res.status().is_success());
    assert_eq!(
        status_of(&app, session["id"].as_str().unwrap()).await,
        "cancelled"
    );
    assert_eq!(booked(&app, &counselling).await.0, 0);
    // The withdrawn case books nothing more.
    let res = book_for_case(&app, &a, "counselling", &case_id, &counselling, "s-after").await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["divorce"],
        "CaseClosed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn both_parties_racing_for_the_certificate_make_one_appointment() {
    let app = marriage_app().await;
    let (_a, _b, _ida, _idb, case) = received_by_appointment(&app).await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let slot = add_counter_slot(&app, "divorce", "2026-10-09", "09:00", 10, 0).await;
    set(&app, "2026-10-08T10:00:00Z"); // the window is open (18:00 on 8 October)
    let a = again(&app, 1).await;
    let b = again(&app, 2).await;
    let attempts = (0..10).map(|i| {
        let (app, c, case_id, slot) = (&app, if i % 2 == 0 { &a } else { &b }, &case_id, &slot);
        async move {
            book_for_case(
                app,
                c,
                "divorce_certificate",
                case_id,
                slot,
                &format!("race-{i}"),
            )
            .await
            .status()
            .is_success()
        }
    });
    let ok = futures::future::join_all(attempts)
        .await
        .into_iter()
        .filter(|ok| *ok)
        .count();
    assert_eq!(ok, 1);
    assert_eq!(booked(&app, &slot).await.0, 1);
}

#[tokio::test]
async fn a_receipt_refused_at_the_counter_says_why_on_the_appointments_row() {
    let app = marriage_app().await;
    set(&app, "2026-09-01T02:00:00Z");
    let slot = add_counter_slot(&app, "divorce", "2026-09-03", "09:00", 4, 0).await;
    let (a, ida) = resident(&app, 1).await;
    let (b, idb) = resident(&app, 2).await;
    let booking = json(book_application(&app, &a, &slot, 2, &idb, "k").await).await;
    let id = booking["id"].as_str().unwrap().to_owned();
    json(
        app.call(&b, "appointments/confirm", &[("booking_id", &id)])
            .await,
    )
    .await;
    // Meanwhile party 1 was received in person with someone else.
    let (_c3, id3) = resident(&app, 3).await;
    let clerk = clerk(&app).await;
    json(
        app.call(
            &clerk,
            "divorce/receive",
            &[("party_a_id_number", &ida), ("party_b_id_number", &id3)],
        )
        .await,
    )
    .await;
    set(&app, "2026-09-03T01:30:00Z");
    let clerk = self::clerk(&app).await;
    let reference = booking["reference"].as_str().unwrap();
    json(
        app.call(
            &clerk,
            "appointments/check_in",
            &[("code", reference), ("counter", "divorce")],
        )
        .await,
    )
    .await;
    let res = record_done(&app, &clerk, &id, "2026-09-03").await;
    let e = error_json(res).await;
    assert_eq!(e["Invalid"]["field"], "booking");
    assert_eq!(e["Invalid"]["code"]["divorce"], "PartyHasOpenCase");
    // Nothing changed: still checked in, and party 2 is in no case.
    assert_eq!(status_of(&app, &id).await, "checked_in");
    let cases = json(app.call(&b, "divorce/mine", &[]).await).await;
    assert_eq!(cases.as_array().unwrap().len(), 0);
}

async fn resident_id(app: &TestApp, id_number: &str) -> String {
    sqlx::query_scalar("SELECT id FROM residents WHERE id_number = $1")
        .bind(id_number)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}
