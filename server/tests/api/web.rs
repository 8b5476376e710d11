//! The web edge (issues 10 and 11): body and time limits that always answer, the
//! Content-Security-Policy with a fresh nonce per page, and static assets compressed once at
//! build time with the caching they deserve.

use crate::helpers::{new_client, spawn_app, spawn_app_with};
use reqwest::{header, StatusCode};
use server::sms::SmsGateway;
use std::time::Duration;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Sends `head` (the request line and headers, without the blank line), then `body` chunk by
/// chunk as `Transfer-Encoding: chunked`, while reading the answer as a client does; returns
/// everything the server sent before it closed or went quiet for `quiet`.
async fn raw_chunked(
    addr: std::net::SocketAddr,
    head: &str,
    chunks: Vec<Vec<u8>>,
    pause: Duration,
    quiet: Duration,
) -> String {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let head = format!("{head}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    let writer = tokio::spawn(async move {
        wr.write_all(head.as_bytes()).await?;
        for c in chunks {
            wr.write_all(format!("{:x}\r\n", c.len()).as_bytes())
                .await?;
            wr.write_all(&c).await?;
            wr.write_all(b"\r\n").await?;
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
        }
        wr.write_all(b"0\r\n\r\n").await?;
        wr.flush().await?;
        // Keep the write half open: closing it would tell the server the request ended.
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok::<_, std::io::Error>(wr)
    });
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match tokio::time::timeout(quiet, rd.read(&mut buf)).await {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Ok(Err(e)) => {
                got.extend_from_slice(format!("\n<<read error: {e}>>").as_bytes());
                break;
            }
        }
    }
    writer.abort();
    String::from_utf8_lossy(&got).into_owned()
}

fn request_code_head(addr: std::net::SocketAddr, accept: &str) -> String {
    format!(
        "POST /api/account/request_code HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nAccept: {accept}"
    )
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_answered_413_like_a_sized_one() {
    let app = spawn_app().await;
    // 200 KB in 50 chunks of 4 KB, no Content-Length: over MAX_BODY_BYTES (64 KB).
    let mut chunks = vec![b"phone=".to_vec()];
    chunks.extend((0..50).map(|_| vec![b'1'; 4096]));
    let answer = raw_chunked(
        app.addr,
        &request_code_head(app.addr, "application/json"),
        chunks,
        Duration::ZERO,
        Duration::from_secs(10),
    )
    .await;
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "expected 413, got: {:?}",
        &answer[..answer.len().min(300)]
    );
}

#[tokio::test]
async fn a_chunked_body_within_the_limit_still_reaches_the_server_function() {
    let app = spawn_app().await;
    let chunks = vec![
        b"phone=135".to_vec(),
        b"0000".to_vec(),
        b"0042&next=%2F".to_vec(),
    ];
    let answer = raw_chunked(
        app.addr,
        &request_code_head(app.addr, "application/json"),
        chunks,
        Duration::ZERO,
        Duration::from_secs(10),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(app.sms.last_code("13500000042").is_some(), "{answer}");
}

/// A request whose body stops coming is answered 408 when its time is up, with a page a
/// browser can show; the connection is not left hanging.
#[tokio::test]
async fn a_body_that_stops_coming_is_answered_408_when_the_time_is_up() {
    let app = spawn_app_with(|c| c.request_timeout_secs = 1).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "{}\r\nContent-Length: 100\r\n\r\nphone=1350",
        request_code_head(app.addr, "text/html,application/xhtml+xml")
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    let mut got = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut got))
        .await
        .expect("the server answered and closed within 10 s")
        .unwrap();
    let got = String::from_utf8_lossy(&got);
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "not before the time was up"
    );
    assert!(got.contains("text/html"), "{got}");
    assert!(
        got.contains("请求没有及时送达") && got.contains("did not arrive in time"),
        "{got}"
    );
}

/// An SMS gateway that takes its time.
struct SlowSms(Duration);

#[async_trait::async_trait]
impl SmsGateway for SlowSms {
    async fn send_code(&self, _: &app::rules::phone::Phone, _: &str) -> anyhow::Result<()> {
        tokio::time::sleep(self.0).await;
        Ok(())
    }
    async fn send_notice(&self, _: &str, _: &str) -> anyhow::Result<()> {
        Ok(())
    }
}

/// A server function that cannot finish in time is answered 503: the `AppError` JSON for the
/// hydrated app, a short page in both languages for a form posted without JavaScript.
#[tokio::test]
async fn a_server_function_that_takes_too_long_is_answered_503_in_time() {
    let mut test = crate::helpers::test_state(|_| {}).await;
    let config = {
        let mut c = crate::helpers::test_config();
        c.app_env = server::config::AppEnv::Development;
        c.request_timeout_secs = 1;
        c
    };
    test.state = server::AppState::new(
        &config,
        server::Parts {
            db: test.db.clone(),
            clock: test.clock.clone(),
            sms: std::sync::Arc::new(SlowSms(Duration::from_secs(20))),
            calendar: std::sync::Arc::new(app::rules::calendar::WorkCalendar::china()),
            peak_days: std::sync::Arc::new(app::appointments::peak::PeakDays::shipped()),
        },
    );
    let app = crate::helpers::serve(test).await;
    let c = new_client();
    let started = std::time::Instant::now();
    let res = app
        .call(
            &c,
            "account/request_code",
            &[("phone", "13500000043"), ("next", "/")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(res.headers().contains_key(header::RETRY_AFTER));
    let err: app::error::AppError = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert_eq!(err, app::error::AppError::Internal);

    let res = app
        .post_page_form(
            &c,
            "account/request_code",
            "/signin",
            &[("phone", "13500000044"), ("next", "/")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = res.text().await.unwrap();
    assert!(
        page.contains("服务器暂时忙不过来") && page.contains("The server is busy"),
        "{page}"
    );
}

/// The nonce a page's Content-Security-Policy allows, and the page.
async fn page_and_nonce(app: &crate::helpers::TestApp, path: &str) -> (StatusCode, String, String) {
    let res = app.get(&new_client(), path).await;
    let status = res.status();
    let csp = res
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap_or_else(|| panic!("{path}: no Content-Security-Policy"))
        .to_str()
        .unwrap()
        .to_owned();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("{path}: no nonce in {csp}"))
        .to_owned();
    for directive in [
        "'strict-dynamic'",
        "'wasm-unsafe-eval'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(
            csp.contains(directive),
            "{path}: {directive} missing in {csp}"
        );
    }
    assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
    (status, nonce, res.text().await.unwrap())
}

/// Every `<script` tag of `html` carries `nonce`; returns how many there are.
fn scripts_carry(html: &str, nonce: &str) -> usize {
    let tags: Vec<&str> = html
        .match_indices("<script")
        .map(|(i, _)| &html[i..i + html[i..].find('>').unwrap() + 1])
        .collect();
    for tag in &tags {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "a script without the page's nonce: {tag}"
        );
    }
    tags.len()
}

/// Each page comes with a Content-Security-Policy whose nonce is new for every answer and is
/// the one every script of that page carries (the hydration scripts and the streamed ones).
#[tokio::test]
async fn every_page_has_a_content_security_policy_with_a_fresh_nonce_its_scripts_carry() {
    let app = spawn_app().await;
    let (status, first, html) = page_and_nonce(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        scripts_carry(&html, &first) >= 1,
        "the hydration script is there"
    );
    let (_, second, _) = page_and_nonce(&app, "/").await;
    assert_ne!(first, second, "a nonce is never used twice");
    assert!(first.len() >= 22, "at least 128 bits: {first}");
    for path in [
        "/signin",
        "/staff/signin",
        "/marriage",
        "/divorce",
        "/no/such/page",
    ] {
        let (_, nonce, html) = page_and_nonce(&app, path).await;
        assert!(scripts_carry(&html, &nonce) >= 1, "{path}");
        assert!(
            !html.contains(" style=\""),
            "{path}: an inline style attribute"
        );
        assert!(
            !html.contains(" onclick="),
            "{path}: an inline event handler"
        );
    }
    // Answers that are not HTML need no policy.
    let res = app.get(&new_client(), "/healthz").await;
    assert!(!res.headers().contains_key(header::CONTENT_SECURITY_POLICY));
}

/// A site root as `scripts/build.sh` leaves it, in small: `pkg/mz.css` with its brotli and
/// gzip copies (recognisable fake bytes), `pkg/mz.js` without copies, an icon.
fn fake_site() -> String {
    let root = std::env::temp_dir().join(format!("mz-site-{}", server::desks::new_id()));
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::create_dir_all(root.join("icons")).unwrap();
    std::fs::write(pkg.join("mz.css"), "body { color: #222 }\n".repeat(50)).unwrap();
    std::fs::write(pkg.join("mz.css.br"), b"fake brotli bytes").unwrap();
    std::fs::write(pkg.join("mz.css.gz"), b"fake gzip bytes").unwrap();
    std::fs::write(
        pkg.join("mz.js"),
        "export function hydrate() {}\n".repeat(50),
    )
    .unwrap();
    std::fs::write(
        root.join("icons/icon.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    root.display().to_string()
}

async fn get_with(
    app: &crate::helpers::TestApp,
    path: &str,
    accept_encoding: &str,
) -> reqwest::Response {
    let mut req = new_client().get(app.url(path));
    if !accept_encoding.is_empty() {
        req = req.header(header::ACCEPT_ENCODING, accept_encoding);
    }
    req.send().await.unwrap()
}

fn headers_of(res: &reqwest::Response, name: header::HeaderName) -> String {
    res.headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Pages link the build's assets at an address that names the build; there they come as
/// compressed at build time (brotli or gzip, as the browser accepts), never compressed again,
/// and are cached for good.
#[tokio::test]
async fn the_build_s_assets_come_precompressed_and_are_cached_for_good() {
    let app = spawn_app_with(|c| c.site_root = fake_site()).await;
    let page = app.get(&new_client(), "/").await.text().await.unwrap();
    let css = page
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|href| href.ends_with("/pkg/mz.css"))
        .unwrap_or_else(|| panic!("no stylesheet in {page}"))
        .to_owned();
    let build = css
        .strip_prefix("/v/")
        .and_then(|s| s.strip_suffix("/pkg/mz.css"))
        .unwrap_or_else(|| panic!("the stylesheet's address names no build: {css}"));
    assert!(!build.is_empty() && !build.contains('/'), "{css}");
    assert!(
        page.contains(&format!("href=\"/v/{build}/pkg/mz.js\"")),
        "the app's module comes from the same build: {page}"
    );

    for (accept, encoding, body) in [
        ("br", Some("br"), &b"fake brotli bytes"[..]),
        ("gzip, deflate, br", Some("br"), b"fake brotli bytes"),
        ("gzip", Some("gzip"), b"fake gzip bytes"),
        ("", None, b"body { color: #222 }\n"),
    ] {
        let res = get_with(&app, &css, accept).await;
        assert_eq!(res.status(), StatusCode::OK, "{accept}");
        assert_eq!(
            res.headers()
                .get(header::CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap()),
            encoding,
            "Accept-Encoding: {accept}"
        );
        assert_eq!(
            headers_of(&res, header::CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        assert!(
            headers_of(&res, header::VARY)
                .to_lowercase()
                .contains("accept-encoding"),
            "{accept}: Vary {:?}",
            headers_of(&res, header::VARY)
        );
        assert!(res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css"));
        assert!(res.bytes().await.unwrap().starts_with(body), "{accept}");
    }

    // A file built without compressed copies is sent as it is, not compressed per request.
    let res = get_with(&app, &format!("/v/{build}/pkg/mz.js"), "br, gzip").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get(header::CONTENT_ENCODING).is_none());
    // Pages are still compressed per request.
    let res = get_with(&app, "/", "br").await;
    assert_eq!(headers_of(&res, header::CONTENT_ENCODING), "br");
    assert!(res.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    // A file the build does not have is a 404.
    let res = get_with(&app, &format!("/v/{build}/pkg/nothing.wasm"), "br").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// Files at addresses that do not name the build may change: `/pkg/…` and an older build's
/// address are asked again each time, the icons and the manifest after a day; both are
/// answered 304 while unchanged.
#[tokio::test]
async fn site_files_at_other_addresses_are_revalidated() {
    let app = spawn_app_with(|c| c.site_root = fake_site()).await;
    for (path, policy) in [
        ("/pkg/mz.css", "no-cache"),
        ("/v/0123456789abcdef/pkg/mz.css", "no-cache"),
        ("/icons/icon.svg", "public, max-age=86400"),
    ] {
        let res = get_with(&app, path, "br").await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(headers_of(&res, header::CACHE_CONTROL), policy, "{path}");
        assert!(headers_of(&res, header::VARY)
            .to_lowercase()
            .contains("accept-encoding"));
        let modified = res.headers()[header::LAST_MODIFIED].clone();
        let again = new_client()
            .get(app.url(path))
            .header(header::ACCEPT_ENCODING, "br")
            .header(header::IF_MODIFIED_SINCE, modified)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(headers_of(&again, header::CACHE_CONTROL), policy, "{path}");
    }
    let res = get_with(&app, "/pkg/mz.css", "br").await;
    assert_eq!(headers_of(&res, header::CONTENT_ENCODING), "br");
}
