//! Every grant, client authentication method and error path against a wiremock provider
//! over real HTTP, asserting on the requests the mock received.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail loudly"
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use oidc_core::{
    AccessToken, AuthorizationCode, AuthorizationRequest, ClientId, ClientSecret, FixedClock,
    PkceVerifier, RedirectUrl, RefreshToken, Scope, State,
};
use oidc_jose::{Algorithm, CompactJws, JwkSet, SigningKey};
use oidc_token::*;
use url::Url;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use common::Reqwest;

const NOW: i64 = 1_800_000_000;

fn client(auth: ClientAuth) -> TokenClient {
    TokenClient::new(ClientId::new("desk top"), auth).with_clock(Arc::new(FixedClock::new(NOW)))
}

fn ep(server: &MockServer, p: &str) -> Url {
    format!("{}{p}", server.uri()).parse().unwrap()
}

fn json(status: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

fn form(req: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect()
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn tokens_json() -> serde_json::Value {
    serde_json::json!({"access_token":"at-1","token_type":"Bearer","expires_in":3600,
        "refresh_token":"rt-1","id_token":"h.p.s","scope":"openid email"})
}

async fn only_request(server: &MockServer) -> Request {
    let mut reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1, "exactly one request");
    reqs.remove(0)
}

#[tokio::test]
async fn code_exchange_with_pkce_public_client() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(json(200, tokens_json()))
        .expect(1)
        .mount(&server)
        .await;
    let v = PkceVerifier::generate();
    let redirect = RedirectUrl::new("http://127.0.0.1:49152/callback").unwrap();
    let t = client(ClientAuth::None)
        .exchange_code(
            &Reqwest::new(),
            &ep(&server, "/token"),
            &AuthorizationCode::new("the-code"),
            &redirect,
            Some(&v),
        )
        .await
        .unwrap();
    assert_eq!(t.access_token.secret(), "at-1");
    assert_eq!(t.expires_at, Some(NOW + 3600));
    assert_eq!(t.id_token.unwrap().secret(), "h.p.s");
    let req = only_request(&server).await;
    assert_eq!(
        req.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(req.headers["accept"], "application/json");
    assert!(req.headers.get("authorization").is_none());
    let f = form(&req);
    assert_eq!(field(&f, "grant_type"), Some("authorization_code"));
    assert_eq!(field(&f, "code"), Some("the-code"));
    assert_eq!(
        field(&f, "redirect_uri"),
        Some("http://127.0.0.1:49152/callback")
    );
    assert_eq!(field(&f, "code_verifier"), Some(v.secret()));
    assert_eq!(field(&f, "client_id"), Some("desk top"));
}

#[tokio::test]
async fn client_secret_basic_encodes_before_base64() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(json(200, tokens_json()))
        .mount(&server)
        .await;
    let secret = "p:a+s%s w:rd";
    client(ClientAuth::SecretBasic(ClientSecret::new(secret)))
        .client_credentials(
            &Reqwest::new(),
            &ep(&server, "/token"),
            Some(&Scope::new("api")),
        )
        .await
        .unwrap();
    let req = only_request(&server).await;
    let auth = req.headers["authorization"].to_str().unwrap();
    let b64 = auth.strip_prefix("Basic ").unwrap();
    let decoded = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(decoded, "desk+top:p%3Aa%2Bs%25s+w%3Ard");
    // the provider's side: split on the first ':' and form-decode each half
    let (id, pw) = decoded.split_once(':').unwrap();
    let dec = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .unwrap()
            .1
            .into_owned()
    };
    assert_eq!((dec(id).as_str(), dec(pw).as_str()), ("desk top", secret));
    let f = form(&req);
    assert_eq!(field(&f, "grant_type"), Some("client_credentials"));
    assert_eq!(field(&f, "scope"), Some("api"));
    assert_eq!(field(&f, "client_id"), None);
}

#[tokio::test]
async fn client_secret_post_sends_the_secret_in_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(json(200, tokens_json()))
        .mount(&server)
        .await;
    client(ClientAuth::SecretPost(ClientSecret::new("p:a+s%s w")))
        .client_credentials(&Reqwest::new(), &ep(&server, "/token"), None)
        .await
        .unwrap();
    let req = only_request(&server).await;
    assert!(req.headers.get("authorization").is_none());
    assert_eq!(
        std::str::from_utf8(&req.body).unwrap(),
        "grant_type=client_credentials&client_id=desk+top&client_secret=p%3Aa%2Bs%25s+w"
    );
}

#[tokio::test]
async fn jwt_client_authentication_methods() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(json(200, tokens_json()))
        .mount(&server)
        .await;
    let token_ep = ep(&server, "/token");
    let secret = "0123456789abcdef0123456789abcdef";
    client(ClientAuth::SecretJwt {
        secret: ClientSecret::new(secret),
        alg: Algorithm::HS256,
    })
    .client_credentials(&Reqwest::new(), &token_ep, None)
    .await
    .unwrap();
    let key = SigningKey::generate_ec(Algorithm::ES256)
        .unwrap()
        .with_kid("c1");
    let jwks = JwkSet::from_slice(
        serde_json::json!({"keys":[key.public_jwk_json().unwrap()]})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    client(ClientAuth::PrivateKeyJwt(Arc::new(key)))
        .client_credentials(&Reqwest::new(), &token_ep, None)
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2);
    for (i, req) in reqs.iter().enumerate() {
        let f = form(req);
        assert_eq!(
            field(&f, "client_assertion_type"),
            Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        );
        let jwt = field(&f, "client_assertion").unwrap();
        let jws = CompactJws::parse(jwt).unwrap();
        if i == 0 {
            oidc_jose::verify_jws(
                &jws,
                &JwkSet::default(),
                &[Algorithm::HS256],
                Some(secret.as_bytes()),
            )
            .unwrap();
        } else {
            oidc_jose::verify_jws(&jws, &jwks, &[Algorithm::ES256], None).unwrap();
        }
        let claims: serde_json::Value = serde_json::from_slice(jws.payload()).unwrap();
        assert_eq!(claims["aud"], token_ep.as_str());
        assert_eq!(claims["iss"], "desk top");
        assert_eq!(claims["sub"], "desk top");
        assert!(req.headers.get("authorization").is_none());
    }
}

#[tokio::test]
async fn refresh_surfaces_rotation() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("refresh_token=rt-old"))
        .respond_with(json(200, serde_json::json!({"access_token":"at-2","token_type":"bearer","refresh_token":"rt-new"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("refresh_token=rt-new"))
        .respond_with(json(
            200,
            serde_json::json!({"access_token":"at-3","token_type":"Bearer"}),
        ))
        .mount(&server)
        .await;
    let c = client(ClientAuth::None);
    let r = c
        .refresh(
            &Reqwest::new(),
            &ep(&server, "/token"),
            &RefreshToken::new("rt-old"),
            None,
        )
        .await
        .unwrap();
    assert!(r.rotated);
    assert_eq!(r.refresh_token.secret(), "rt-new");
    let r2 = c
        .refresh(
            &Reqwest::new(),
            &ep(&server, "/token"),
            &r.refresh_token,
            Some(&Scope::new("openid")),
        )
        .await
        .unwrap();
    assert!(!r2.rotated);
    assert_eq!(r2.refresh_token.secret(), "rt-new");
    assert_eq!(r2.tokens.scope.unwrap().to_string(), "openid");
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        std::str::from_utf8(&reqs[1].body).unwrap(),
        "grant_type=refresh_token&refresh_token=rt-new&scope=openid&client_id=desk+top"
    );
}

#[tokio::test]
async fn device_flow_polls_until_success() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/device"))
        .respond_with(json(
            200,
            serde_json::json!({"device_code":"dc-1","user_code":"ABCD-EFGH",
            "verification_uri":"http://127.0.0.1/device","expires_in":600,"interval":2}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = |e: &str| json(400, serde_json::json!({"error": e}));
    Mock::given(path("/token"))
        .respond_with(err("authorization_pending"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/token"))
        .respond_with(err("slow_down"))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(path("/token"))
        .respond_with(err("authorization_pending"))
        .up_to_n_times(1)
        .with_priority(3)
        .mount(&server)
        .await;
    Mock::given(path("/token"))
        .respond_with(json(200, tokens_json()))
        .with_priority(4)
        .mount(&server)
        .await;

    let clock = Arc::new(FixedClock::new(NOW));
    let c = TokenClient::new(ClientId::new("tv"), ClientAuth::None).with_clock(clock.clone());
    let http = Reqwest::new();
    let da = c
        .device_authorization(
            &http,
            &ep(&server, "/device"),
            Some(&Scope::new("openid offline_access")),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(da.user_code, "ABCD-EFGH");
    let waits = Arc::new(std::sync::Mutex::new(Vec::new()));
    let w = waits.clone();
    let sleeper = move |d: Duration| {
        w.lock().unwrap().push(d.as_secs());
        clock.advance(i64::try_from(d.as_secs()).unwrap());
        std::future::ready(())
    };
    let t = c
        .poll_device_token(
            &http,
            &ep(&server, "/token"),
            &da,
            &DevicePollOptions::default(),
            &sleeper,
            std::future::pending(),
        )
        .await
        .unwrap();
    assert_eq!(t.refresh_token.unwrap().secret(), "rt-1");
    assert_eq!(*waits.lock().unwrap(), [2, 2, 7, 7]);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        std::str::from_utf8(&reqs[0].body).unwrap(),
        "scope=openid+offline_access&client_id=tv"
    );
    for r in &reqs[1..] {
        assert_eq!(
            std::str::from_utf8(&r.body).unwrap(),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=dc-1&client_id=tv"
        );
    }
    assert_eq!(reqs.len(), 5);
}

#[tokio::test]
async fn device_flow_denied() {
    let server = MockServer::start().await;
    Mock::given(path("/token"))
        .respond_with(json(400, serde_json::json!({"error":"access_denied"})))
        .mount(&server)
        .await;
    let c = client(ClientAuth::None);
    let da = c
        .parse_device_authorization_response(&http::Response::builder().header("content-type", "application/json")
            .body(br#"{"device_code":"d","user_code":"u","verification_uri":"v","expires_in":60,"interval":1}"#.to_vec()).unwrap())
        .unwrap();
    let e = c
        .poll_device_token(
            &Reqwest::new(),
            &ep(&server, "/token"),
            &da,
            &DevicePollOptions::default(),
            &|_d: Duration| std::future::ready(()),
            std::future::pending(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "access_denied");
}

#[tokio::test]
async fn token_error_paths() {
    let server = MockServer::start().await;
    let cases: Vec<(&str, ResponseTemplate, &str)> = vec![
        (
            "/e400",
            json(
                400,
                serde_json::json!({"error":"invalid_grant","error_description":"bad code","error_uri":"https://op/doc"}),
            ),
            "token_error",
        ),
        (
            "/e401",
            json(401, serde_json::json!({"error":"invalid_client"})),
            "token_error",
        ),
        (
            "/e500",
            ResponseTemplate::new(500).set_body_string("boom"),
            "server_error",
        ),
        (
            "/e502",
            json(502, serde_json::json!({"error":"temporarily_unavailable"})),
            "server_error",
        ),
        (
            "/html",
            ResponseTemplate::new(200).set_body_raw("<html/>", "text/html"),
            "unexpected_content_type",
        ),
        (
            "/notjson",
            ResponseTemplate::new(200).set_body_raw("{nope", "application/json"),
            "invalid_json",
        ),
        (
            "/big",
            ResponseTemplate::new(200).set_body_raw(
                vec![b' '; DEFAULT_MAX_RESPONSE_BYTES + 1],
                "application/json",
            ),
            "response_too_large",
        ),
        ("/e404", ResponseTemplate::new(404), "unexpected_status"),
        (
            "/nosub",
            json(200, serde_json::json!({"token_type":"Bearer"})),
            "missing_field",
        ),
    ];
    for (p, resp, _) in &cases {
        Mock::given(path(*p))
            .respond_with(resp.clone())
            .mount(&server)
            .await;
    }
    let c = client(ClientAuth::SecretBasic(ClientSecret::new("s")));
    for (p, _, kind) in &cases {
        let e = c
            .client_credentials(&Reqwest::new(), &ep(&server, p), None)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), *kind, "{p}: {e}");
        assert_eq!(e.code().as_u16(), 940);
        if *p == "/e400" {
            assert!(
                matches!(&e, Error::TokenEndpoint { status: 400, error, error_description: Some(d), error_uri: Some(u), .. }
                if error == "invalid_grant" && d == "bad code" && u == "https://op/doc")
            );
        }
    }
    // nothing listens: a transport error, not a parse error
    let dead: Url = "http://127.0.0.1:9/token".parse().unwrap();
    let e = c
        .client_credentials(&Reqwest::new(), &dead, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "http_transport");
    assert!(!format!("{e:?}").contains("\"s\""));
}

#[tokio::test]
async fn userinfo_styles_and_sub_check() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/me"))
        .and(header("authorization", "Bearer at-1"))
        .respond_with(json(
            200,
            serde_json::json!({"sub":"alice","email":"alice@example.com"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/me"))
        .and(body_string_contains("access_token=at-1"))
        .respond_with(json(200, serde_json::json!({"sub":"alice","name":"Alice"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/me"))
        .and(header("authorization", "Bearer at-1"))
        .respond_with(json(200, serde_json::json!({"sub":"mallory"})))
        .mount(&server)
        .await;
    Mock::given(path("/me"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("www-authenticate", "Bearer error=\"invalid_token\""),
        )
        .with_priority(10)
        .mount(&server)
        .await;
    let http = Reqwest::new();
    let me = ep(&server, "/me");
    let at = AccessToken::new("at-1");
    let u = fetch_userinfo(
        &http,
        &me,
        &at,
        UserInfoStyle::GetWithHeader,
        &UserInfoParse::new("alice"),
    )
    .await
    .unwrap();
    assert_eq!(u.claims().email.as_deref(), Some("alice@example.com"));
    let u = fetch_userinfo(
        &http,
        &me,
        &at,
        UserInfoStyle::PostWithFormBody,
        &UserInfoParse::new("alice"),
    )
    .await
    .unwrap();
    assert_eq!(u.claim_text("name").as_deref(), Some("Alice"));
    let e = fetch_userinfo(
        &http,
        &me,
        &at,
        UserInfoStyle::PostWithHeader,
        &UserInfoParse::new("alice"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (e.kind(), e.code().as_u16()),
        ("userinfo_sub_mismatch", 903)
    );
    let e = fetch_userinfo(
        &http,
        &me,
        &AccessToken::new("stale"),
        UserInfoStyle::GetWithHeader,
        &UserInfoParse::new("alice"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.oauth_error(), Some("invalid_token"));
}

#[tokio::test]
async fn userinfo_signed_jwt() {
    let key = SigningKey::generate_ed25519().unwrap().with_kid("op");
    let jwks = JwkSet::from_slice(
        serde_json::json!({"keys":[key.public_jwk_json().unwrap()]})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    let jwt = key
        .sign_compact(
            Some("JWT"),
            br#"{"sub":"alice","email":"a@x","iss":"https://op","aud":"desk top"}"#,
        )
        .unwrap();
    let server = MockServer::start().await;
    Mock::given(path("/me"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(jwt, "application/jwt"))
        .mount(&server)
        .await;
    let cid = ClientId::new("desk top");
    let how = UserInfoParse::new("alice").with_verification(UserInfoVerification {
        keys: &jwks,
        algorithms: &[Algorithm::EdDSA],
        client_secret: None,
        issuer: Some("https://op"),
        client_id: Some(&cid),
    });
    let u = fetch_userinfo(
        &Reqwest::new(),
        &ep(&server, "/me"),
        &AccessToken::new("at"),
        UserInfoStyle::GetWithHeader,
        &how,
    )
    .await
    .unwrap();
    assert_eq!(u.claims().email.as_deref(), Some("a@x"));
    let req = only_request(&server).await;
    assert_eq!(req.headers["accept"], "application/json, application/jwt");
}

#[tokio::test]
async fn revocation_introspection_and_par() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/introspect"))
        .respond_with(json(200, serde_json::json!({"active":true,"sub":"alice","client_id":"desk top","scope":"openid"})))
        .mount(&server).await;
    Mock::given(method("POST")).and(path("/par"))
        .respond_with(json(201, serde_json::json!({"request_uri":"urn:ietf:params:oauth:request_uri:xyz","expires_in":90})))
        .mount(&server).await;
    Mock::given(method("POST"))
        .and(path("/revoke-bad"))
        .respond_with(json(
            400,
            serde_json::json!({"error":"unsupported_token_type"}),
        ))
        .mount(&server)
        .await;
    let c = client(ClientAuth::SecretPost(ClientSecret::new("pw")));
    let http = Reqwest::new();
    c.revoke(
        &http,
        &ep(&server, "/revoke"),
        "rt-1",
        Some(TokenTypeHint::RefreshToken),
    )
    .await
    .unwrap();
    let i = c
        .introspect(&http, &ep(&server, "/introspect"), "at-1", None)
        .await
        .unwrap();
    assert!(i.active);
    assert_eq!(i.sub.as_deref(), Some("alice"));
    let areq = AuthorizationRequest::new(
        "http://127.0.0.1/auth".parse().unwrap(),
        ClientId::new("desk top"),
        RedirectUrl::new("http://127.0.0.1:5000/callback").unwrap(),
    )
    .scope("openid")
    .state(&State::new("st-1"))
    .pkce(&PkceVerifier::generate());
    let p = c
        .push_authorization_request(&http, &ep(&server, "/par"), &areq)
        .await
        .unwrap();
    assert_eq!(p.request_uri, "urn:ietf:params:oauth:request_uri:xyz");
    assert_eq!(p.expires_at, NOW + 90);
    let e = c
        .revoke(&http, &ep(&server, "/revoke-bad"), "x", None)
        .await
        .unwrap_err();
    assert_eq!(e.oauth_error(), Some("unsupported_token_type"));
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        std::str::from_utf8(&reqs[0].body).unwrap(),
        "token=rt-1&token_type_hint=refresh_token&client_id=desk+top&client_secret=pw"
    );
    assert_eq!(
        std::str::from_utf8(&reqs[1].body).unwrap(),
        "token=at-1&client_id=desk+top&client_secret=pw"
    );
    let par = form(&reqs[2]);
    assert_eq!(field(&par, "state"), Some("st-1"));
    assert_eq!(field(&par, "response_type"), Some("code"));
    assert_eq!(field(&par, "code_challenge_method"), Some("S256"));
    assert_eq!(field(&par, "client_secret"), Some("pw"));
    assert_eq!(par.iter().filter(|(n, _)| n == "client_id").count(), 1);
}
