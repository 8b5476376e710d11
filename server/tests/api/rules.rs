//! 规则说明 over real HTTP: every rule page answers in both languages with the values its
//! service decides with (policy files, code constants, each office's stored settings), a
//! decision page links to its rule, and the read-aloud script comes with elder mode only.

use crate::helpers::{id_number, json, new_client, spawn_app, TestApp};
use app::{
    i18n::Locale, marriage::model::legal_marriage_age, rules::id_number::Sex, ui::format::money,
};
use reqwest::{header, Client, StatusCode};

/// A page as a browser with these cookies gets it.
async fn page(app: &TestApp, path: &str, cookies: &str) -> (StatusCode, String) {
    let res = new_client()
        .get(app.url(path))
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, cookies)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

fn lang(locale: Locale) -> String {
    format!("mz_lang={}", locale.tag())
}

#[tokio::test]
async fn every_rule_page_answers_in_both_languages_with_values_read_from_its_rule_data() {
    let app = spawn_app().await;
    // An office's own settings: the page must show what is stored, not a default.
    sqlx::query(
        "UPDATE registry_offices SET window_first_day = 2, window_last_day = 45, hold_hours = 12, cutoff_hours = 48",
    )
    .execute(app.db.pool())
    .await
    .unwrap();
    let meals = app::meals::policy::Policies::shipped();
    let meals = meals.district("haishu").unwrap();
    let timebank = app::timebank::policy::Policies::shipped();
    let timebank = timebank.district("haishu").unwrap();
    let after_death = app::after_death::policy::Policies::shipped();
    let after_death = after_death.district("haishu").unwrap();
    let tier = |l| money(meals.tiers[0].per_meal, l);
    let star_hours = |i: usize| (timebank.stars[i].minutes / 60).to_string();
    let male_age = legal_marriage_age(Sex::Male).to_string();
    let cases: Vec<(&str, Locale, Vec<String>)> = vec![
        (
            "/rules",
            Locale::ZhCn,
            [
                "规则说明",
                "/rules/marriage",
                "/rules/divorce",
                "/rules/after-death",
                "/rules/meals",
                "/rules/timebank",
            ]
            .map(String::from)
            .to_vec(),
        ),
        ("/rules", Locale::En, vec!["Rules explained".into()]),
        (
            "/rules/marriage",
            Locale::ZhCn,
            vec![
                format!("年满{male_age}周岁"),
                "今天之后第2天至第45天".into(),
                "12小时".into(),
                "预约开始前48小时".into(),
                "2026年11月25日 周三".into(),
            ],
        ),
        (
            "/rules/marriage",
            Locale::En,
            vec![
                format!("{male_age} years or older"),
                "From day 2 to day 45 after today".into(),
                "Peak days in 2026".into(),
            ],
        ),
        (
            "/rules/divorce",
            Locale::ZhCn,
            vec![
                format!(
                    "{}日，从收到申请的次日起算",
                    app::divorce::model::COOLING_OFF_DAYS
                ),
                "国庆节假期".into(),
            ],
        ),
        (
            "/rules/divorce",
            Locale::En,
            vec!["Certificate window".into()],
        ),
        (
            "/rules/meals",
            Locale::ZhCn,
            vec![
                format!("年满{}周岁", meals.tiers[0].min_age),
                tier(Locale::ZhCn),
                format!("最多补贴{}餐", meals.caps.per_week),
                "（演示数值）".into(),
            ],
        ),
        (
            "/rules/meals",
            Locale::En,
            vec![tier(Locale::En), "(demo figure)".into()],
        ),
        (
            "/rules/timebank",
            Locale::ZhCn,
            vec![
                format!("满{}小时", star_hours(0)),
                format!("满{}小时", star_hours(4)),
                format!("{}小时", timebank.storage_cap_minutes / 60),
            ],
        ),
        (
            "/rules/timebank",
            Locale::En,
            vec![format!("{} h", star_hours(0)), "Priority elders".into()],
        ),
        (
            "/rules/after-death",
            Locale::ZhCn,
            after_death
                .items
                .iter()
                .map(|i| i.name_zh.clone())
                .chain(["逝者生前领取养老金".into(), "5个工作日".into()])
                .collect(),
        ),
        (
            "/rules/after-death",
            Locale::En,
            vec![
                after_death.items[0].name_en.clone(),
                "5 working days".into(),
            ],
        ),
    ];
    for (path, locale, wants) in cases {
        let (status, html) = page(&app, path, &lang(locale)).await;
        assert_eq!(status, StatusCode::OK, "{path} {locale:?}");
        assert!(
            html.contains(&format!("lang=\"{}\"", locale.tag())),
            "{path}"
        );
        for want in wants {
            let want = want.replace('\'', "&#x27;");
            assert!(html.contains(&want), "{path} {locale:?}: {want:?} missing");
        }
    }
    let (status, _) = page(&app, "/rules/no-such-service", &lang(Locale::ZhCn)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A signed-in elder (80 on the test clock) and her resident id.
async fn elder(app: &TestApp) -> (Client, String) {
    let c = new_client();
    app.sign_in(&c, "13800000777").await;
    let res = app
        .call(
            &c,
            "account/bind_real_name",
            &[
                ("name", "张桂英"),
                ("id_number", &id_number("33020319460101777")),
                ("next", "/"),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let home = json(app.call(&c, "meals/home", &[]).await).await;
    let id = home["choices"][0]["id"].as_str().unwrap().to_owned();
    (c, id)
}

#[tokio::test]
async fn the_meal_price_links_to_the_rule_that_made_it() {
    let app = spawn_app().await;
    let (c, me) = elder(&app).await;
    let path = format!(
        "/meals/menu?elder={me}&canteen={}&day=2026-11-24&meal=lunch",
        server::demo::CANTEEN
    );
    let res = app.get(&c, &path).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"/rules/meals#tiers\""), "{html}");
    assert!(html.contains("为什么是这个价格？"));
}

#[tokio::test]
async fn the_read_aloud_script_comes_with_elder_mode_only_and_carries_the_page_s_nonce() {
    let app = spawn_app().await;
    for (cookies, words) in [
        ("mz_elder=1; mz_lang=zh-CN", "data-read=\"朗读\""),
        ("mz_elder=1; mz_lang=en", "data-read=\"Listen\""),
    ] {
        let res = new_client()
            .get(app.url("/rules"))
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, cookies)
            .send()
            .await
            .unwrap();
        let csp = res.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .unwrap()
            .split('\'')
            .next()
            .unwrap()
            .to_owned();
        let html = res.text().await.unwrap();
        let tag = html
            .split("<script")
            .find(|t| t.contains("read-aloud.js"))
            .unwrap_or_else(|| panic!("no read-aloud script: {html}"));
        let tag = &tag[..tag.find('>').unwrap()];
        assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "{tag}");
        assert!(tag.contains(words) && tag.contains("defer"), "{tag}");
        // Nothing to tap in vain without JavaScript: the server renders no control.
        assert!(!html.contains("<button type=\"button\" class=\"mz-switch\""));
    }
    let (_, html) = page(&app, "/rules", "mz_elder=0").await;
    assert!(!html.contains("read-aloud.js"), "not in the standard mode");
}
