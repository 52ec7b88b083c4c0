//! Sign-up, log-in, refresh and log-out, over HTTP against a real database.

use crate::common::*;
use careops::app::{GetCurrentUser, LogIn, LogOut, SignUp};
use leptos::server_fn::ServerFn;
use reqwest::{header, StatusCode};

#[tokio::test]
async fn sign_up_creates_the_organization_and_signs_the_owner_in() {
    let app = spawn_app().await;
    let mut browser = Browser::default();
    let email = unique_email();

    let response = app
        .call::<SignUp>(&mut browser, &sign_up_form(&email, "Zürich Physio"))
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::LOCATION], "/app");
    assert!(browser.cookies.contains_key(ACCESS) && browser.cookies.contains_key(REFRESH));

    let page = app.get(&mut browser, "/app").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for expected in ["Zürich Physio", "Harbour Street", "Ada Lovelace", "Europe/Berlin"] {
        assert!(html.contains(expected), "the app page should show {expected}");
    }

    let (slug, role): (String, String) = sqlx::query_as(
        "select o.slug, m.role from organizations o join memberships m on m.org_id = o.id where m.branch_id is null",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((slug.as_str(), role.as_str()), ("zurich-physio", "owner"));
}

#[tokio::test]
async fn a_clinic_signs_up_with_its_currency_address_and_phone() {
    let app = spawn_app().await;
    let sign_up = |email: String, zone: &'static str, currency: &'static str| {
        let app = &app;
        async move {
            let mut form = sign_up_form(&email, "Harbour Physio");
            form.retain(|(field, _)| *field != "timezone");
            form.extend([
                ("timezone", zone),
                ("currency", currency),
                ("address", " 14 Harbour Street, London SE1 9PG "),
                ("phone", "+44 20 7946 0321"),
            ]);
            app.call::<SignUp>(&mut Browser::default(), &form).await
        }
    };
    // The currency of the zone's country, unless one is chosen.
    for (zone, currency, kept) in [
        ("Europe/London", "", "GBP"),
        ("America/New_York", "auto", "USD"),
        ("Europe/London", "jpy", "JPY"),
    ] {
        let email = unique_email();
        let response = sign_up(email.clone(), zone, currency).await;
        assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
        let row: (String, String, String) = sqlx::query_as(
            "select o.currency, b.address, b.phone
             from users u join organizations o on o.id = u.org_id join branches b on b.org_id = o.id
             where u.email = $1",
        )
        .bind(&email)
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert_eq!(
            row,
            (
                kept.into(),
                "14 Harbour Street, London SE1 9PG".into(),
                "+44 20 7946 0321".into()
            )
        );
    }
    // A zone whose country is not known asks for the currency; a made-up one is refused.
    for (zone, currency, message) in [
        (
            "Asia/Kathmandu",
            "",
            "Choose the currency: the time zone does not tell it.",
        ),
        ("Europe/London", "XAU", "Choose a currency from the list."),
    ] {
        let response = sign_up(unique_email(), zone, currency).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = json(response).await;
        assert_eq!(body["Validation"][0]["field"], "currency", "{body}");
        assert_eq!(body["Validation"][0]["message"], message);
    }
}

#[tokio::test]
async fn signing_up_twice_with_one_email_is_refused_on_the_email_field() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "First Clinic").await;

    let mut browser = Browser::default();
    let response = app
        .call::<SignUp>(&mut browser, &sign_up_form(&email.to_uppercase(), "Second Clinic"))
        .await;

    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body = json(response).await;
    assert_eq!(body["Conflict"]["field"], "email");
    assert!(browser.cookies.is_empty(), "a refused sign-up signs nobody in");
    let orgs: i64 = sqlx::query_scalar("select count(*) from organizations")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(orgs, 1, "the refused sign-up left nothing behind");
}

#[tokio::test]
async fn invalid_sign_up_names_every_bad_field() {
    let app = spawn_app().await;
    let mut browser = Browser::default();

    let response = app
        .call::<SignUp>(
            &mut browser,
            &[
                ("org_name", "  "),
                ("branch_name", "Main"),
                ("timezone", "Mars/Olympus"),
                ("full_name", "Ada"),
                ("email", "not-an-email"),
                ("password", "password123"),
            ],
        )
        .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(response).await;
    let fields: Vec<&str> = body["Validation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["org_name", "timezone", "email", "password"]);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_401() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Clinic").await;

    let (wrong, browser) = app.log_in(&email, "not-the-password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(browser.cookies.is_empty());
    let wrong = json(wrong).await;

    let (unknown, _) = app.log_in("nobody@example.com", "not-the-password").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(unknown).await, wrong);
    assert_eq!(wrong["Unauthenticated"], "The email or password is incorrect.");
}

#[tokio::test]
async fn log_in_with_the_right_password_goes_to_the_requested_page() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Clinic").await;

    let mut browser = Browser::default();
    let response = app
        .call::<LogIn>(
            &mut browser,
            &[
                ("email", email.as_str()),
                ("password", PASSWORD),
                ("next", "/app?tab=today"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::LOCATION], "/app?tab=today");

    // `next` may only name a page of this site.
    let mut other = Browser::default();
    let response = app
        .call::<LogIn>(
            &mut other,
            &[
                ("email", email.as_str()),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(response.headers()[header::LOCATION], "/app");
}

#[tokio::test]
async fn the_app_without_a_session_sends_you_to_sign_in_and_back() {
    let app = spawn_app().await;

    let response = app.get(&mut Browser::default(), "/app").await;

    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()[header::LOCATION], "/login?next=%2Fapp");
}

#[tokio::test]
async fn an_expired_access_token_is_renewed_and_the_refresh_token_rotated() {
    let app = spawn_app().await;
    let owner = app.sign_up(&unique_email(), "Clinic").await;
    let old_refresh = owner.cookies[REFRESH].clone();

    // The browser drops the access cookie when it expires; only the refresh cookie is left.
    let mut browser = owner.without(ACCESS);
    let page = app.get(&mut browser, "/app").await;

    assert_eq!(
        page.status(),
        StatusCode::OK,
        "the page loads without a visible sign-in"
    );
    assert!(browser.cookies.contains_key(ACCESS));
    assert_ne!(browser.cookies[REFRESH], old_refresh, "the refresh token was rotated");
    let (rotated, live): (i64, i64) = sqlx::query_as(
        "select count(*) filter (where rotated_at is not null), count(*) filter (where rotated_at is null) from refresh_tokens",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((rotated, live), (1, 1));

    // Server function calls refresh the same way.
    let mut caller = browser.without(ACCESS);
    let response = app.call::<GetCurrentUser>(&mut caller, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json(response).await["full_name"], "Ada Lovelace");
}

#[tokio::test]
async fn a_reused_refresh_token_is_refused_and_ends_the_whole_session() {
    let app = spawn_app_with(&[("REFRESH_REUSE_GRACE_SECONDS", "0")]).await;
    let owner = app.sign_up(&unique_email(), "Clinic").await;
    let stolen = owner.without(ACCESS);

    let mut victim = stolen.clone();
    assert_eq!(app.get(&mut victim, "/app").await.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    // The copy comes back after it was exchanged: refused, and its cookies cleared.
    let mut thief = stolen.clone();
    let response = app.get(&mut thief, "/app").await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert!(thief.cookies.is_empty());

    // The legitimate holder's newer token died with the family.
    let mut victim = victim.without(ACCESS);
    assert_eq!(app.get(&mut victim, "/app").await.status(), StatusCode::FOUND);
    let reason: String = sqlx::query_scalar("select revoked_reason from sessions")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(reason, "refresh token reuse");
}

#[tokio::test]
async fn two_requests_racing_with_one_refresh_token_both_succeed() {
    let app = spawn_app().await;
    let owner = app.sign_up(&unique_email(), "Clinic").await;
    let expired = owner.without(ACCESS);

    let (mut first, mut second) = (expired.clone(), expired.clone());
    let (a, b) = tokio::join!(app.get(&mut first, "/app"), app.get(&mut second, "/app"));

    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    let revoked: i64 = sqlx::query_scalar("select count(*) from sessions where revoked_at is not null")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(revoked, 0);
}

#[tokio::test]
async fn log_out_revokes_the_session_at_once() {
    let app = spawn_app().await;
    let owner = app.sign_up(&unique_email(), "Clinic").await;

    let mut browser = owner.clone();
    let response = app.call::<LogOut>(&mut browser, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(browser.cookies.is_empty(), "both cookies are cleared");

    // A copy of the old cookies: the access token is still a valid JWT, but its session is over.
    let mut copy = owner.clone();
    let response = app.call::<GetCurrentUser>(&mut copy, &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let mut copy = owner.without(ACCESS);
    assert_eq!(app.get(&mut copy, "/app").await.status(), StatusCode::FOUND);
}

#[tokio::test]
async fn a_form_post_without_javascript_redirects_with_its_error_or_to_the_app() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Clinic").await;
    let form_post = |password: &'static str| {
        app.http
            .post(app.url(LogIn::PATH))
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, app.url("/login"))
            .form(&[("email", email.as_str()), ("password", password)])
            .send()
    };

    let refused = form_post("not-the-password").await.unwrap();
    assert_eq!(refused.status(), StatusCode::FOUND);
    let location = refused.headers()[header::LOCATION].to_str().unwrap();
    assert!(location.starts_with(&app.url("/login?__path=")), "{location}");
    assert!(location.contains("__err="));

    let accepted = form_post(PASSWORD).await.unwrap();
    assert_eq!(accepted.status(), StatusCode::FOUND);
    assert_eq!(accepted.headers()[header::LOCATION], "/app");
    let mut browser = Browser::default();
    browser.absorb(&accepted);
    assert!(browser.cookies.contains_key(ACCESS));
}

#[tokio::test]
async fn a_state_changing_request_from_another_site_is_refused() {
    let app = spawn_app().await;

    let response = app
        .http
        .post(app.url(SignUp::PATH))
        .header(header::ORIGIN, "https://evil.example")
        .header(header::ACCEPT, "application/json")
        .form(&sign_up_form(&unique_email(), "Clinic"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body = json(response).await;
    assert_eq!(body["status_code"], 403);
    assert!(body["detail"].as_str().unwrap().contains("another site"));
}

#[tokio::test]
async fn a_malformed_server_function_call_is_a_400_not_a_500() {
    let app = spawn_app().await;

    let response = app
        .call::<SignUp>(&mut Browser::default(), &[("org_name", "only this")])
        .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_account_with_retry_after() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Clinic").await;

    let mut statuses = Vec::new();
    for _ in 0..6 {
        let (response, _) = app.log_in(&email, "not-the-password").await;
        statuses.push(response.status().as_u16());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(response.headers()[header::RETRY_AFTER], "60");
        }
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
    // An unknown email is limited exactly the same way.
    let mut unknown = Vec::new();
    for _ in 0..6 {
        unknown.push(
            app.log_in("ghost@example.com", "whatever-it-is")
                .await
                .0
                .status()
                .as_u16(),
        );
    }
    assert_eq!(unknown, statuses);
}

#[tokio::test]
async fn a_burst_of_parallel_guesses_gets_no_more_tries_than_one_after_another() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Clinic").await;

    let guesses = (0..20).map(|n| {
        let (app, email) = (&app, &email);
        async move { app.log_in(email, &format!("guess-number-{n}")).await.0.status() }
    });
    let statuses = futures_util::future::join_all(guesses).await;

    let tried = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((tried, limited), (5, 15), "{statuses:?}");
}

#[tokio::test]
async fn sign_ups_from_one_address_are_rate_limited() {
    let app = spawn_app_with(&[("LOGIN_ATTEMPTS_PER_IP_MINUTE", "3")]).await;
    let mut statuses = Vec::new();
    for n in 0..4 {
        let email = unique_email();
        let response = app
            .call::<SignUp>(&mut Browser::default(), &sign_up_form(&email, &format!("Clinic {n}")))
            .await;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
    let organizations: i64 = sqlx::query_scalar("select count(*) from organizations")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(organizations, 3);
}

/// Unknown emails (so no per-account limit applies) from `forwarded_for`.
async fn attempts_from(app: &TestApp, forwarded_for: &str) -> u16 {
    app.http
        .post(app.url(LogIn::PATH))
        .header(header::ACCEPT, "application/json")
        .header("x-forwarded-for", forwarded_for)
        .form(&[("email", unique_email().as_str()), ("password", "whatever-it-is")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_has_its_own_limit() {
    let app = spawn_app_with(&[("LOGIN_ATTEMPTS_PER_IP_MINUTE", "3"), ("TRUSTED_PROXY_HOPS", "1")]).await;
    let mut one = Vec::new();
    for _ in 0..4 {
        one.push(attempts_from(&app, "198.51.100.7, 203.0.113.1").await);
    }
    assert_eq!(one, [401, 401, 401, 429]);
    // Another client behind the same proxy; what it writes further left does not matter.
    assert_eq!(attempts_from(&app, "203.0.113.1, 203.0.113.2").await, 401);

    // Without a trusted proxy the header is ignored: everyone is the connection's address.
    let direct = spawn_app_with(&[("LOGIN_ATTEMPTS_PER_IP_MINUTE", "3")]).await;
    let mut forged = Vec::new();
    for n in 0..4 {
        forged.push(attempts_from(&direct, &format!("203.0.113.{n}")).await);
    }
    assert_eq!(forged, [401, 401, 401, 429]);
}

#[tokio::test]
async fn a_typed_email_that_cannot_be_stored_is_a_client_error() {
    let app = spawn_app().await;
    for email in [
        "ada\0@example.com".to_owned(),
        format!("{}@example.com", "x".repeat(50_000)),
    ] {
        let (response, _) = app.log_in(&email, "whatever-it-is").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{}", &email[..10]);
    }
}

#[tokio::test]
async fn ten_failures_in_fifteen_minutes_lock_the_account_even_for_the_right_password() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Clinic").await;
    // Ten failures spread over the last ten minutes (not the per-minute limit).
    sqlx::query(
        "insert into auth_attempts (kind, account, ip, succeeded, created_at)
         select 'password', $1, '10.0.0.1', false, now() - make_interval(mins => n) from generate_series(1, 10) n",
    )
    .bind(&email)
    .execute(&app.db)
    .await
    .unwrap();

    let (response, browser) = app.log_in(&email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (800..=840).contains(&wait),
        "locked until 15 minutes after the last failure: {wait}"
    );
    assert!(browser.cookies.is_empty());
    assert!(json(response).await["RateLimited"]["retry_after_secs"].is_u64());

    // Once the lock has run out, the right password works.
    sqlx::query("update auth_attempts set created_at = created_at - interval '15 minutes'")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(app.log_in(&email, PASSWORD).await.0.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_idle_session_ends_after_the_organizations_timeout() {
    let app = spawn_app().await;
    let owner = app.sign_up(&unique_email(), "Clinic").await;
    sqlx::query("update organizations set session_idle_minutes = 5")
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("update sessions set last_seen_at = now() - interval '6 minutes'")
        .execute(&app.db)
        .await
        .unwrap();

    // Neither the still-valid access token nor the refresh token revives it.
    let mut browser = owner.clone();
    assert_eq!(
        app.call::<GetCurrentUser>(&mut browser, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let mut refreshing = owner.without(ACCESS);
    let page = app.get(&mut refreshing, "/app").await;
    assert_eq!(page.status(), StatusCode::FOUND);
    assert!(refreshing.cookies.is_empty());
}

#[tokio::test]
async fn a_session_ends_at_the_organizations_absolute_lifetime_however_busy() {
    let app = spawn_app().await;
    let email = unique_email();
    let mut owner = app.sign_up(&email, "Clinic").await;
    let mut settings = owner.clone();
    let changed = app
        .call::<careops::app::settings::UpdateSecurityPolicy>(
            &mut settings,
            &[("session_idle_minutes", "30"), ("session_max_hours", "1")],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    // A sign-in under the new policy ends within the hour, however busy; the hour passes.
    let (_, mut fresh) = app.log_in(&email, PASSWORD).await;
    assert_eq!(
        app.call::<GetCurrentUser>(&mut fresh, &[]).await.status(),
        StatusCode::OK
    );
    let passed = sqlx::query(
        "update sessions set expires_at = now() - interval '1 second', last_seen_at = now()
         where expires_at <= now() + interval '1 hour'",
    )
    .execute(&app.db)
    .await
    .unwrap();
    assert_eq!(
        passed.rows_affected(),
        1,
        "only the new session has a one-hour lifetime"
    );

    let mut refreshing = fresh.without(ACCESS);
    let page = app.get(&mut refreshing, "/app").await;
    assert_eq!(page.status(), StatusCode::FOUND, "sent to sign in");
    assert_eq!(
        app.call::<GetCurrentUser>(&mut fresh, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The session opened before the change keeps the lifetime it was given.
    assert_eq!(
        app.call::<GetCurrentUser>(&mut owner, &[]).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_user_ends_their_other_sessions_but_not_someone_elses() {
    let app = spawn_app().await;
    let email = unique_email();
    let first = app.sign_up(&email, "Clinic").await;
    let (_, second) = app.log_in(&email, PASSWORD).await;

    let mut viewer = first.clone();
    let sessions = json(app.call::<careops::app::account::ListSessions>(&mut viewer, &[]).await).await;
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let response = app
        .call::<careops::app::account::RevokeSession>(&mut viewer, &[("id", &other)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut second = second;
    assert_eq!(
        app.call::<GetCurrentUser>(&mut second, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.call::<GetCurrentUser>(&mut viewer, &[]).await.status(),
        StatusCode::OK
    );

    let stranger = app.sign_up(&unique_email(), "Other").await;
    let their_session: uuid::Uuid =
        sqlx::query_scalar("select id from sessions where revoked_at is null order by created_at desc limit 1")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let response = app
        .call::<careops::app::account::RevokeSession>(&mut viewer, &[("id", &their_session.to_string())])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let mut stranger = stranger;
    assert_eq!(
        app.call::<GetCurrentUser>(&mut stranger, &[]).await.status(),
        StatusCode::OK
    );
}

/// Signing up and in, invitations, and one's own account (sessions, tokens, 2FA).
pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{Caller::*, Entry, Ids, Input};
    use careops::{
        app::{
            account::{
                CreateApiToken, DisableTwoFactor, EnableTwoFactor, GetTwoFactor, ListApiTokens, ListSessions,
                RevokeApiToken, RevokeSession,
            },
            auth::{
                AcceptInvitation, ConfirmLoginEnrolment, GetInvitation, GetLoginEnrolment, RequestPasswordReset,
                ResetPassword, VerifyLoginCode,
            },
            SwitchBranch,
        },
        domain::access::Action::ManageOwnAccount,
    };
    vec![
        Entry::function::<SignUp>(Public, Ids::None, |t| {
            Input::form([
                ("org_name", format!("Signed Up {}", t.round)),
                ("branch_name", "Main".into()),
                ("timezone", "Europe/Berlin".into()),
                ("full_name", "New Owner".into()),
                ("email", unique_email()),
                ("password", PASSWORD.into()),
            ])
        })
        .writes(),
        Entry::function::<LogIn>(Public, Ids::None, |t| {
            Input::form([("email", t.side.owner_email.clone()), ("password", PASSWORD.into())])
        })
        .writes(),
        Entry::function::<VerifyLoginCode>(Challenge, Ids::None, |_| Input::form([("code", "123456".into())])),
        Entry::function::<GetLoginEnrolment>(Challenge, Ids::None, |_| Input::none()),
        Entry::function::<ConfirmLoginEnrolment>(Challenge, Ids::None, |_| Input::form([("code", "123456".into())])),
        Entry::function::<GetInvitation>(Public, Ids::None, |t| {
            Input::form([("token", t.side.invitation_token.clone())])
        }),
        Entry::function::<AcceptInvitation>(Public, Ids::None, |t| {
            Input::form([
                ("token", t.spare().invitation_token.clone()),
                ("full_name", "Joined Later".into()),
                ("password", PASSWORD.into()),
            ])
        })
        .writes(),
        // The answer never says whether the account exists (auth.rs walks a real one); a
        // made-up link is not found.
        Entry::function::<RequestPasswordReset>(Public, Ids::None, |_| Input::form([("email", unique_email())])),
        Entry::function::<ResetPassword>(Public, Ids::None, |_| {
            Input::form([("token", "not-a-link".into()), ("password", PASSWORD.into())])
        })
        .or_refused(&[StatusCode::NOT_FOUND]),
        // Signed out already, there is nothing to end.
        Entry::function::<LogOut>(Public, Ids::None, |_| Input::none()),
        Entry::function::<GetCurrentUser>(SignedIn, Ids::None, |_| Input::none()),
        // Remembered as the user's current branch, and audited.
        Entry::function::<SwitchBranch>(SignedIn, Ids::Branch, |t| {
            Input::form([("branch_id", t.side.branch.to_string())])
        })
        .writes(),
        // Opening the page starts an enrolment: a pending secret is stored.
        Entry::function::<GetTwoFactor>(Staff(ManageOwnAccount), Ids::None, |_| Input::none()).writes(),
        // Without the authenticator's current code, enabling is refused (422), and so is
        // disabling what is not on (409); two_factor.rs walks the real codes.
        Entry::function::<EnableTwoFactor>(Staff(ManageOwnAccount), Ids::None, |_| {
            Input::form([("code", "000000".into())])
        })
        .or_refused(&[StatusCode::UNPROCESSABLE_ENTITY, StatusCode::CONFLICT]),
        Entry::function::<DisableTwoFactor>(Staff(ManageOwnAccount), Ids::None, |_| {
            Input::form([("code", "000000".into())])
        })
        .or_refused(&[StatusCode::CONFLICT]),
        Entry::function::<ListSessions>(Staff(ManageOwnAccount), Ids::None, |_| Input::none()),
        Entry::function::<RevokeSession>(Staff(ManageOwnAccount), Ids::Org, |t| {
            Input::form([("id", t.me.spare_session.to_string())])
        })
        .writes(),
        Entry::function::<ListApiTokens>(Staff(ManageOwnAccount), Ids::None, |_| Input::none()),
        Entry::function::<CreateApiToken>(Staff(ManageOwnAccount), Ids::None, |t| {
            Input::form([("name", format!("Integration {}", t.round))])
        })
        .writes(),
        Entry::function::<RevokeApiToken>(Staff(ManageOwnAccount), Ids::Org, |t| {
            Input::form([("id", t.me.spare_token.to_string())])
        })
        .writes(),
    ]
}

#[tokio::test]
async fn a_forgotten_password_is_replaced_by_a_single_use_emailed_link_that_ends_every_session() {
    use careops::app::auth::{RequestPasswordReset, ResetPassword};

    let sink = SmtpSink::start().await;
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    app.send_email_through(&org, &sink).await;
    let mut nobody = Browser::default();

    // Known or not, the same answer; only a real account gets mail.
    let unknown = app
        .call::<RequestPasswordReset>(&mut nobody, &[("email", "nobody@nowhere.example")])
        .await;
    let known = app
        .call::<RequestPasswordReset>(&mut nobody, &[("email", &org.owner_email.to_uppercase())])
        .await;
    for response in [&unknown, &known] {
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::LOCATION], "/forgot-password?sent=1");
    }
    let mail = sink.wait_for(1).await;
    assert!(mail[0].contains(&format!("To: {}", org.owner_email)), "{}", mail[0]);
    let token = reset_token(&mail[0]);
    // The link is not kept in the message log once it has gone, and no one lists it.
    app.wait_until_count(
        "select count(*) from messages where kind = 'password_reset' and status = 'sent'
           and branch_id is null and body not like '%reset-password%'",
        1,
    )
    .await;
    let page = app.get(&mut nobody, &format!("/reset-password/{token}")).await;
    assert!(page.text().await.unwrap().contains("Choose a new password"));

    // A weak password is refused and the link still works; a good one replaces the old.
    let weak = app
        .call::<ResetPassword>(&mut nobody, &[("token", &token), ("password", "short")])
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let new_password = "a-brand-new-harbour-password";
    let reset = app
        .call::<ResetPassword>(&mut nobody, &[("token", &token), ("password", new_password)])
        .await;
    assert_eq!(reset.status(), StatusCode::OK, "{}", reset.text().await.unwrap());
    assert_eq!(reset.headers()[header::LOCATION], "/login?password=changed");

    // Every session ended; the old password is gone, the new one works; the link works once.
    let mut owner = org.owner.clone();
    assert_eq!(
        app.call::<GetCurrentUser>(&mut owner, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.log_in(&org.owner_email, PASSWORD).await.0.status(),
        StatusCode::UNAUTHORIZED
    );
    let (signed_in, owner_again) = app.log_in(&org.owner_email, new_password).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let again = app
        .call::<ResetPassword>(
            &mut nobody,
            &[("token", &token), ("password", "another-harbour-password")],
        )
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let body = json(again).await;
    assert!(body.to_string().contains("expired or was used already"), "{body}");

    // Asked again: a new link each time, until the address's limit (shared with signing
    // in: two sign-ins and a request so far) says to wait a minute.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let asked = app
            .call::<RequestPasswordReset>(&mut Browser::default(), &[("email", &org.owner_email)])
            .await;
        statuses.push(asked.status());
    }
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::OK, StatusCode::TOO_MANY_REQUESTS]
    );
    let mail = sink.wait_for(3).await;
    // An expired link is refused.
    sqlx::query("update password_resets set expires_at = now() - interval '1 minute'")
        .execute(&app.db)
        .await
        .unwrap();
    let expired = app
        .call::<ResetPassword>(
            &mut nobody,
            &[
                ("token", &reset_token(&mail[1])),
                ("password", "another-harbour-password"),
            ],
        )
        .await;
    assert_eq!(expired.status(), StatusCode::NOT_FOUND);

    // Someone with three links open gets no fourth, though the answer is the same.
    let member = app.member(&owner_again, "receptionist", &[org.branch_id]).await;
    sink.wait_for(4).await;
    sqlx::query(
        "insert into password_resets (org_id, user_id, token_hash, expires_at)
         select $1, $2, sha256(n::text::bytea), now() + interval '1 hour' from generate_series(1, 3) n",
    )
    .bind(org.id)
    .bind(member.id)
    .execute(&app.db)
    .await
    .unwrap();
    let capped = app
        .call::<RequestPasswordReset>(&mut Browser::default(), &[("email", &member.email)])
        .await;
    assert_eq!(capped.headers()[header::LOCATION], "/forgot-password?sent=1");
    let open: i64 = sqlx::query_scalar("select count(*) from password_resets where user_id = $1")
        .bind(member.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(open, 3);
    assert_eq!(sink.messages().len(), 4, "three links and the invitation, no more");
}

/// The token of the link in a password-reset email (quoted-printable may break its line).
fn reset_token(mail: &str) -> String {
    let joined = mail.replace("=\n", "");
    let at = joined.find("/reset-password/").unwrap() + "/reset-password/".len();
    joined[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}
