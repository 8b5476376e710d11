//! 身后事一件事 over real HTTP: one bundle per deceased person under concurrency, privacy
//! between families and departments, uploads checked and never half-stored, return and
//! resubmission with the time limit paused, four-eyes payment that pays once, and the day's
//! batch whose total equals what was approved.

use crate::helpers::{count, id_number, json, new_client, resident, spawn_app, TestApp};
use futures::future::join_all;
use reqwest::{multipart, Client, StatusCode};
use serde_json::Value;

/// The deceased number `n` (born 1940).
fn deceased(n: u32) -> String {
    id_number(&format!("33020319400303{n:03}"))
}

/// Every answer "no", cremation and a columbarium (the basic services subsidy applies).
pub(crate) const PLAIN: &[(&str, &str)] = &[("burial", "columbarium")];

pub(crate) async fn staff(app: &TestApp, username: &str) -> Client {
    let c = new_client();
    app.staff_sign_in(&c, username).await;
    c
}

/// Steps one and two of the application; panics if either is refused.
pub(crate) async fn draft(app: &TestApp, c: &Client, id: &str, answers: &[(&str, &str)]) {
    let res = app
        .call(
            c,
            "after-death/deceased",
            &[
                ("deceased_name", "王老伯"),
                ("deceased_id_number", id),
                ("died_on", "2026-11-20"),
                ("certificate_no", "D330203202611001"),
                ("relationship", "child"),
                ("district", "haishu"),
            ],
        )
        .await;
    assert!(res.status().is_success(), "deceased step: {}", res.status());
    let res = app.call(c, "after-death/questions", answers).await;
    assert!(res.status().is_success(), "questions: {}", res.status());
}

/// Submits the draft; the address it leads to.
async fn submit(app: &TestApp, c: &Client, key: &str) -> (StatusCode, String) {
    let res = app
        .call(
            c,
            "after-death/submit",
            &[
                ("account_name", "王小明"),
                ("account_card", "6222021234567890128"),
                ("idem_key", key),
            ],
        )
        .await;
    let status = res.status();
    let to = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, to)
}

fn case_of(location: &str) -> String {
    location
        .trim_start_matches("/after-death/bundle/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

/// A family's whole application; the bundle's id.
pub(crate) async fn apply(app: &TestApp, c: &Client, id: &str, answers: &[(&str, &str)]) -> String {
    draft(app, c, id, answers).await;
    let (status, to) = submit(app, c, &format!("k-{id}")).await;
    assert!(status.is_success(), "submit: {status}");
    assert!(to.starts_with("/after-death/bundle/"), "led to {to}");
    case_of(&to)
}

pub(crate) async fn bundle(app: &TestApp, c: &Client, case: &str) -> (StatusCode, Value) {
    let res = app.call(c, "after-death/bundle", &[("id", case)]).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The task of item `key` in a bundle as the family sees it.
pub(crate) async fn task(app: &TestApp, c: &Client, case: &str, key: &str) -> Value {
    let (_, b) = bundle(app, c, case).await;
    b["data"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["item_key"] == key)
        .unwrap_or_else(|| panic!("no task {key} in {b}"))
        .clone()
}

pub(crate) async fn act(
    app: &TestApp,
    c: &Client,
    task: &str,
    action: &str,
    extra: &[(&str, &str)],
) -> StatusCode {
    let key = format!("{task}-{action}-{}", extra.len());
    let mut form = vec![
        ("task_id", task),
        ("action", action),
        ("idem_key", key.as_str()),
    ];
    form.extend_from_slice(extra);
    app.call(c, "after-death/act", &form).await.status()
}

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Uploads `bytes` as document `need` of a task, as the no-JavaScript form does; the address
/// the answer leads to.
async fn upload(
    app: &TestApp,
    c: &Client,
    task: &str,
    need: &str,
    bytes: Vec<u8>,
) -> (StatusCode, String) {
    let form = multipart::Form::new().text("need", need.to_owned()).part(
        "document",
        multipart::Part::bytes(bytes).file_name("photo.jpg"),
    );
    let res = c
        .post(app.url(&format!("/upload/after-death/task/{task}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let to = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (res.status(), to)
}

/// Uploads as the page does with JavaScript (in the background, asking for JSON): the status
/// and the answer.
async fn upload_json(
    app: &TestApp,
    c: &Client,
    task: &str,
    need: &str,
    bytes: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let form = multipart::Form::new().text("need", need.to_owned()).part(
        "document",
        multipart::Part::bytes(bytes).file_name("photo.jpg"),
    );
    let res = c
        .post(app.url(&format!("/upload/after-death/task/{task}")))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_default())
}

/// Files in the app's document folder.
fn stored_files(app: &TestApp) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .map(|d| {
                d.flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            walk(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(std::path::Path::new(&app.setup.config.files_dir))
}

#[tokio::test]
async fn ten_relatives_applying_for_the_same_person_at_once_make_one_bundle() {
    let app = spawn_app().await;
    let id = deceased(1);
    let mut families = vec![];
    for n in 0..10 {
        let (c, _) = resident(&app, 700 + n).await;
        draft(&app, &c, &id, PLAIN).await;
        families.push(c);
    }
    let answers = join_all(
        families
            .iter()
            .enumerate()
            .map(|(i, c)| submit(&app, c, Box::leak(format!("race-{i}").into_boxed_str()))),
    )
    .await;
    assert!(answers.iter().all(|(s, _)| s.is_success()), "{answers:?}");
    let made = answers
        .iter()
        .filter(|(_, to)| to.starts_with("/after-death/bundle/"))
        .count();
    let told = answers
        .iter()
        .filter(|(_, to)| to.contains("step=exists"))
        .count();
    assert_eq!((made, told), (1, 9), "{answers:?}");
    assert!(
        answers
            .iter()
            .filter(|(_, to)| to.contains("step=exists"))
            .all(|(_, to)| to.contains("%E7%8E%8B%2A")),
        "the holder's masked name (王*): {answers:?}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM cases").await, 1);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM after_death_bundles").await,
        1
    );

    // A repeated submission of the same form answers the same bundle, never a second one.
    let holder = answers
        .iter()
        .position(|(_, to)| to.starts_with("/after-death/bundle/"))
        .unwrap();
    draft(&app, &families[holder], &id, PLAIN).await;
    let (_, again) = submit(&app, &families[holder], &format!("race-{holder}")).await;
    assert_eq!(case_of(&again), case_of(&answers[holder].1));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM cases").await, 1);

    // A relative who was told asks to be added; the holder agrees; both now see it.
    let other = (holder + 1) % 10;
    let res = app.call(&families[other], "after-death/join", &[]).await;
    assert!(res.status().is_success(), "join: {}", res.status());
    let case = case_of(&answers[holder].1);
    assert_eq!(
        bundle(&app, &families[other], &case).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, b) = bundle(&app, &families[holder], &case).await;
    let asker = b["data"]["join_requests"][0]["resident_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .call(
            &families[holder],
            "after-death/accept",
            &[("case_id", &case), ("resident_id", &asker)],
        )
        .await;
    assert!(res.status().is_success());
    let (status, b) = bundle(&app, &families[other], &case).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(b["data"]["holder"], false);
}

#[tokio::test]
async fn the_questionnaire_decides_the_items_and_each_goes_to_its_department() {
    let app = spawn_app().await;
    let (c, _) = resident(&app, 720).await;
    let case = apply(
        &app,
        &c,
        &deceased(2),
        &[("pension", "on"), ("burial", "sea")],
    )
    .await;
    let (_, b) = bundle(&app, &c, &case).await;
    let tasks = b["data"]["tasks"].as_array().unwrap();
    let keys: Vec<&str> = tasks
        .iter()
        .map(|t| t["item_key"].as_str().unwrap())
        .collect();
    for k in [
        "cremation_certificate",
        "hukou_cancellation",
        "basic_funeral_services",
        "eco_burial_reward",
        "pension_and_funeral_grant",
    ] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    assert!(!keys.contains(&"veteran_benefits"), "{keys:?}");
    let dept = |k: &str| tasks.iter().find(|t| t["item_key"] == k).unwrap()["department"].clone();
    assert_eq!(dept("hukou_cancellation"), "public_security");
    assert_eq!(dept("pension_and_funeral_grant"), "human_resources");
    // The ID number is masked for the family too.
    assert!(b["data"]["deceased_id_masked"]
        .as_str()
        .unwrap()
        .contains('*'));
    // The department sees its own task, not another department's.
    let police = staff(&app, "police").await;
    let q = json(app.call(&police, "after-death/queue", &[]).await).await;
    let names: Vec<&str> = q["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name_en"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let pension = task(&app, &c, &case, "pension_and_funeral_grant").await;
    let res = app
        .call(
            &police,
            "after-death/task",
            &[("id", pension["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        act(
            &app,
            &police,
            pension["id"].as_str().unwrap(),
            "accept",
            &[]
        )
        .await,
        StatusCode::NOT_FOUND
    );
    // A clerk of the registry office works no queue here.
    let clerk = staff(&app, "clerk").await;
    assert_eq!(
        app.call(&clerk, "after-death/queue", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_family_cannot_read_another_bundle_or_its_documents() {
    let app = spawn_app().await;
    let (a, _) = resident(&app, 730).await;
    let (b, _) = resident(&app, 731).await;
    let case = apply(&app, &a, &deceased(3), PLAIN).await;
    let basic = task(&app, &a, &case, "basic_funeral_services").await;
    let (status, to) = upload(
        &app,
        &a,
        basic["id"].as_str().unwrap(),
        "funeral_invoice",
        PDF.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    assert!(to.contains("uploaded="), "{to}");
    let doc = task(&app, &a, &case, "basic_funeral_services").await["documents"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    assert_eq!(bundle(&app, &b, &case).await.0, StatusCode::NOT_FOUND);
    let res = b
        .get(app.url(&format!("/after-death/document/{doc}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let (status, _) = upload(
        &app,
        &b,
        basic["id"].as_str().unwrap(),
        "funeral_invoice",
        PDF.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let res = new_client()
        .get(app.url(&format!("/after-death/document/{doc}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // The family reads it back; the 民政 reviewer reads it and the read is audited; another
    // department cannot.
    let res = a
        .get(app.url(&format!("/after-death/document/{doc}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    let reviewer = staff(&app, "reviewer").await;
    let res = reviewer
        .get(app.url(&format!("/staff/after-death/document/{doc}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'after_death.document.read'"
        )
        .await,
        1
    );
    let police = staff(&app, "police").await;
    let res = police
        .get(app.url(&format!("/staff/after-death/document/{doc}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_wrong_type_a_too_large_or_one_too_many_document_is_refused_and_nothing_half_stored() {
    let app = spawn_app().await;
    let (c, _) = resident(&app, 740).await;
    let case = apply(&app, &c, &deceased(4), PLAIN).await;
    let t = task(&app, &c, &case, "basic_funeral_services").await;
    let id = t["id"].as_str().unwrap();
    let before = stored_files(&app);

    let (_, to) = upload(
        &app,
        &c,
        id,
        "funeral_invoice",
        b"MZ\x90\x00 an executable named photo.jpg".to_vec(),
    )
    .await;
    assert!(to.contains("upload_error=DocumentType"), "{to}");
    let (_, to) = upload(&app, &c, id, "funeral_invoice", vec![]).await;
    assert!(to.contains("upload_error=DocumentDamaged"), "{to}");
    let mut big = PDF.to_vec();
    big.resize(app.setup.config.upload_max_bytes + 1, b' ');
    let (_, to) = upload(&app, &c, id, "funeral_invoice", big).await;
    assert!(to.contains("upload_error=DocumentTooLarge"), "{to}");
    let (_, to) = upload(&app, &c, id, "veteran_certificate", PDF.to_vec()).await;
    assert!(to.contains("upload_error=DocumentNotWanted"), "{to}");
    assert_eq!(stored_files(&app), before);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM case_documents").await, 0);

    // Ten at once: five land, the other five are one too many each, and their files are not
    // kept (on PostgreSQL six at once once all landed: the count was not under a lock).
    let ten =
        join_all((0..10).map(|_| upload(&app, &c, id, "funeral_invoice", PDF.to_vec()))).await;
    let refused = ten
        .iter()
        .filter(|(_, to)| to.contains("upload_error=TooManyDocuments"))
        .count();
    assert_eq!(refused, 5, "{ten:?}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM case_documents").await, 5);
    assert_eq!(stored_files(&app), before + 5);

    // The page says the refusal next to the field, in words.
    let page = app
        .get(
            &c,
            &format!("/after-death/bundle/{case}?task={id}&upload_error=DocumentType"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("只能上传照片（JPG、PNG）或 PDF 文件。"),
        "the refusal in words"
    );

    // Sent in the background (with JavaScript): the same refusals as JSON for the field, and
    // nothing stored.
    let (status, e) = upload_json(&app, &c, id, "funeral_invoice", b"MZ\x90\x00".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let text = e.to_string();
    assert!(
        text.contains("document") && text.contains("DocumentType"),
        "{text}"
    );
    let (status, e) = upload_json(&app, &c, id, "funeral_invoice", PDF.to_vec()).await;
    assert!(e.to_string().contains("TooManyDocuments"), "{status} {e}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM case_documents").await, 5);
}

#[tokio::test]
async fn an_upload_sent_in_the_background_answers_json_and_is_stored_once() {
    let app = spawn_app().await;
    let (c, _) = resident(&app, 745).await;
    let case = apply(&app, &c, &deceased(9), PLAIN).await;
    let t = task(&app, &c, &case, "basic_funeral_services").await;
    let id = t["id"].as_str().unwrap();
    let (status, body) = upload_json(&app, &c, id, "funeral_invoice", PDF.to_vec()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, serde_json::json!({}));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM case_documents").await, 1);
    let t = task(&app, &c, &case, "basic_funeral_services").await;
    assert_eq!(t["documents"].as_array().unwrap().len(), 1);
    // Someone else's task is not theirs, with or without JavaScript.
    let (other, _) = resident(&app, 746).await;
    let (status, _) = upload_json(&app, &other, id, "funeral_invoice", PDF.to_vec()).await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM case_documents").await, 1);
}

#[tokio::test]
async fn a_returned_item_waits_on_the_family_and_resubmission_resumes_its_time_limit() {
    let app = spawn_app().await;
    let (c, _) = resident(&app, 750).await;
    let case = apply(&app, &c, &deceased(5), PLAIN).await;
    let t = task(&app, &c, &case, "basic_funeral_services").await;
    let id = t["id"].as_str().unwrap().to_owned();
    let due_before = t["due_at"].as_i64().unwrap();
    let reviewer = staff(&app, "reviewer").await;

    // Illegal moves are refused by the desk: approving before accepting, paying nothing.
    assert_eq!(
        act(&app, &reviewer, &id, "approve", &[("amount", "100")]).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        act(&app, &reviewer, &id, "accept", &[]).await,
        StatusCode::OK
    );
    assert_eq!(
        act(&app, &reviewer, &id, "return", &[("reason", "")]).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        act(
            &app,
            &reviewer,
            &id,
            "return",
            &[("reason", "请上传火化费发票")]
        )
        .await,
        StatusCode::OK
    );
    let t = task(&app, &c, &case, "basic_funeral_services").await;
    assert_eq!(t["status"], "returned");
    assert_eq!(t["paused"], true);
    assert_eq!(t["reason"], "请上传火化费发票");
    // The family's message names the item and leads to it.
    let messages = json(app.call(&c, "account/messages", &[]).await).await;
    let returned = messages
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["topic"] == "after_death_returned")
        .expect("a message");
    let name = t["name_zh"].as_str().unwrap();
    assert!(
        returned["title"].as_str().unwrap().contains(name),
        "{returned}"
    );
    assert!(
        returned["link"]
            .as_str()
            .unwrap()
            .ends_with(&format!("#task-{id}")),
        "{returned}"
    );
    let affair: String =
        sqlx::query_scalar("SELECT status FROM affairs WHERE service = 'after_death'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(affair, "action");

    // Three days later (a Thursday to a Sunday: one working day passes) the family adds the
    // document and resubmits; the due instant moves by the working days it waited.
    app.advance(chrono::Duration::days(3));
    app.sign_in(&c, "13700000750").await;
    let reviewer = staff(&app, "reviewer").await;
    let (_, to) = upload(&app, &c, &id, "funeral_invoice", PDF.to_vec()).await;
    assert!(to.contains("uploaded="), "{to}");
    let res = app
        .call(
            &c,
            "after-death/resubmit",
            &[("case_id", &case), ("task_id", &id)],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let t = task(&app, &c, &case, "basic_funeral_services").await;
    assert_eq!(t["status"], "resubmitted");
    assert_eq!(t["paused"], false);
    assert!(
        t["due_at"].as_i64().unwrap() > due_before,
        "the limit resumed later: {t}"
    );
    // A second resubmission is refused, not applied twice.
    let res = app
        .call(
            &c,
            "after-death/resubmit",
            &[("case_id", &case), ("task_id", &id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let view = json(
        app.call(&reviewer, "after-death/task", &[("id", &id)])
            .await,
    )
    .await;
    assert_eq!(
        view["data"]["history"].as_array().unwrap().len(),
        3,
        "{view}"
    );
}

#[tokio::test]
async fn a_large_subsidy_needs_a_second_approver_pays_once_and_the_batch_total_is_what_was_approved(
) {
    let app = spawn_app().await;
    let (c, _) = resident(&app, 760).await;
    let case = apply(&app, &c, &deceased(6), &[("burial", "sea")]).await;
    let reviewer = staff(&app, "reviewer").await;
    let finance = staff(&app, "finance").await;
    let basic = task(&app, &c, &case, "basic_funeral_services").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let eco = task(&app, &c, &case, "eco_burial_reward").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for t in [&basic, &eco] {
        assert_eq!(act(&app, &reviewer, t, "accept", &[]).await, StatusCode::OK);
    }
    // Above the cap is refused; at most the cap is approved.
    assert_eq!(
        act(&app, &reviewer, &basic, "approve", &[("amount", "1600.01")]).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        act(
            &app,
            &reviewer,
            &basic,
            "approve",
            &[("amount", "1,234.50")]
        )
        .await,
        StatusCode::OK
    );
    // 3,000元 is above the 2,000元 threshold: four eyes.
    assert_eq!(
        act(&app, &reviewer, &eco, "approve", &[("amount", "3000")]).await,
        StatusCode::OK
    );

    // The reviewer cannot be their own second approver; paying before the second approval is refused.
    let res = app
        .call(&reviewer, "after-death/second", &[("task_id", &eco)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("SameApprover"));
    assert_eq!(
        app.call(&finance, "after-death/pay", &[("task_id", &eco)])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A resident is not staff; a reviewer cannot pay.
    assert_ne!(
        app.call(&c, "after-death/pay", &[("task_id", &basic)])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.call(&reviewer, "after-death/pay", &[("task_id", &basic)])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    let res = app
        .call(&finance, "after-death/second", &[("task_id", &eco)])
        .await;
    assert!(res.status().is_success(), "{}", res.status());

    // Ten clicks of "pay" on each, at once: each is paid once.
    let clicks = join_all((0..10).flat_map(|_| [&basic, &eco]).map(|t| {
        let (app, finance) = (&app, &finance);
        async move {
            app.call(finance, "after-death/pay", &[("task_id", t)])
                .await
        }
    }))
    .await;
    assert!(
        clicks.iter().all(|r| r.status().is_success()),
        "{:?}",
        clicks.iter().map(|r| r.status()).collect::<Vec<_>>()
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM case_payments WHERE status = 'paid'"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM case_task_events WHERE to_status = 'done'"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE topic = 'after_death_paid'"
        )
        .await,
        2
    );

    let t = task(&app, &c, &case, "eco_burial_reward").await;
    assert_eq!(t["status"], "done");
    assert_eq!(t["paid_on"], "2026-11-23");

    // The day's batch: both lines and a total equal to the approved amounts, in CSV and XLSX.
    let csv = finance
        .get(app.url("/staff/after-death/payments/2026-11-23.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    assert!(
        text.contains("6222021234567890128"),
        "the batch carries the card for the bank"
    );
    let total = text.lines().last().unwrap();
    assert!(total.contains("4234.50,423450"), "{text}");
    let xlsx = finance
        .get(app.url("/staff/after-death/payments/2026-11-23.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    // Read back with an independent reader: one row per payment, the total row equal to their
    // sum and to what was approved, in fen and in yuan, the card kept as text.
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX workbook");
    use calamine::{DataType, Reader};
    assert_eq!(book.sheet_names(), vec!["2026-11-23".to_owned()]);
    let sheet = book.worksheet_range("2026-11-23").unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    assert_eq!(rows.len(), 4, "a header, two payments and the total");
    let fen = |r: &[calamine::Data]| r[6].as_f64().unwrap() as i64;
    let yuan_cents = |r: &[calamine::Data]| (r[5].as_f64().unwrap() * 100.0).round() as i64;
    let lines = &rows[1..3];
    let total = rows[3];
    assert_eq!(total[1].get_string(), Some("合计"));
    assert_eq!(total[2].get_string(), Some("2 笔"));
    let approved = count(
        &app,
        "SELECT CAST(SUM(fen) AS BIGINT) FROM case_payments WHERE status = 'paid'",
    )
    .await;
    assert_eq!(lines.iter().map(|r| fen(r)).sum::<i64>(), approved);
    assert_eq!(fen(total), approved);
    assert_eq!(fen(total), 423450);
    assert_eq!(yuan_cents(total), 423450);
    for l in lines {
        assert_eq!(fen(l), yuan_cents(l));
        assert_eq!(l[0].get_string(), Some("2026-11-23"));
    }
    assert!(
        lines
            .iter()
            .any(|l| l[4].get_string() == Some("6222021234567890128")),
        "the card as text, every digit"
    );
    assert_eq!(
        reviewer
            .get(app.url("/staff/after-death/payments/2026-11-23.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'after_death.batch.download'"
        )
        .await,
        2
    );
    assert!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'after_death.payment.paid'"
        )
        .await
            == 2
    );
}

#[tokio::test]
async fn bad_input_gets_a_field_error_and_never_a_server_error() {
    let app = spawn_app().await;
    let (c, own) = resident(&app, 770).await;
    let step = |name: &'static str, id: String, died: &'static str, cert: &'static str| {
        let (app, c) = (&app, &c);
        async move {
            let res = app
                .call(
                    c,
                    "after-death/deceased",
                    &[
                        ("deceased_name", name),
                        ("deceased_id_number", &id),
                        ("died_on", died),
                        ("certificate_no", cert),
                        ("relationship", "spouse"),
                        ("district", "haishu"),
                    ],
                )
                .await;
            (res.status(), res.text().await.unwrap())
        }
    };
    let cases = [
        step("王老伯", "123".into(), "2026-11-20", "D3302032026").await,
        step("王老伯", deceased(7), "2027-01-01", "D3302032026").await,
        step("王老伯", deceased(7), "1939-01-01", "D3302032026").await,
        step("王老伯", deceased(7), "+262142-12-31", "D3302032026").await,
        step("王老伯", deceased(7), "2026-11-20", "ab").await,
        step("", deceased(7), "2026-11-20", "D3302032026").await,
    ];
    for (status, body) in &cases {
        assert_eq!(*status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    assert!(cases[1].1.contains("DiedOnInvalid") && cases[2].1.contains("DiedOnInvalid"));
    assert!(cases[4].1.contains("CertificateNoInvalid"));
    // One's own ID number is refused when submitting.
    draft(&app, &c, &own, PLAIN).await;
    let res = app
        .call(
            &c,
            "after-death/submit",
            &[
                ("account_name", "王小明"),
                ("account_card", "6222021234567890128"),
                ("idem_key", "own"),
            ],
        )
        .await;
    assert!(res.text().await.unwrap().contains("OwnIdNumber"));
    // A subsidy applies: without an account, or with a wrong card number, it is refused.
    draft(&app, &c, &deceased(8), PLAIN).await;
    let res = app
        .call(&c, "after-death/submit", &[("idem_key", "no-account")])
        .await;
    assert!(res.text().await.unwrap().contains("AccountRequired"));
    let res = app
        .call(
            &c,
            "after-death/submit",
            &[
                ("account_name", "王小明"),
                ("account_card", "6222021234567890129"),
                ("idem_key", "bad-card"),
            ],
        )
        .await;
    assert!(res.text().await.unwrap().contains("BankCardInvalid"));
    // Without a draft, the later steps say so.
    let fresh = new_client();
    let (c2, _) = resident(&app, 771).await;
    let res = app.call(&c2, "after-death/questions", PLAIN).await;
    assert!(res.text().await.unwrap().contains("DraftExpired"));
    assert_eq!(
        app.call(&fresh, "after-death/mine", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Pages answer, in both steps, without a server error.
    for path in [
        "/after-death",
        "/after-death/apply",
        "/after-death/apply?step=questions",
        "/after-death/apply?step=review",
        "/after-death/bundle/nope",
    ] {
        let res = app.get(&c, path).await;
        assert!(!res.status().is_server_error(), "{path}: {}", res.status());
    }
}
