//! Against a real OpenID Provider: panva's certified `oidc-provider` from `shared/realop`,
//! started by this test on 127.0.0.1 through `oidc_testkit::realop` (interactions in `auto`
//! mode: login and consent are plain 303 redirects, so the kit's cookie-keeping agent plays
//! the browser).
//!
//! Proves, against the real thing: code exchange with PKCE (public client), ID token
//! validation of the result, UserInfo (GET and POST, `sub` check), refresh with rotation and
//! replay refusal, introspection, revocation, PAR, the device flow with the user side
//! scripted, client_secret_basic and client_secret_post (and a wrong secret refused), and
//! the RP-initiated logout URL.
//!
//! A provider that does not start fails the test. Without `CI`, a machine without node/npm
//! prints a skip message instead; with `CI` set that fails too.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "test helpers fail loudly and report their steps"
)]

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use oidc_core::{
    AuthorizationRequest, AuthorizationResponse, ClientId, ClientSecret, HttpClient, Nonce,
    PkceVerifier, Prompt, RedirectUrl, Scope, State, SystemClock,
};
use oidc_jose::{IdTokenValidator, JwkSet, ValidationContext};
use oidc_testkit::agent::Agent;
use oidc_testkit::realop::{Interactions, RealOp};
use oidc_token::*;
use serde_json::Value;
use url::Url;

use common::Reqwest;

// ---------------------------------------------------------------------------------------
// Starting and stopping the provider
// ---------------------------------------------------------------------------------------

/// The real provider in `auto` mode, in a home folder kept between runs (npm ci runs once).
fn start_provider() -> Option<RealOp> {
    let home = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("oidc-token-realop");
    RealOp::builder(home)
        .interactions(Interactions::Auto)
        .start_for_test("against_the_real_provider")
}

// ---------------------------------------------------------------------------------------
// The user agent: the kit's cookie-keeping agent, stopped at the loopback URL
// ---------------------------------------------------------------------------------------

/// One "browser profile": clones of the agent share its cookie jar.
struct Browser {
    agent: Agent,
}

enum Landing {
    /// Redirected to a URL starting with the stop prefix.
    Redirect(Url),
    /// A page that is neither a redirect nor a form to submit.
    Page(u16, String),
}

impl Browser {
    fn new() -> Self {
        Self {
            agent: Agent::new(Arc::new(Reqwest::new())).loopback_only(),
        }
    }

    async fn navigate(&mut self, start: Url, stop_prefix: &str) -> Landing {
        let out = self
            .agent
            .clone()
            .stop_at(stop_prefix)
            .run(start.as_str())
            .await;
        if let Some(e) = &out.error {
            panic!("the user agent failed: {e}\n{}", out.trace.join("\n"));
        }
        match out.stopped_at {
            Some(u) => Landing::Redirect(u.parse().expect("stop URL")),
            None => Landing::Page(out.status.expect("a status"), out.body),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The flows
// ---------------------------------------------------------------------------------------

struct Op {
    issuer: String,
    meta: Value,
    jwks: JwkSet,
}

impl Op {
    fn ep(&self, name: &str) -> Url {
        let u: Url = self.meta[name]
            .as_str()
            .unwrap_or_else(|| panic!("no {name}"))
            .parse()
            .unwrap();
        assert_eq!(u.host_str(), Some("127.0.0.1"));
        u
    }
}

async fn get_json(http: &dyn HttpClient, url: &str) -> Vec<u8> {
    let req = http::Request::get(url).body(Vec::new()).unwrap();
    let resp = http.execute(req).await.unwrap();
    assert_eq!(resp.status(), 200, "{url}");
    resp.into_body()
}

async fn discover(http: &dyn HttpClient, issuer: &str) -> Op {
    let meta: Value = serde_json::from_slice(
        &get_json(http, &format!("{issuer}/.well-known/openid-configuration")).await,
    )
    .unwrap();
    assert_eq!(meta["issuer"], issuer);
    let jwks =
        JwkSet::from_slice(&get_json(http, meta["jwks_uri"].as_str().unwrap()).await).unwrap();
    Op {
        issuer: issuer.to_owned(),
        meta,
        jwks,
    }
}

struct CodeResult {
    tokens: TokenResponse,
    sub: String,
    nonce: Nonce,
}

/// The browser part of the code flow: authorization request → code on the loopback URL.
async fn authorize(
    op: &Op,
    browser: &mut Browser,
    client_id: &str,
    par: Option<&TokenClient>,
) -> (
    oidc_core::AuthorizationCode,
    RedirectUrl,
    PkceVerifier,
    Nonce,
) {
    let http = Reqwest::new();
    let redirect = RedirectUrl::new("http://127.0.0.1:53682/callback").unwrap();
    let verifier = PkceVerifier::generate();
    let state = State::generate();
    let nonce = Nonce::generate();
    let req = AuthorizationRequest::new(
        op.ep("authorization_endpoint"),
        ClientId::new(client_id),
        redirect.clone(),
    )
    .scope("openid profile email offline_access")
    .prompt([Prompt::Consent])
    .state(&state)
    .nonce(&nonce)
    .pkce(&verifier);
    let url = match par {
        None => req.build_url().unwrap(),
        Some(tc) => {
            let pushed = tc
                .push_authorization_request(
                    &http,
                    &op.ep("pushed_authorization_request_endpoint"),
                    &req,
                )
                .await
                .unwrap();
            assert!(
                pushed
                    .request_uri
                    .starts_with("urn:ietf:params:oauth:request_uri:")
            );
            assert!(pushed.expires_in > 0);
            req.build_par_url(&pushed.request_uri)
        }
    };
    let Landing::Redirect(back) = browser
        .navigate(url, "http://127.0.0.1:53682/callback")
        .await
    else {
        panic!("the provider did not redirect back to the loopback URL");
    };
    let resp = AuthorizationResponse::from_query(back.query().unwrap_or("")).unwrap();
    let ok = resp.into_result().unwrap();
    ok.check_state(&state).unwrap();
    assert_eq!(ok.iss.as_deref(), Some(op.issuer.as_str()), "RFC 9207 iss");
    (ok.code.expect("a code"), redirect, verifier, nonce)
}

async fn code_flow(op: &Op, browser: &mut Browser, client: &TokenClient, par: bool) -> CodeResult {
    let (code, redirect, verifier, nonce) = authorize(
        op,
        browser,
        client.client_id().as_str(),
        par.then_some(client),
    )
    .await;
    let tokens = client
        .exchange_code(
            &Reqwest::new(),
            &op.ep("token_endpoint"),
            &code,
            &redirect,
            Some(&verifier),
        )
        .await
        .unwrap();
    assert_eq!(tokens.token_type, TokenType::Bearer);
    assert_eq!(tokens.expires_in, Some(3600));
    assert!(
        tokens.scope.as_ref().unwrap().contains("offline_access"),
        "{:?}",
        tokens.scope
    );
    let id = validate_id_token(
        op,
        client,
        tokens.id_token.as_ref().unwrap().secret(),
        Some(&nonce),
    );
    CodeResult {
        tokens,
        sub: id,
        nonce,
    }
}

fn validate_id_token(op: &Op, client: &TokenClient, token: &str, nonce: Option<&Nonce>) -> String {
    let v = IdTokenValidator::new(op.issuer.as_str(), client.client_id().as_str())
        .algorithms_from_names(["RS256"]);
    let ctx = ValidationContext {
        nonce: nonce.map(Nonce::secret),
        ..Default::default()
    };
    let t = v.validate(token, &op.jwks, &ctx, &SystemClock).unwrap();
    t.claims.subject().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_the_real_provider() {
    let Some(provider) = start_provider() else {
        return;
    };
    let http = Reqwest::new();
    let op = discover(&http, provider.issuer()).await;
    let token_ep = op.ep("token_endpoint");
    let supported: Vec<String> =
        serde_json::from_value(op.meta["token_endpoint_auth_methods_supported"].clone()).unwrap();
    assert_eq!(
        ClientAuthMethod::choose(&ClientAuthMethod::parse_all(&supported)),
        Some(ClientAuthMethod::ClientSecretBasic)
    );
    let mut browser = Browser::new();

    // 1. Public client: code + PKCE, userinfo, introspection, refresh with rotation.
    println!("step: code flow with PKCE (desktop-public)");
    let public = TokenClient::new(ClientId::new("desktop-public"), ClientAuth::None);
    let r = code_flow(&op, &mut browser, &public, false).await;
    assert_eq!(r.sub, "alice");
    let rt1 = r
        .tokens
        .refresh_token
        .clone()
        .expect("offline_access gives a refresh token");

    println!("step: userinfo GET and POST, sub check");
    let userinfo_ep = op.ep("userinfo_endpoint");
    let at = &r.tokens.access_token;
    let u = fetch_userinfo(
        &http,
        &userinfo_ep,
        at,
        UserInfoStyle::GetWithHeader,
        &UserInfoParse::new(&r.sub),
    )
    .await
    .unwrap();
    assert_eq!(u.claims().email.as_deref(), Some("alice@example.com"));
    assert_eq!(u.claims().email_verified, Some(true));
    assert_eq!(u.claims().name.as_deref(), Some("Alice Example"));
    assert_eq!(u.claims().updated_at, Some(1_700_000_000));
    assert_eq!(u.claim_text("/json/locale").as_deref(), Some("en-US"));
    for style in [
        UserInfoStyle::PostWithHeader,
        UserInfoStyle::PostWithFormBody,
    ] {
        let u = fetch_userinfo(&http, &userinfo_ep, at, style, &UserInfoParse::new("alice"))
            .await
            .unwrap();
        assert_eq!(u.sub(), Some("alice"), "{style:?}");
    }
    let e = fetch_userinfo(
        &http,
        &userinfo_ep,
        at,
        UserInfoStyle::GetWithHeader,
        &UserInfoParse::new("bob"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (e.kind(), e.code().as_u16()),
        ("userinfo_sub_mismatch", 903)
    );

    println!("step: introspection of the access token");
    let intro_ep = op.ep("introspection_endpoint");
    let i = public
        .introspect(
            &http,
            &intro_ep,
            at.secret(),
            Some(TokenTypeHint::AccessToken),
        )
        .await
        .unwrap();
    assert!(i.active);
    assert_eq!(i.sub.as_deref(), Some("alice"));
    assert_eq!(i.client_id.as_deref(), Some("desktop-public"));

    println!("step: refresh with rotation");
    let refreshed1 = public.refresh(&http, &token_ep, &rt1, None).await.unwrap();
    assert!(
        refreshed1.rotated,
        "public clients get a new refresh token on every use"
    );
    assert_ne!(refreshed1.refresh_token, rt1);
    let new_id = refreshed1.tokens.id_token.as_ref().unwrap();
    assert_eq!(
        validate_id_token(&op, &public, new_id.secret(), Some(&r.nonce)),
        "alice"
    );
    let refreshed2 = public
        .refresh(
            &http,
            &token_ep,
            &refreshed1.refresh_token,
            Some(&Scope::new("openid email")),
        )
        .await
        .unwrap();
    assert!(refreshed2.rotated);
    let at2 = refreshed2.tokens.access_token.clone();
    fetch_userinfo(
        &http,
        &userinfo_ep,
        &at2,
        UserInfoStyle::GetWithHeader,
        &UserInfoParse::new("alice"),
    )
    .await
    .unwrap();

    println!("step: revocation");
    let revoke_ep = op.ep("revocation_endpoint");
    public
        .revoke(
            &http,
            &revoke_ep,
            at2.secret(),
            Some(TokenTypeHint::AccessToken),
        )
        .await
        .unwrap();
    let i = public
        .introspect(&http, &intro_ep, at2.secret(), None)
        .await
        .unwrap();
    assert!(!i.active, "a revoked token is inactive");
    let e = fetch_userinfo(
        &http,
        &userinfo_ep,
        &at2,
        UserInfoStyle::GetWithHeader,
        &UserInfoParse::new("alice"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), "bearer_token_rejected", "{e}");
    // revoking an unknown token is still a success (RFC 7009 §2.2)
    public
        .revoke(&http, &revoke_ep, "not-a-token", None)
        .await
        .unwrap();

    println!("step: replaying a rotated refresh token is refused");
    let e = public
        .refresh(&http, &token_ep, &rt1, None)
        .await
        .unwrap_err();
    assert_eq!(e.oauth_error(), Some("invalid_grant"), "{e}");
    assert_eq!(e.kind(), "token_error");

    // 2. PAR with the public client.
    println!("step: pushed authorization request");
    let r = code_flow(&op, &mut browser, &public, true).await;
    assert_eq!(r.sub, "alice");

    // 3. Confidential client: client_secret_basic and client_secret_post.
    for auth in [
        ClientAuth::SecretBasic(ClientSecret::new("desktop-secret-password")),
        ClientAuth::SecretPost(ClientSecret::new("desktop-secret-password")),
    ] {
        println!("step: confidential client with {}", auth.method());
        let secret_client = TokenClient::new(ClientId::new("desktop-secret"), auth);
        let r = code_flow(&op, &mut browser, &secret_client, false).await;
        assert_eq!(r.sub, "alice");
        let i = secret_client
            .introspect(&http, &intro_ep, r.tokens.access_token.secret(), None)
            .await
            .unwrap();
        assert!(i.active);
        let rt = r.tokens.refresh_token.clone().unwrap();
        let refreshed = secret_client
            .refresh(&http, &token_ep, &rt, None)
            .await
            .unwrap();
        // a confidential client keeps its refresh token (no rotation before 70 % of its TTL)
        assert!(!refreshed.rotated);
        assert_eq!(refreshed.refresh_token, rt);
        secret_client
            .revoke(
                &http,
                &revoke_ep,
                refreshed.refresh_token.secret(),
                Some(TokenTypeHint::RefreshToken),
            )
            .await
            .unwrap();
        let e = secret_client
            .refresh(&http, &token_ep, &refreshed.refresh_token, None)
            .await
            .unwrap_err();
        assert_eq!(e.oauth_error(), Some("invalid_grant"), "{e}");
    }
    println!("step: a wrong client secret is refused");
    let wrong = TokenClient::new(
        ClientId::new("desktop-secret"),
        ClientAuth::SecretBasic(ClientSecret::new("nope")),
    );
    let e = wrong
        .introspect(&http, &intro_ep, "x", None)
        .await
        .unwrap_err();
    assert_eq!(e.oauth_error(), Some("invalid_client"), "{e}");

    // 4. Device flow, the user side scripted.
    println!("step: device authorization grant");
    let device = TokenClient::new(ClientId::new("desktop-public"), ClientAuth::None);
    let da = device
        .device_authorization(
            &http,
            &op.ep("device_authorization_endpoint"),
            Some(&Scope::new("openid email offline_access")),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        da.interval, DEFAULT_INTERVAL_SECS,
        "this provider sends no interval"
    );
    // one poll before the user acts: authorization_pending
    let req = device
        .build_token_request(
            &token_ep,
            &Grant::DeviceCode {
                device_code: &da.device_code,
            },
        )
        .unwrap();
    let resp = http.execute(req).await.unwrap();
    assert!(matches!(
        device.parse_device_poll_response(&resp).unwrap(),
        DevicePoll::Pending
    ));
    // the device polls (real waits, bounded) while the user approves in a separate browser
    let poll = {
        let device = device.clone();
        let da = da.clone();
        let token_ep = token_ep.clone();
        tokio::spawn(async move {
            let opts = DevicePollOptions::default().max_wait(Duration::from_secs(60));
            device
                .poll_device_token(
                    &Reqwest::new(),
                    &token_ep,
                    &da,
                    &opts,
                    &TokioSleeper,
                    std::future::pending(),
                )
                .await
        })
    };
    let mut user_browser = Browser::new();
    let start: Url = da
        .verification_uri_complete
        .clone()
        .unwrap()
        .parse()
        .unwrap();
    match user_browser
        .navigate(start, "http://127.0.0.1:53682/")
        .await
    {
        Landing::Page(200, body) => assert!(body.contains("Sign-in Success"), "{body}"),
        Landing::Page(status, body) => panic!("device user flow ended with {status}: {body}"),
        Landing::Redirect(u) => panic!("unexpected redirect to {u}"),
    }
    let tokens = tokio::time::timeout(Duration::from_secs(90), poll)
        .await
        .expect("bounded")
        .unwrap()
        .unwrap();
    assert!(tokens.refresh_token.is_some());
    assert_eq!(
        validate_id_token(
            &op,
            &device,
            tokens.id_token.as_ref().unwrap().secret(),
            None
        ),
        "alice"
    );
    let u = fetch_userinfo(
        &http,
        &userinfo_ep,
        &tokens.access_token,
        UserInfoStyle::GetWithHeader,
        &UserInfoParse::new("alice"),
    )
    .await
    .unwrap();
    assert_eq!(u.claims().email.as_deref(), Some("alice@example.com"));
    // the device code is single-use
    let req = device
        .build_token_request(
            &token_ep,
            &Grant::DeviceCode {
                device_code: &da.device_code,
            },
        )
        .unwrap();
    let resp = http.execute(req).await.unwrap();
    assert!(device.parse_device_poll_response(&resp).is_err());

    // 5. RP-initiated logout with the URL builder.
    println!("step: RP-initiated logout");
    let r = code_flow(&op, &mut browser, &public, false).await;
    let state = State::generate();
    let logout = LogoutUrl::new(op.ep("end_session_endpoint"))
        .id_token_hint(r.tokens.id_token.as_ref().unwrap())
        .client_id(public.client_id())
        .post_logout_redirect_uri("http://127.0.0.1:53682/logout")
        .state(&state)
        .ui_locales("en")
        .build();
    let Landing::Redirect(back) = browser
        .navigate(logout, "http://127.0.0.1:53682/logout")
        .await
    else {
        panic!("logout did not return to post_logout_redirect_uri");
    };
    let echoed: Vec<(String, String)> = back.query_pairs().into_owned().collect();
    assert_eq!(echoed, [("state".to_owned(), state.secret().to_owned())]);

    drop(provider);
}
