//! Drives the test provider over real HTTP as a relying party would, and proves that every
//! fault changes what is served (mostly: the real `IdTokenValidator` rejects with the
//! expected kind).
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::time::{Duration, Instant};

use oidc_core::{Nonce, PkceVerifier, State, SystemClock};
use oidc_jose::{
    Algorithm, HashedValue, IdTokenValidator, JwkSet, SigningKey, ValidatedClaims,
    ValidationContext,
};
use oidc_testop::{Client, ClientAuth, Endpoint, Fault, JwksPath, LoginMode, OpConfig, TestOp};
use serde_json::{Value, json};
use url::Url;

const REDIRECT: &str = "http://127.0.0.1/callback";
/// What the relying party sends: the registered loopback URI with the port it bound.
const REDIRECT_WITH_PORT: &str = "http://127.0.0.1:53124/callback";
const SECRET: &str = "a-client-secret-of-32-bytes-or-more!!";

fn http() -> reqwest::Client {
    // Built with the workspace, reqwest has rustls without a default provider (oidc-reqwest
    // passes its own): install ring as the process default, as an application would.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

async fn get_json(url: &str) -> Value {
    let r = http().get(url).send().await.unwrap();
    assert_eq!(r.status(), 200, "GET {url}");
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
}

async fn post(url: &str, body: &str, basic: Option<(&str, &str)>) -> (u16, Vec<u8>) {
    let mut rb = http()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned());
    if let Some((id, secret)) = basic {
        rb = rb.basic_auth(id, Some(secret));
    }
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.bytes().await.unwrap().to_vec())
}

async fn post_json(url: &str, body: &str, basic: Option<(&str, &str)>) -> (u16, Value) {
    let (status, bytes) = post(url, body, basic).await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn jwks(op: &TestOp) -> JwkSet {
    let disco = get_json(op.discovery_url().as_str()).await;
    let r = http()
        .get(disco["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    JwkSet::from_slice(&r.bytes().await.unwrap()).unwrap()
}

fn validator(op: &TestOp, client_id: &str) -> IdTokenValidator {
    IdTokenValidator::new(op.issuer(), client_id)
        .algorithms([
            Algorithm::RS256,
            Algorithm::PS256,
            Algorithm::ES256,
            Algorithm::EdDSA,
            Algorithm::HS256,
        ])
        .client_secret(oidc_core::ClientSecret::new(SECRET))
}

fn params_of(url: &str) -> Vec<(String, String)> {
    let u = Url::parse(url).unwrap();
    match u.fragment() {
        Some(f) => url::form_urlencoded::parse(f.as_bytes())
            .into_owned()
            .collect(),
        None => u.query_pairs().into_owned().collect(),
    }
}

fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// One authorization request and what came back.
struct Front {
    nonce: Nonce,
    state: State,
    verifier: PkceVerifier,
    status: u16,
    location: Option<String>,
    body: String,
    params: Vec<(String, String)>,
}

async fn authorize(
    op: &TestOp,
    client_id: &str,
    response_type: &str,
    mode: Option<&str>,
    extra: &[(&str, &str)],
) -> Front {
    let (nonce, state, verifier) = (
        Nonce::generate(),
        State::generate(),
        PkceVerifier::generate(),
    );
    let challenge = verifier.challenge().challenge;
    let mut pairs = vec![
        ("client_id", client_id),
        ("redirect_uri", REDIRECT_WITH_PORT),
        ("response_type", response_type),
        ("scope", "openid profile email"),
        ("state", state.secret()),
        ("nonce", nonce.secret()),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ];
    if let Some(m) = mode {
        pairs.push(("response_mode", m));
    }
    pairs.extend_from_slice(extra);
    let url = format!("{}?{}", op.url(Endpoint::Authorization), form(&pairs));
    let r = http().get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = String::from_utf8(r.bytes().await.unwrap().to_vec()).unwrap();
    let params = match &location {
        Some(l) => params_of(l),
        None => op
            .last_front_channel()
            .map(|f| f.params)
            .unwrap_or_default(),
    };
    Front {
        nonce,
        state,
        verifier,
        status,
        location,
        body,
        params,
    }
}

async fn exchange(op: &TestOp, front: &Front, client_id: &str) -> (u16, Value) {
    let code = get(&front.params, "code").expect("a code");
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_WITH_PORT),
        ("code_verifier", front.verifier.secret()),
        ("client_id", client_id),
    ]);
    post_json(op.url(Endpoint::Token).as_str(), &body, None).await
}

/// The Basic profile: authorize (query), exchange the code, validate the ID token.
async fn code_flow(op: &TestOp) -> (Front, Value, Result<ValidatedClaims, oidc_jose::Error>) {
    let front = authorize(op, "test-client", "code", None, &[]).await;
    assert_eq!(front.status, 302, "{}", front.body);
    let (status, tokens) = exchange(op, &front, "test-client").await;
    assert_eq!(status, 200, "{tokens}");
    let keys = jwks(op).await;
    let ctx = ValidationContext {
        nonce: Some(front.nonce.secret()),
        access_token: Some(HashedValue {
            value: tokens["access_token"].as_str().unwrap(),
            required: false,
        }),
        ..Default::default()
    };
    let result = validator(op, "test-client")
        .validate(
            tokens["id_token"].as_str().unwrap(),
            &keys,
            &ctx,
            &SystemClock,
        )
        .map(|v| v.claims);
    (front, tokens, result)
}

async fn op_with(faults: &[Fault]) -> TestOp {
    let mut config = OpConfig::default();
    config.faults = faults.to_vec();
    TestOp::start(config).await.unwrap()
}

#[tokio::test]
async fn discovery_advertises_every_endpoint_and_rfc9207() {
    let op = TestOp::start(OpConfig::default().jwks_path(JwksPath::Random))
        .await
        .unwrap();
    let d = get_json(op.discovery_url().as_str()).await;
    assert_eq!(d["issuer"], op.issuer().as_str());
    assert_eq!(d["authorization_response_iss_parameter_supported"], true);
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    for (field, endpoint) in [
        ("authorization_endpoint", Endpoint::Authorization),
        ("token_endpoint", Endpoint::Token),
        ("userinfo_endpoint", Endpoint::UserInfo),
        ("revocation_endpoint", Endpoint::Revocation),
        ("introspection_endpoint", Endpoint::Introspection),
        ("end_session_endpoint", Endpoint::EndSession),
        (
            "device_authorization_endpoint",
            Endpoint::DeviceAuthorization,
        ),
        (
            "pushed_authorization_request_endpoint",
            Endpoint::PushedAuthorization,
        ),
        ("jwks_uri", Endpoint::Jwks),
    ] {
        assert_eq!(d[field], op.url(endpoint).as_str(), "{field}");
    }
    assert_eq!(d["response_types_supported"].as_array().unwrap().len(), 6);
    // The JWKS lives at a random path: the usual guess is a 404.
    let jwks_uri = d["jwks_uri"].as_str().unwrap();
    assert!(jwks_uri.contains("/keys/"), "{jwks_uri}");
    let guessed = http()
        .get(format!("{}/jwks", op.issuer()))
        .send()
        .await
        .unwrap();
    assert_eq!(guessed.status(), 404);
    let keys = jwks(&op).await;
    assert_eq!(keys.len(), 4);
    // The log names what was fetched.
    let endpoints: Vec<Endpoint> = op.requests().iter().map(|r| r.endpoint).collect();
    assert_eq!(
        endpoints,
        [
            Endpoint::Discovery,
            Endpoint::Unknown,
            Endpoint::Discovery,
            Endpoint::Jwks
        ]
    );
}

#[tokio::test]
async fn issuer_with_path() {
    let op = TestOp::start(OpConfig::default().issuer_path("/tenant-a"))
        .await
        .unwrap();
    assert!(op.issuer().ends_with("/tenant-a"));
    let d = get_json(op.discovery_url().as_str()).await;
    assert_eq!(d["issuer"], op.issuer().as_str());
    let (_, _, result) = code_flow(&op).await;
    result.unwrap();
}

#[tokio::test]
async fn code_flow_end_to_end_with_pkce_userinfo_and_log() {
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    let (front, tokens, result) = code_flow(&op).await;
    // The redirect goes to the port the client sent, with state and the RFC 9207 iss.
    let location = front.location.as_deref().unwrap();
    assert!(location.starts_with(REDIRECT_WITH_PORT), "{location}");
    assert_eq!(get(&front.params, "state"), Some(front.state.secret()));
    assert_eq!(get(&front.params, "iss"), Some(op.issuer().as_str()));
    let claims = result.unwrap();
    assert_eq!(claims.sub.as_deref(), Some("248289761001"));
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens["refresh_token"].is_string());
    // UserInfo with the bearer in the header.
    let r = http()
        .get(op.url(Endpoint::UserInfo))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let info: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(info["sub"], "248289761001");
    assert_eq!(info["email"], "jane@example.com");
    assert_eq!(info["name"], "Jane Doe");
    assert!(info.get("address").is_none(), "address scope not asked");
    // The log shows the whole conversation, with what the RP sent.
    let log = op.requests();
    let endpoints: Vec<Endpoint> = log.iter().map(|r| r.endpoint).collect();
    assert_eq!(
        endpoints,
        [
            Endpoint::Authorization,
            Endpoint::Token,
            Endpoint::Discovery,
            Endpoint::Jwks,
            Endpoint::UserInfo
        ]
    );
    assert_eq!(log[1].param("code_verifier"), Some(front.verifier.secret()));
    assert_eq!(
        log[0].front_channel.as_ref().unwrap().param("iss"),
        Some(op.issuer().as_str())
    );
    assert!(
        log[4]
            .header("authorization")
            .unwrap()
            .starts_with("Bearer ")
    );
    assert!(log.iter().all(|r| r.status == 200 || r.status == 302));
}

#[tokio::test]
async fn token_endpoint_checks_pkce_redirect_uri_and_single_use() {
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    let token_url = op.url(Endpoint::Token);
    let front = authorize(&op, "test-client", "code", None, &[]).await;
    let code = get(&front.params, "code").unwrap().to_owned();
    let attempt = |verifier: String, redirect: &'static str| {
        let code = code.clone();
        let url = token_url.clone();
        async move {
            let body = form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", redirect),
                ("code_verifier", &verifier),
                ("client_id", "test-client"),
            ]);
            post_json(url.as_str(), &body, None).await
        }
    };
    // A wrong verifier fails, and the code is spent.
    let (s, e) = attempt(
        PkceVerifier::generate().secret().to_owned(),
        REDIRECT_WITH_PORT,
    )
    .await;
    assert_eq!(
        (s, e["error"].as_str()),
        (400, Some("invalid_grant")),
        "{e}"
    );
    let (s, e) = attempt(front.verifier.secret().to_owned(), REDIRECT_WITH_PORT).await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")));
    assert!(
        e["error_description"]
            .as_str()
            .unwrap()
            .contains("already used")
    );

    // Replaying a code that worked revokes what it gave (RFC 6749 §4.1.2).
    let front = authorize(&op, "test-client", "code", None, &[]).await;
    let (s, tokens) = exchange(&op, &front, "test-client").await;
    assert_eq!(s, 200);
    assert_eq!(exchange(&op, &front, "test-client").await.0, 400);
    let r = http()
        .get(op.url(Endpoint::UserInfo))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // redirect_uri must be the same string, port included.
    let front = authorize(&op, "test-client", "code", None, &[]).await;
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", get(&front.params, "code").unwrap()),
        ("redirect_uri", "http://127.0.0.1:1/callback"),
        ("code_verifier", front.verifier.secret()),
        ("client_id", "test-client"),
    ]);
    let (s, e) = post_json(token_url.as_str(), &body, None).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (400, Some("invalid_grant")),
        "{e}"
    );

    // A missing verifier fails; the right one works once.
    let front = authorize(&op, "test-client", "code", None, &[]).await;
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", get(&front.params, "code").unwrap()),
        ("redirect_uri", REDIRECT_WITH_PORT),
        ("client_id", "test-client"),
    ]);
    let (s, _) = post_json(token_url.as_str(), &body, None).await;
    assert_eq!(s, 400);
    let front = authorize(&op, "test-client", "code", None, &[]).await;
    assert_eq!(exchange(&op, &front, "test-client").await.0, 200);
}

#[tokio::test]
async fn authorization_request_errors() {
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    let base = op.url(Endpoint::Authorization);
    let get_page = |q: String| {
        let base = base.clone();
        async move {
            let r = http().get(format!("{base}?{q}")).send().await.unwrap();
            let status = r.status().as_u16();
            let loc = r
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, loc)
        }
    };
    // Unregistered redirect URIs (other path, other host) get a page, never a redirect.
    for uri in [
        "http://127.0.0.1:5000/other",
        "http://evil.example/callback",
    ] {
        let q = form(&[
            ("client_id", "test-client"),
            ("redirect_uri", uri),
            ("response_type", "code"),
        ]);
        assert_eq!(get_page(q).await, (400, None), "{uri}");
    }
    let q = form(&[
        ("client_id", "nobody"),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
    ]);
    assert_eq!(get_page(q).await.0, 400);
    // PKCE is required, plain is refused, implicit needs a nonce: errors are redirected.
    for (extra, error) in [
        (vec![("response_type", "code")], "invalid_request"),
        (
            vec![
                ("response_type", "code"),
                (
                    "code_challenge",
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                ),
                ("code_challenge_method", "plain"),
            ],
            "invalid_request",
        ),
        (
            vec![("response_type", "id_token"), ("scope", "openid")],
            "invalid_request",
        ),
        (
            vec![("response_type", "code bogus")],
            "unsupported_response_type",
        ),
    ] {
        let mut pairs = vec![
            ("client_id", "test-client"),
            ("redirect_uri", REDIRECT_WITH_PORT),
            ("state", "s1"),
        ];
        pairs.extend(extra);
        let (status, loc) = get_page(form(&pairs)).await;
        assert_eq!(status, 302);
        let p = params_of(&loc.unwrap());
        assert_eq!(get(&p, "error"), Some(error), "{p:?}");
        assert_eq!(get(&p, "state"), Some("s1"));
        assert_eq!(get(&p, "iss"), Some(op.issuer().as_str()));
    }
    // Nothing reached the token endpoint.
    assert!(op.requests_to(Endpoint::Token).is_empty());
}

#[tokio::test]
async fn every_response_type_and_mode() {
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    let keys = jwks(&op).await;
    let cases = [
        ("code", "query"),
        ("code", "fragment"),
        ("code", "form_post"),
        ("id_token", "fragment"),
        ("id_token", "form_post"),
        ("id_token token", "fragment"),
        ("id_token token", "form_post"),
        ("code id_token", "fragment"),
        ("code id_token", "form_post"),
        ("code token", "fragment"),
        ("code token", "form_post"),
        ("code id_token token", "fragment"),
        ("code id_token token", "form_post"),
    ];
    for (rt, mode) in cases {
        let f = authorize(&op, "test-client", rt, Some(mode), &[]).await;
        let fc = op.last_front_channel().unwrap();
        assert_eq!(fc.mode.as_str(), mode);
        assert_eq!(fc.params, f.params);
        match mode {
            "form_post" => {
                assert_eq!(f.status, 200);
                assert!(f.body.contains("document.forms[0].submit()"));
                assert!(f.body.contains(&format!("action=\"{REDIRECT_WITH_PORT}\"")));
                for (n, v) in &f.params {
                    assert!(
                        f.body.contains(&format!("name=\"{n}\" value=\"{v}\"")),
                        "{n}"
                    );
                }
            }
            "fragment" => {
                assert_eq!(f.status, 302);
                assert!(f.location.as_deref().unwrap().contains('#'));
            }
            _ => assert!(!f.location.as_deref().unwrap().contains('#')),
        }
        let has = |n: &str| get(&f.params, n).is_some();
        let has_token = rt.split(' ').any(|w| w == "token");
        assert_eq!(has("code"), rt.contains("code"), "{rt}");
        assert_eq!(has("access_token"), has_token, "{rt}");
        assert_eq!(has("id_token"), rt.contains("id_token"), "{rt}");
        assert_eq!(get(&f.params, "state"), Some(f.state.secret()));
        assert_eq!(get(&f.params, "iss"), Some(op.issuer().as_str()));
        if let Some(id_token) = get(&f.params, "id_token") {
            let ctx = ValidationContext {
                nonce: Some(f.nonce.secret()),
                access_token: get(&f.params, "access_token").map(|value| HashedValue {
                    value,
                    required: true,
                }),
                code: get(&f.params, "code").map(|value| HashedValue {
                    value,
                    required: true,
                }),
                ..Default::default()
            };
            let v = validator(&op, "test-client")
                .validate(id_token, &keys, &ctx, &SystemClock)
                .unwrap_or_else(|e| panic!("{rt} {mode}: {e}"));
            // Without an access token the claims travel in the ID token (Core §5.4).
            assert_eq!(v.claims.user().email.is_some(), !has_token, "{rt}");
        }
        if has("code") {
            assert_eq!(exchange(&op, &f, "test-client").await.0, 200, "{rt} {mode}");
        }
    }
    // A response with tokens must not use the query.
    let f = authorize(&op, "test-client", "code id_token", Some("query"), &[]).await;
    assert_eq!(get(&f.params, "error"), Some("invalid_request"));
    assert!(f.location.unwrap().contains('#'));
}

#[tokio::test]
async fn each_signing_algorithm_verifies() {
    let mut config = OpConfig::default();
    for alg in [
        Algorithm::RS256,
        Algorithm::PS256,
        Algorithm::ES256,
        Algorithm::EdDSA,
        Algorithm::HS256,
    ] {
        config = config.client(
            Client::confidential(
                format!("c-{alg}"),
                SECRET,
                ClientAuth::ClientSecretBasic,
                REDIRECT,
            )
            .id_token_alg(alg),
        );
    }
    let op = TestOp::start(config).await.unwrap();
    let keys = jwks(&op).await;
    for alg in [
        Algorithm::RS256,
        Algorithm::PS256,
        Algorithm::ES256,
        Algorithm::EdDSA,
        Algorithm::HS256,
    ] {
        let id = format!("c-{alg}");
        let f = authorize(&op, &id, "code", None, &[]).await;
        let body = form(&[
            ("grant_type", "authorization_code"),
            ("code", get(&f.params, "code").unwrap()),
            ("redirect_uri", REDIRECT_WITH_PORT),
            ("code_verifier", f.verifier.secret()),
        ]);
        let (s, t) = post_json(op.url(Endpoint::Token).as_str(), &body, Some((&id, SECRET))).await;
        assert_eq!(s, 200, "{t}");
        let ctx = ValidationContext {
            nonce: Some(f.nonce.secret()),
            ..Default::default()
        };
        let v = validator(&op, &id)
            .validate(t["id_token"].as_str().unwrap(), &keys, &ctx, &SystemClock)
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(v.header.alg, alg);
        assert_eq!(v.verified_with.is_some(), alg != Algorithm::HS256);
        // Only this algorithm allowed: still verifies; another algorithm alone: refused.
        let only = IdTokenValidator::new(op.issuer(), &id)
            .algorithms([alg])
            .client_secret(oidc_core::ClientSecret::new(SECRET));
        assert!(
            only.validate(t["id_token"].as_str().unwrap(), &keys, &ctx, &SystemClock)
                .is_ok()
        );
    }
}

fn assertion(key: &SigningKey, client_id: &str, aud: &str, jti: &str) -> String {
    let now = oidc_core::Clock::now_unix(&SystemClock);
    let claims = json!({"iss": client_id, "sub": client_id, "aud": aud, "jti": jti,
        "exp": now + 60, "iat": now});
    key.sign_compact(Some("JWT"), claims.to_string().as_bytes())
        .unwrap()
}

#[tokio::test]
async fn client_authentication_methods_are_verified() {
    let client_key = SigningKey::generate_ec(Algorithm::ES256)
        .unwrap()
        .with_kid("client-1");
    let client_jwks = json!({"keys": [client_key.public_jwk_json().unwrap()]}).to_string();
    let config = OpConfig::default()
        .client(Client::confidential(
            "basic",
            SECRET,
            ClientAuth::ClientSecretBasic,
            REDIRECT,
        ))
        .client(Client::confidential(
            "post",
            SECRET,
            ClientAuth::ClientSecretPost,
            REDIRECT,
        ))
        .client(Client::confidential(
            "jwt",
            SECRET,
            ClientAuth::ClientSecretJwt,
            REDIRECT,
        ))
        .client(Client::private_key_jwt("pkjwt", client_jwks, REDIRECT));
    let op = TestOp::start(config).await.unwrap();
    let token = op.url(Endpoint::Token);
    let token = token.as_str();
    let cc = |extra: &[(&str, &str)]| {
        let mut p = vec![("grant_type", "client_credentials"), ("scope", "api")];
        p.extend_from_slice(extra);
        form(&p)
    };
    let hmac = SigningKey::hmac(Algorithm::HS256, SECRET.as_bytes()).unwrap();
    let wrong_hmac =
        SigningKey::hmac(Algorithm::HS256, b"not-the-secret-not-the-secret!!!").unwrap();
    let other_key = SigningKey::generate_ec(Algorithm::ES256)
        .unwrap()
        .with_kid("client-1");
    let jwt_type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    // Each method works.
    let (s, t) = post_json(token, &cc(&[]), Some(("basic", SECRET))).await;
    assert_eq!(s, 200, "{t}");
    assert!(t.get("id_token").is_none() && t.get("refresh_token").is_none());
    let (s, t) = post_json(
        token,
        &cc(&[("client_id", "post"), ("client_secret", SECRET)]),
        None,
    )
    .await;
    assert_eq!(s, 200, "{t}");
    let a = assertion(&hmac, "jwt", token, "j1");
    let (s, t) = post_json(
        token,
        &cc(&[
            ("client_assertion_type", jwt_type),
            ("client_assertion", &a),
        ]),
        None,
    )
    .await;
    assert_eq!(s, 200, "{t}");
    let a = assertion(&client_key, "pkjwt", &op.issuer(), "j1");
    let (s, t) = post_json(
        token,
        &cc(&[
            ("client_assertion_type", jwt_type),
            ("client_assertion", &a),
        ]),
        None,
    )
    .await;
    assert_eq!(s, 200, "{t}");
    // Basic credentials are form-urlencoded before base64 (RFC 6749 §2.3.1).
    let creds = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("basic:{}", SECRET.replace('!', "%21")),
    );
    let r = http()
        .post(token)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", format!("Basic {creds}"))
        .body(cc(&[]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Each failure is invalid_client (401).
    let a_replayed = assertion(&client_key, "pkjwt", &op.issuer(), "j1");
    let a_other_key = assertion(&other_key, "pkjwt", &op.issuer(), "j2");
    let a_wrong_secret = assertion(&wrong_hmac, "jwt", token, "j3");
    let a_wrong_aud = assertion(&hmac, "jwt", "https://elsewhere.example", "j4");
    let failures: Vec<(String, Option<(&str, &str)>)> = vec![
        (cc(&[]), Some(("basic", "wrong"))),
        (
            cc(&[("client_id", "post"), ("client_secret", "wrong")]),
            None,
        ),
        // Registered for post, tried basic: the method must be the registered one.
        (cc(&[]), Some(("post", SECRET))),
        (
            cc(&[
                ("client_assertion_type", jwt_type),
                ("client_assertion", &a_replayed),
            ]),
            None,
        ),
        (
            cc(&[
                ("client_assertion_type", jwt_type),
                ("client_assertion", &a_other_key),
            ]),
            None,
        ),
        (
            cc(&[
                ("client_assertion_type", jwt_type),
                ("client_assertion", &a_wrong_secret),
            ]),
            None,
        ),
        (
            cc(&[
                ("client_assertion_type", jwt_type),
                ("client_assertion", &a_wrong_aud),
            ]),
            None,
        ),
        (cc(&[("client_id", "unknown")]), None),
        (cc(&[]), None),
    ];
    for (i, (body, basic)) in failures.iter().enumerate() {
        let (s, e) = post_json(token, body, *basic).await;
        assert_eq!(
            (s, e["error"].as_str()),
            (401, Some("invalid_client")),
            "case {i}: {e}"
        );
    }
    // A public client may not use client_credentials.
    let (s, e) = post_json(token, &cc(&[("client_id", "test-client")]), None).await;
    assert_eq!((s, e["error"].as_str()), (400, Some("unauthorized_client")));
}

#[tokio::test]
async fn refresh_rotates_and_reuse_fails() {
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    let (_, tokens, original) = code_flow(&op).await;
    let original = original.unwrap();
    let refresh = |rt: String| {
        let url = op.url(Endpoint::Token);
        async move {
            let body = form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", &rt),
                ("client_id", "test-client"),
            ]);
            post_json(url.as_str(), &body, None).await
        }
    };
    let first = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (s, t) = refresh(first.clone()).await;
    assert_eq!(s, 200, "{t}");
    let second = t["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    // The refreshed ID token validates against the original (§12.2), without a nonce.
    let keys = jwks(&op).await;
    let ctx = ValidationContext {
        original: Some(&original),
        ..Default::default()
    };
    let v = validator(&op, "test-client")
        .validate(t["id_token"].as_str().unwrap(), &keys, &ctx, &SystemClock)
        .unwrap();
    assert!(v.claims.nonce.is_none());
    assert_eq!(v.claims.auth_time, original.auth_time);
    // The new one works once; its successor is then current.
    let (s, t) = refresh(second.clone()).await;
    assert_eq!(s, 200);
    let third = t["refresh_token"].as_str().unwrap().to_owned();
    let third_access = t["access_token"].as_str().unwrap().to_owned();
    assert_eq!(refresh(second).await.0, 400);
    // Reusing a rotated-out token fails and revokes the whole grant (RFC 9700 §4.14.2):
    // the current refresh token and its access token stop working too.
    let (s, e) = refresh(first).await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(refresh(third).await.0, 400);
    let r = http()
        .get(op.url(Endpoint::UserInfo))
        .bearer_auth(third_access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Refresh faults: other iss / other sub than the original.
    for (fault, kind) in [
        (Fault::RefreshIssAltered, "issuer_mismatch"),
        (Fault::RefreshSubAltered, "subject_mismatch"),
    ] {
        op.clear_faults();
        let (_, tokens, original) = code_flow(&op).await;
        let original = original.unwrap();
        op.set_faults([fault.clone()]);
        let (s, t) = refresh(tokens["refresh_token"].as_str().unwrap().to_owned()).await;
        assert_eq!(s, 200);
        let ctx = ValidationContext {
            original: Some(&original),
            ..Default::default()
        };
        let err = validator(&op, "test-client")
            .validate(t["id_token"].as_str().unwrap(), &keys, &ctx, &SystemClock)
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{fault:?}");
    }
}

/// Each ID-token fault of the catalogue makes the real validator reject with its kind.
#[tokio::test]
async fn id_token_faults_are_rejected_with_their_kind() {
    let cases: Vec<(Fault, &str)> = vec![
        (Fault::IdTokenIssAltered, "issuer_mismatch"),
        (Fault::IdTokenAudAltered, "audience_mismatch"),
        (Fault::IdTokenAzpAltered, "azp_mismatch"),
        (Fault::IdTokenAudRemoved, "missing_claim"),
        (Fault::IdTokenSubRemoved, "missing_claim"),
        (Fault::IdTokenIatRemoved, "missing_claim"),
        (Fault::IdTokenIatInFuture, "invalid_iat"),
        (Fault::IdTokenExpired, "expired"),
        (Fault::IdTokenNotYetValid, "not_yet_valid"),
        (Fault::IdTokenNonceAltered, "nonce_mismatch"),
        (Fault::IdTokenNonceRemoved, "missing_claim"),
        (Fault::IdTokenAtHashAltered, "at_hash_mismatch"),
        (Fault::IdTokenSignatureCorrupted, "bad_signature"),
        (Fault::IdTokenAlgNone, "missing_signature"),
        (Fault::IdTokenAlgConfusion, "bad_signature"),
    ];
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    // Without faults the same flow is accepted, so each rejection is the fault's doing.
    code_flow(&op).await.2.unwrap();
    for (fault, kind) in cases {
        op.set_faults([fault.clone()]);
        let (_, _, result) = code_flow(&op).await;
        let err = result.expect_err(&format!("{fault:?} was accepted"));
        assert_eq!(err.kind(), kind, "{fault:?}: {err}");
    }
    // Alg confusion really is HS256 keyed with the RSA public key PEM.
    op.set_faults([Fault::IdTokenAlgConfusion]);
    let (_, tokens, _) = code_flow(&op).await;
    let keys = jwks(&op).await;
    let pem = keys
        .keys()
        .iter()
        .find(|k| k.alg() == Some("RS256"))
        .unwrap()
        .to_public_key_pem()
        .unwrap();
    let naive = IdTokenValidator::new(op.issuer(), "test-client")
        .algorithms([Algorithm::HS256])
        .client_secret(oidc_core::ClientSecret::new(pem));
    naive
        .validate(
            tokens["id_token"].as_str().unwrap(),
            &keys,
            &ValidationContext::default(),
            &SystemClock,
        )
        .unwrap();
    // alg none is accepted only by the loud opt-in.
    op.set_faults([Fault::IdTokenAlgNone]);
    let (_, tokens, _) = code_flow(&op).await;
    let v = validator(&op, "test-client")
        .insecure_accept_unsigned(true)
        .validate(
            tokens["id_token"].as_str().unwrap(),
            &keys,
            &ValidationContext::default(),
            &SystemClock,
        )
        .unwrap();
    assert_eq!(v.header.alg, Algorithm::None);
}

/// at_hash and c_hash faults on hybrid front-channel ID tokens.
#[tokio::test]
async fn hash_faults_on_hybrid_responses() {
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    let keys = jwks(&op).await;
    let check = |f: &Front| {
        let p = &f.params;
        let ctx = ValidationContext {
            nonce: Some(f.nonce.secret()),
            access_token: get(p, "access_token").map(|value| HashedValue {
                value,
                required: true,
            }),
            code: get(p, "code").map(|value| HashedValue {
                value,
                required: true,
            }),
            ..Default::default()
        };
        validator(&op, "test-client").validate(
            get(p, "id_token").unwrap(),
            &keys,
            &ctx,
            &SystemClock,
        )
    };
    let f = authorize(
        &op,
        "test-client",
        "code id_token token",
        Some("form_post"),
        &[],
    )
    .await;
    check(&f).unwrap();
    for (fault, kind) in [
        (Fault::IdTokenAtHashAltered, "at_hash_mismatch"),
        (Fault::IdTokenAtHashRemoved, "missing_claim"),
        (Fault::IdTokenCHashAltered, "c_hash_mismatch"),
        (Fault::IdTokenCHashRemoved, "missing_claim"),
    ] {
        op.set_faults([fault.clone()]);
        let f = authorize(
            &op,
            "test-client",
            "code id_token token",
            Some("form_post"),
            &[],
        )
        .await;
        assert_eq!(check(&f).unwrap_err().kind(), kind, "{fault:?}");
    }
}

#[tokio::test]
async fn kid_absent_with_one_or_several_candidate_keys() {
    let op = op_with(&[Fault::IdTokenKidAbsent]).await;
    let keys = jwks(&op).await;
    assert!(keys.keys().iter().all(|k| k.kid().is_none()));
    let (_, tokens, result) = code_flow(&op).await;
    result.unwrap();
    let (header, _) = oidc_jose::parse_unverified(tokens["id_token"].as_str().unwrap()).unwrap();
    assert!(header.kid.is_none());
    // With decoys, three RS256 keys fit; the validator must try them all.
    op.set_faults([Fault::IdTokenKidAbsent, Fault::DecoyKeys]);
    let keys = jwks(&op).await;
    assert_eq!(keys.len(), 12);
    assert_eq!(
        keys.keys()
            .iter()
            .filter(|k| k.alg() == Some("RS256"))
            .count(),
        3
    );
    let (_, _, result) = code_flow(&op).await;
    result.unwrap();
    // The real key is last: a validator that tried only the first candidate would fail.
    let first_rs256 = keys
        .keys()
        .iter()
        .find(|k| k.alg() == Some("RS256"))
        .unwrap()
        .clone();
    let (_, tokens, _) = code_flow(&op).await;
    let only_first = JwkSet::from_keys(vec![first_rs256]);
    let err = validator(&op, "test-client")
        .validate(
            tokens["id_token"].as_str().unwrap(),
            &only_first,
            &ValidationContext::default(),
            &SystemClock,
        )
        .unwrap_err();
    assert_eq!(err.kind(), "bad_signature");
}

#[tokio::test]
async fn key_rotation_between_logins_and_before_signing() {
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    let old_keys = jwks(&op).await;
    op.rotate_keys().unwrap();
    let (_, tokens, _) = code_flow(&op).await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let ctx = ValidationContext::default();
    let err = validator(&op, "test-client")
        .validate(id_token, &old_keys, &ctx, &SystemClock)
        .unwrap_err();
    assert!(err.is_unknown_kid(), "{err}");
    let new_keys = jwks(&op).await;
    validator(&op, "test-client")
        .validate(id_token, &new_keys, &ctx, &SystemClock)
        .unwrap();
    assert!(
        !new_keys
            .keys()
            .iter()
            .any(|k| old_keys.contains_kid(k.kid().unwrap()))
    );

    // Rotation just before signing: the JWKS fetched before the token request is stale.
    op.set_faults([Fault::RotateKeysBeforeSigning]);
    let before = jwks(&op).await;
    let (_, tokens, after_refetch) = code_flow(&op).await;
    after_refetch.unwrap();
    let err = validator(&op, "test-client")
        .validate(
            tokens["id_token"].as_str().unwrap(),
            &before,
            &ctx,
            &SystemClock,
        )
        .unwrap_err();
    assert!(err.is_unknown_kid(), "{err}");
}

#[tokio::test]
async fn front_channel_faults() {
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    op.set_faults([Fault::WrongState]);
    let f = authorize(&op, "test-client", "code", None, &[]).await;
    assert_ne!(get(&f.params, "state"), Some(f.state.secret()));
    assert!(get(&f.params, "state").is_some());

    op.set_faults([Fault::IssParameterWrong]);
    let f = authorize(&op, "test-client", "code", None, &[]).await;
    assert_eq!(get(&f.params, "iss"), Some("https://attacker.example"));

    op.set_faults([Fault::IssParameterMissing]);
    let f = authorize(&op, "test-client", "code id_token", Some("form_post"), &[]).await;
    assert!(get(&f.params, "iss").is_none());
    assert!(get(&f.params, "id_token").is_some());
    // Discovery still advertises the parameter, which makes its absence a fault.
    let d = get_json(op.discovery_url().as_str()).await;
    assert_eq!(d["authorization_response_iss_parameter_supported"], true);

    op.set_faults([Fault::access_denied()]);
    for mode in ["query", "form_post"] {
        let f = authorize(&op, "test-client", "code", Some(mode), &[]).await;
        assert_eq!(get(&f.params, "error"), Some("access_denied"));
        assert_eq!(
            get(&f.params, "error_description"),
            Some("The user declined the request")
        );
        assert_eq!(
            get(&f.params, "error_uri"),
            Some("https://op.example/errors/access_denied")
        );
        assert_eq!(get(&f.params, "state"), Some(f.state.secret()));
        assert!(get(&f.params, "code").is_none());
    }

    op.set_faults([Fault::invalid_grant()]);
    op.clear_faults();
    op.add_fault(Fault::invalid_grant());
    let f = authorize(&op, "test-client", "code", None, &[]).await;
    let (s, e) = exchange(&op, &f, "test-client").await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")));
    assert!(e["error_description"].is_string());
}

#[tokio::test]
async fn discovery_issuer_mismatch() {
    let op = op_with(&[Fault::DiscoveryIssuerMismatch]).await;
    let d = get_json(op.discovery_url().as_str()).await;
    let issuer = d["issuer"].as_str().unwrap();
    assert_ne!(issuer, op.issuer());
    assert!(
        !op.discovery_url()
            .as_str()
            .starts_with(&format!("{issuer}/.well-known"))
    );
}

#[tokio::test]
async fn userinfo_bearer_in_body_signed_and_sub_mismatch() {
    let config = OpConfig::default().client(
        Client::confidential("signed", SECRET, ClientAuth::ClientSecretPost, REDIRECT)
            .userinfo_alg(Algorithm::ES256),
    );
    let op = TestOp::start(config).await.unwrap();
    let (_, tokens, _) = code_flow(&op).await;
    let at = tokens["access_token"].as_str().unwrap();
    let userinfo = op.url(Endpoint::UserInfo);
    // Bearer in the form body (RFC 6750 §2.2).
    let (s, body) = post_json(userinfo.as_str(), &form(&[("access_token", at)]), None).await;
    assert_eq!((s, body["sub"].as_str()), (200, Some("248289761001")));
    assert_eq!(
        op.requests_to(Endpoint::UserInfo)[0].param("access_token"),
        Some(at)
    );
    // Both header and body: refused.
    let r = http()
        .post(userinfo.as_str())
        .bearer_auth(at)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("access_token", at)]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Unknown token: 401 with a Bearer challenge.
    let r = http()
        .get(userinfo.as_str())
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );

    op.set_faults([Fault::UserInfoSubMismatch]);
    let (_, body) = post_json(userinfo.as_str(), &form(&[("access_token", at)]), None).await;
    assert_ne!(body["sub"], "248289761001");

    // Signed UserInfo, by fault (RS256) and by client registration (ES256).
    op.set_faults([Fault::SignedUserInfo]);
    let keys = jwks(&op).await;
    let r = http()
        .get(userinfo.as_str())
        .bearer_auth(at)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/jwt");
    let jwt = String::from_utf8(r.bytes().await.unwrap().to_vec()).unwrap();
    let jws = oidc_jose::CompactJws::parse(&jwt).unwrap();
    assert_eq!(jws.header().alg, Algorithm::RS256);
    oidc_jose::verify_jws(&jws, &keys, &[Algorithm::RS256], None).unwrap();
    let claims: Value = serde_json::from_slice(jws.payload()).unwrap();
    assert_eq!(
        (claims["sub"].as_str(), claims["iss"].as_str()),
        (Some("248289761001"), Some(op.issuer().as_str()))
    );

    op.clear_faults();
    let f = authorize(&op, "signed", "code", None, &[]).await;
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", get(&f.params, "code").unwrap()),
        ("redirect_uri", REDIRECT_WITH_PORT),
        ("code_verifier", f.verifier.secret()),
        ("client_id", "signed"),
        ("client_secret", SECRET),
    ]);
    let (_, t) = post_json(op.url(Endpoint::Token).as_str(), &body, None).await;
    let r = http()
        .get(userinfo.as_str())
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let jwt = String::from_utf8(r.bytes().await.unwrap().to_vec()).unwrap();
    let jws = oidc_jose::CompactJws::parse(&jwt).unwrap();
    assert_eq!(jws.header().alg, Algorithm::ES256);
    oidc_jose::verify_jws(&jws, &keys, &[Algorithm::ES256], None).unwrap();
}

#[tokio::test]
async fn revocation_and_introspection() {
    let config = OpConfig::default().client(Client::confidential(
        "rs",
        SECRET,
        ClientAuth::ClientSecretBasic,
        REDIRECT,
    ));
    let op = TestOp::start(config).await.unwrap();
    let (_, tokens, _) = code_flow(&op).await;
    let at = tokens["access_token"].as_str().unwrap();
    let rt = tokens["refresh_token"].as_str().unwrap();
    let introspect = op.url(Endpoint::Introspection);
    let (s, i) = post_json(
        introspect.as_str(),
        &form(&[("token", at)]),
        Some(("rs", SECRET)),
    )
    .await;
    assert_eq!(
        (s, &i["active"], &i["sub"]),
        (200, &json!(true), &json!("248289761001"))
    );
    assert_eq!(i["client_id"], "test-client");
    let (s, _) = post_json(
        introspect.as_str(),
        &form(&[("token", at)]),
        Some(("rs", "bad")),
    )
    .await;
    assert_eq!(s, 401);
    // Another client may not revoke test-client's token; test-client may.
    let revoke = op.url(Endpoint::Revocation);
    let (s, _) = post(
        revoke.as_str(),
        &form(&[("token", at)]),
        Some(("rs", SECRET)),
    )
    .await;
    assert_eq!(s, 400);
    for t in [at, rt] {
        let (s, _) = post(
            revoke.as_str(),
            &form(&[("token", t), ("client_id", "test-client")]),
            None,
        )
        .await;
        assert_eq!(s, 200);
    }
    let (_, i) = post_json(
        introspect.as_str(),
        &form(&[("token", at)]),
        Some(("rs", SECRET)),
    )
    .await;
    assert_eq!(i, json!({"active": false}));
    let r = http()
        .get(op.url(Endpoint::UserInfo))
        .bearer_auth(at)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body = form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", rt),
        ("client_id", "test-client"),
    ]);
    assert_eq!(
        post_json(op.url(Endpoint::Token).as_str(), &body, None)
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn end_session_redirects_only_to_registered_uris() {
    let config = OpConfig::without_clients().client(
        Client::public("test-client", REDIRECT)
            .post_logout_redirect_uri("http://127.0.0.1:4000/bye"),
    );
    let op = TestOp::start(config).await.unwrap();
    let (_, tokens, _) = code_flow(&op).await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let logout = |pairs: Vec<(&str, &str)>| {
        let url = format!("{}?{}", op.url(Endpoint::EndSession), form(&pairs));
        async move {
            let r = http().get(url).send().await.unwrap();
            (
                r.status().as_u16(),
                r.headers()
                    .get("location")
                    .map(|v| v.to_str().unwrap().to_owned()),
            )
        }
    };
    let (s, loc) = logout(vec![
        ("id_token_hint", id_token),
        ("post_logout_redirect_uri", "http://127.0.0.1:4000/bye"),
        ("state", "st-1"),
    ])
    .await;
    assert_eq!(
        (s, loc.as_deref()),
        (302, Some("http://127.0.0.1:4000/bye?state=st-1"))
    );
    let (s, loc) = logout(vec![
        ("client_id", "test-client"),
        ("post_logout_redirect_uri", "http://127.0.0.1:4000/other"),
    ])
    .await;
    assert_eq!((s, loc), (400, None));
    assert_eq!(logout(vec![]).await.0, 200);
}

#[tokio::test]
async fn device_flow_pending_approve_deny() {
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    let start = || async {
        let (s, d) = post_json(
            op.url(Endpoint::DeviceAuthorization).as_str(),
            &form(&[("client_id", "test-client"), ("scope", "openid email")]),
            None,
        )
        .await;
        assert_eq!(s, 200, "{d}");
        d
    };
    let poll = |device_code: String| {
        let url = op.url(Endpoint::Token);
        async move {
            let body = form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", &device_code),
                ("client_id", "test-client"),
            ]);
            post_json(url.as_str(), &body, None).await
        }
    };
    let d = start().await;
    let code = d["user_code"].as_str().unwrap();
    assert!(
        d["verification_uri_complete"]
            .as_str()
            .unwrap()
            .contains("user_code=")
    );
    assert_eq!(op.pending_user_codes(), [code]);
    let (s, e) = poll(d["device_code"].as_str().unwrap().to_owned()).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (400, Some("authorization_pending"))
    );
    assert!(op.approve_device(&code.to_lowercase()));
    assert!(!op.approve_device(code), "decided once");
    let (s, t) = poll(d["device_code"].as_str().unwrap().to_owned()).await;
    assert_eq!(s, 200, "{t}");
    let keys = jwks(&op).await;
    let v = validator(&op, "test-client")
        .validate(
            t["id_token"].as_str().unwrap(),
            &keys,
            &ValidationContext::default(),
            &SystemClock,
        )
        .unwrap();
    assert_eq!(v.claims.subject(), "248289761001");
    // Denied through the verification page.
    let d = start().await;
    let (s, _) = post(
        op.url(Endpoint::DeviceVerification).as_str(),
        &form(&[
            ("user_code", d["user_code"].as_str().unwrap()),
            ("decision", "deny"),
        ]),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (_, e) = poll(d["device_code"].as_str().unwrap().to_owned()).await;
    assert_eq!(e["error"], "access_denied");
}

#[tokio::test]
async fn pushed_authorization_request() {
    let config = OpConfig::default().client(Client::confidential(
        "par",
        SECRET,
        ClientAuth::ClientSecretBasic,
        REDIRECT,
    ));
    let op = TestOp::start(config).await.unwrap();
    let verifier = PkceVerifier::generate();
    let challenge = verifier.challenge().challenge;
    let pushed = form(&[
        ("client_id", "par"),
        ("redirect_uri", REDIRECT_WITH_PORT),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "par-state"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]);
    let par = op.url(Endpoint::PushedAuthorization);
    let (s, r) = post_json(par.as_str(), &pushed, Some(("par", SECRET))).await;
    assert_eq!(s, 201, "{r}");
    let request_uri = r["request_uri"].as_str().unwrap();
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"));
    let url = format!(
        "{}?{}",
        op.url(Endpoint::Authorization),
        form(&[("client_id", "par"), ("request_uri", request_uri)])
    );
    let resp = http().get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    let p = params_of(resp.headers()["location"].to_str().unwrap());
    assert_eq!(get(&p, "state"), Some("par-state"));
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", get(&p, "code").unwrap()),
        ("redirect_uri", REDIRECT_WITH_PORT),
        ("code_verifier", verifier.secret()),
    ]);
    let (s, t) = post_json(
        op.url(Endpoint::Token).as_str(),
        &body,
        Some(("par", SECRET)),
    )
    .await;
    assert_eq!(s, 200, "{t}");
    // A request_uri is single use; pushing with a wrong secret fails.
    assert_eq!(http().get(&url).send().await.unwrap().status(), 400);
    assert_eq!(
        post_json(par.as_str(), &pushed, Some(("par", "bad")))
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn login_page_mode() {
    let op = TestOp::start(
        OpConfig::default()
            .login(LoginMode::LoginPage)
            .user(oidc_testop::User::new("u-2", "bob").password("hunter2")),
    )
    .await
    .unwrap();
    let f = authorize(&op, "test-client", "code", None, &[]).await;
    assert_eq!(f.status, 200);
    assert!(f.body.contains("name=\"username\""));
    let pending = f
        .body
        .split("name=\"pending\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let login = op.url(Endpoint::Login);
    // A wrong password shows the page again; the right one redirects with a code for bob.
    let (s, page) = post(
        login.as_str(),
        &form(&[
            ("pending", &pending),
            ("username", "bob"),
            ("password", "x"),
            ("decision", "allow"),
        ]),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert!(String::from_utf8(page).unwrap().contains("wrong password"));
    let r = http()
        .post(login.as_str())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("pending", &pending),
            ("username", "bob"),
            ("password", "hunter2"),
            ("decision", "allow"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let p = params_of(r.headers()["location"].to_str().unwrap());
    let front = Front { params: p, ..f };
    let (s, t) = exchange(&op, &front, "test-client").await;
    assert_eq!(s, 200);
    let (_, claims) = oidc_jose::parse_unverified(t["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims.sub.as_deref(), Some("u-2"));
    // Deny sends access_denied; prompt=none cannot show a page.
    let f = authorize(&op, "test-client", "code", None, &[]).await;
    let pending = f
        .body
        .split("name=\"pending\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let r = http()
        .post(login.as_str())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("pending", &pending), ("decision", "deny")]))
        .send()
        .await
        .unwrap();
    let p = params_of(r.headers()["location"].to_str().unwrap());
    assert_eq!(get(&p, "error"), Some("access_denied"));
    let f = authorize(&op, "test-client", "code", None, &[("prompt", "none")]).await;
    assert_eq!(get(&f.params, "error"), Some("login_required"));
}

#[tokio::test]
async fn slow_and_oversized_responses() {
    let op = op_with(&[
        Fault::Slow {
            endpoint: Endpoint::Discovery,
            delay: Duration::from_millis(400),
        },
        Fault::Oversized {
            endpoint: Endpoint::Jwks,
            bytes: 3 << 20,
        },
    ])
    .await;
    let t = Instant::now();
    let d = get_json(op.discovery_url().as_str()).await;
    assert!(t.elapsed() >= Duration::from_millis(400));
    let r = http()
        .get(d["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let body = r.bytes().await.unwrap();
    assert!(body.len() >= 3 << 20);
    // Still a valid document: only its size is the fault.
    assert_eq!(JwkSet::from_slice(&body).unwrap().len(), 4);
    // Other endpoints are not affected.
    op.clear_faults();
    let t = Instant::now();
    get_json(op.discovery_url().as_str()).await;
    assert!(t.elapsed() < Duration::from_millis(400));
}

#[tokio::test]
async fn repeated_parameters_and_wrong_methods_are_refused() {
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    let body = "grant_type=client_credentials&grant_type=refresh_token&client_id=test-client";
    let (s, e) = post_json(op.url(Endpoint::Token).as_str(), body, None).await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_request")));
    let r = http().get(op.url(Endpoint::Token)).send().await.unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test]
#[should_panic(expected = "handlers panicked")]
async fn a_handler_panic_fails_the_test() {
    let op = op_with(&[Fault::HandlerPanic(Endpoint::Token)]).await;
    let (s, _) = post(op.url(Endpoint::Token).as_str(), "grant_type=x", None).await;
    assert_eq!(s, 500);
    assert_eq!(op.requests_to(Endpoint::Token)[0].status, 500);
    assert_eq!(op.panics().len(), 1);
    // The drop of `op` at the end of the test panics.
}

#[tokio::test]
async fn assert_healthy_reports_the_panic() {
    let op = op_with(&[Fault::HandlerPanic(Endpoint::UserInfo)]).await;
    let r = http().get(op.url(Endpoint::UserInfo)).send().await.unwrap();
    assert_eq!(r.status(), 500);
    let handle = op.handle();
    let caught = std::panic::catch_unwind(move || handle.assert_healthy());
    assert!(caught.is_err());
    // The provider still answers after a panic.
    op.clear_faults();
    get_json(op.discovery_url().as_str()).await;
    // Taking the recorded panic keeps the drop of `op` quiet.
    assert_eq!(op.take_panics().len(), 1);
    op.assert_healthy();
}

#[test]
fn background_provider_serves_blocking_callers() {
    use std::io::{Read as _, Write as _};
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let url = op.discovery_url();
    let mut stream =
        std::net::TcpStream::connect((url.host_str().unwrap(), url.port().unwrap())).unwrap();
    write!(
        stream,
        "GET {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        url.path()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(&format!("\"issuer\":\"{}\"", op.issuer())));
}
