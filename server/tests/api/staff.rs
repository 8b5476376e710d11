//! Staff sign-in, roles, staff accounts and the audit log, over HTTP.

use crate::helpers::{error_json, new_client, spawn_app};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_resident_cannot_open_staff_pages_or_server_functions() {
    let app = spawn_app().await;
    let c = new_client();
    app.sign_in(&c, "13600000001").await;
    for page in ["/staff", "/staff/accounts", "/staff/audit"] {
        assert_eq!(
            app.get(&c, page).await.status(),
            StatusCode::FORBIDDEN,
            "{page}"
        );
    }
    for endpoint in ["staff/list", "staff/audit", "staff/units"] {
        let res = app.call(&c, endpoint, &[]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{endpoint}");
    }
    let res = app
        .call(
            &c,
            "staff/create",
            &[
                ("username", "evil"),
                ("display_name", "x"),
                ("password", "0123456789"),
                ("role", "administrator"),
                ("unit_id", "bureau-haishu"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_visitor_is_sent_to_the_staff_sign_in() {
    let app = spawn_app().await;
    let c = new_client();
    let res = app.get(&c, "/staff/audit").await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/staff/signin?next=/staff/audit");
    assert_eq!(
        app.call(&c, "staff/list", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_saying_which_part_was_wrong() {
    let app = spawn_app().await;
    let c = new_client();
    for (user, pass) in [
        ("admin", "wrong-password"),
        ("nobody", "demo-password-2026"),
    ] {
        let res = app
            .call(
                &c,
                "staff/sign_in",
                &[("username", user), ("password", pass), ("next", "/staff")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            error_json(res).await["Invalid"],
            json!({"field": "password", "code": "CredentialsInvalid"})
        );
    }
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_username_for_a_while() {
    let app = spawn_app().await;
    let c = new_client();
    for _ in 0..10 {
        app.call(
            &c,
            "staff/sign_in",
            &[
                ("username", "clerk"),
                ("password", "guess-guess"),
                ("next", "/staff"),
            ],
        )
        .await;
    }
    let res = app
        .call(
            &c,
            "staff/sign_in",
            &[
                ("username", "clerk"),
                ("password", "demo-password-2026"),
                ("next", "/staff"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    app.advance(chrono::Duration::minutes(16));
    let res = app
        .call(
            &c,
            "staff/sign_in",
            &[
                ("username", "clerk"),
                ("password", "demo-password-2026"),
                ("next", "/staff"),
            ],
        )
        .await;
    assert!(res.status().is_success());
}

#[tokio::test]
async fn an_administrator_creates_staff_and_every_action_is_audited() {
    let app = spawn_app().await;
    let admin = new_client();
    app.staff_sign_in(&admin, "admin").await;
    let res = app
        .call(
            &admin,
            "staff/create",
            &[
                ("username", "Clerk.Two"),
                ("display_name", "登记员 二"),
                ("password", "a-long-password"),
                ("role", "registry_clerk"),
                ("unit_id", "office-haishu"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let created: serde_json::Value = res.json().await.unwrap();
    assert_eq!(created["username"], "clerk.two");

    // The new clerk can sign in, but cannot create staff or read the audit log.
    let clerk = new_client();
    let res = app
        .call(
            &clerk,
            "staff/sign_in",
            &[
                ("username", "clerk.two"),
                ("password", "a-long-password"),
                ("next", "/staff"),
            ],
        )
        .await;
    assert!(res.status().is_success());
    let me: serde_json::Value = app
        .call(&clerk, "staff/me", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "RegistryClerk");
    assert_eq!(me["unit"]["id"], "office-haishu");
    assert_eq!(
        app.call(&clerk, "staff/audit", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(&clerk, "staff/list", &[]).await.status(),
        StatusCode::FORBIDDEN
    );

    let auditor = new_client();
    app.staff_sign_in(&auditor, "auditor").await;
    let log: serde_json::Value = app
        .call(&auditor, "staff/audit", &[])
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<(String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("admin", "staff.sign_in"),
        ("admin", "staff.create"),
        ("clerk.two", "staff.sign_in"),
        ("auditor", "staff.sign_in"),
    ] {
        assert!(
            actions.contains(&(expected.0.into(), expected.1.into())),
            "{expected:?} in {actions:?}"
        );
    }
    // Every entry made over HTTP records where it came from.
    for e in log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] != "system")
    {
        assert_eq!(e["client"], "127.0.0.1", "{e}");
    }
    // Reading the log is itself audited.
    let log: serde_json::Value = app
        .call(&auditor, "staff/audit", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log[0]["action"], "audit.read");
}

#[tokio::test]
async fn staff_accounts_are_checked_before_they_are_created() {
    let app = spawn_app().await;
    let admin = new_client();
    app.staff_sign_in(&admin, "admin").await;
    let cases = [
        (
            (
                "clerk",
                "重名",
                "a-long-password",
                "registry_clerk",
                "office-haishu",
            ),
            json!({"field": "username", "code": "UsernameTaken"}),
        ),
        (
            (
                "x",
                "短名",
                "a-long-password",
                "registry_clerk",
                "office-haishu",
            ),
            json!({"field": "username", "code": "UsernameInvalid"}),
        ),
        (
            (
                "newclerk",
                "新人",
                "short",
                "registry_clerk",
                "office-haishu",
            ),
            json!({"field": "password", "code": "PasswordTooShort"}),
        ),
        (
            (
                "newclerk",
                "新人",
                "a-long-password",
                "registry_clerk",
                "canteen-ximen",
            ),
            json!({"field": "unit_id", "code": "ScopeUnknown"}),
        ),
        (
            (
                "newclerk",
                "新人",
                "a-long-password",
                "registry_clerk",
                "no-such-unit",
            ),
            json!({"field": "unit_id", "code": "ScopeUnknown"}),
        ),
        (
            (
                "newclerk",
                "",
                "a-long-password",
                "registry_clerk",
                "office-haishu",
            ),
            json!({"field": "display_name", "code": "Required"}),
        ),
    ];
    for ((u, n, p, r, unit), expected) in cases {
        let res = app
            .call(
                &admin,
                "staff/create",
                &[
                    ("username", u),
                    ("display_name", n),
                    ("password", p),
                    ("role", r),
                    ("unit_id", unit),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{u} {unit}");
        assert_eq!(error_json(res).await["Invalid"], expected, "{u} {unit}");
    }
}

#[tokio::test]
async fn the_admin_subcommand_creates_an_administrator_who_can_sign_in() {
    let app = spawn_app().await;
    let staff = server::desks::staff::staff_desk(&app.setup);
    server::demo::create_admin(&staff, "chief", "主任", "chief-password-1")
        .await
        .unwrap();
    assert!(
        server::demo::create_admin(&staff, "chief", "主任", "chief-password-1")
            .await
            .is_err(),
        "no duplicate"
    );
    assert!(
        server::demo::create_admin(&staff, "weak", "主任", "short")
            .await
            .is_err(),
        "weak password refused"
    );
    let c = new_client();
    let res = app
        .call(
            &c,
            "staff/sign_in",
            &[
                ("username", "chief"),
                ("password", "chief-password-1"),
                ("next", "/staff"),
            ],
        )
        .await;
    assert!(res.status().is_success());
    let me: serde_json::Value = app.call(&c, "staff/me", &[]).await.json().await.unwrap();
    assert_eq!(me["role"], "Administrator");
}
