//! Marriage appointments over HTTP: capacity under contention, idempotency, places returned
//! exactly once, and refusals by field.

use crate::helpers::{
    add_slot, book, booked, error_json, id_number, marriage_app, new_client, partner, resident,
    OFFICE,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

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
        .fetch_one(app.db.pool())
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
        json!({"field": "slot", "code": {"appointments": "ApplicantHasBooking"}})
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
        app.call(&a, "appointments/cancel", &cancel_form),
        app.call(&a, "appointments/cancel", &cancel_form),
        book(&app, &b, &slot, &p2, "b1"),
    );
    // Both taps are answered with the outcome (cancelled); the place returned once (below).
    let cancels = [c1.status(), c2.status()];
    assert!(
        cancels.iter().all(|s| s.is_success()),
        "a repeated cancel answers with its outcome: {cancels:?}"
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
            json!({"field": "partner_id_number", "code": {"marriage": "PartnerIsApplicant"}}),
            "the partner is the applicant",
        ),
        (
            &open,
            under_age,
            json!({"field": "partner_id_number", "code": {"marriage": {"UnderMarriageAge": {"party": "Partner", "min": 20}}}}),
            "an under-age partner",
        ),
        (
            &saturday,
            partner(3),
            json!({"field": "slot", "code": {"appointments": "DayClosed"}}),
            "a Saturday",
        ),
        (
            &too_far,
            partner(3),
            json!({"field": "slot", "code": {"appointments": "OutsideWindow"}}),
            "day 31",
        ),
        (
            &today,
            partner(3),
            json!({"field": "slot", "code": {"appointments": "OutsideWindow"}}),
            "today",
        ),
        (
            &full,
            partner(3),
            json!({"field": "slot", "code": {"appointments": "SlotFull"}}),
            "a full slot",
        ),
        (
            &"no-such-slot".to_owned(),
            partner(3),
            json!({"field": "slot", "code": {"appointments": "SlotUnknown"}}),
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
