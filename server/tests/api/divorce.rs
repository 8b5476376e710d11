//! Divorce cases after receipt, over HTTP with an injected clock: withdrawal by either party
//! during the cooling-off period only, the deemed withdrawal at the exact end instant (one
//! second before: still open), the reminders sent once, one open case per person, privacy.

use crate::{
    helpers::{due_of, error_json, new_client, serve, start_of, test_state_on, TestApp},
    helpers::{marriage_app, resident},
};
use app::rules::calendar::{WorkCalendar, SHIPPED_YEARS};
use chrono::{DateTime, Duration, Utc};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use server::registry::Registry;

pub(crate) use crate::helpers::json;

/// The clerk records receipt of the joint application of residents `a` and `b` on 2026-09-01;
/// returns both clients and the case id.
async fn received_case(app: &TestApp, a: u32, b: u32) -> (Client, Client, Value) {
    let (ca, ida) = resident(app, a).await;
    let (cb, idb) = resident(app, b).await;
    let clerk = new_client();
    app.staff_sign_in(&clerk, "clerk").await;
    let case = json(
        app.call(
            &clerk,
            "divorce/receive",
            &[
                ("party_a_id_number", &ida),
                ("party_b_id_number", &idb),
                ("received_on", "2026-09-01"),
            ],
        )
        .await,
    )
    .await;
    (ca, cb, case)
}

/// Resident `n` signs in again (weeks later their session has expired, as on a real phone).
pub(crate) async fn again(app: &TestApp, n: u32) -> Client {
    let c = new_client();
    app.sign_in(&c, &format!("1370{n:07}")).await;
    c
}

fn instant(v: &Value) -> DateTime<Utc> {
    DateTime::from_timestamp(v.as_i64().unwrap(), 0).unwrap()
}

/// An app whose clock starts on the receipt day, 2026-09-01 10:00 in Shanghai.
async fn divorce_app() -> TestApp {
    let app = marriage_app().await;
    on_receipt_day(&app);
    app
}

fn on_receipt_day(app: &TestApp) {
    app.clock.set(
        DateTime::parse_from_rfc3339("2026-09-01T02:00:00Z")
            .unwrap()
            .to_utc(),
    );
}

/// A server started on the same database with `calendar` (a restart).
fn restarted_with(app: &TestApp, calendar: WorkCalendar) -> Registry {
    app.second_server(Some(calendar))
}

pub(crate) async fn topics(app: &TestApp, c: &Client) -> Vec<String> {
    json(app.call(c, "account/messages", &[]).await)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["topic"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_receipt_sets_both_edges_by_the_calendar_and_either_party_may_withdraw() {
    let app = divorce_app().await;
    let (a, b, case) = received_case(&app, 1, 2).await;
    // Day 30 is National Day: moved to Thursday 8 October, ending at the office's 17:00.
    assert_eq!(
        instant(&case["cooling_ends_at"]).to_rfc3339(),
        "2026-10-08T09:00:00+00:00"
    );
    assert_eq!(
        instant(&case["window_ends_at"]).to_rfc3339(),
        "2026-11-09T09:00:00+00:00"
    );
    assert_eq!(case["window_first_day"], "2026-10-09");
    let id = case["id"].as_str().unwrap().to_owned();
    for c in [&a, &b] {
        let mine = json(app.call(c, "divorce/mine", &[]).await).await;
        assert_eq!(mine[0]["id"], id.as_str());
        // The notice says nothing a lock screen should not show.
        assert!(topics(&app, c).await.contains(&"divorce_update".to_owned()));
    }
    // Without the tick: refused by its field.
    let res = app.call(&b, "divorce/withdraw", &[("case_id", &id)]).await;
    assert_eq!(
        error_json(res).await["Invalid"]["field"],
        "confirm_withdraw"
    );
    // Either party: here the second.
    let res = app
        .call(
            &b,
            "divorce/withdraw",
            &[("case_id", &id), ("confirm_withdraw", "on")],
        )
        .await;
    let v = json(res).await;
    assert_eq!(v["status"], "Withdrawn");
    assert_eq!(v["withdrawn_by_me"], true);
    // Once only, and the other party is told.
    let res = app
        .call(
            &a,
            "divorce/withdraw",
            &[("case_id", &id), ("confirm_withdraw", "on")],
        )
        .await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["divorce"],
        "WithdrawalClosed"
    );
    let updates = topics(&app, &a)
        .await
        .iter()
        .filter(|t| *t == "divorce_update")
        .count();
    assert_eq!(updates, 2, "the receipt and the other party's withdrawal");
    // Nobody else can touch it.
    let (stranger, _) = resident(&app, 3).await;
    let res = app
        .call(
            &stranger,
            "divorce/withdraw",
            &[("case_id", &id), ("confirm_withdraw", "on")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let mine = json(app.call(&stranger, "divorce/mine", &[]).await).await;
    assert_eq!(mine, serde_json::json!([]));
}

#[tokio::test]
async fn withdrawal_closes_when_the_cooling_off_period_ends() {
    let app = divorce_app().await;
    let (_a, _b, case) = received_case(&app, 4, 5).await;
    let id = case["id"].as_str().unwrap().to_owned();
    let end = instant(&case["cooling_ends_at"]);
    app.clock.set(end - Duration::seconds(1));
    let a = again(&app, 4).await;
    app.clock.set(end);
    let res = app
        .call(
            &a,
            "divorce/withdraw",
            &[("case_id", &id), ("confirm_withdraw", "on")],
        )
        .await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["divorce"],
        "WithdrawalClosed"
    );
}

#[tokio::test]
async fn the_case_is_deemed_withdrawn_at_the_window_end_instant_and_not_a_second_before() {
    let app = divorce_app().await;
    let (_, _, case) = received_case(&app, 6, 7).await;
    let end = instant(&case["window_ends_at"]);
    app.clock.set(end - Duration::seconds(1));
    let (a, b) = (again(&app, 6).await, again(&app, 7).await);
    assert_eq!(app.due("divorce").await.get("deemed_withdrawn"), 0);
    let mine = json(app.call(&a, "divorce/mine", &[]).await).await;
    assert_eq!(mine[0]["status"], "Open");
    app.clock.set(end);
    let (r1, r2) = tokio::join!(app.due("divorce"), app.due("divorce"));
    assert_eq!(
        r1.get("deemed_withdrawn") + r2.get("deemed_withdrawn"),
        1,
        "once"
    );
    for c in [&a, &b] {
        let mine = json(app.call(c, "divorce/mine", &[]).await).await;
        assert_eq!(mine[0]["status"], "DeemedWithdrawn");
    }
    // Closed cases free both people for a new application.
    let (_, ida) = (0, crate::helpers::id_number("33020319900101006"));
    let (_, idb) = (0, crate::helpers::id_number("33020319900101007"));
    let clerk = new_client();
    app.staff_sign_in(&clerk, "clerk").await;
    let res = app
        .call(
            &clerk,
            "divorce/receive",
            &[("party_a_id_number", &ida), ("party_b_id_number", &idb)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn each_reminder_goes_out_once_also_across_a_restart() {
    let app = divorce_app().await;
    let (_a, _b, case) = received_case(&app, 8, 9).await;
    let cooling_end = instant(&case["cooling_ends_at"]);
    let window_end = instant(&case["window_ends_at"]);
    let restarted = restarted_with(&app, WorkCalendar::china());
    for (at, expected) in [
        (cooling_end - Duration::days(3) - Duration::seconds(1), 0),
        (cooling_end - Duration::days(3), 1),
        (cooling_end, 1),
        (window_end - Duration::days(3), 1),
    ] {
        app.clock.set(at);
        let sent = app.due("divorce").await.get("reminders");
        assert_eq!(sent, expected, "at {at}");
        assert_eq!(
            due_of(&restarted, "divorce").await.get("reminders"),
            0,
            "at {at}: nothing twice"
        );
    }
    let a = again(&app, 8).await;
    let n = topics(&app, &a)
        .await
        .iter()
        .filter(|t| *t == "divorce_update")
        .count();
    assert_eq!(n, 4, "the receipt and three reminders");
    // The same four reached the phone, each the neutral text only.
    let texts: Vec<String> = app
        .sms
        .notices_to("13700000008")
        .into_iter()
        .filter(|t| t.contains("新进展"))
        .collect();
    assert_eq!(texts.len(), 4, "{texts:?}");
}

#[tokio::test]
async fn one_open_case_per_person_and_only_clerks_receive() {
    let app = divorce_app().await;
    let (_a, _b, _case) = received_case(&app, 10, 11).await;
    let (_c, idc) = resident(&app, 12).await;
    let ida = crate::helpers::id_number("33020319900101010");
    let clerk = new_client();
    app.staff_sign_in(&clerk, "clerk").await;
    let res = app
        .call(
            &clerk,
            "divorce/receive",
            &[("party_a_id_number", &ida), ("party_b_id_number", &idc)],
        )
        .await;
    let e = error_json(res).await;
    assert_eq!(e["Invalid"]["code"]["divorce"], "PartyHasOpenCase");
    assert_eq!(e["Invalid"]["field"], "party_a_id_number");
    // Someone without a verified account, the same person twice, a future date.
    let unknown = crate::helpers::id_number("33020319800101001");
    for (a, b, date, code) in [
        (
            unknown.as_str(),
            idc.as_str(),
            "",
            serde_json::json!({"divorce": "PartyUnknown"}),
        ),
        (
            idc.as_str(),
            idc.as_str(),
            "",
            serde_json::json!({"divorce": "SameParty"}),
        ),
        (
            idc.as_str(),
            unknown.as_str(),
            "2026-12-01",
            serde_json::json!("DateInvalid"),
        ),
    ] {
        let res = app
            .call(
                &clerk,
                "divorce/receive",
                &[
                    ("party_a_id_number", a),
                    ("party_b_id_number", b),
                    ("received_on", date),
                ],
            )
            .await;
        assert_eq!(error_json(res).await["Invalid"]["code"], code);
    }
    let auditor = new_client();
    app.staff_sign_in(&auditor, "auditor").await;
    let res = app
        .call(
            &auditor,
            "divorce/receive",
            &[("party_a_id_number", &idc), ("party_b_id_number", &ida)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'divorce.receive'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn hostile_values_in_the_divorce_forms_never_cause_a_server_error() {
    let app = divorce_app().await;
    let (resident_client, _) = resident(&app, 20).await;
    let clerk = new_client();
    app.staff_sign_in(&clerk, "clerk").await;
    let nasty = [
        "",
        " ",
        "'; DROP TABLE divorce_cases; --",
        "\u{0}",
        "2026-02-30",
        "-1",
        "𠀀𠀀",
    ];
    for v in nasty {
        let form = [
            ("party_a_id_number", v),
            ("party_b_id_number", v),
            ("received_on", v),
        ];
        let res = app.call(&clerk, "divorce/receive", &form).await;
        assert!(
            res.status().as_u16() < 500,
            "receive {v:?}: {}",
            res.status()
        );
        let form = [("case_id", v), ("confirm_withdraw", v)];
        let res = app.call(&resident_client, "divorce/withdraw", &form).await;
        assert!(
            res.status().as_u16() < 500,
            "withdraw {v:?}: {}",
            res.status()
        );
        for purpose in [
            v,
            "divorce_application",
            "divorce_certificate",
            "counselling",
            "marriage",
        ] {
            let form = [
                ("purpose", purpose),
                ("case_id", v),
                ("slot_id", v),
                ("partner_name", v),
                ("partner_id_number", v),
                ("partner_phone", v),
                ("idempotency_key", v),
            ];
            let res = app.call(&resident_client, "divorce/book", &form).await;
            assert!(
                res.status().as_u16() < 500,
                "book {purpose} {v:?}: {}",
                res.status()
            );
            let form = [("purpose", purpose), ("case_id", v), ("office_id", v)];
            let res = app.call(&resident_client, "divorce/picker", &form).await;
            assert!(
                res.status().as_u16() < 500,
                "picker {purpose} {v:?}: {}",
                res.status()
            );
        }
        for (endpoint, form) in [
            ("appointments/day_list", vec![("day", v), ("counter", v)]),
            ("appointments/check_in", vec![("code", v), ("counter", v)]),
            (
                "appointments/outcome",
                vec![
                    ("booking_id", v),
                    ("outcome", v),
                    ("day", v),
                    ("counter", v),
                ],
            ),
        ] {
            let res = app.call(&clerk, endpoint, &form).await;
            assert!(
                res.status().as_u16() < 500,
                "{endpoint} {v:?}: {}",
                res.status()
            );
        }
    }
    // Nothing was booked or opened by any of it.
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM appointments")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
}

/// Dates counted before a year's holiday notice was loaded say so; the server that starts
/// with the notice moves them later (once, also with two servers starting together), tells
/// both parties, and the reminders and the deemed withdrawal follow the new ends.
#[tokio::test]
async fn a_calendar_update_moves_open_deadlines_later_once_and_tells_both() {
    let without_2026 = WorkCalendar::from_years(&SHIPPED_YEARS[..2]).unwrap();
    let app = serve(
        test_state_on(without_2026, |c| {
            c.otp_per_address_per_hour = 100_000;
            c.verify_per_address_per_hour = 100_000;
        })
        .await,
    )
    .await;
    on_receipt_day(&app);
    let (a, b, case) = received_case(&app, 31, 32).await;
    // National Day unknown: day 30 is an ordinary Thursday.
    assert_eq!(
        instant(&case["cooling_ends_at"]).to_rfc3339(),
        "2026-10-01T09:00:00+00:00"
    );
    let mine = json(app.call(&a, "divorce/mine", &[]).await).await;
    assert_eq!(mine[0]["unsure_years"], serde_json::json!([2026]));
    let told_window = instant(&mine[0]["window_ends_at"]);

    let (one, two) = (
        restarted_with(&app, WorkCalendar::china()),
        restarted_with(&app, WorkCalendar::china()),
    );
    let (m1, m2) = tokio::join!(
        start_of(&one, "divorce deadlines"),
        start_of(&two, "divorce deadlines")
    );
    assert_eq!(m1.get("moved") + m2.get("moved"), 1, "the case moves once");
    assert_eq!(
        start_of(&one, "divorce deadlines").await.get("moved"),
        0,
        "and only once"
    );

    for c in [&a, &b] {
        let mine = json(app.call(c, "divorce/mine", &[]).await).await;
        assert_eq!(
            instant(&mine[0]["cooling_ends_at"]).to_rfc3339(),
            "2026-10-08T09:00:00+00:00"
        );
        assert_eq!(
            instant(&mine[0]["window_ends_at"]).to_rfc3339(),
            "2026-11-09T09:00:00+00:00"
        );
        // This server still counts without the notice: its explanation says the told end stands.
        let steps = mine[0]["cooling_steps"].as_array().unwrap();
        assert!(steps.last().unwrap().get("Kept").is_some(), "{steps:?}");
        let updates = topics(&app, c)
            .await
            .iter()
            .filter(|t| *t == "divorce_update")
            .count();
        assert_eq!(updates, 2, "the receipt and the moved dates");
    }
    // The first reminder follows the new end; the old window end no longer lapses the case.
    app.clock.set(
        DateTime::parse_from_rfc3339("2026-10-02T09:00:00Z")
            .unwrap()
            .to_utc(),
    );
    assert_eq!(
        due_of(&one, "divorce").await.get("reminders"),
        0,
        "3 days before 1 October is no longer a reminder"
    );
    app.clock.set(
        DateTime::parse_from_rfc3339("2026-10-05T09:00:00Z")
            .unwrap()
            .to_utc(),
    );
    assert_eq!(
        due_of(&one, "divorce").await.get("reminders"),
        1,
        "3 days before 8 October"
    );
    app.clock.set(told_window);
    let swept = due_of(&one, "divorce").await;
    assert_eq!(swept.get("deemed_withdrawn"), 0);
    // A server with less calendar never moves an end earlier than the parties were told.
    let less = restarted_with(&app, WorkCalendar::from_years(&SHIPPED_YEARS[..2]).unwrap());
    assert_eq!(start_of(&less, "divorce deadlines").await.get("moved"), 0);
}
