//! The rest of a marriage booking over HTTP: the partner's confirmation, lapsed holds,
//! reschedule and cancel with the cut-off, reminders sent once, the voucher and its calendar
//! file, and the clerk's day (check-in, outcomes, places, closures), all audited.

use crate::{
    helpers::{add_slot, book, booked, marriage_app, partner, partner_signs_in, resident, OFFICE},
    helpers::{due_of, error_json, json, new_client, TestApp},
};
use chrono::Duration;
use reqwest::{Client, StatusCode};

const PARTNER_PHONE: &str = "13900001111";

/// Applicant `n` books the slot; returns their client and the booking id.
pub(crate) async fn booked_by(app: &TestApp, n: u32, slot: &str) -> (Client, String) {
    let (a, _) = resident(app, n).await;
    let res = book(app, &a, slot, &partner(n), &format!("k{n}")).await;
    let b = json(res).await;
    (a, b["id"].as_str().unwrap().to_owned())
}

async fn status_of(app: &TestApp, id: &str) -> String {
    sqlx::query_scalar("SELECT status FROM appointments WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn topics_of(app: &TestApp, c: &Client) -> Vec<String> {
    let list = json(app.call(c, "account/messages", &[]).await).await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|m| m["topic"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_partner_confirms_with_the_number_and_the_real_name_the_applicant_entered() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-25", "09:00", 5, 2).await;
    let (a, id) = booked_by(&app, 1, &slot).await;
    assert_eq!(status_of(&app, &id).await, "pending_partner");
    // The partner is told by SMS, with the booking number and no personal data.
    let sms = app.sms.notices_to(PARTNER_PHONE);
    assert_eq!(sms.len(), 1);
    assert!(sms[0].contains("JH20261125") && !sms[0].contains(&partner(1)));

    // Before confirming, no QR code: nothing to check in yet.
    let v = json(
        app.call(&a, "appointments/voucher", &[("booking_id", &id)])
            .await,
    )
    .await;
    assert_eq!(v["qr_svg"], "");

    let p = partner_signs_in(&app, 1, "李小红").await;
    let mine = json(
        app.call(&p, "appointments/mine", &[("service", "marriage")])
            .await,
    )
    .await;
    assert_eq!(
        mine[0]["id"],
        id.as_str(),
        "the invitation is in the partner's list"
    );
    assert_eq!(mine[0]["role"], "Partner");
    assert_eq!(mine[0]["applicant_name"], "王小明");

    let res = app
        .call(&p, "appointments/confirm", &[("booking_id", &id)])
        .await;
    assert_eq!(res.status(), StatusCode::OK, "confirmed");
    assert_eq!(status_of(&app, &id).await, "confirmed");
    // A double tap changes nothing.
    let again = app
        .call(&p, "appointments/confirm", &[("booking_id", &id)])
        .await;
    assert_eq!(again.status(), StatusCode::OK);

    // Both have the voucher with its QR code, which carries a token and no personal data.
    for c in [&a, &p] {
        let v = json(
            app.call(c, "appointments/voucher", &[("booking_id", &id)])
                .await,
        )
        .await;
        let svg = v["qr_svg"].as_str().unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "an SVG");
        assert_eq!(v["booking"]["status"], "Confirmed");
    }
    assert!(topics_of(&app, &a)
        .await
        .contains(&"marriage_confirmed".to_owned()));
    let partner_topics = topics_of(&app, &p).await;
    assert!(partner_topics.contains(&"marriage_confirmed".to_owned()));
    // 我的办件 has the booking for both.
    for c in [&a, &p] {
        let mine = json(app.call(c, "account/affairs", &[]).await).await;
        assert_eq!(mine["items"][0]["status"], "confirmed");
        assert_eq!(mine["items"][0]["link"], format!("/marriage/booking/{id}"));
        // The home page's first items, drawn by the server, lead there too.
        let home = json(app.call(c, "account/home", &[]).await).await;
        assert!(home["mine"]["affairs_html"]
            .as_str()
            .is_some_and(|h| h.contains(&format!("/marriage/booking/{id}"))));
    }
}

#[tokio::test]
async fn a_partner_whose_real_name_does_not_match_cannot_confirm_and_strangers_see_nothing() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-25", "09:00", 5, 0).await;
    let (_a, id) = booked_by(&app, 3, &slot).await;
    let p = partner_signs_in(&app, 3, "李小绿").await;
    let res = app
        .call(&p, "appointments/confirm", &[("booking_id", &id)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e = error_json(res).await;
    assert_eq!(e["Invalid"]["field"], "confirm");
    assert_eq!(e["Invalid"]["code"]["appointments"], "PartnerMismatch");
    assert_eq!(status_of(&app, &id).await, "pending_partner");

    // Someone else (another number) cannot see, confirm or cancel it.
    let (stranger, _) = resident(&app, 50).await;
    for endpoint in ["appointments/voucher", "appointments/confirm"] {
        let res = app.call(&stranger, endpoint, &[("booking_id", &id)]).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{endpoint}");
    }
    let res = app
        .call(
            &stranger,
            "appointments/cancel",
            &[("booking_id", &id), ("confirm_cancel", "on")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let mine = json(
        app.call(&stranger, "appointments/mine", &[("service", "marriage")])
            .await,
    )
    .await;
    assert_eq!(mine, serde_json::json!([]));
}

#[tokio::test]
async fn an_unconfirmed_hold_lapses_once_and_its_place_returns_once() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-25", "09:00", 1, 1).await;
    let (a, id) = booked_by(&app, 5, &slot).await;
    assert_eq!(booked(&app, &slot).await, (1, 0));
    // Held on Monday 10:00 for Wednesday: lapses 24 hours later, Tuesday 10:00.
    app.advance(Duration::hours(24) - Duration::seconds(1));
    let r = app.due("appointments").await;
    assert_eq!(r.get("lapsed"), 0, "one second before: still held");
    app.advance(Duration::seconds(1));
    // Two sweepers at once (two servers, or a restart mid-run): one lapse.
    let (r1, r2) = tokio::join!(app.due("appointments"), app.due("appointments"));
    assert_eq!(r1.get("lapsed") + r2.get("lapsed"), 1);
    assert_eq!(status_of(&app, &id).await, "lapsed");
    assert_eq!(booked(&app, &slot).await, (0, 0), "the place returned once");
    assert!(topics_of(&app, &a)
        .await
        .contains(&"marriage_lapsed".to_owned()));

    // Too late to confirm now.
    let p = partner_signs_in(&app, 5, "李小红").await;
    let res = app
        .call(&p, "appointments/confirm", &[("booking_id", &id)])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "no longer an invitation"
    );
    // The applicant can book again.
    let res = book(&app, &a, &slot, &partner(5), "again").await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lapse_racing_a_cancel_and_a_new_booking_returns_the_place_once() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-25", "09:00", 1, 0).await;
    let (a, id) = booked_by(&app, 7, &slot).await;
    let (b, _) = resident(&app, 8).await;
    app.advance(Duration::hours(24));
    // The cut-off (Tuesday 09:00) has passed too, so the cancel is refused; the lapse wins.
    let cancel = [("booking_id", id.as_str()), ("confirm_cancel", "on")];
    let p8 = partner(8);
    let (sweep, cancelled, new) = tokio::join!(
        app.due("appointments"),
        app.call(&a, "appointments/cancel", &cancel),
        book(&app, &b, &slot, &p8, "b8"),
    );
    let lapsed = sweep.get("lapsed");
    assert_eq!(lapsed, 1);
    assert_ne!(cancelled.status(), StatusCode::OK);
    let (used, _) = booked(&app, &slot).await;
    let active: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointments WHERE slot_id = $1 AND status IN ('pending_partner', 'confirmed')",
    )
    .bind(&slot)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(
        used, active,
        "the count matches the bookings: never returned twice"
    );
    assert!(used <= 1);
    // The new booking came too late for Wednesday's window? No: Wednesday is still bookable
    // on Tuesday, so it either got the returned place or was told the slot was full.
    assert!(
        new.status() == StatusCode::OK || new.status() == StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        new.status()
    );
}

#[tokio::test]
async fn reschedule_moves_the_place_once_and_the_cut_off_stops_changes() {
    let app = marriage_app().await;
    let wed = add_slot(&app, "2026-11-25", "09:00", 2, 1).await;
    let fri = add_slot(&app, "2026-11-27", "09:00", 2, 1).await;
    let (a, id) = booked_by(&app, 9, &wed).await;
    let form = [
        ("booking_id", id.as_str()),
        ("slot_id", fri.as_str()),
        ("idempotency_key", "move-1"),
    ];
    let res = app.call(&a, "appointments/reschedule", &form).await;
    assert_eq!(res.status(), StatusCode::OK);
    // The same form again (a double tap) does nothing more.
    let res = app.call(&a, "appointments/reschedule", &form).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(booked(&app, &wed).await, (0, 0));
    assert_eq!(booked(&app, &fri).await, (1, 0));
    // Moving to where it already is says so.
    let res = app
        .call(
            &a,
            "appointments/reschedule",
            &[
                ("booking_id", &id),
                ("slot_id", &fri),
                ("idempotency_key", "move-2"),
            ],
        )
        .await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["appointments"],
        "SameSlot"
    );

    // Friday 09:00 minus 24 hours is Thursday 09:00: from then on, no changes online.
    let p = partner_signs_in(&app, 9, "李小红").await;
    assert_eq!(
        app.call(&p, "appointments/confirm", &[("booking_id", &id)])
            .await
            .status(),
        StatusCode::OK
    );
    app.advance(Duration::hours(71)); // Thursday 09:00
    let res = app
        .call(
            &a,
            "appointments/cancel",
            &[("booking_id", &id), ("confirm_cancel", "on")],
        )
        .await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["appointments"],
        "PastCutoff"
    );
    let res = app
        .call(
            &a,
            "appointments/reschedule",
            &[
                ("booking_id", &id),
                ("slot_id", &wed),
                ("idempotency_key", "move-3"),
            ],
        )
        .await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["appointments"],
        "PastCutoff"
    );
    assert_eq!(booked(&app, &fri).await, (1, 0));
}

#[tokio::test]
async fn cancelling_needs_the_tick_and_tells_the_other_party() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-27", "09:00", 2, 0).await;
    let (a, id) = booked_by(&app, 11, &slot).await;
    let p = partner_signs_in(&app, 11, "李小红").await;
    assert_eq!(
        app.call(&p, "appointments/confirm", &[("booking_id", &id)])
            .await
            .status(),
        StatusCode::OK
    );
    let res = app
        .call(&p, "appointments/cancel", &[("booking_id", &id)])
        .await;
    assert_eq!(error_json(res).await["Invalid"]["field"], "confirm_cancel");
    let res = app
        .call(
            &p,
            "appointments/cancel",
            &[("booking_id", &id), ("confirm_cancel", "on")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "either party may cancel");
    assert_eq!(booked(&app, &slot).await, (0, 0));
    assert!(topics_of(&app, &a)
        .await
        .contains(&"marriage_cancelled".to_owned()));
}

#[tokio::test]
async fn the_day_before_reminder_goes_out_once_also_across_a_restart() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-26", "09:00", 2, 0).await;
    let (a, id) = booked_by(&app, 13, &slot).await;
    let p = partner_signs_in(&app, 13, "李小红").await;
    app.call(&p, "appointments/confirm", &[("booking_id", &id)])
        .await;
    // Due Wednesday 09:00 Shanghai (01:00 UTC), the day before Thursday.
    app.advance(Duration::hours(47) - Duration::seconds(1)); // Wed 08:59:59
    assert_eq!(app.due("appointments").await.get("reminded"), 0);
    app.advance(Duration::seconds(1));
    assert_eq!(app.due("appointments").await.get("reminded"), 1);
    // A second server (or the same one after a restart) on the same database sends nothing.
    let restarted = app.second_server(None);
    assert_eq!(due_of(&restarted, "appointments").await.get("reminded"), 0);
    assert_eq!(app.due("appointments").await.get("reminded"), 0);
    for c in [&a, &p] {
        let n = topics_of(&app, c)
            .await
            .iter()
            .filter(|t| *t == "marriage_reminder")
            .count();
        assert_eq!(n, 1, "one reminder each in the message centre");
    }
    let texts = app.sms.notices_to(PARTNER_PHONE);
    assert_eq!(texts.iter().filter(|t| t.contains("提醒")).count(), 1);
}

/// An independent RFC 5545 parser (`ical`) reads the file back: one event starting at `starts`
/// (UTC), a display reminder the day before, the zone named; every line folded to ≤ 75 octets.
pub(crate) fn calendar_file_reads_back(body: &str, starts: &str) {
    for line in body.split("\r\n") {
        assert!(
            line.len() <= 75,
            "an unfolded line of {} octets: {line}",
            line.len()
        );
    }
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(body.as_bytes()));
    let cal = parser.next().expect("a calendar").expect("that parses");
    assert!(parser.next().is_none(), "one calendar");
    let prop = |ps: &[ical::property::Property], name: &str| {
        ps.iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
    };
    assert_eq!(prop(&cal.properties, "VERSION").as_deref(), Some("2.0"));
    assert_eq!(
        prop(&cal.properties, "X-WR-TIMEZONE").as_deref(),
        Some("Asia/Shanghai")
    );
    assert!(!cal.events.is_empty());
    let e = &cal.events[0];
    assert_eq!(prop(&e.properties, "DTSTART").as_deref(), Some(starts));
    for name in ["UID", "DTSTAMP", "DTEND", "SUMMARY"] {
        assert!(
            prop(&e.properties, name).is_some(),
            "{name} missing: {body}"
        );
    }
    let alarm = e.alarms.first().expect("a reminder");
    assert_eq!(
        prop(&alarm.properties, "ACTION").as_deref(),
        Some("DISPLAY")
    );
    let trigger = prop(&alarm.properties, "TRIGGER").unwrap_or_default();
    assert!(
        ["-P1D", "-PT24H", "-PT86400S"].contains(&trigger.as_str()),
        "a day before: {trigger}"
    );
}

#[tokio::test]
async fn the_calendar_file_is_for_the_parties_only() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-25", "09:00", 2, 0).await;
    let (a, id) = booked_by(&app, 15, &slot).await;
    let res = a
        .get(app.url(&format!("/marriage/booking/{id}/voucher.ics")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let body = res.text().await.unwrap();
    assert!(body.contains("DTSTART:20261125T010000Z"), "{body}");
    assert!(!body.contains(&partner(15)) && !body.contains("王小明"));
    calendar_file_reads_back(&body, "20261125T010000Z");
    let (stranger, _) = resident(&app, 60).await;
    let res = stranger
        .get(app.url(&format!("/marriage/booking/{id}/voucher.ics")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = new_client()
        .get(app.url(&format!("/marriage/booking/{id}/voucher.ics")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_clerk_checks_in_by_voucher_and_records_the_outcome_all_audited() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-25", "09:00", 3, 0).await;
    let (_a, id) = booked_by(&app, 17, &slot).await;
    let p = partner_signs_in(&app, 17, "李小红").await;
    app.call(&p, "appointments/confirm", &[("booking_id", &id)])
        .await;
    let (_b, other) = booked_by(&app, 18, &slot).await; // never confirmed: not on the list later
    let _ = other;
    let reference: String = sqlx::query_scalar("SELECT reference FROM appointments WHERE id = $1")
        .bind(&id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let clerk = new_client();
    app.staff_sign_in(&clerk, "clerk").await;

    // Not today yet.
    let res = app
        .call(&clerk, "appointments/check_in", &[("code", &reference)])
        .await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["appointments"],
        "VoucherNotToday"
    );
    app.advance(Duration::hours(47)); // Wednesday 09:00
    app.staff_sign_in(&clerk, "clerk").await; // a new shift: staff sessions last 12 hours
    let res = app
        .call(
            &clerk,
            "appointments/check_in",
            &[("code", &reference.to_lowercase())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "typed in lower case is fine");
    let res = app
        .call(&clerk, "appointments/check_in", &[("code", &reference)])
        .await;
    // Again: said so, with the time it happened.
    let code = error_json(res).await["Invalid"]["code"]["appointments"].clone();
    assert!(
        code["AlreadyCheckedIn"]["at"].as_i64().is_some(),
        "only once: {code}"
    );
    let res = app
        .call(&clerk, "appointments/check_in", &[("code", "JH000")])
        .await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["appointments"],
        "VoucherUnknown"
    );

    let day = json(
        app.call(
            &clerk,
            "appointments/day_list",
            &[("day", "2026-11-25"), ("counter", "marriage")],
        )
        .await,
    )
    .await;
    let rows = day["bookings"].as_array().unwrap();
    let row = rows.iter().find(|r| r["id"] == id.as_str()).unwrap();
    assert_eq!(row["status"], "CheckedIn");
    assert!(row["partner_id_masked"].as_str().unwrap().contains('*'));
    assert!(
        !day.to_string().contains(&partner(17)),
        "numbers are masked"
    );

    let res = app
        .call(
            &clerk,
            "appointments/outcome",
            &[
                ("booking_id", &id),
                ("outcome", "registered"),
                ("day", "2026-11-25"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(status_of(&app, &id).await, "registered");

    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'marriage.%' ORDER BY at, seq",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "marriage.check_in",
            "marriage.day_list",
            "marriage.registered"
        ]
    );

    // A resident and a staff member of another role cannot use the desk.
    let (resident_client, _) = resident(&app, 70).await;
    let res = app
        .call(&resident_client, "appointments/day_list", &[])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let auditor = new_client();
    app.staff_sign_in(&auditor, "auditor").await;
    let res = app
        .call(&auditor, "appointments/check_in", &[("code", &reference)])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_clerk_manages_places_closures_and_peak_releases() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-25", "09:00", 3, 1).await;
    let (_a, _id) = booked_by(&app, 19, &slot).await;
    let clerk = new_client();
    app.staff_sign_in(&clerk, "clerk").await;
    let cap = |c: &'static str| {
        [
            ("slot_id", slot.clone()),
            ("capacity", c.to_owned()),
            ("ceremony_capacity", "1".to_owned()),
            ("day", "2026-11-25".to_owned()),
        ]
    };
    let form = cap("0");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.call(&clerk, "appointments/capacity", &form).await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["appointments"],
        "CapacityBelowBooked"
    );
    let form = cap("abc");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.call(&clerk, "appointments/capacity", &form).await;
    assert_eq!(error_json(res).await["Invalid"]["code"], "NumberInvalid");
    let form = cap("8");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        app.call(&clerk, "appointments/capacity", &form)
            .await
            .status(),
        StatusCode::OK
    );

    // A day with bookings cannot be closed; an empty one can, and then nobody books it.
    let res = app
        .call(
            &clerk,
            "appointments/closure",
            &[("day", "2026-11-25"), ("reason", "培训")],
        )
        .await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["appointments"],
        "DayHasBookings"
    );
    let thu = add_slot(&app, "2026-11-26", "09:00", 3, 0).await;
    let res = app
        .call(
            &clerk,
            "appointments/closure",
            &[("day", "2026-11-26"), ("reason", "系统升级")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (b, _) = resident(&app, 20).await;
    let res = book(&app, &b, &thu, &partner(20), "t20").await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["appointments"],
        "DayClosed"
    );

    // Publishing a slot, then holding its places until a release time.
    let res = app
        .call(
            &clerk,
            "appointments/publish",
            &[
                ("day", "2026-11-30"),
                ("starts", "13:30"),
                ("ends", "17:00"),
                ("capacity", "4"),
                ("ceremony_capacity", "0"),
                ("counter", "marriage"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .call(
            &clerk,
            "appointments/release",
            &[("day", "2026-11-30"), ("release_at", "2026-11-24 09:00")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let new_slot: String =
        sqlx::query_scalar("SELECT id FROM slots WHERE day = '2026-11-30' AND office_id = $1")
            .bind(OFFICE)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let res = book(&app, &b, &new_slot, &partner(20), "t21").await;
    assert_eq!(
        error_json(res).await["Invalid"]["code"]["appointments"],
        "NotYetReleased"
    );
    app.advance(Duration::hours(23)); // Tuesday 09:00 Shanghai
    let res = book(&app, &b, &new_slot, &partner(20), "t22").await;
    assert_eq!(res.status(), StatusCode::OK);

    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('marriage.set_capacity', 'office.close_day', 'marriage.publish', 'marriage.set_release')",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(n, 4, "each change that happened is audited once");
}

#[tokio::test]
async fn hostile_values_in_every_marriage_form_never_cause_a_server_error() {
    let app = marriage_app().await;
    let _slot = add_slot(&app, "2026-11-25", "09:00", 5, 1).await;
    let (resident_client, _) = resident(&app, 90).await;
    let clerk = new_client();
    app.staff_sign_in(&clerk, "clerk").await;
    let nasty = [
        "",
        " ",
        "'; DROP TABLE slots; --",
        "<script>alert(1)</script>",
        "\u{0}",
        "𠀀𠀀𠀀",
        "-1",
        "99999999999999999999999",
        "2026-02-30",
        "25:61",
        "../../etc/passwd",
        "x".repeat(5000).leak(),
    ];
    let resident_forms: [(&str, &[&str]); 7] = [
        (
            "marriage/book",
            &[
                "slot_id",
                "partner_name",
                "partner_id_number",
                "partner_phone",
                "ceremony",
                "idempotency_key",
            ],
        ),
        ("appointments/confirm", &["booking_id"]),
        (
            "appointments/reschedule",
            &["booking_id", "slot_id", "idempotency_key"],
        ),
        ("appointments/cancel", &["booking_id", "confirm_cancel"]),
        ("appointments/voucher", &["booking_id"]),
        ("marriage/picker", &["office_id"]),
        ("marriage/slots", &["office_id", "from", "to"]),
    ];
    let clerk_forms: [(&str, &[&str]); 7] = [
        ("appointments/day_list", &["day"]),
        ("appointments/check_in", &["code"]),
        ("appointments/outcome", &["booking_id", "outcome", "day"]),
        (
            "appointments/capacity",
            &["slot_id", "capacity", "ceremony_capacity", "day"],
        ),
        (
            "appointments/publish",
            &["day", "starts", "ends", "capacity", "ceremony_capacity"],
        ),
        ("appointments/closure", &["day", "reason", "reopen"]),
        ("appointments/release", &["day", "release_at"]),
    ];
    for (client, forms) in [(&resident_client, resident_forms), (&clerk, clerk_forms)] {
        for (endpoint, fields) in forms {
            for v in nasty {
                let form: Vec<(&str, &str)> = fields.iter().map(|f| (*f, v)).collect();
                let res = app.call(client, endpoint, &form).await;
                assert!(
                    res.status().as_u16() < 500,
                    "{endpoint} with {v:?}: {}",
                    res.status()
                );
            }
        }
    }
    // Nothing was booked or changed by any of it.
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM appointments")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn a_failed_booking_without_javascript_comes_back_with_the_error_and_what_was_typed() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-25", "09:00", 5, 1).await;
    let (c, _) = resident(&app, 91).await;
    // The steps are pages: the day, the time, then the partner.
    let partner_step =
        format!("/marriage/book?step=partner&office={OFFICE}&day=2026-11-25&slot={slot}");
    let page = app.get(&c, &partner_step).await.text().await.unwrap();
    assert!(page.contains("name=\"partner_id_number\""), "{page}");
    let res = app
        .post_page_form(
            &c,
            "appointments/partner",
            &partner_step,
            &[
                ("form", "marriage_book"),
                ("partner_name", "李小红"),
                ("partner_id_number", "330203199202020011"),
                ("partner_phone", PARTNER_PHONE),
                ("next", "/marriage/book?step=review"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = res.headers()["location"].to_str().unwrap().to_owned();
    let back = back.trim_start_matches(&app.url("")).to_owned();
    assert!(back.starts_with("/marriage/book?"), "{back}");
    let page = app.get(&c, &back).await.text().await.unwrap();
    // The error sits by the ID-number field, and what was typed is still there.
    assert!(
        page.contains("身份证号码校验不通过"),
        "the check-digit message: {page}"
    );
    assert!(page.contains("value=\"李小红\""));
    assert!(page.contains("value=\"330203199202020011\""));
    // Corrected: on to the review, which shows the partner masked and books.
    let good = partner(91);
    let review = format!("/marriage/book?step=review&office={OFFICE}&day=2026-11-25&slot={slot}");
    let res = app
        .post_page_form(
            &c,
            "appointments/partner",
            &partner_step,
            &[
                ("form", "marriage_book"),
                ("partner_name", "李小红"),
                ("partner_id_number", &good),
                ("partner_phone", PARTNER_PHONE),
                ("next", &review),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.ends_with(&review), "{to}");
    let page = app.get(&c, &review).await.text().await.unwrap();
    assert!(
        page.contains("李小红") && page.contains("3302**********"),
        "{page}"
    );
    assert!(
        page.contains(&format!("value=\"{slot}\"")),
        "the slot stays chosen"
    );
    let res = app
        .post_page_form(
            &c,
            "marriage/book",
            &review,
            &[
                ("slot_id", &slot),
                ("partner_name", "李小红"),
                ("partner_id_number", &good),
                ("partner_phone", PARTNER_PHONE),
                ("idempotency_key", "nojs-1"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/marriage/booking/"), "{to}");
    let page = app.get(&c, &to).await.text().await.unwrap();
    assert!(
        page.contains("等待对方确认"),
        "the booking page says it waits for the partner, from the applicant's side"
    );
}
