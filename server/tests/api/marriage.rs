//! Marriage appointments over HTTP: capacity under contention, idempotency, places returned
//! exactly once, and refusals by field.

use crate::helpers::{error_json, id_number, new_client, spawn_app_with, TestApp};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

pub(crate) const OFFICE: &str = "office-haishu";

pub(crate) async fn marriage_app() -> TestApp {
    spawn_app_with(|c| {
        c.otp_per_address_per_hour = 100_000;
        c.verify_per_address_per_hour = 100_000;
    })
    .await
}

/// Publishes a marriage slot directly, as the clerk's tools will.
pub(crate) async fn add_slot(
    app: &TestApp,
    day: &str,
    starts: &str,
    capacity: i64,
    ceremonies: i64,
) -> String {
    add_counter_slot(app, "marriage", day, starts, capacity, ceremonies).await
}

/// Publishes a slot at one of the office's counters (marriage, divorce, counselling).
pub(crate) async fn add_counter_slot(
    app: &TestApp,
    counter: &str,
    day: &str,
    starts: &str,
    capacity: i64,
    ceremonies: i64,
) -> String {
    let id = server::desks::new_id();
    sqlx::query(
        "INSERT INTO slots (id, office_id, counter, day, starts, ends, capacity, booked, ceremony_capacity, ceremony_booked) \
         VALUES ($1, $2, $3, $4, $5, '12:00', $6, 0, $7, 0)",
    )
    .bind(&id)
    .bind(OFFICE)
    .bind(counter)
    .bind(day)
    .bind(starts)
    .bind(capacity)
    .bind(ceremonies)
    .execute(&app.db)
    .await
    .unwrap();
    id
}

pub(crate) async fn booked(app: &TestApp, slot: &str) -> (i64, i64) {
    let row: (i64, i64) = sqlx::query_as("SELECT booked, ceremony_booked FROM slots WHERE id = $1")
        .bind(slot)
        .fetch_one(&app.db)
        .await
        .unwrap();
    row
}

/// A signed-in, real-name-bound resident number `n` (born 1990, a man when `n` is odd).
pub(crate) async fn resident(app: &TestApp, n: u32) -> (Client, String) {
    let c = new_client();
    app.sign_in(&c, &format!("1370{n:07}")).await;
    let id = id_number(&format!("33020319900101{n:03}"));
    let res = app
        .call(
            &c,
            "account/bind_real_name",
            &[("name", "王小明"), ("id_number", &id), ("next", "/")],
        )
        .await;
    assert!(res.status().is_success(), "bind {n}: {}", res.status());
    (c, id)
}

/// A partner's ID number `n` (born 1992), distinct from every resident's.
pub(crate) fn partner(n: u32) -> String {
    id_number(&format!("33020319920202{n:03}"))
}

pub(crate) async fn book(
    app: &TestApp,
    c: &Client,
    slot: &str,
    partner_id: &str,
    key: &str,
) -> reqwest::Response {
    app.call(
        c,
        "marriage/book",
        &[
            ("slot_id", slot),
            ("partner_name", "李小红"),
            ("partner_id_number", partner_id),
            ("partner_phone", "13900001111"),
            ("idempotency_key", key),
        ],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_bookings_for_five_places_hold_exactly_five() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-25", "09:00", 5, 0).await;
    let mut people = vec![];
    for n in 0..200 {
        people.push(resident(&app, n).await);
    }
    let partners: Vec<String> = (0..200).map(partner).collect();
    let attempts = people
        .iter()
        .zip(&partners)
        .enumerate()
        .map(|(i, ((c, _), p))| {
            let app = &app;
            let slot = &slot;
            async move {
                let res = book(app, c, slot, p, &format!("key-{i}")).await;
                let status = res.status();
                (status, res.text().await.unwrap())
            }
        });
    let results = futures::future::join_all(attempts).await;
    let held = results.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    let full = results
        .iter()
        .filter(|(s, body)| *s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("SlotFull"))
        .count();
    assert_eq!(held, 5, "exactly five holds");
    assert_eq!(
        full,
        195,
        "everyone else is told the slot is full: {:?}",
        results
            .iter()
            .find(|(s, _)| *s != StatusCode::OK && *s != StatusCode::UNPROCESSABLE_ENTITY)
    );
    assert_eq!(booked(&app, &slot).await, (5, 0));
    let bookings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM appointments")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(bookings, 5);
}

#[tokio::test]
async fn a_repeated_submission_creates_one_booking() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-25", "09:00", 5, 0).await;
    let (c, _) = resident(&app, 1).await;
    let p = partner(1);
    // A double tap: the same key twice at once, then once more later (a resubmitted form).
    let (a, b) = tokio::join!(
        book(&app, &c, &slot, &p, "tap"),
        book(&app, &c, &slot, &p, "tap")
    );
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    let c_again: Value = book(&app, &c, &slot, &p, "tap").await.json().await.unwrap();
    assert_eq!(a["id"], b["id"]);
    assert_eq!(a["id"], c_again["id"]);
    assert_eq!(a["status"], "PendingPartner");
    assert_eq!(booked(&app, &slot).await, (1, 0));
    // A new key for the same couple is a second booking, which the one-active-booking rule refuses.
    let res = book(&app, &c, &slot, &p, "another").await;
    assert_eq!(
        error_json(res).await["Invalid"],
        json!({"field": "slot", "code": "ApplicantHasBooking"})
    );
    assert_eq!(
        booked(&app, &slot).await,
        (1, 0),
        "the refused booking took no place"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancelled_place_returns_exactly_once_even_when_racing_a_new_booking() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-26", "09:00", 1, 1).await;
    let (a, _) = resident(&app, 1).await;
    let (b, _) = resident(&app, 2).await;
    let res = app
        .call(
            &a,
            "marriage/book",
            &[
                ("slot_id", &slot),
                ("partner_name", "李小红"),
                ("partner_id_number", &partner(1)),
                ("partner_phone", "13900001111"),
                ("ceremony", "on"),
                ("idempotency_key", "a1"),
            ],
        )
        .await;
    let booking: Value = res.json().await.unwrap();
    assert_eq!(booking["ceremony"], true);
    assert_eq!(booked(&app, &slot).await, (1, 1));
    let id = booking["id"].as_str().unwrap();
    // Two cancels (a double tap) race a new booking for the freed place.
    let cancel_form = [("booking_id", id), ("confirm_cancel", "on")];
    let p2 = partner(2);
    let (c1, c2, nb) = tokio::join!(
        app.call(&a, "marriage/cancel", &cancel_form),
        app.call(&a, "marriage/cancel", &cancel_form),
        book(&app, &b, &slot, &p2, "b1"),
    );
    let cancels = [c1.status(), c2.status()];
    assert_eq!(
        cancels.iter().filter(|s| s.is_success()).count(),
        1,
        "one cancel wins: {cancels:?}"
    );
    assert!(
        cancels.contains(&StatusCode::NOT_FOUND),
        "the other finds nothing to cancel: {cancels:?}"
    );
    let (places, ceremonies) = booked(&app, &slot).await;
    match nb.status() {
        StatusCode::OK => assert_eq!(
            (places, ceremonies),
            (1, 0),
            "the new booking took the freed place"
        ),
        _ => assert_eq!(
            (places, ceremonies),
            (0, 0),
            "the booking came first and found the slot full"
        ),
    }
    // Whatever the order, the place can be taken exactly once more at most.
    let again = book(&app, &b, &slot, &p2, "b2").await;
    assert!(
        booked(&app, &slot).await.0 <= 1,
        "never overbooked ({})",
        again.status()
    );
}

#[tokio::test]
async fn bad_bookings_are_refused_by_field_and_take_no_place() {
    let app = marriage_app().await;
    let open = add_slot(&app, "2026-11-25", "09:00", 5, 0).await;
    let saturday = add_slot(&app, "2026-11-28", "09:00", 5, 0).await;
    let too_far = add_slot(&app, "2026-12-24", "09:00", 5, 0).await;
    let today = add_slot(&app, "2026-11-23", "13:30", 5, 0).await;
    let full = add_slot(&app, "2026-11-25", "13:30", 0, 0).await;
    let (c, own) = resident(&app, 1).await;
    let under_age = id_number("33020320061201002"); // a woman, 20 on 2026-12-01
    let cases = [
        (
            &open,
            own.clone(),
            json!({"field": "partner_id_number", "code": "PartnerIsApplicant"}),
            "the partner is the applicant",
        ),
        (
            &open,
            under_age,
            json!({"field": "partner_id_number", "code": {"UnderMarriageAge": {"party": "Partner", "min": 20}}}),
            "an under-age partner",
        ),
        (
            &saturday,
            partner(3),
            json!({"field": "slot", "code": "DayClosed"}),
            "a Saturday",
        ),
        (
            &too_far,
            partner(3),
            json!({"field": "slot", "code": "OutsideWindow"}),
            "day 31",
        ),
        (
            &today,
            partner(3),
            json!({"field": "slot", "code": "OutsideWindow"}),
            "today",
        ),
        (
            &full,
            partner(3),
            json!({"field": "slot", "code": "SlotFull"}),
            "a full slot",
        ),
        (
            &"no-such-slot".to_owned(),
            partner(3),
            json!({"field": "slot", "code": "SlotUnknown"}),
            "an unknown slot",
        ),
    ];
    for (i, (slot, partner_id, expected, why)) in cases.into_iter().enumerate() {
        let res = book(&app, &c, slot, &partner_id, &format!("bad-{i}")).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert_eq!(error_json(res).await["Invalid"], expected, "{why}");
    }
    let res = app
        .call(
            &c,
            "marriage/book",
            &[
                ("slot_id", &open),
                ("partner_name", "李小红"),
                ("partner_id_number", "110105194912310021"),
                ("partner_phone", "13900001111"),
                ("idempotency_key", "x"),
            ],
        )
        .await;
    assert_eq!(
        error_json(res).await["Invalid"],
        json!({"field": "partner_id_number", "code": {"IdNumber": "BadCheckDigit"}})
    );
    assert_eq!(booked(&app, &open).await, (0, 0));

    // Without a real name there is no booking.
    let unbound = new_client();
    app.sign_in(&unbound, "13600009999").await;
    let res = book(&app, &unbound, &open, &partner(4), "nb").await;
    assert_eq!(
        error_json(res).await["Invalid"],
        json!({"field": "slot", "code": "RealNameRequired"})
    );
}

#[tokio::test]
async fn the_slot_list_shows_places_left() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-25", "09:00", 3, 1).await;
    let (c, _) = resident(&app, 1).await;
    book(&app, &c, &slot, &partner(1), "k").await;
    let slots: Value = app
        .call(
            &c,
            "marriage/slots",
            &[
                ("office_id", OFFICE),
                ("from", "2026-11-24"),
                ("to", "2026-11-30"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(slots[0]["left"], 2);
    assert_eq!(slots[0]["ceremony_left"], 1);
}
