//! End-to-end sign-ins through the real loopback server, driven by the scripted agent,
//! against the project's test provider.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::sync::Arc;
use std::time::Duration;

use oidc_core::{GrantType, ResponseMode, ResponseType};
use oidc_desktop::testing::HttpAgent;
use oidc_desktop::{Events, OidcDesktop, RecordingEvents};
use oidc_testop::{Endpoint, OpConfig, TestOp};

/// A browser that never comes back.
struct Nowhere;

impl oidc_desktop::BrowserLauncher for Nowhere {
    fn launch(
        &self,
        _: &str,
        _: &oidc_desktop::BrowserCommand,
    ) -> Result<(), oidc_desktop::LaunchError> {
        Ok(())
    }
}

/// The user: approves every device code the provider shows.
struct Approve(oidc_testop::OpHandle);

impl Events for Approve {
    fn on_device_code(&self, p: &oidc_desktop::DeviceCodePrompt) {
        assert!(self.0.approve_device(&p.user_code), "unknown user code");
    }
}

async fn op() -> TestOp {
    TestOp::start(OpConfig::default()).await.unwrap()
}

fn client(op: &TestOp, agent: &HttpAgent) -> oidc_desktop::OidcDesktopBuilder {
    OidcDesktop::builder(&op.issuer())
        .client_id("test-client")
        .scope("openid profile email")
        .browser(Arc::new(agent.clone()))
        .timeout(Duration::from_secs(20))
}

#[tokio::test]
async fn code_flow_with_pkce() {
    let op = op().await;
    let agent = HttpAgent::new();
    let c = client(&op, &agent).fetch_userinfo(true).build().unwrap();
    let s = c.authenticate().await.unwrap();
    let claims = s.claims().unwrap();
    assert!(claims.sub.is_some());
    assert!(s.access_token().is_some());
    assert!(s.refresh_token().is_some());
    assert_eq!(s.userinfo().unwrap().sub(), claims.sub.as_deref());
    assert!(s.user().email.is_some());
    let auth = op.handle().requests_to(Endpoint::Authorization);
    assert_eq!(auth.len(), 1);
    let agent_out = agent.finished().await;
    assert_eq!(agent_out.status, Some(200));
    op.handle().assert_healthy();
}

async fn front_channel(rt: &str, mode: Option<ResponseMode>) {
    let op = op().await;
    let agent = HttpAgent::new();
    let rtype = ResponseType::parse(rt).unwrap();
    let mut b = client(&op, &agent)
        .grant_type(rtype.grant_type())
        .response_type(rtype);
    if let Some(m) = mode {
        b = b.response_mode(m);
    }
    let c = b.build().unwrap();
    let s = c
        .authenticate()
        .await
        .unwrap_or_else(|e| panic!("{rt} {mode:?}: {e} ({})", e.kind()));
    assert!(s.claims().unwrap().sub.is_some(), "{rt}");
    assert!(s.access_token().is_some(), "{rt}");
    // Implicit responses fill the session from the front channel alone.
    assert!(
        s.token_type()
            .is_some_and(|t| t.eq_ignore_ascii_case("bearer")),
        "{rt}"
    );
    let now = oidc_core::Clock::now_unix(&oidc_core::SystemClock);
    assert!(
        s.expires_at()
            .is_some_and(|e| (now + 3500..=now + 3600).contains(&e)),
        "{rt}: {:?}",
        s.expires_at()
    );
    assert!(s.id_token().is_some(), "{rt}");
    assert!(
        s.obtained_at()
            .is_some_and(|o| (now - 60..=now).contains(&o)),
        "{rt}"
    );
    assert!(
        s.scope().is_some_and(|sc| sc.contains("openid")),
        "{rt}: {:?}",
        s.scope()
    );
    op.handle().assert_healthy();
}

#[tokio::test]
async fn implicit_and_hybrid_with_form_post() {
    for rt in [
        "id_token token",
        "code id_token",
        "code token",
        "code id_token token",
    ] {
        front_channel(rt, None).await;
    }
}

#[tokio::test]
async fn fragment_mode_through_the_relay() {
    front_channel("code id_token", Some(ResponseMode::Fragment)).await;
    front_channel("id_token token", Some(ResponseMode::Fragment)).await;
}

#[tokio::test]
async fn refresh_token_grant_without_browser() {
    let op = op().await;
    let agent = HttpAgent::new();
    let c = client(&op, &agent).build().unwrap();
    let first = c.authenticate().await.unwrap();
    let rt = first.refresh_token().unwrap().clone();
    let refreshing = client(&op, &agent).build().unwrap();
    refreshing.store_session(&first).await.unwrap();
    op.handle().clear_requests();
    let got = refreshing
        .acquire()
        .force_refresh(true)
        .interactive(oidc_desktop::Interactive::Never)
        .await
        .unwrap();
    assert_eq!(got.how, oidc_desktop::Acquisition::Refreshed);
    let second = got.session;
    assert!(
        op.handle().requests_to(Endpoint::Authorization).is_empty(),
        "no browser for a refresh"
    );
    assert!(second.access_token().is_some());
    assert_ne!(
        second.refresh_token(),
        Some(&rt),
        "the provider rotated the refresh token"
    );
    // With the original ID token, a refreshed one must keep iss and sub.
    let mut session = second.clone();
    c.refresh(&mut session).await.unwrap();
    assert_ne!(
        session.refresh_token(),
        second.refresh_token(),
        "rotated again"
    );
    assert_eq!(session.claims().unwrap().sub, first.claims().unwrap().sub);
    // The old refresh token is dead after the rotation: replaying it fails (and, as real
    // providers do, revokes the whole grant).
    let mut replay = c.session_from_refresh_token(rt.clone(), None);
    let e = c.refresh(&mut replay).await.unwrap_err();
    assert_eq!(e.kind(), "token_error");
    assert_eq!(e.provider_error().unwrap().error, "invalid_grant");
    let e = c.refresh(&mut session.clone()).await.unwrap_err();
    assert_eq!(
        e.kind(),
        "token_error",
        "the grant was revoked by the replay"
    );
}

#[tokio::test]
async fn a_refresh_checks_at_hash_fetches_userinfo_when_asked_and_reports_a_moved_auth_time() {
    use oidc_testop::Fault;
    let op = op().await;
    let agent = HttpAgent::new();
    let events = Arc::new(RecordingEvents::new());
    let with_userinfo = client(&op, &agent)
        .fetch_userinfo(true)
        .events(events.clone() as Arc<dyn Events>)
        .build()
        .unwrap();
    let mut s = with_userinfo.authenticate().await.unwrap();
    let moved = |ev: &[String]| ev.iter().any(|e| e.contains("changed auth_time"));
    let userinfo = |op: &TestOp| op.handle().requests_to(Endpoint::UserInfo).len();
    op.handle().clear_requests();
    with_userinfo.refresh(&mut s).await.unwrap();
    assert_eq!(userinfo(&op), 1, "UserInfo again after the refresh");
    assert!(
        !moved(&events.events()),
        "auth_time kept: nothing to report"
    );
    // Without fetch_userinfo, a refresh asks for tokens only.
    let tokens_only = client(&op, &agent).build().unwrap();
    op.handle().clear_requests();
    tokens_only.refresh(&mut s).await.unwrap();
    assert_eq!(userinfo(&op), 0);
    // A fresh token is handed out as it is; no refresh.
    let token = s.access_token().unwrap().secret().to_owned();
    let fresh = tokens_only.fresh_access_token(&mut s).await.unwrap();
    assert_eq!(fresh.secret(), token);
    assert!(
        op.handle().requests_to(Endpoint::Token).len() == 1,
        "only the refresh above"
    );
    // A provider that moves auth_time is reported, and accepted.
    op.handle().add_fault(Fault::RefreshAuthTimeMoved);
    with_userinfo.refresh(&mut s).await.unwrap();
    assert!(moved(&events.events()), "{:?}", events.events());
    op.handle().clear_faults();
    // The refreshed ID token's at_hash must be the new access token's.
    op.handle().add_fault(Fault::IdTokenAtHashAltered);
    let e = tokens_only.refresh(&mut s).await.unwrap_err();
    assert_eq!(e.kind(), "at_hash_mismatch", "{e}");
}

#[tokio::test]
async fn a_browser_command_that_fails_ends_the_sign_in_only_when_asked() {
    let op = op().await;
    let failing = || {
        OidcDesktop::builder(&op.issuer())
            .client_id("test-client")
            .browser_command("false {url}")
    };
    let started = std::time::Instant::now();
    let e = failing()
        .timeout(Duration::from_secs(30))
        .browser_failure(oidc_desktop::BrowserFailure::Fail)
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "browser_launch_failed", "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "it did not wait"
    );
    // Kept waiting (the default): the user may open the address by hand, until the timeout.
    let events = Arc::new(RecordingEvents::new());
    let e = failing()
        .timeout(Duration::from_secs(2))
        .events(events.clone() as Arc<dyn Events>)
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "timeout", "{e}");
    assert!(
        events
            .events()
            .iter()
            .any(|e| e.starts_with("browser_failed:")),
        "{:?}",
        events.events()
    );
}

#[tokio::test]
async fn provider_error_is_surfaced() {
    let op = op().await;
    op.handle().add_fault(oidc_testop::Fault::AccessDenied {
        description: "the user said no".into(),
        uri: "https://op.example/help".into(),
    });
    let agent = HttpAgent::new();
    let c = client(&op, &agent).build().unwrap();
    let e = c.authenticate().await.unwrap_err();
    assert_eq!((e.code(), e.kind()), (940, "authorization_error"));
    let p = e.provider_error().unwrap();
    assert_eq!(p.error, "access_denied");
    assert_eq!(p.error_description.as_deref(), Some("the user said no"));
    assert_eq!(p.error_uri.as_deref(), Some("https://op.example/help"));
    assert!(op.handle().requests_to(Endpoint::Token).is_empty());
}

#[tokio::test]
async fn events_are_reported_in_order() {
    let op = op().await;
    let agent = HttpAgent::new();
    let events = Arc::new(RecordingEvents::new());
    let c = client(&op, &agent)
        .events(events.clone() as Arc<dyn Events>)
        .build()
        .unwrap();
    c.authenticate().await.unwrap();
    let ev = events.events();
    let launch = ev
        .iter()
        .position(|e| e.starts_with("launch_browser: scripted-agent"))
        .unwrap();
    let signed = ev.iter().position(|e| e.ends_with("signed in")).unwrap();
    assert!(launch < signed, "{ev:?}");
}

#[tokio::test]
async fn timeout_and_interrupt() {
    let op = op().await;
    let c = OidcDesktop::builder(&op.issuer())
        .client_id("test-client")
        .browser(Arc::new(Nowhere))
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let e = c.authenticate().await.unwrap_err();
    assert_eq!(e.kind(), "timeout", "{e}");
    assert_eq!(e.code(), 940);

    let c = OidcDesktop::builder(&op.issuer())
        .client_id("test-client")
        .browser(Arc::new(Nowhere))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let c2 = c.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        c2.interrupt();
    });
    let start = std::time::Instant::now();
    let e = c.authenticate().await.unwrap_err();
    assert_eq!(e.kind(), "cancelled");
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn blocking_wrapper_signs_in() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let agent = HttpAgent::new();
    let c = client(&op, &agent).build().unwrap();
    let b = oidc_desktop::blocking::OidcDesktop::new(c).unwrap();
    let s = b.authenticate().unwrap();
    assert!(s.claims().unwrap().sub.is_some());
    let meta = b.get_discovery_metadata("/json/issuer").unwrap();
    assert_eq!(meta.as_deref(), Some(op.issuer().as_str()));
    assert_eq!(b.discovery().unwrap().issuer(), op.issuer());
    assert!(!b.signer_keys().unwrap().set().is_empty());
    let mut s = s;
    let before = s.access_token().unwrap().secret().to_owned();
    b.refresh(&mut s).unwrap();
    assert_ne!(s.access_token().unwrap().secret(), before, "refreshed");
    let token = b.fresh_access_token(&mut s).unwrap();
    assert_eq!(
        Some(token.secret()),
        s.access_token().map(oidc_core::AccessToken::secret)
    );
    // the hint reaches the provider
    b.revoke_token(
        s.refresh_token().unwrap().secret(),
        Some(oidc_desktop::token::TokenTypeHint::RefreshToken),
    )
    .unwrap();
    let rev = op.requests_to(Endpoint::Revocation);
    assert_eq!(
        rev.last().unwrap().param("token_type_hint"),
        Some("refresh_token")
    );
}

#[tokio::test]
async fn grant_type_defaults_match_the_seed() {
    assert_eq!(
        GrantType::Implicit.default_response_type().to_string(),
        "id_token token"
    );
}

#[tokio::test]
async fn par_is_used_when_the_provider_advertises_it() {
    let op = op().await;
    let agent = HttpAgent::new();
    let c = client(&op, &agent).build().unwrap();
    c.authenticate().await.unwrap();
    let h = op.handle();
    assert_eq!(h.requests_to(Endpoint::PushedAuthorization).len(), 1);
    let auth = &h.requests_to(Endpoint::Authorization)[0];
    assert!(auth.param("request_uri").is_some(), "{auth:?}");
    assert!(
        auth.param("code_challenge").is_none(),
        "the request travelled through PAR"
    );
    // And without PAR, everything is in the URL.
    h.clear_requests();
    let c = client(&op, &agent)
        .par(oidc_desktop::ParMode::Never)
        .build()
        .unwrap();
    c.authenticate().await.unwrap();
    assert!(h.requests_to(Endpoint::PushedAuthorization).is_empty());
    let auth = &h.requests_to(Endpoint::Authorization)[0];
    assert_eq!(auth.param("code_challenge_method"), Some("S256"));
    assert!(auth.param("nonce").is_some());
}

#[tokio::test]
async fn warm_caches_make_no_discovery_or_jwks_requests() {
    let op = op().await;
    let agent = HttpAgent::new();
    let c = client(&op, &agent).build().unwrap();
    c.authenticate().await.unwrap();
    let h = op.handle();
    h.clear_requests();
    c.authenticate().await.unwrap();
    assert!(h.requests_to(Endpoint::Discovery).is_empty());
    assert!(h.requests_to(Endpoint::Jwks).is_empty());
    assert_eq!(h.requests_to(Endpoint::Token).len(), 1);
    // Rotation: exactly one JWKS refetch, and the sign-in still succeeds.
    h.rotate_keys().unwrap();
    h.clear_requests();
    c.authenticate().await.unwrap();
    assert_eq!(h.requests_to(Endpoint::Jwks).len(), 1);
}

#[tokio::test]
async fn front_channel_rejection_stops_before_the_token_endpoint() {
    use oidc_testop::Fault;
    let cases = [
        (Fault::IdTokenIssAltered, "issuer_mismatch", 911),
        (Fault::IdTokenNonceAltered, "nonce_mismatch", 903),
        (Fault::IdTokenCHashAltered, "c_hash_mismatch", 903),
        (Fault::IdTokenSignatureCorrupted, "bad_signature", 920),
    ];
    for (fault, kind, code) in cases {
        let op = op().await;
        op.handle().add_fault(fault.clone());
        let agent = HttpAgent::new();
        let rt = ResponseType::parse("code id_token").unwrap();
        let c = client(&op, &agent)
            .grant_type(GrantType::Hybrid)
            .response_type(rt)
            .build()
            .unwrap();
        let e = c.authenticate().await.unwrap_err();
        assert_eq!((e.kind(), e.code()), (kind, code), "{fault:?}: {e}");
        assert!(
            op.handle().requests_to(Endpoint::Token).is_empty(),
            "{fault:?}: token endpoint called"
        );
    }
}

/// A sign-in with `max_age` 60 s by a client whose clock says the user logged in at the
/// provider five minutes ago; its error.
async fn five_minutes_after_the_login(b: oidc_desktop::OidcDesktopBuilder) -> oidc_desktop::Error {
    let now = oidc_core::Clock::now_unix(&oidc_core::SystemClock);
    b.clock(Arc::new(oidc_core::FixedClock::new(now + 300)))
        .build()
        .unwrap()
        .sign_in()
        .max_age(Duration::from_secs(60))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_front_channel_id_token_is_checked_against_its_access_token_and_max_age() {
    use oidc_testop::Fault;
    let rt = ResponseType::parse("code id_token token").unwrap();
    // at_hash of the access token that came with it.
    let op = op().await;
    op.handle().add_fault(Fault::IdTokenAtHashAltered);
    let agent = HttpAgent::new();
    let c = client(&op, &agent)
        .grant_type(GrantType::Hybrid)
        .response_type(rt)
        .build()
        .unwrap();
    let e = c.authenticate().await.unwrap_err();
    assert_eq!(e.kind(), "at_hash_mismatch", "{e}");
    assert!(op.handle().requests_to(Endpoint::Token).is_empty());
    let op = self::op().await;
    let agent = HttpAgent::new();
    let e = five_minutes_after_the_login(
        client(&op, &agent)
            .grant_type(GrantType::Hybrid)
            .response_type(rt),
    )
    .await;
    assert_eq!(e.kind(), "auth_time_too_old", "{e}");
    assert!(op.handle().requests_to(Endpoint::Token).is_empty());
}

#[tokio::test]
async fn the_token_endpoints_id_token_is_held_to_the_request() {
    use oidc_testop::Fault;
    for (fault, kind) in [
        (Fault::IdTokenNonceAltered, "nonce_mismatch"),
        (Fault::IdTokenAtHashAltered, "at_hash_mismatch"),
        (Fault::IdTokenOmittedFromTokenResponse, "missing_id_token"),
    ] {
        let op = op().await;
        op.handle().add_fault(fault.clone());
        let agent = HttpAgent::new();
        let e = client(&op, &agent)
            .build()
            .unwrap()
            .authenticate()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{fault:?}: {e}");
    }
    let op = op().await;
    let agent = HttpAgent::new();
    let e = five_minutes_after_the_login(client(&op, &agent)).await;
    assert_eq!(e.kind(), "auth_time_too_old", "{e}");
    // A hybrid sign-in's front-channel ID token already named the user: the token
    // response may leave it out.
    let op = self::op().await;
    op.handle()
        .add_fault(Fault::IdTokenOmittedFromTokenResponse);
    let agent = HttpAgent::new();
    let rt = ResponseType::parse("code id_token").unwrap();
    let s = client(&op, &agent)
        .grant_type(GrantType::Hybrid)
        .response_type(rt)
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap();
    assert!(s.claims().is_some() && s.access_token().is_some());
}

#[tokio::test]
async fn nonce_and_pkce_go_where_the_flow_needs_them() {
    // (response type, nonce setting, pkce setting) → (nonce sent, code_challenge sent)
    let cases = [
        ("code", true, true, (true, true)),
        ("code", false, false, (false, false)),
        // A front-channel ID token always needs its nonce.
        ("code id_token", false, true, (true, true)),
        // No code, nothing to prove with PKCE.
        ("id_token token", true, true, (true, false)),
    ];
    for (rt, nonce, pkce, (want_nonce, want_pkce)) in cases {
        let mut cfg = OpConfig::default();
        cfg.require_pkce = false;
        let op = TestOp::start(cfg).await.unwrap();
        let agent = HttpAgent::new();
        let rtype = ResponseType::parse(rt).unwrap();
        client(&op, &agent)
            .grant_type(rtype.grant_type())
            .response_type(rtype)
            .nonce(nonce)
            .pkce(pkce)
            .par(oidc_desktop::ParMode::Never)
            .build()
            .unwrap()
            .authenticate()
            .await
            .unwrap_or_else(|e| panic!("{rt}: {e}"));
        let auth = op.handle().requests_to(Endpoint::Authorization);
        let sent = |name: &str| auth[0].param(name).is_some();
        assert_eq!(
            (sent("nonce"), sent("code_challenge")),
            (want_nonce, want_pkce),
            "{rt} nonce={nonce} pkce={pkce}"
        );
    }
}

#[tokio::test]
async fn only_an_unknown_kid_refetches_the_keys() {
    let op = op().await;
    op.handle()
        .add_fault(oidc_testop::Fault::IdTokenNonceAltered);
    let agent = HttpAgent::new();
    let events = Arc::new(RecordingEvents::new());
    let e = client(&op, &agent)
        .events(events.clone() as Arc<dyn Events>)
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "nonce_mismatch");
    let ev = events.events();
    assert!(!ev.iter().any(|e| e.contains("refetching")), "{ev:?}");
}

#[tokio::test]
async fn userinfo_subject_must_match() {
    let op = op().await;
    op.handle()
        .add_fault(oidc_testop::Fault::UserInfoSubMismatch);
    let agent = HttpAgent::new();
    let c = client(&op, &agent).fetch_userinfo(true).build().unwrap();
    let e = c.authenticate().await.unwrap_err();
    assert_eq!((e.kind(), e.code()), ("userinfo_sub_mismatch", 903), "{e}");
}

#[tokio::test]
async fn device_flow() {
    let op = op().await;
    let c = OidcDesktop::builder(&op.issuer())
        .client_id("test-client")
        .events(Arc::new(Approve(op.handle())))
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let s = c.authenticate_device().await.unwrap();
    assert!(s.claims().unwrap().sub.is_some());
    assert!(op.handle().requests_to(Endpoint::Authorization).is_empty());
}

#[tokio::test]
async fn logout_and_revocation() {
    let mut client_cfg = oidc_testop::Client::public("logout-client", "http://127.0.0.1/callback");
    client_cfg.post_logout_redirect_uris = vec!["http://127.0.0.1/logged-out".into()];
    let op = TestOp::start(OpConfig::default().client(client_cfg))
        .await
        .unwrap();
    let agent = HttpAgent::new();
    let c = OidcDesktop::builder(&op.issuer())
        .client_id("logout-client")
        .browser(Arc::new(agent.clone()))
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let s = c.authenticate().await.unwrap();
    c.revoke_token(s.refresh_token().unwrap().secret(), None)
        .await
        .unwrap();
    assert_eq!(op.handle().requests_to(Endpoint::Revocation).len(), 1);
    let e = c.refresh(&mut s.clone()).await.unwrap_err();
    assert_eq!(
        e.kind(),
        "token_error",
        "a revoked refresh token is refused"
    );
    c.logout(&s).await.unwrap();
    let end = op.handle().requests_to(Endpoint::EndSession);
    assert_eq!(end.len(), 1);
    assert!(end[0].param("id_token_hint").is_some());
}

#[tokio::test]
async fn device_fallback_when_no_browser_can_be_opened() {
    struct Broken;
    impl oidc_desktop::BrowserLauncher for Broken {
        fn launch(
            &self,
            _: &str,
            _: &oidc_desktop::BrowserCommand,
        ) -> Result<(), oidc_desktop::LaunchError> {
            Err(oidc_desktop::LaunchError::NoBrowser(std::io::Error::other(
                "no display",
            )))
        }
    }
    let op = op().await;
    let build = |fallback: bool| {
        OidcDesktop::builder(&op.issuer())
            .client_id("test-client")
            .browser(Arc::new(Broken))
            .events(Arc::new(Approve(op.handle())))
            .device_fallback(fallback)
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap()
    };
    let e = build(false).authenticate().await.unwrap_err();
    assert_eq!(e.kind(), "browser_launch_failed");
    let s = build(true).authenticate().await.unwrap();
    assert!(s.claims().unwrap().sub.is_some());
    assert_eq!(
        op.handle().requests_to(Endpoint::DeviceAuthorization).len(),
        1
    );
}

#[tokio::test]
async fn every_http_exchange_is_logged_at_its_level_with_secrets_masked() {
    let op = op().await;
    let agent = HttpAgent::new();
    let run = |level| {
        let events = Arc::new(RecordingEvents::new());
        let c = client(&op, &agent)
            .events(events.clone() as Arc<dyn Events>)
            .log_level(level)
            .build()
            .unwrap();
        (c, events)
    };

    let (c, info) = run(oidc_desktop::LogLevel::Info);
    c.authenticate().await.unwrap();
    let info = info.events();
    let token_line = info
        .iter()
        .find(|e| e.starts_with("log(1, Info): POST ") && e.contains("/token: 200"))
        .unwrap_or_else(|| panic!("no token exchange line: {info:?}"));
    assert!(token_line.contains("HTTP/1.1"), "{token_line}");
    assert!(
        info.iter()
            .any(|e| e.starts_with("log(1, Info): GET ") && e.contains("openid-configuration")),
        "{info:?}"
    );
    assert!(
        !info
            .iter()
            .any(|e| e.starts_with("log(2") || e.starts_with("log(3")),
        "Info shows no detail: {info:?}"
    );

    let (c, debug) = run(oidc_desktop::LogLevel::Debug);
    let s = c.authenticate().await.unwrap();
    let debug = debug.events();
    for kind in [
        "RequestHeaders",
        "RequestBody",
        "ResponseHeaders",
        "ResponseBody",
    ] {
        assert!(
            debug
                .iter()
                .any(|e| e.starts_with(&format!("log(3, {kind})"))),
            "no {kind}: {debug:?}"
        );
    }
    assert!(
        debug
            .iter()
            .any(|e| e.starts_with("log(3, RequestBody)") && e.contains("code=[masked]")),
        "{debug:?}"
    );
    assert!(
        debug
            .iter()
            .any(|e| e.starts_with("log(2, Info)") && e.contains(" ms")),
        "{debug:?}"
    );
    let secrets = [
        s.access_token().unwrap().secret().to_owned(),
        s.id_token().unwrap().secret().to_owned(),
    ];
    for e in &debug {
        for secret in &secrets {
            assert!(!e.contains(secret.as_str()), "a token reached the log: {e}");
        }
    }
}

#[tokio::test]
async fn log_level_filters_events_and_timeouts_name_the_redirect_uri() {
    let op = op().await;
    let agent = HttpAgent::new();
    let quiet = Arc::new(RecordingEvents::new());
    let c = client(&op, &agent)
        .events(quiet.clone() as Arc<dyn Events>)
        .log_level(oidc_desktop::LogLevel::None)
        .build()
        .unwrap();
    c.authenticate().await.unwrap();
    assert!(
        quiet.events().iter().all(|e| !e.starts_with("log(")),
        "{:?}",
        quiet.events()
    );
    let verbose = Arc::new(RecordingEvents::new());
    let c = client(&op, &agent)
        .events(verbose.clone() as Arc<dyn Events>)
        .log_level(oidc_desktop::LogLevel::Verbose)
        .build()
        .unwrap();
    let s = c.authenticate().await.unwrap();
    let ev = verbose.events();
    let line = ev
        .iter()
        .find(|e| e.starts_with("log(2, Info): authorization endpoint"))
        .unwrap();
    assert!(
        !line.contains(s.get_query_param("state").unwrap_or("-")),
        "query values are redacted: {line}"
    );

    let c = OidcDesktop::builder(&op.issuer())
        .client_id("test-client")
        .browser(Arc::new(Nowhere))
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let e = c.authenticate().await.unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("http://127.0.0.1:") && msg.contains("/callback"),
        "{msg}"
    );
    assert!(msg.contains("redirect URI"), "{msg}");
}

#[tokio::test]
async fn parse_and_validate_id_token_directly() {
    let op = op().await;
    let agent = HttpAgent::new();
    let c = client(&op, &agent).build().unwrap();
    let s = c.authenticate().await.unwrap();
    let raw = s.id_token().unwrap().secret().to_owned();
    let (header, claims) = c.parse_id_token(&raw).unwrap();
    assert!(header.kid.is_some());
    let nonce = claims.nonce.clone();
    let validated = c.validate_id_token(&raw, nonce.as_deref()).await.unwrap();
    assert_eq!(validated.sub, claims.sub);
    let e = c
        .validate_id_token(&raw, Some("another nonce"))
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.code()), ("nonce_mismatch", 903));
    // A stored session comes back with its claims.
    let restored = oidc_desktop::Session::from_json(&s.to_json()).unwrap();
    assert_eq!(restored.claims().unwrap().sub, claims.sub);
    assert_eq!(restored.refresh_token(), s.refresh_token());
    assert!(!format!("{restored:?}").contains(s.access_token().unwrap().secret()));
}

#[tokio::test]
async fn kept_web_server_serves_several_sign_ins_until_stopped() {
    let op = op().await;
    let agent = HttpAgent::new();
    let c = client(&op, &agent).build().unwrap();
    let uri = c.start_web_server().await.unwrap();
    assert_eq!(c.start_web_server().await.unwrap(), uri, "started once");
    for _ in 0..2 {
        c.authenticate().await.unwrap();
    }
    let auths = op.handle().requests_to(Endpoint::PushedAuthorization);
    assert_eq!(auths.len(), 2);
    for a in &auths {
        assert_eq!(
            a.param("redirect_uri"),
            Some(uri.as_str()),
            "same loopback for both"
        );
    }
    c.stop_web_server().await;
    let port = uri.url().port().unwrap();
    // The port is free again.
    std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    // reset() forgets cached metadata: the next sign-in fetches discovery again.
    c.reset().await;
    op.handle().clear_requests();
    c.authenticate().await.unwrap();
    assert_eq!(op.handle().requests_to(Endpoint::Discovery).len(), 1);
}

#[tokio::test]
async fn request_options_reach_the_provider() {
    let op = op().await;
    let agent = HttpAgent::new();
    let c = client(&op, &agent)
        .par(oidc_desktop::ParMode::Never)
        .display(oidc_core::Display::Popup)
        .id_token_hint("previous-id-token")
        .login_hint("jane@example.com")
        .prompt(oidc_core::Prompt::Login)
        .max_age(Duration::from_secs(3600))
        .ui_locales("nl en")
        .extra_param("audience", "https://api.example")
        .build()
        .unwrap();
    let s = c
        .sign_in()
        .state("app-chosen-state-value-0123456789abcdef")
        .await
        .unwrap();
    let a = &op.handle().requests_to(Endpoint::Authorization)[0];
    assert_eq!(a.param("display"), Some("popup"));
    assert_eq!(a.param("id_token_hint"), Some("previous-id-token"));
    assert_eq!(a.param("login_hint"), Some("jane@example.com"));
    assert_eq!(a.param("prompt"), Some("login"));
    assert_eq!(a.param("max_age"), Some("3600"));
    assert_eq!(a.param("ui_locales"), Some("nl en"));
    assert_eq!(a.param("audience"), Some("https://api.example"));
    assert_eq!(
        a.param("state"),
        Some("app-chosen-state-value-0123456789abcdef")
    );
    assert_eq!(
        s.get_query_param("state"),
        Some("app-chosen-state-value-0123456789abcdef")
    );
    assert!(
        s.claims().unwrap().auth_time.is_some(),
        "max_age makes auth_time required"
    );
}

#[tokio::test]
async fn explicit_endpoints_override_discovery() {
    let op = op().await;
    let agent = HttpAgent::new();
    let h = op.handle();
    let url = |e| h.url(e);
    // Point the overrides at the real endpoints under another spelling (a trailing query),
    // and prove they were used by the exact URLs the provider saw.
    let mut auth = url(Endpoint::Authorization);
    auth.set_query(Some("via=override"));
    let mut token = url(Endpoint::Token);
    token.set_query(Some("via=override"));
    let mut ui = url(Endpoint::UserInfo);
    ui.set_query(Some("via=override"));
    let c = client(&op, &agent)
        .par(oidc_desktop::ParMode::Never)
        .authorization_endpoint(auth)
        .token_endpoint(token)
        .userinfo_endpoint(ui)
        .fetch_userinfo(true)
        .build()
        .unwrap();
    c.authenticate().await.unwrap();
    for e in [Endpoint::Authorization, Endpoint::Token, Endpoint::UserInfo] {
        let r = &h.requests_to(e)[0];
        assert_eq!(r.param("via"), Some("override"), "{e:?}: {r:?}");
    }
}

#[tokio::test]
async fn on_error_reports_code_and_description() {
    let op = op().await;
    op.handle().add_fault(oidc_testop::Fault::IdTokenAudAltered);
    let agent = HttpAgent::new();
    let events = Arc::new(RecordingEvents::new());
    let c = client(&op, &agent)
        .events(events.clone() as Arc<dyn Events>)
        .build()
        .unwrap();
    let e = c.authenticate().await.unwrap_err();
    assert_eq!(e.code(), 912);
    let ev = events.events();
    assert!(ev.iter().any(|x| x.starts_with("error: 912 ")), "{ev:?}");
}

#[tokio::test]
async fn the_agent_signs_in_through_the_login_page() {
    let op = op().await;
    op.handle()
        .set_login_mode(oidc_testop::LoginMode::LoginPage);
    let user = oidc_testop::User::jane();
    let agent = HttpAgent::new().login(
        user.username.clone(),
        user.password.clone().unwrap_or_default(),
    );
    let c = client(&op, &agent).build().unwrap();
    let s = c.authenticate().await.unwrap();
    assert_eq!(s.claims().unwrap().subject(), user.sub);
    assert!(!op.handle().requests_to(Endpoint::Login).is_empty());
}

#[tokio::test]
async fn every_user_details_field_is_filled() {
    let user = oidc_testop::User::jane()
        .claim("middle_name", "Q.")
        .claim("nickname", "JD")
        .claim("profile", "https://example.com/jane")
        .claim("picture", "https://example.com/jane.png")
        .claim("website", "https://jane.example")
        .claim("gender", "female")
        .claim("birthdate", "1990-01-31")
        .claim("zoneinfo", "Europe/Amsterdam")
        .claim(
            "address",
            serde_json::json!({"formatted": "1 Main Street\nSpringfield", "street_address": "1 Main Street",
                "locality": "Springfield", "region": "IL", "postal_code": "12345", "country": "US"}),
        );
    let mut config = OpConfig::default();
    config.users = vec![user];
    let op = TestOp::start(config).await.unwrap();
    let agent = HttpAgent::new();
    let c = OidcDesktop::builder(&op.issuer())
        .client_id("test-client")
        .scope("openid profile email phone address")
        .browser(Arc::new(agent.clone()))
        .fetch_userinfo(true)
        .build()
        .unwrap();
    let s = c.authenticate().await.unwrap();
    let u = s.user();
    assert_eq!(u.sub.as_deref(), Some("248289761001"));
    assert_eq!(u.name.as_deref(), Some("Jane Doe"));
    assert_eq!(u.given_name.as_deref(), Some("Jane"));
    assert_eq!(u.family_name.as_deref(), Some("Doe"));
    assert_eq!(u.middle_name.as_deref(), Some("Q."));
    assert_eq!(u.nickname.as_deref(), Some("JD"));
    assert_eq!(u.preferred_username.as_deref(), Some("jane"));
    assert_eq!(u.profile.as_deref(), Some("https://example.com/jane"));
    assert_eq!(u.picture.as_deref(), Some("https://example.com/jane.png"));
    assert_eq!(u.website.as_deref(), Some("https://jane.example"));
    assert_eq!(u.email.as_deref(), Some("jane@example.com"));
    assert_eq!(u.email_verified, Some(true));
    assert_eq!(u.gender.as_deref(), Some("female"));
    assert_eq!(u.birthdate.as_deref(), Some("1990-01-31"));
    assert_eq!(u.zoneinfo.as_deref(), Some("Europe/Amsterdam"));
    assert_eq!(u.locale.as_deref(), Some("en-GB"));
    assert_eq!(u.phone_number.as_deref(), Some("+1 555 0100"));
    assert_eq!(u.phone_number_verified, Some(false));
    assert_eq!(u.updated_at, Some(1_700_000_000));
    let a = u.address.unwrap();
    assert_eq!(a.formatted.as_deref(), Some("1 Main Street\nSpringfield"));
    assert_eq!(a.street_address.as_deref(), Some("1 Main Street"));
    assert_eq!(a.locality.as_deref(), Some("Springfield"));
    assert_eq!(a.region.as_deref(), Some("IL"));
    assert_eq!(a.postal_code.as_deref(), Some("12345"));
    assert_eq!(a.country.as_deref(), Some("US"));
    // The seed's get_user_info_claim by /json/ path.
    let ui = s.userinfo().unwrap();
    assert_eq!(ui.claim_text("/json/address/region").as_deref(), Some("IL"));
}
