//! Two-factor authentication: enrolment, the second sign-in step, replay refusal,
//! recovery codes, rate limits, and the organization's requirement.

use crate::common::*;
use careops::{
    app::{
        account::{DisableTwoFactor, EnableTwoFactor, GetTwoFactor},
        auth::{ConfirmLoginEnrolment, GetLoginEnrolment, LogIn, VerifyLoginCode},
        settings::UpdateSecurityPolicy,
        GetCurrentUser,
    },
    server::auth::totp::code_for_base32,
};
use reqwest::{header, StatusCode};

const CHALLENGE: &str = "careops_challenge";

fn now() -> u64 {
    chrono::Utc::now().timestamp() as u64
}

/// Turns two-factor on for the browser's user; returns the secret, the recovery codes
/// and the time whose code confirmed it.
async fn enrol(app: &TestApp, browser: &Browser) -> (String, Vec<String>, u64) {
    let mut browser = browser.clone();
    let status = json(app.call::<GetTwoFactor>(&mut browser, &[]).await).await;
    assert_eq!(status["enabled"], false);
    let secret = status["enrolment"]["secret"].as_str().unwrap().to_owned();
    let codes: Vec<String> = serde_json::from_value(status["enrolment"]["recovery_codes"].clone()).unwrap();
    assert!(status["enrolment"]["qr_svg"].as_str().unwrap().contains("<svg"));

    // The page can be reloaded: the same secret until confirmed.
    let again = json(app.call::<GetTwoFactor>(&mut browser, &[]).await).await;
    assert_eq!(again["enrolment"]["secret"], secret.as_str());

    let at = now();
    let code = code_for_base32(&secret, at).unwrap();
    let response = app.call::<EnableTwoFactor>(&mut browser, &[("code", &code)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    (secret, codes, at)
}

/// The password step; returns the browser holding the challenge.
async fn password_step(app: &TestApp, email: &str) -> (reqwest::Response, Browser) {
    let mut browser = Browser::default();
    let response = app
        .call::<LogIn>(
            &mut browser,
            &[("email", email), ("password", PASSWORD), ("next", "/app/staff")],
        )
        .await;
    (response, browser)
}

#[tokio::test]
async fn enrolment_then_sign_in_needs_a_code_that_works_only_once() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let (secret, _, enrolled_at) = enrol(&app, &org.owner).await;

    let (response, mut browser) = password_step(&app, &org.owner_email).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::LOCATION],
        "/login/verify?next=%2Fapp%2Fstaff"
    );
    assert!(browser.cookies.contains_key(CHALLENGE));
    assert!(
        !browser.cookies.contains_key(ACCESS),
        "no session before the second step"
    );
    // The challenge is not a session.
    assert_eq!(
        app.call::<GetCurrentUser>(&mut browser, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let wrong = app
        .call::<VerifyLoginCode>(&mut browser, &[("code", "000000"), ("next", "/app")])
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The code that confirmed the enrolment was spent then.
    let spent = code_for_base32(&secret, enrolled_at).unwrap();
    let replay = app
        .call::<VerifyLoginCode>(&mut browser, &[("code", &spent), ("next", "/app")])
        .await;
    assert_eq!(
        replay.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a code already accepted is refused"
    );

    // The next time step's code (the app shows it within 30 s; one step of drift is allowed).
    let code = code_for_base32(&secret, enrolled_at + 30).unwrap();
    let response = app
        .call::<VerifyLoginCode>(&mut browser, &[("code", &code), ("next", "/app/staff")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::LOCATION], "/app/staff");
    assert!(browser.cookies.contains_key(ACCESS));
    assert!(!browser.cookies.contains_key(CHALLENGE), "the challenge is spent");
    assert_eq!(
        app.call::<GetCurrentUser>(&mut browser, &[]).await.status(),
        StatusCode::OK
    );

    // Another sign-in with that same code is refused.
    let (_, mut other) = password_step(&app, &org.owner_email).await;
    let replay = app
        .call::<VerifyLoginCode>(&mut other, &[("code", &code), ("next", "/app")])
        .await;
    assert_eq!(replay.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let (_, codes, _) = enrol(&app, &org.owner).await;
    assert_eq!(codes.len(), 10);

    let (_, mut browser) = password_step(&app, &org.owner_email).await;
    let typed = codes[3].to_lowercase().replace('-', " ");
    let response = app.call::<VerifyLoginCode>(&mut browser, &[("code", &typed)]).await;
    assert_eq!(response.status(), StatusCode::OK);

    let (_, mut again) = password_step(&app, &org.owner_email).await;
    let reused = app.call::<VerifyLoginCode>(&mut again, &[("code", &codes[3])]).await;
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let status = json(app.call::<GetTwoFactor>(&mut browser, &[]).await).await;
    assert_eq!(status["recovery_codes_left"], 9);
}

#[tokio::test]
async fn wrong_codes_are_rate_limited_with_retry_after() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    enrol(&app, &org.owner).await;
    let (_, mut browser) = password_step(&app, &org.owner_email).await;

    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = app.call::<VerifyLoginCode>(&mut browser, &[("code", "123456")]).await;
        statuses.push(response.status());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let wait: u64 = response.headers()[header::RETRY_AFTER]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&wait));
        }
    }
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    assert!(
        statuses[..5].iter().all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY),
        "{statuses:?}"
    );
    let failures: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'auth.second_factor_failed'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(failures, 5);
}

#[tokio::test]
async fn an_expired_or_forged_challenge_is_refused() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    enrol(&app, &org.owner).await;

    let mut forged = Browser::default();
    forged
        .cookies
        .insert(CHALLENGE.into(), "eyJhbGciOiJIUzI1NiJ9.e30.forged".into());
    let response = app.call::<VerifyLoginCode>(&mut forged, &[("code", "123456")]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // An access token is not a challenge either.
    let mut swapped = Browser::default();
    swapped
        .cookies
        .insert(CHALLENGE.into(), org.owner.cookies[ACCESS].clone());
    let response = app.call::<VerifyLoginCode>(&mut swapped, &[("code", "123456")]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn when_the_organization_requires_it_staff_set_it_up_at_sign_in() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let member = app.member(&org.owner, "receptionist", &[org.branch_id]).await;
    let mut owner = org.owner.clone();
    let policy = [
        ("require_two_factor", "on"),
        ("session_idle_minutes", "30"),
        ("session_max_hours", "12"),
    ];

    // The owner must have it first.
    let refused = app.call::<UpdateSecurityPolicy>(&mut owner, &policy).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    enrol(&app, &org.owner).await;
    let saved = app.call::<UpdateSecurityPolicy>(&mut owner, &policy).await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert_eq!(json(saved).await, 1, "the member's session ended");

    let mut old = member.browser.clone();
    assert_eq!(
        app.call::<GetCurrentUser>(&mut old, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let (response, mut browser) = password_step(&app, &member.email).await;
    assert_eq!(
        response.headers()[header::LOCATION],
        "/login/setup-2fa?next=%2Fapp%2Fstaff"
    );
    let enrolment = json(app.call::<GetLoginEnrolment>(&mut browser, &[]).await).await;
    let secret = enrolment["secret"].as_str().unwrap().to_owned();
    let wrong = app
        .call::<ConfirmLoginEnrolment>(&mut browser, &[("code", "000000")])
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let code = code_for_base32(&secret, now()).unwrap();
    let response = app
        .call::<ConfirmLoginEnrolment>(&mut browser, &[("code", &code), ("next", "/app")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let me = json(app.call::<GetCurrentUser>(&mut browser, &[]).await).await;
    assert_eq!(me["two_factor"], true);

    // Required, so it cannot be turned off.
    let code = code_for_base32(&secret, now() + 30).unwrap();
    let off = app.call::<DisableTwoFactor>(&mut browser, &[("code", &code)]).await;
    assert_eq!(off.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn turning_it_off_takes_a_current_code() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let (secret, _, enrolled_at) = enrol(&app, &org.owner).await;
    let mut owner = org.owner.clone();

    let wrong = app.call::<DisableTwoFactor>(&mut owner, &[("code", "000000")]).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let code = code_for_base32(&secret, enrolled_at + 30).unwrap();
    let off = app.call::<DisableTwoFactor>(&mut owner, &[("code", &code)]).await;
    assert_eq!(off.status(), StatusCode::OK);
    let (response, browser) = password_step(&app, &org.owner_email).await;
    assert_eq!(response.headers()[header::LOCATION], "/app/staff");
    assert!(browser.cookies.contains_key(ACCESS));
}
