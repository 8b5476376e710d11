//! What testing from outside found (the writes issue), each as a test that failed before the
//! fix: concurrent clerk actions answered 500 on SQLite (`database is locked`), clerk pages
//! panicked on extreme dates, staff inputs took impossible dates, and repeats of a command
//! that had taken effect answered misleadingly. Every answer here is typed, never a 5xx.

use crate::{
    helpers::{
        add_slot, book, count, error_json, json, new_client, partner, partner_signs_in, resident,
        TestApp,
    },
    helpers::{marriage_app, OFFICE},
};
use chrono::Duration;
use futures::future::join_all;
use reqwest::{Client, StatusCode};

async fn clerk(app: &TestApp) -> Client {
    let c = new_client();
    app.staff_sign_in(&c, "clerk").await;
    c
}

/// No answer is a server error; returns how many succeeded.
fn successes(statuses: &[StatusCode], what: &str) -> usize {
    assert!(
        statuses.iter().all(|s| !s.is_server_error()),
        "{what}: {statuses:?}"
    );
    statuses.iter().filter(|s| s.is_success()).count()
}

#[tokio::test]
async fn ten_receipts_at_the_same_moment_make_ten_cases_and_twenty_taps_of_one_make_one() {
    let app = marriage_app().await;
    let clerk = clerk(&app).await;
    let mut couples = vec![];
    for n in 0..11 {
        let (_, a) = resident(&app, 300 + 2 * n).await;
        let (_, b) = resident(&app, 301 + 2 * n).await;
        couples.push((a, b));
    }
    let receive = |a: String, b: String| {
        let (app, clerk) = (&app, &clerk);
        async move {
            app.call(
                clerk,
                "divorce/receive",
                &[
                    ("party_a_id_number", &a),
                    ("party_b_id_number", &b),
                    ("received_on", ""),
                ],
            )
            .await
            .status()
        }
    };
    let ten = join_all(
        couples[..10]
            .iter()
            .map(|(a, b)| receive(a.clone(), b.clone())),
    )
    .await;
    assert_eq!(successes(&ten, "ten couples"), 10);
    let (a, b) = couples[10].clone();
    let taps = join_all((0..20).map(|_| receive(a.clone(), b.clone()))).await;
    assert_eq!(successes(&taps, "twenty taps"), 1, "{taps:?}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM divorce_cases").await, 11);
}

#[tokio::test]
async fn twenty_taps_of_one_check_in_check_in_once_and_the_rest_say_when() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-25", "09:00", 2, 0).await;
    let (a, _) = resident(&app, 40).await;
    let res = book(&app, &a, &slot, &partner(40), "k40").await;
    let id = json(res).await["id"].as_str().unwrap().to_owned();
    let p = partner_signs_in(&app, 40, "李小红").await;
    assert!(app
        .call(&p, "appointments/confirm", &[("booking_id", &id)])
        .await
        .status()
        .is_success());
    let reference: String = sqlx::query_scalar("SELECT reference FROM appointments WHERE id = $1")
        .bind(&id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    app.advance(Duration::hours(47)); // Wednesday 09:00
    let clerk = clerk(&app).await;
    let taps = join_all((0..20).map(|_| {
        let (app, clerk, reference) = (&app, &clerk, reference.clone());
        async move {
            app.call(clerk, "appointments/check_in", &[("code", &reference)])
                .await
        }
    }))
    .await;
    let mut ok = 0;
    for res in taps {
        let status = res.status();
        assert!(!status.is_server_error(), "{status}");
        if status.is_success() {
            ok += 1;
        } else {
            let code = error_json(res).await["Invalid"]["code"]["appointments"].clone();
            assert!(code["AlreadyCheckedIn"]["at"].as_i64().is_some(), "{code}");
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'marriage.check_in'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn clerk_pages_and_forms_refuse_days_beyond_the_calendar_without_a_server_error() {
    let app = marriage_app().await;
    let clerk = clerk(&app).await;
    for day in [
        "%2B262142-12-31",
        "-262143-01-01",
        "0000-01-01",
        "9999-99-99",
    ] {
        for page in [
            "/staff/marriage",
            "/staff/divorce",
            "/staff/divorce?counter=counselling",
        ] {
            let sep = if page.contains('?') { '&' } else { '?' };
            let res = clerk
                .get(app.url(&format!("{page}{sep}day={day}")))
                .send()
                .await
                .unwrap();
            assert!(
                !res.status().is_server_error(),
                "{page} {day}: {}",
                res.status()
            );
        }
    }
    for day in ["+262142-12-31", "-262143-01-01"] {
        let res = app
            .call(
                &clerk,
                "appointments/day_list",
                &[("day", day), ("counter", "marriage")],
            )
            .await;
        assert_eq!(error_json(res).await["Invalid"]["field"], "day", "{day}");
        let res = app
            .call(
                &clerk,
                "appointments/closure",
                &[("day", day), ("reason", "x")],
            )
            .await;
        assert_eq!(
            error_json(res).await["Invalid"]["field"],
            "day",
            "closure on {day}"
        );
    }
    // Eight at a time, each answered in time.
    let answers = join_all((0..8).map(|_| {
        let (app, clerk) = (&app, &clerk);
        async move {
            tokio::time::timeout(
                std::time::Duration::from_secs(10),
                clerk
                    .get(app.url("/staff/marriage?day=%2B262142-12-31"))
                    .send(),
            )
            .await
            .expect("answered in time")
            .unwrap()
            .status()
        }
    }))
    .await;
    assert!(answers.iter().all(|s| !s.is_server_error()), "{answers:?}");
}

#[tokio::test]
async fn impossible_receipt_days_and_release_instants_are_field_errors() {
    let app = marriage_app().await;
    let clerk = clerk(&app).await;
    let (_, a) = resident(&app, 50).await;
    let (_, b) = resident(&app, 51).await;
    for day in [
        "-262143-01-01",
        "0001-01-01",
        "1900-01-01",
        "2026-13-01",
        "tomorrow",
    ] {
        let res = app
            .call(
                &clerk,
                "divorce/receive",
                &[
                    ("party_a_id_number", &a),
                    ("party_b_id_number", &b),
                    ("received_on", day),
                ],
            )
            .await;
        assert_eq!(
            error_json(res).await["Invalid"]["field"],
            "received_on",
            "{day}"
        );
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM divorce_cases").await, 0);
    add_slot(&app, "2026-11-30", "09:00", 2, 0).await;
    for at in [
        "+262142-12-31 23:59",
        "0001-01-01 09:00",
        "2026-11-30 25:00",
    ] {
        let res = app
            .call(
                &clerk,
                "appointments/release",
                &[("day", "2026-11-30"), ("release_at", at)],
            )
            .await;
        assert_eq!(
            error_json(res).await["Invalid"]["field"],
            "release_at",
            "{at}"
        );
    }
    let stored = count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM slots WHERE office_id = '{OFFICE}' AND release_at IS NOT NULL"
        ),
    )
    .await;
    assert_eq!(stored, 0, "no release stored");
}

#[tokio::test]
async fn a_second_tap_on_confirm_or_cancel_answers_with_what_already_happened() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-27", "09:00", 2, 0).await;
    let (a, _) = resident(&app, 60).await;
    let id = json(book(&app, &a, &slot, &partner(60), "k60").await).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = partner_signs_in(&app, 60, "李小红").await;
    let confirms = join_all((0..2).map(|_| {
        let (app, p, id) = (&app, &p, id.clone());
        async move {
            app.call(p, "appointments/confirm", &[("booking_id", &id)])
                .await
                .status()
        }
    }))
    .await;
    assert_eq!(
        successes(&confirms, "double tap on confirm"),
        2,
        "{confirms:?}"
    );
    let again = app
        .call(&p, "appointments/confirm", &[("booking_id", &id)])
        .await;
    assert!(
        again.status().is_success(),
        "a later repeat: {}",
        again.status()
    );
    let cancels = join_all((0..2).map(|_| {
        let (app, a, id) = (&app, &a, id.clone());
        async move {
            app.call(
                a,
                "appointments/cancel",
                &[("booking_id", &id), ("confirm_cancel", "on")],
            )
            .await
            .status()
        }
    }))
    .await;
    assert_eq!(
        successes(&cancels, "double tap on cancel"),
        2,
        "{cancels:?}"
    );
    let again = app
        .call(
            &a,
            "appointments/cancel",
            &[("booking_id", &id), ("confirm_cancel", "on")],
        )
        .await;
    assert!(
        again.status().is_success(),
        "a later repeat: {}",
        again.status()
    );
    let booked: i64 = sqlx::query_scalar("SELECT booked FROM slots WHERE id = $1")
        .bind(&slot)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(booked, 0, "the place came back once");
}
