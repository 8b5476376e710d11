//! Two servers on one PostgreSQL database, as a city runs them behind a load balancer: each
//! has its own router, state, pool, port and SMS gateway; sessions and due work live in the
//! database. PostgreSQL only (on SQLite the tests return at once with a note): SQLite's one
//! write lock serialises what PostgreSQL's READ COMMITTED transactions run side by side.

use crate::{
    engine,
    helpers::{add_slot, book, booked, partner, resident},
    helpers::{spawn_app_with, TestApp},
};
use app::{appointments::model::reminder_due_at, rules::clock::Clock};
use chrono::NaiveDate;
use futures::{stream, StreamExt};
use reqwest::StatusCode;
use server::config::Config;

const PARTNER_PHONE: &str = "13900001111";

/// Both instances: sign-in limits out of the way (every test client comes from 127.0.0.1)
/// and one OTP secret, as instances sharing a database must have.
fn shared(c: &mut Config) {
    c.otp_per_address_per_hour = 100_000;
    c.verify_per_address_per_hour = 100_000;
    c.otp_secret = Some(server::config::Secret::new("two-instances-shared-secret"));
}

fn skipped(test: &str) -> bool {
    if engine::is_postgres() {
        return false;
    }
    eprintln!(
        "{test}: PostgreSQL only, skipped (set {} or run scripts/pg.sh test)",
        engine::POSTGRES_VAR
    );
    true
}

async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_hundred_bookings_on_two_instances_hold_ten_places_and_each_reminder_goes_out_once() {
    if skipped("two_instances") {
        return;
    }
    let a = spawn_app_with(shared).await;
    let b = a.second_instance_with(shared).await;
    let apps = [&a, &b];
    let day = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let slot = add_slot(&a, "2026-11-25", "09:00", 10, 0).await;

    // 400 residents sign in, half on each instance, a few at a time.
    let t = std::time::Instant::now();
    let people: Vec<_> = stream::iter(0..400u32)
        .map(|n| async move { (n, resident(apps[(n % 2) as usize], n).await.0) })
        .buffered(16)
        .collect()
        .await;
    eprintln!(
        "two_instances: 400 residents signed in in {:?}",
        t.elapsed()
    );

    // Everyone books at once, each through the OTHER instance than the one they signed in on
    // (the session lives in the database; cookies do not tell ports apart).
    let t = std::time::Instant::now();
    let attempts = people.iter().map(|(n, c)| {
        let app = apps[((n + 1) % 2) as usize];
        let slot = &slot;
        async move {
            let res = book(app, c, slot, &partner(*n), &format!("key-{n}")).await;
            let status = res.status();
            (*n, status, res.text().await.unwrap())
        }
    });
    let results = futures::future::join_all(attempts).await;
    eprintln!("two_instances: 400 booking attempts in {:?}", t.elapsed());
    let held: Vec<u32> = results
        .iter()
        .filter(|(_, s, _)| *s == StatusCode::OK)
        .map(|(n, _, _)| *n)
        .collect();
    let full = results
        .iter()
        .filter(|(_, s, body)| *s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("SlotFull"))
        .count();
    assert_eq!(
        (held.len(), full),
        (10, 390),
        "ten holds, everyone else told the slot is full; another answer: {:?}",
        results.iter().find(|(_, s, b)| !(*s == StatusCode::OK
            || *s == StatusCode::UNPROCESSABLE_ENTITY && b.contains("SlotFull")))
    );
    assert_eq!(booked(&a, &slot).await, (10, 0));
    let active = count(
        &b,
        "SELECT COUNT(*) FROM appointments WHERE slot_id = $1 AND status IN ('pending_partner', 'confirmed', 'checked_in')",
        &slot,
    )
    .await;
    assert_eq!(active, 10, "ten active appointments");
    let parties = count(
        &a,
        "SELECT COUNT(*) FROM appointment_parties p JOIN appointments b ON b.id = p.booking_id WHERE b.slot_id = $1",
        &slot,
    )
    .await;
    assert_eq!(parties, 20, "both parties of each hold claimed once");

    // The partners confirm. The helper's partners share one phone number, which can hold only
    // one account, so their confirmations are written directly, as the desk's confirm does.
    sqlx::query(
        "UPDATE appointments SET status = 'confirmed', confirmed_at = $1, remind_at = $2, updated_at = $1 \
         WHERE slot_id = $3 AND status = 'pending_partner'",
    )
    .bind(a.clock.now().timestamp())
    .bind(reminder_due_at(day).timestamp())
    .bind(&slot)
    .execute(a.db.pool())
    .await
    .unwrap();

    // The eve: both instances sweep at the same time, twice each.
    a.clock.set(reminder_due_at(day));
    let sweeps = [&a, &b, &a, &b].map(|app| {
        let registry = app.registry.clone();
        tokio::spawn(async move {
            crate::helpers::due_of(&registry, "appointments")
                .await
                .get("reminded")
        })
    });
    let mut reminded = vec![];
    for s in sweeps {
        reminded.push(s.await.unwrap());
    }
    assert_eq!(
        reminded.iter().sum::<u32>(),
        10,
        "ten reminders in all: {reminded:?}"
    );
    // And again later: nothing more.
    for app in apps {
        assert_eq!(app.due("appointments").await.get("reminded"), 0);
    }

    let texts = |app: &TestApp, phone: &str| {
        app.sms
            .notices_to(phone)
            .iter()
            .filter(|t| t.contains("提醒"))
            .count()
    };
    for n in &held {
        let phone = format!("1370{n:07}");
        assert_eq!(
            texts(&a, &phone) + texts(&b, &phone),
            1,
            "applicant {n}: one reminder SMS from the two instances together"
        );
    }
    assert_eq!(
        texts(&a, PARTNER_PHONE) + texts(&b, PARTNER_PHONE),
        10,
        "the partners' number: one reminder per booking"
    );
    let messages = count(
        &a,
        "SELECT COUNT(*) FROM messages m JOIN appointments b ON b.applicant_id = m.resident_id \
         WHERE b.slot_id = $1 AND m.topic = 'marriage_reminder'",
        &slot,
    )
    .await;
    assert_eq!(messages, 10, "one reminder message per applicant");
    let marked = count(
        &b,
        "SELECT COUNT(*) FROM appointments WHERE slot_id = $1 AND reminded_at IS NOT NULL",
        &slot,
    )
    .await;
    assert_eq!(marked, 10);
}

#[tokio::test]
async fn a_session_from_one_instance_is_good_on_the_other() {
    if skipped("two_instances") {
        return;
    }
    let a = spawn_app_with(shared).await;
    let b = a.second_instance_with(shared).await;
    let (c, _) = resident(&a, 7).await;
    let res = b.call(&c, "account/messages", &[]).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    // A code asked for on one instance is checked on the other (one OTP secret).
    let c2 = crate::helpers::new_client();
    let code = a.request_code(&c2, "13700000999").await;
    let res = b
        .call(
            &c2,
            "account/verify_code",
            &[("code", &code), ("next", "/")],
        )
        .await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "verify on the other instance: {}",
        res.status()
    );
    let res = a.call(&c2, "account/messages", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_closure_racing_bookings_never_leaves_a_booking_on_a_closed_day() {
    if skipped("two_instances") {
        return;
    }
    let a = spawn_app_with(shared).await;
    let b = a.second_instance_with(shared).await;
    let apps = [&a, &b];
    let clerk = crate::helpers::new_client();
    a.staff_sign_in(&clerk, "clerk").await;
    let days = [
        "2026-11-24",
        "2026-11-25",
        "2026-11-26",
        "2026-11-27",
        "2026-11-30",
        "2026-12-01",
        "2026-12-02",
        "2026-12-03",
    ];
    const PER_DAY: usize = 30;
    let people: Vec<_> = stream::iter(0..(days.len() * PER_DAY) as u32)
        .map(|n| async move { (n, resident(apps[(n % 2) as usize], n).await.0) })
        .buffered(16)
        .collect()
        .await;
    let mut rounds = vec![];
    for (r, day) in days.iter().enumerate() {
        let mut slots = vec![];
        for k in 0..6 {
            slots.push(add_slot(&a, day, &format!("{:02}:00", 8 + k), 5, 0).await);
        }
        // Thirty residents book the day through both instances while the clerk closes it
        // through one: from 5 ms before the bookings start to 30 ms after, by round.
        let offset = 5 * r as i64 - 5;
        let ms = |d: i64| std::time::Duration::from_millis(d.max(0) as u64);
        let bookings = people[r * PER_DAY..(r + 1) * PER_DAY]
            .iter()
            .enumerate()
            .map(|(i, (n, c))| {
                let app = apps[((n + 1) % 2) as usize];
                let slot = &slots[i % slots.len()];
                async move {
                    tokio::time::sleep(ms(-offset)).await;
                    let res = book(app, c, slot, &partner(*n), &format!("c{n}")).await;
                    res.status()
                }
            });
        let closure = async {
            tokio::time::sleep(ms(offset)).await;
            let res = a
                .call(
                    &clerk,
                    "marriage/closure",
                    &[("day", day), ("reason", "培训")],
                )
                .await;
            res.status()
        };
        let (statuses, closed) = tokio::join!(futures::future::join_all(bookings), closure);
        assert!(
            statuses.iter().all(|s| s.as_u16() < 500) && closed.as_u16() < 500,
            "{day}: a server error: {statuses:?} / closure {closed}"
        );
        let active = count(
            &a,
            "SELECT COUNT(*) FROM appointments b JOIN slots s ON s.id = b.slot_id \
             WHERE s.day = $1 AND b.status IN ('pending_partner', 'confirmed', 'checked_in')",
            day,
        )
        .await;
        let held = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        rounds.push((*day, closed == StatusCode::OK, held, active));
    }
    eprintln!("two_instances: (day, closed, held, active) {rounds:?}");
    let broken: Vec<_> = rounds
        .iter()
        .filter(|(_, closed, _, active)| *closed && *active > 0)
        .collect();
    assert!(
        broken.is_empty(),
        "days closed with active bookings on them (write skew): {broken:?} of {rounds:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_code_requests_for_one_number_on_two_instances_send_one_code() {
    if skipped("two_instances") {
        return;
    }
    let a = spawn_app_with(shared).await;
    let b = a.second_instance_with(shared).await;
    let apps = [&a, &b];
    let phone = "13700000555";
    let tries = (0..10).map(|i| async move {
        let c = crate::helpers::new_client();
        apps[i % 2]
            .call(
                &c,
                "account/request_code",
                &[("phone", phone), ("next", "/")],
            )
            .await
            .status()
    });
    let statuses = futures::future::join_all(tries).await;
    let codes = count(
        &a,
        "SELECT COUNT(*) FROM otp_challenges WHERE phone = $1",
        phone,
    )
    .await;
    assert_eq!(
        codes, 1,
        "one code within the resend delay, however many ask at once: {statuses:?}"
    );
}
