//! Whatever a client sends, the answer is a clear 4xx, never a 500 or a panic.

use crate::helpers::{new_client, spawn_app, test_state};
use reqwest::{header, StatusCode};
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

#[tokio::test]
async fn the_health_check_answers_when_the_database_does() {
    let app = spawn_app().await;
    let res = app.get(&new_client(), "/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn an_unknown_page_is_a_real_404_page() {
    let app = spawn_app().await;
    let res = app.get(&new_client(), "/no/such/page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("找不到这个页面") && body.contains("<html"),
        "{body}"
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let app = spawn_app().await;
    let big = "1".repeat(200 * 1024);
    let res = app
        .call(
            &new_client(),
            "account/request_code",
            &[("phone", &big), ("next", "/")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn malformed_requests_get_4xx() {
    let app = spawn_app().await;
    let c = new_client();
    let url = |p: &str| app.url(p);
    let cases: Vec<(&str, reqwest::RequestBuilder)> = vec![
        (
            "missing arguments",
            c.post(url("/api/account/request_code"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(""),
        ),
        (
            "garbage body",
            c.post(url("/api/account/verify_code"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body("%%%&&&=="),
        ),
        (
            "invalid utf-8",
            c.post(url("/api/account/bind_real_name"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(vec![0xff, 0xfe, 0x3d, 0xff]),
        ),
        (
            "json where a form is expected",
            c.post(url("/api/account/request_code"))
                .header(header::CONTENT_TYPE, "application/json")
                .body("{\"phone\":1}"),
        ),
        (
            "unknown server function",
            c.post(url("/api/account/does_not_exist")).body("a=b"),
        ),
        (
            "GET on a POST function",
            c.get(url("/api/account/request_code")),
        ),
        (
            "bad language",
            c.post(url("/api/prefs/lang")).form(&[("lang", "xx")]),
        ),
        ("bad percent-encoding in path", c.get(url("/%ff%fe"))),
    ];
    for (why, req) in cases {
        let res = req.send().await.unwrap();
        assert!(
            res.status().is_client_error(),
            "{why}: got {}",
            res.status()
        );
    }
}

#[tokio::test]
async fn hostile_values_in_every_form_never_cause_a_server_error() {
    let app = spawn_app().await;
    let c = new_client();
    app.sign_in(&c, "13500000001").await;
    let nasty = [
        "",
        " ",
        "'; DROP TABLE residents; --",
        "<script>alert(1)</script>",
        "\u{0}",
        "𠀀𠀀𠀀",
        "١٢٣٤٥٦",
        "-1",
        "99999999999999999999999",
        "%00",
        "../../etc/passwd",
        "x".repeat(5000).leak(),
    ];
    let endpoints: [(&str, &[&str]); 6] = [
        ("account/request_code", &["phone", "next"]),
        ("account/verify_code", &["code", "next"]),
        ("account/bind_real_name", &["name", "id_number", "next"]),
        ("staff/sign_in", &["username", "password", "next"]),
        ("prefs/elder", &["on"]),
        ("prefs/lang", &["lang"]),
    ];
    for (endpoint, fields) in endpoints {
        for v in nasty {
            let form: Vec<(&str, &str)> = fields.iter().map(|f| (*f, v)).collect();
            let res = app.call(&c, endpoint, &form).await;
            assert!(
                res.status().as_u16() < 500,
                "{endpoint} with {v:?}: {}",
                res.status()
            );
        }
    }
}

#[tokio::test]
async fn the_language_and_elder_mode_come_from_cookies_on_the_first_byte() {
    let app = spawn_app().await;
    let c = new_client();
    let res = app
        .post_page_form(&c, "prefs/lang", "/signin", &[("lang", "en")])
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let res = app
        .post_page_form(&c, "prefs/elder", "/signin", &[("on", "1")])
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let page = app.get(&c, "/signin").await.text().await.unwrap();
    assert!(
        page.contains(r#"<html lang="en" data-mode="elder">"#),
        "{}",
        &page[..200]
    );
    assert!(page.contains("Resident sign-in"));
    let page = new_client()
        .get(app.url("/"))
        .header(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"lang="en""#),
        "Accept-Language is followed when there is no cookie"
    );
}

/// Leptos generates the route list with every resource load in the process suppressed; a
/// router built while another serves (one per integration test, or a second instance in one
/// process) must not leave the pages being rendered waiting for ever.
#[tokio::test]
async fn pages_keep_rendering_while_another_router_is_built() {
    let app = spawn_app().await;
    let state = test_state(|_| {}).await.state;
    let stop = Arc::new(AtomicBool::new(false));
    let builder = std::thread::spawn({
        let stop = stop.clone();
        move || {
            // Rendering the app to list its routes spawns tasks: give it a runtime.
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let _in_runtime = rt.enter();
            let mut built = 0u32;
            while !stop.load(Ordering::Relaxed) {
                drop(server::build_app(state.clone()));
                built += 1;
            }
            built
        }
    });
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut answered = 0;
    while answered < 200 {
        let page = c
            .get(app.url("/signin"))
            .header(header::ACCEPT, "text/html")
            .send()
            .await;
        match page {
            Ok(res) if res.status() == StatusCode::OK => answered += 1,
            _ => break,
        }
    }
    stop.store(true, Ordering::Relaxed);
    let built = builder.join().unwrap();
    assert!(built > 0, "a router was built meanwhile");
    assert_eq!(answered, 200, "a page got no answer within 5 s");
}
