//! One resident across every service (issue 15) over real HTTP: when 民政 accepts a death
//! record, the deceased's meal orders, proxy grants, time-bank hours, appointments and account
//! follow once, and the family is told once; a crash after or inside any step, then a restart,
//! ends in the same state as a run that never failed. A marriage registered at the counter
//! makes the two family for proxy grants. 我的办件 gathers every service, with what comes next,
//! and an elder's items for the family member who acts for them.

use crate::{
    after_death::{act, apply, bundle, draft, staff, task, PLAIN},
    helpers::{
        add_slot, book, id_number, json, marriage_app, new_client, partner, partner_signs_in,
        resident, TestApp,
    },
    meals::{item, menu, order, order_id, TOMORROW},
    timebank::{attendance_id, ledger_holds, ok, serve, ORG},
};
use chrono::Duration;
use reqwest::{Client, StatusCode};
use server::{
    desks::life::{Cascade, Fault, LifeStep},
    jobs::DueWork,
};
use std::sync::Arc;

const DECEASED_PHONE: &str = "13600000001";
const SPOUSE_PHONE: &str = "13600000002";

/// 王老伯, born 3 March 1940.
fn deceased_number() -> String {
    id_number("33020319400303001")
}

/// Signs in on `phone` and binds `name` and `number`; the client and the resident's id.
async fn bound(app: &TestApp, phone: &str, name: &str, number: &str) -> (Client, String) {
    let c = new_client();
    app.sign_in(&c, phone).await;
    let res = app
        .call(
            &c,
            "account/bind_real_name",
            &[("name", name), ("id_number", number), ("next", "/")],
        )
        .await;
    assert!(res.status().is_success(), "bind {phone}: {}", res.status());
    let id = sqlx::query_scalar("SELECT id FROM residents WHERE phone = $1")
        .bind(phone)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    (c, id)
}

/// `proxy` asks to act for the elder on `elder_phone` and the elder confirms.
async fn grant(app: &TestApp, proxy: &Client, elder: &Client, elder_phone: &str, name: &str) {
    ok(app
        .call(
            proxy,
            "proxy/request",
            &[
                ("elder_phone", elder_phone),
                ("elder_name", name),
                ("relation", "child"),
                ("scopes[0]", "meals"),
                ("scopes[1]", "records"),
                ("scopes[2]", "timebank"),
                ("ends_on", "2027-06-30"),
            ],
        )
        .await)
    .await;
    let mine = json(app.call(elder, "proxy/mine", &[]).await).await;
    let id = mine["given"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["status"] == "requested")
        .expect("a request to confirm")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(app
        .call(elder, "proxy/answer", &[("grant", &id), ("answer", "yes")])
        .await)
    .await;
}

/// Everything the deceased had on the platform, and the family's bundle about them.
struct World {
    deceased: Client,
    deceased_id: String,
    daughter: Client,
    daughter_id: String,
    spouse: Client,
    spouse_id: String,
    slot: String,
    case: String,
}

/// The deceased orders tomorrow's lunch and their daughter the day after's for them; grants run
/// both ways (the daughter for the deceased, the deceased for their spouse); an hour is banked
/// in the time bank; a marriage appointment is booked; the daughter applies for the bundle and
/// the 民政 reviewer accepts the death record.
async fn world(app: &TestApp) -> World {
    let (deceased, deceased_id) = bound(app, DECEASED_PHONE, "王老伯", &deceased_number()).await;
    let (spouse, spouse_id) =
        bound(app, SPOUSE_PHONE, "李阿婆", &id_number("33020319420404002")).await;
    let (daughter, _) = resident(app, 1).await;
    let daughter_id: String = sqlx::query_scalar("SELECT id FROM residents WHERE phone = $1")
        .bind("13700000001")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    grant(app, &daughter, &deceased, DECEASED_PHONE, "王老伯").await;
    grant(app, &deceased, &spouse, SPOUSE_PHONE, "李阿婆").await;

    let m = menu(app, &deceased, "", TOMORROW, "lunch").await;
    let res = order(app, &deceased, "", TOMORROW, &item(&m, "A套餐"), "o-1").await;
    order_id(&res);
    let m = menu(app, &daughter, &deceased_id, "2026-11-25", "lunch").await;
    let res = order(
        app,
        &daughter,
        &deceased_id,
        "2026-11-25",
        &item(&m, "A套餐"),
        "o-2",
    )
    .await;
    order_id(&res);

    let admin = staff(app, "volunteer").await;
    ok(app.call(&deceased, "timebank/join", &[("org", ORG)]).await).await;
    ok(app
        .call(
            &admin,
            "timebank/decide-member",
            &[("resident", &deceased_id), ("decision", "approve")],
        )
        .await)
    .await;
    serve(app, &deceased, 60).await;
    let att = attendance_id(app, &deceased_id).await;
    ok(app
        .call(
            &admin,
            "timebank/verify",
            &[("attendance", &att), ("decision", "approve")],
        )
        .await)
    .await;

    // A status a community worker confirmed (低保), raising the meal subsidy.
    sqlx::query(
        "INSERT INTO elder_status_records (id, resident_id, status, note, confirmed_by, confirmed_at) \
         VALUES ('s-1', $1, 'dibao', '', 'staff-x', 0)",
    )
    .bind(&deceased_id)
    .execute(app.db.pool())
    .await
    .unwrap();

    let slot = add_slot(app, "2026-11-27", "09:00", 2, 0).await;
    let res = book(app, &deceased, &slot, &partner(7), "b-1").await;
    assert!(res.status().is_success(), "book: {}", res.status());

    let case = apply(app, &daughter, &deceased_number(), PLAIN).await;
    let reviewer = staff(app, "reviewer").await;
    let t = task(app, &daughter, &case, "basic_funeral_services").await;
    assert_eq!(
        act(app, &reviewer, t["id"].as_str().unwrap(), "accept", &[]).await,
        StatusCode::OK
    );
    World {
        deceased,
        deceased_id,
        daughter,
        daughter_id,
        spouse,
        spouse_id,
        slot,
        case,
    }
}

async fn scalar(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// What following a death changed, as numbers that two runs can be compared by.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    orders_placed: i64,
    orders_cancelled_by_death: i64,
    portions_taken: i64,
    canteen_notices: i64,
    live_grants: i64,
    grants_ended_by_death: i64,
    deceased_minutes: i64,
    daughter_minutes: i64,
    appointments_active: i64,
    slot_booked: i64,
    died_on_set: i64,
    /// Statuses still live, and those ended by the death from 1 December (the month after).
    live_statuses: i64,
    statuses_ended_next_month: i64,
    sessions: i64,
    steps: i64,
    events_done: i64,
    /// `life_death_followed` messages per resident concerned: daughter, spouse.
    told: (i64, i64),
}

async fn outcome(app: &TestApp, w: &World) -> Outcome {
    let d = w.deceased_id.as_str();
    Outcome {
        orders_placed: scalar(
            app,
            "SELECT COUNT(*) FROM meal_orders WHERE elder_id = $1 AND status = 'placed'",
            d,
        )
        .await,
        orders_cancelled_by_death: scalar(
            app,
            "SELECT COUNT(*) FROM meal_orders WHERE elder_id = $1 AND status = 'cancelled' AND cancelled_by LIKE 'death:%'",
            d,
        )
        .await,
        portions_taken: scalar(
            app,
            "SELECT CAST(COALESCE(SUM(taken), 0) AS BIGINT) FROM menu_items WHERE id IN (SELECT item_id FROM meal_order_items i JOIN meal_orders o ON o.id = i.order_id WHERE o.elder_id = $1)",
            d,
        )
        .await,
        canteen_notices: scalar(
            app,
            "SELECT COUNT(*) FROM unit_notices WHERE topic = 'meals_cancelled_deceased' AND unit_id <> $1",
            d,
        )
        .await,
        live_grants: scalar(
            app,
            "SELECT COUNT(*) FROM proxy_grants WHERE (elder_id = $1 OR proxy_id = $1) AND status IN ('requested', 'active')",
            d,
        )
        .await,
        grants_ended_by_death: scalar(
            app,
            "SELECT COUNT(*) FROM proxy_grants WHERE (elder_id = $1 OR proxy_id = $1) AND ended_by LIKE 'death:%'",
            d,
        )
        .await,
        deceased_minutes: scalar(
            app,
            "SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM tb_accounts WHERE kind = 'resident' AND owner = $1",
            d,
        )
        .await,
        daughter_minutes: scalar(
            app,
            "SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM tb_accounts WHERE kind = 'resident' AND owner = $1",
            &w.daughter_id,
        )
        .await,
        appointments_active: scalar(
            app,
            "SELECT COUNT(*) FROM appointments WHERE applicant_id = $1 AND status IN ('pending_partner', 'confirmed')",
            d,
        )
        .await,
        slot_booked: scalar(app, "SELECT booked FROM slots WHERE id = $1", &w.slot).await,
        died_on_set: scalar(
            app,
            "SELECT COUNT(*) FROM residents WHERE id = $1 AND died_on IS NOT NULL",
            d,
        )
        .await,
        live_statuses: scalar(
            app,
            "SELECT COUNT(*) FROM elder_status_records WHERE resident_id = $1 AND ended_at IS NULL",
            d,
        )
        .await,
        // 2026-12-01 00:00 in Shanghai.
        statuses_ended_next_month: scalar(
            app,
            "SELECT COUNT(*) FROM elder_status_records WHERE resident_id = $1 AND ended_at = 1796054400 AND ended_by LIKE 'death:%'",
            d,
        )
        .await,
        sessions: scalar(
            app,
            "SELECT COUNT(*) FROM sessions WHERE kind = 'resident' AND subject_id = $1",
            d,
        )
        .await,
        steps: scalar(
            app,
            "SELECT COUNT(*) FROM life_event_steps s JOIN life_events e ON e.id = s.event_id WHERE e.subject_id = $1",
            d,
        )
        .await,
        events_done: scalar(
            app,
            "SELECT COUNT(*) FROM life_events WHERE subject_id = $1 AND status = 'done'",
            d,
        )
        .await,
        told: (
            scalar(
                app,
                "SELECT COUNT(*) FROM messages WHERE resident_id = $1 AND topic = 'life_death_followed'",
                &w.daughter_id,
            )
            .await,
            scalar(
                app,
                "SELECT COUNT(*) FROM messages WHERE resident_id = $1 AND topic = 'life_death_followed'",
                &w.spouse_id,
            )
            .await,
        ),
    }
}

/// The state every run must end in, whatever failed on the way.
fn followed() -> Outcome {
    Outcome {
        orders_placed: 0,
        orders_cancelled_by_death: 2,
        portions_taken: 0,
        canteen_notices: 2,
        live_grants: 0,
        grants_ended_by_death: 2,
        deceased_minutes: 0,
        daughter_minutes: 60,
        appointments_active: 0,
        slot_booked: 0,
        died_on_set: 1,
        live_statuses: 0,
        statuses_ended_next_month: 1,
        sessions: 0,
        steps: 6,
        events_done: 1,
        told: (1, 1),
    }
}

async fn app() -> TestApp {
    marriage_app().await
}

#[tokio::test]
async fn a_death_accepted_by_civil_affairs_is_followed_by_every_service_once() {
    let app = app().await;
    let w = world(&app).await;
    // Before the sweep nothing has moved but the record of the event.
    let before = outcome(&app, &w).await;
    assert_eq!(
        (before.orders_placed, before.live_grants, before.steps),
        (2, 2, 0)
    );
    let report = app.due("life_events").await;
    assert_eq!(report.get("life steps"), 6, "{report}");
    assert_eq!(outcome(&app, &w).await, followed());
    // Again: nothing more happens, and no one is told twice.
    assert_eq!(app.due("life_events").await.total(), 0);
    assert_eq!(outcome(&app, &w).await, followed());
    ledger_holds(&app).await;

    // The family reads each step with its day, in their language.
    let (_, b) = bundle(&app, &w.daughter, &w.case).await;
    let f = &b["data"]["follow_ups"];
    assert!(f["done_at"].as_i64().is_some(), "{f}");
    let lines: Vec<&str> = f["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["text"].as_str().unwrap())
        .collect();
    assert_eq!(lines.len(), 5, "{lines:?}"); // the account's closing says nothing of its own
    assert!(
        lines
            .iter()
            .any(|l| l.contains("低保对象身份自2026年12月1日")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("助餐订单 2 份")),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.contains("1小时")), "{lines:?}");
    assert_eq!(b["data"]["deceased_account"], w.deceased_id.as_str());
    // The deceased's time-bank record stays readable to the family.
    let st = app
        .call(
            &w.daughter,
            "timebank/statement",
            &[("of", w.deceased_id.as_str()), ("points", "")],
        )
        .await;
    assert_eq!(st.status(), StatusCode::OK, "{}", st.text().await.unwrap());
    // The deceased's account is closed: its session is gone and it signs in no more.
    let res = app.call(&w.deceased, "proxy/mine", &[]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let again = new_client();
    let code = app.request_code_after_wait(&again, DECEASED_PHONE).await;
    let res = app
        .call(
            &again,
            "account/verify_code",
            &[("code", &code), ("next", "/")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("AccountClosed"));
}

#[tokio::test]
async fn a_relative_added_to_the_bundle_after_the_death_reads_what_the_family_reads() {
    let app = app().await;
    let w = world(&app).await;
    app.due("life_events").await;
    let statement = |c: &Client| {
        let c = c.clone();
        let (app, of) = (&app, w.deceased_id.clone());
        async move {
            app.call(
                &c,
                "timebank/statement",
                &[("of", of.as_str()), ("points", "")],
            )
            .await
            .status()
        }
    };
    assert_ne!(statement(&w.spouse).await, StatusCode::OK);
    // The spouse asks to be added after the cascade ran; the daughter, who holds it, agrees.
    draft(&app, &w.spouse, &deceased_number(), PLAIN).await;
    let res = app.call(&w.spouse, "after-death/join", &[]).await;
    assert!(res.status().is_success(), "join: {}", res.status());
    let res = app
        .call(
            &w.daughter,
            "after-death/accept",
            &[("case_id", &w.case), ("resident_id", &w.spouse_id)],
        )
        .await;
    assert!(res.status().is_success(), "accept: {}", res.status());
    assert_eq!(statement(&w.spouse).await, StatusCode::OK);
    // Nothing ran again for them.
    assert_eq!(app.due("life_events").await.total(), 0);
}

/// Runs the cascade with `fault`, which must stop it, then again as a restarted server would.
async fn crash_then_restart(fault: Fault) {
    let app = app().await;
    let w = world(&app).await;
    let steps = app.registry.extensions::<Arc<dyn LifeStep>>();
    let failing = Cascade::new(&app.setup, steps.clone()).with_fault(fault);
    assert!(failing.run().await.is_err(), "{fault:?} stops the sweep");
    // The family is told nothing before every step is done.
    assert_eq!(outcome(&app, &w).await.told, (0, 0), "{fault:?}");
    let restarted = Cascade::new(&app.setup, steps);
    restarted.run().await.expect("the restarted sweep");
    assert_eq!(outcome(&app, &w).await, followed(), "after {fault:?}");
    ledger_holds(&app).await;
}

#[tokio::test]
async fn a_crash_after_any_step_then_a_restart_ends_where_an_uninterrupted_run_does() {
    for n in 0..6 {
        crash_then_restart(Fault::CrashAfter(n)).await;
    }
}

#[tokio::test]
async fn a_failure_inside_any_step_undoes_that_step_alone_and_a_restart_finishes() {
    for n in 0..6 {
        crash_then_restart(Fault::FailInside(n)).await;
    }
}

#[tokio::test]
async fn a_marriage_registered_at_the_counter_makes_the_two_family_for_proxy_grants() {
    let app = marriage_app().await;
    let slot = add_slot(&app, "2026-11-25", "09:00", 3, 0).await;
    let (a, id) = crate::marriage_flow::booked_by(&app, 31, &slot).await;
    let p = partner_signs_in(&app, 31, "李小红").await;
    ok(app
        .call(&p, "appointments/confirm", &[("booking_id", &id)])
        .await)
    .await;
    let reference: String = sqlx::query_scalar("SELECT reference FROM appointments WHERE id = $1")
        .bind(&id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    // Before the registration neither is the other's family.
    let mine = json(app.call(&a, "proxy/mine", &[]).await).await;
    assert_eq!(mine["family"].as_array().unwrap().len(), 0);
    app.advance(Duration::hours(47)); // Wednesday 09:00
    let clerk = new_client();
    app.staff_sign_in(&clerk, "clerk").await;
    ok(app
        .call(&clerk, "appointments/check_in", &[("code", &reference)])
        .await)
    .await;
    let outcome = [
        ("booking_id", id.as_str()),
        ("outcome", "registered"),
        ("day", "2026-11-25"),
    ];
    ok(app.call(&clerk, "appointments/outcome", &outcome).await).await;
    // A repeated outcome links them once.
    let _ = app.call(&clerk, "appointments/outcome", &outcome).await;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM family_links WHERE ended_at IS NULL")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 1);
    // Both see the other as a spouse, and the registration in 我的办件.
    for c in [&a, &p] {
        let mine = json(app.call(c, "proxy/mine", &[]).await).await;
        let fam = mine["family"].as_array().unwrap();
        assert_eq!(fam.len(), 1, "{mine}");
        assert_eq!(fam[0]["relation"], "spouse");
        assert_eq!(fam[0]["has_account"], true);
        let affairs = json(app.call(c, "account/affairs", &[]).await).await;
        assert!(
            affairs["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["service"] == "marriage" && i["status"] == "registered"),
            "{affairs}"
        );
    }
    // One tap: the partner lets the applicant act for her, active at once.
    let link = json(app.call(&p, "proxy/mine", &[]).await).await["family"][0]["link_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let give = [
        ("link", link.as_str()),
        ("way", "give"),
        ("scopes[0]", "meals"),
        ("ends_on", "2027-06-30"),
    ];
    ok(app.call(&p, "proxy/family", &give).await).await;
    let held = json(app.call(&a, "proxy/mine", &[]).await).await;
    assert_eq!(held["held"][0]["status"], "active", "{held}");
    // Twice is refused (a live grant exists), and a stranger cannot use the link.
    let res = app.call(&p, "proxy/family", &give).await;
    assert!(res.text().await.unwrap().contains("AlreadyGranted"));
    let (stranger, _) = resident(&app, 40).await;
    let res = app.call(&stranger, "proxy/family", &give).await;
    assert!(res.text().await.unwrap().contains("NotFamily"));
}

#[tokio::test]
async fn my_affairs_gather_every_service_with_next_steps_and_an_elders_items_for_their_family() {
    let app = app().await;
    let (elder, elder_id) = bound(&app, DECEASED_PHONE, "王老伯", &deceased_number()).await;
    let (daughter, _) = resident(&app, 1).await;
    grant(&app, &daughter, &elder, DECEASED_PHONE, "王老伯").await;
    let m = menu(&app, &elder, "", TOMORROW, "lunch").await;
    let res = order(&app, &elder, "", TOMORROW, &item(&m, "A套餐"), "o-1").await;
    order_id(&res);
    let slot = add_slot(&app, "2026-11-27", "09:00", 2, 0).await;
    let res = book(&app, &daughter, &slot, &partner(1), "b-1").await;
    assert!(res.status().is_success());
    // The elder's own list: the meal, with its next step and when.
    let mine = json(app.call(&elder, "account/affairs", &[]).await).await;
    let meal = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["service"] == "meals")
        .unwrap_or_else(|| panic!("{mine}"))
        .clone();
    assert!(
        meal["next"].as_str().is_some_and(|n| !n.is_empty()),
        "{meal}"
    );
    assert!(meal["next_at"].as_i64().is_some(), "{meal}");
    assert!(meal["for_elder"].is_null());
    // The daughter's: her own booking, and her father's meal marked as his.
    let hers = json(app.call(&daughter, "account/affairs", &[]).await).await;
    let items = hers["items"].as_array().unwrap();
    assert!(items
        .iter()
        .any(|i| i["service"] == "marriage" && i["for_elder"].is_null()));
    let his = items
        .iter()
        .find(|i| i["service"] == "meals")
        .unwrap_or_else(|| panic!("{hers}"));
    assert_eq!(his["for_elder"], "王**");
    let services: Vec<&str> = hers["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert!(
        services.contains(&"meals") && services.contains(&"marriage"),
        "{services:?}"
    );
    // Soonest next step first.
    let dates: Vec<i64> = items.iter().filter_map(|i| i["next_at"].as_i64()).collect();
    assert!(
        dates.len() >= 2 && dates.windows(2).all(|w| w[0] <= w[1]),
        "{hers}"
    );
    // Once the grant ends, the elder's items are no longer hers to see.
    let grants = json(app.call(&elder, "proxy/mine", &[]).await).await;
    let g = grants["given"][0]["id"].as_str().unwrap().to_owned();
    ok(app.call(&elder, "proxy/revoke", &[("grant", &g)]).await).await;
    let hers = json(app.call(&daughter, "account/affairs", &[]).await).await;
    assert!(
        !hers["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["service"] == "meals"),
        "{hers}"
    );
    let _ = elder_id;
}
