//! Unit tests: exact bytes of every builder, every parser path.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oidc_core::{
    AccessToken, AuthorizationCode, AuthorizationRequest, ClientId, ClientSecret, FixedClock,
    HttpError, HttpRequest, HttpResponse, IdTokenString, PkceVerifier, RedirectUrl, RefreshToken,
    Scope, State,
};
use oidc_jose::{Algorithm, CompactJws, JwkSet, SigningKey};
use url::Url;

use crate::*;

const NOW: i64 = 1_800_000_000;

fn url(s: &str) -> Url {
    s.parse().unwrap()
}

fn client(auth: ClientAuth) -> TokenClient {
    TokenClient::new(ClientId::new("my app"), auth).with_clock(Arc::new(FixedClock::new(NOW)))
}

fn body(req: &HttpRequest) -> &str {
    std::str::from_utf8(req.body()).unwrap()
}

fn header<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r str> {
    req.headers().get(name).map(|v| v.to_str().unwrap())
}

fn json_response(status: u16, json: &str) -> HttpResponse {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(json.as_bytes().to_vec())
        .unwrap()
}

fn code_grant<'a>(
    code: &'a AuthorizationCode,
    redirect: &'a RedirectUrl,
    v: &'a PkceVerifier,
) -> Grant<'a> {
    Grant::AuthorizationCode {
        code,
        redirect_uri: redirect,
        pkce_verifier: Some(v),
    }
}

fn fixtures() -> (AuthorizationCode, RedirectUrl, PkceVerifier) {
    (
        AuthorizationCode::new("c0de/+="),
        RedirectUrl::new("http://127.0.0.1:49152/callback").unwrap(),
        PkceVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap(),
    )
}

#[test]
fn code_exchange_public_client_exact_bytes() {
    let (code, redirect, v) = fixtures();
    let req = client(ClientAuth::None)
        .build_token_request(
            &url("https://op.example/token"),
            &code_grant(&code, &redirect, &v),
        )
        .unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(req.uri(), "https://op.example/token");
    assert_eq!(
        header(&req, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(header(&req, "accept"), Some("application/json"));
    assert_eq!(header(&req, "authorization"), None);
    assert_eq!(
        body(&req),
        "grant_type=authorization_code&code=c0de%2F%2B%3D\
         &redirect_uri=http%3A%2F%2F127.0.0.1%3A49152%2Fcallback\
         &code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&client_id=my+app"
    );
    assert_eq!(req.headers().len(), 2);
}

#[test]
fn client_secret_basic_exact_header_and_body() {
    let (code, redirect, v) = fixtures();
    let secret = ClientSecret::new("a:b+c%d e");
    let req = client(ClientAuth::SecretBasic(secret))
        .build_token_request(
            &url("https://op.example/token"),
            &code_grant(&code, &redirect, &v),
        )
        .unwrap();
    // "my+app" ":" "a%3Ab%2Bc%25d+e"
    assert_eq!(
        header(&req, "authorization"),
        Some("Basic bXkrYXBwOmElM0FiJTJCYyUyNWQrZQ==")
    );
    assert!(!body(&req).contains("client_id"));
    assert!(!body(&req).contains("client_secret"));
}

#[test]
fn client_secret_post_exact_body() {
    let req = client(ClientAuth::SecretPost(ClientSecret::new("a:b+c%d e")))
        .build_token_request(
            &url("https://op.example/token"),
            &Grant::ClientCredentials {
                scope: Some(&Scope::new("read write")),
            },
        )
        .unwrap();
    assert_eq!(header(&req, "authorization"), None);
    assert_eq!(
        body(&req),
        "grant_type=client_credentials&scope=read+write&client_id=my+app&client_secret=a%3Ab%2Bc%25d+e"
    );
}

#[test]
fn refresh_and_device_code_exact_bodies() {
    let c = client(ClientAuth::None);
    let rt = RefreshToken::new("rt 1");
    let req = c
        .build_token_request(
            &url("https://op.example/token"),
            &Grant::RefreshToken {
                refresh_token: &rt,
                scope: Some(&Scope::new("openid")),
            },
        )
        .unwrap();
    assert_eq!(
        body(&req),
        "grant_type=refresh_token&refresh_token=rt+1&scope=openid&client_id=my+app"
    );
    let dc = DeviceCode::new("GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS");
    let req = c
        .build_token_request(
            &url("https://op.example/token"),
            &Grant::DeviceCode { device_code: &dc },
        )
        .unwrap();
    assert_eq!(
        body(&req),
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code\
         &device_code=GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS&client_id=my+app"
    );
    assert!(!format!("{dc:?}").contains("GmRh"));
}

fn form_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req.body())
        .into_owned()
        .collect()
}

fn get<'p>(pairs: &'p [(String, String)], name: &str) -> &'p str {
    &pairs.iter().find(|(n, _)| n == name).unwrap().1
}

fn check_assertion_claims(jwt: &str, aud: &str) {
    let jws = CompactJws::parse(jwt).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(jws.payload()).unwrap();
    assert_eq!(claims["iss"], "my app");
    assert_eq!(claims["sub"], "my app");
    assert_eq!(claims["aud"], aud);
    assert_eq!(claims["iat"], NOW);
    assert_eq!(claims["exp"], NOW + ASSERTION_LIFETIME_SECS);
    assert!(claims["jti"].as_str().unwrap().len() >= 32);
}

#[test]
fn client_secret_jwt_assertion_verifies_with_the_secret() {
    let c = client(ClientAuth::SecretJwt {
        secret: ClientSecret::new("0123456789abcdef0123456789abcdef"),
        alg: Algorithm::HS256,
    });
    let req = c
        .build_token_request(
            &url("https://op.example/token"),
            &Grant::ClientCredentials { scope: None },
        )
        .unwrap();
    let pairs = form_pairs(&req);
    assert_eq!(
        get(&pairs, "client_assertion_type"),
        JWT_BEARER_ASSERTION_TYPE
    );
    assert_eq!(get(&pairs, "client_id"), "my app");
    let jwt = get(&pairs, "client_assertion");
    let jws = CompactJws::parse(jwt).unwrap();
    assert_eq!(jws.header().alg, Algorithm::HS256);
    oidc_jose::verify_jws(
        &jws,
        &JwkSet::default(),
        &[Algorithm::HS256],
        Some(b"0123456789abcdef0123456789abcdef"),
    )
    .unwrap();
    assert!(
        oidc_jose::verify_jws(
            &jws,
            &JwkSet::default(),
            &[Algorithm::HS256],
            Some(b"wrong")
        )
        .is_err()
    );
    check_assertion_claims(jwt, "https://op.example/token");
    // two assertions never share a jti
    let req2 = c
        .build_token_request(
            &url("https://op.example/token"),
            &Grant::ClientCredentials { scope: None },
        )
        .unwrap();
    assert_ne!(get(&form_pairs(&req2), "client_assertion"), jwt);
}

#[test]
fn private_key_jwt_assertion_verifies_with_the_public_key() {
    for key in [
        SigningKey::generate_ec(Algorithm::ES256)
            .unwrap()
            .with_kid("k1"),
        SigningKey::generate_ed25519().unwrap().with_kid("k2"),
    ] {
        let jwks_json = serde_json::json!({ "keys": [key.public_jwk_json().unwrap()] });
        let jwks = JwkSet::from_slice(jwks_json.to_string().as_bytes()).unwrap();
        let c = client(ClientAuth::PrivateKeyJwt(Arc::new(key)))
            .with_assertion_audience("https://op.example");
        let req = c
            .build_revocation_request(&url("https://op.example/revoke"), "tok", None)
            .unwrap();
        let pairs = form_pairs(&req);
        let jwt = get(&pairs, "client_assertion");
        let jws = CompactJws::parse(jwt).unwrap();
        oidc_jose::verify_jws(&jws, &jwks, &[Algorithm::ES256, Algorithm::EdDSA], None).unwrap();
        check_assertion_claims(jwt, "https://op.example");
        assert_eq!(get(&pairs, "token"), "tok");
    }
}

#[test]
fn device_authorization_request_exact_bytes() {
    let req = client(ClientAuth::None)
        .build_device_authorization_request(
            &url("https://op.example/device/auth"),
            Some(&Scope::new("openid offline_access")),
            &[("audience", "api://x")],
        )
        .unwrap();
    assert_eq!(req.uri(), "https://op.example/device/auth");
    assert_eq!(
        body(&req),
        "scope=openid+offline_access&audience=api%3A%2F%2Fx&client_id=my+app"
    );
}

#[test]
fn userinfo_request_styles_exact_bytes() {
    let at = AccessToken::new("at.1");
    let ep = url("https://op.example/me");
    let r = build_userinfo_request(&ep, &at, UserInfoStyle::default()).unwrap();
    assert_eq!(r.method(), http::Method::GET);
    assert_eq!(header(&r, "authorization"), Some("Bearer at.1"));
    assert_eq!(
        header(&r, "accept"),
        Some("application/json, application/jwt")
    );
    assert!(r.body().is_empty());
    let r = build_userinfo_request(&ep, &at, UserInfoStyle::PostWithHeader).unwrap();
    assert_eq!(r.method(), http::Method::POST);
    assert_eq!(header(&r, "authorization"), Some("Bearer at.1"));
    assert_eq!(header(&r, "content-type"), None);
    assert!(r.body().is_empty());
    let r = build_userinfo_request(&ep, &at, UserInfoStyle::PostWithFormBody).unwrap();
    assert_eq!(r.method(), http::Method::POST);
    assert_eq!(header(&r, "authorization"), None);
    assert_eq!(
        header(&r, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(body(&r), "access_token=at.1");
}

#[test]
fn revocation_and_introspection_exact_bytes() {
    let c = client(ClientAuth::SecretBasic(ClientSecret::new("pw")));
    let r = c
        .build_revocation_request(
            &url("https://op.example/revoke"),
            "rt/1",
            Some(TokenTypeHint::RefreshToken),
        )
        .unwrap();
    assert_eq!(body(&r), "token=rt%2F1&token_type_hint=refresh_token");
    assert_eq!(header(&r, "authorization"), Some("Basic bXkrYXBwOnB3"));
    let r = c
        .build_introspection_request(
            &url("https://op.example/introspect"),
            "at",
            Some(TokenTypeHint::AccessToken),
        )
        .unwrap();
    assert_eq!(r.uri(), "https://op.example/introspect");
    assert_eq!(body(&r), "token=at&token_type_hint=access_token");
}

#[test]
fn par_request_carries_the_authorization_parameters() {
    let v = PkceVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
    let areq = AuthorizationRequest::new(
        url("https://op.example/auth"),
        ClientId::new("my app"),
        RedirectUrl::new("http://127.0.0.1:5000/callback").unwrap(),
    )
    .scope("openid")
    .state(&State::new("st"))
    .pkce(&v);
    let expected_pairs = areq.to_pairs().unwrap();
    let r = client(ClientAuth::SecretPost(ClientSecret::new("pw")))
        .build_par_request(&url("https://op.example/request"), &areq)
        .unwrap();
    let pairs = form_pairs(&r);
    // every authorization parameter, in order, then the secret; client_id only once
    assert_eq!(&pairs[..expected_pairs.len()], expected_pairs.as_slice());
    assert_eq!(
        pairs[expected_pairs.len()..],
        [("client_secret".to_owned(), "pw".to_owned())]
    );
    assert_eq!(pairs.iter().filter(|(n, _)| n == "client_id").count(), 1);
    assert!(body(&r).contains("code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
}

#[test]
fn logout_url_exact() {
    let u = LogoutUrl::new(url("https://op.example/session/end?x=1"))
        .id_token_hint(&IdTokenString::new("a.b.c"))
        .client_id(&ClientId::new("my app"))
        .post_logout_redirect_uri("http://127.0.0.1:8400/logout")
        .state(&State::new("s t"))
        .ui_locales("nl en")
        .build();
    assert_eq!(
        u.as_str(),
        "https://op.example/session/end?x=1&id_token_hint=a.b.c&client_id=my+app\
         &post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A8400%2Flogout&state=s+t&ui_locales=nl+en"
    );
    assert_eq!(
        LogoutUrl::new(url("https://op.example/end"))
            .build()
            .as_str(),
        "https://op.example/end"
    );
}

// ---- token response parsing ------------------------------------------------------------

fn parse(resp: &HttpResponse) -> Result<TokenResponse> {
    client(ClientAuth::None).parse_token_response(resp, Some(&Scope::new("openid profile email")))
}

#[test]
fn token_response_success() {
    let t = parse(&json_response(
        200,
        r#"{"access_token":"at","token_type":"BeArEr","expires_in":3600,"refresh_token":"rt",
            "id_token":"h.p.s","scope":"openid email","x_custom":{"a":[1,2]}}"#,
    ))
    .unwrap();
    assert_eq!(t.access_token.secret(), "at");
    assert_eq!(t.token_type, TokenType::Bearer);
    assert_eq!(t.expires_in, Some(3600));
    assert_eq!(t.expires_at, Some(NOW + 3600));
    assert!(t.is_expired_at(NOW + 3600, 0));
    assert!(!t.is_expired_at(NOW + 3000, 0));
    assert_eq!(t.refresh_token.as_ref().unwrap().secret(), "rt");
    assert_eq!(t.id_token.as_ref().unwrap().secret(), "h.p.s");
    assert_eq!(t.scope.as_ref().unwrap().to_string(), "openid email");
    assert!(t.scope_from_response);
    assert_eq!(t.member("x_custom").unwrap()["a"][1], 2);
    assert_eq!(t.member("/json/x_custom/a/0").unwrap(), 1);
    assert_eq!(t.extra.len(), 1);
    let dbg = format!("{t:?}");
    assert!(
        !dbg.contains("\"at\"") && !dbg.contains("rt\"") && !dbg.contains("h.p.s"),
        "{dbg}"
    );
    assert!(dbg.contains("[redacted]"));
}

#[test]
fn token_response_requested_scope_kept_when_absent() {
    let t = parse(&json_response(
        200,
        r#"{"access_token":"at","token_type":"Bearer"}"#,
    ))
    .unwrap();
    assert_eq!(t.scope.unwrap().to_string(), "openid profile email");
    assert!(!t.scope_from_response);
    assert_eq!(t.expires_at, None);
    assert!(t.refresh_token.is_none());
}

#[test]
fn string_expires_in_needs_the_named_leniency() {
    let resp = json_response(
        200,
        r#"{"access_token":"at","token_type":"Bearer","expires_in":"3600"}"#,
    );
    let e = parse(&resp).unwrap_err();
    assert_eq!(e.kind(), "invalid_field");
    assert!(e.to_string().contains("accept_string_expires_in"));
    let c = client(ClientAuth::None)
        .with_options(ResponseOptions::default().accept_string_expires_in(true));
    assert_eq!(
        c.parse_token_response(&resp, None).unwrap().expires_at,
        Some(NOW + 3600)
    );
    let neg = json_response(
        200,
        r#"{"access_token":"at","token_type":"Bearer","expires_in":-1}"#,
    );
    assert_eq!(parse(&neg).unwrap_err().kind(), "invalid_field");
}

#[test]
fn non_bearer_token_type_refused_unless_allowed() {
    let resp = json_response(200, r#"{"access_token":"at","token_type":"MAC"}"#);
    let e = parse(&resp).unwrap_err();
    assert_eq!(e.kind(), "unsupported_token_type");
    let c = client(ClientAuth::None)
        .with_options(ResponseOptions::default().accept_non_bearer_token_type(true));
    assert_eq!(
        c.parse_token_response(&resp, None).unwrap().token_type,
        TokenType::Other("MAC".into())
    );
    // DPoP (RFC 9449) is a known type; whether it was asked for is the caller's check.
    let dpop = json_response(200, r#"{"access_token":"at","token_type":"dpop"}"#);
    assert_eq!(parse(&dpop).unwrap().token_type, TokenType::Dpop);
    assert_eq!(TokenType::Dpop.as_str(), "DPoP");
}

#[test]
fn token_error_response_is_typed() {
    let e = parse(&json_response(
        400,
        r#"{"error":"invalid_grant","error_description":"grant request is invalid","error_uri":"https://op/e"}"#,
    ))
    .unwrap_err();
    match &e {
        Error::TokenEndpoint {
            endpoint,
            status,
            error,
            error_description,
            error_uri,
        } => {
            assert_eq!(*endpoint, Endpoint::Token);
            assert_eq!(*status, 400);
            assert_eq!(error, "invalid_grant");
            assert_eq!(
                error_description.as_deref(),
                Some("grant request is invalid")
            );
            assert_eq!(error_uri.as_deref(), Some("https://op/e"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.kind(), "token_error");
    assert_eq!(e.code().as_u16(), 940);
    assert_eq!(e.oauth_error(), Some("invalid_grant"));
    // 401 invalid_client and an error sent with 200 are errors too
    assert_eq!(
        parse(&json_response(401, r#"{"error":"invalid_client"}"#))
            .unwrap_err()
            .oauth_error(),
        Some("invalid_client")
    );
    assert_eq!(
        parse(&json_response(200, r#"{"error":"invalid_scope"}"#))
            .unwrap_err()
            .kind(),
        "token_error"
    );
}

#[test]
fn distinct_failures_have_distinct_kinds() {
    assert_eq!(
        parse(&json_response(
            503,
            r#"{"error":"temporarily_unavailable"}"#
        ))
        .unwrap_err()
        .kind(),
        "server_error"
    );
    assert_eq!(
        parse(&json_response(404, "<html>nope</html>"))
            .unwrap_err()
            .kind(),
        "unexpected_status"
    );
    let html = http::Response::builder()
        .header("content-type", "text/html")
        .body(b"<html></html>".to_vec())
        .unwrap();
    let e = parse(&html).unwrap_err();
    assert_eq!(e.kind(), "unexpected_content_type");
    assert_eq!(
        parse(&json_response(200, "not json")).unwrap_err().kind(),
        "invalid_json"
    );
    assert_eq!(
        parse(&json_response(200, "[1,2]")).unwrap_err().kind(),
        "invalid_json"
    );
    let big = format!(
        r#"{{"access_token":"at","token_type":"Bearer","pad":"{}"}}"#,
        "x".repeat(DEFAULT_MAX_RESPONSE_BYTES)
    );
    let e = parse(&json_response(200, &big)).unwrap_err();
    assert_eq!(e.kind(), "response_too_large");
    assert!(matches!(
        e,
        Error::ResponseTooLarge {
            limit: Some(DEFAULT_MAX_RESPONSE_BYTES),
            size: Some(s),
            ..
        } if s > DEFAULT_MAX_RESPONSE_BYTES
    ));
    assert_eq!(
        parse(&json_response(200, r#"{"token_type":"Bearer"}"#))
            .unwrap_err()
            .kind(),
        "missing_field"
    );
    assert_eq!(
        parse(&json_response(
            200,
            r#"{"access_token":"","token_type":"Bearer"}"#
        ))
        .unwrap_err()
        .kind(),
        "invalid_field"
    );
    assert_eq!(
        parse(&json_response(200, r#"{"access_token":"a"}"#))
            .unwrap_err()
            .kind(),
        "missing_field"
    );
    // absent content type is tolerated when the body is JSON
    let bare = HttpResponse::new(br#"{"access_token":"a","token_type":"bearer"}"#.to_vec());
    assert!(parse(&bare).is_ok());
}

#[test]
fn refresh_rotation_is_surfaced() {
    let presented = RefreshToken::new("old");
    let rotated = parse(&json_response(
        200,
        r#"{"access_token":"a","token_type":"Bearer","refresh_token":"new"}"#,
    ))
    .unwrap();
    let r = refreshed(rotated, &presented);
    assert!(r.rotated);
    assert_eq!(r.refresh_token.secret(), "new");
    let same = parse(&json_response(
        200,
        r#"{"access_token":"a","token_type":"Bearer","refresh_token":"old"}"#,
    ))
    .unwrap();
    assert!(!refreshed(same, &presented).rotated);
    let none = parse(&json_response(
        200,
        r#"{"access_token":"a","token_type":"Bearer"}"#,
    ))
    .unwrap();
    let r = refreshed(none, &presented);
    assert!(!r.rotated);
    assert_eq!(r.refresh_token.secret(), "old");
    let mut built = TokenResponse::bearer(AccessToken::new("x"));
    built.refresh_token = Some(RefreshToken::new("newer"));
    assert!(refreshed(built, &presented).rotated);
}

// ---- introspection, PAR, device authorization parsing ---------------------------------

#[test]
fn introspection_parsing() {
    let c = client(ClientAuth::None);
    let i = c
        .parse_introspection_response(&json_response(
            200,
            r#"{"active":true,"scope":"openid email","client_id":"c","sub":"alice","exp":1800003600,
                "iat":1800000000,"aud":["c","d"],"token_type":"Bearer","iss":"https://op","foo":"bar"}"#,
        ))
        .unwrap();
    assert!(i.active);
    assert_eq!(i.sub.as_deref(), Some("alice"));
    assert_eq!(i.aud, ["c", "d"]);
    assert_eq!(i.exp, Some(1_800_003_600));
    assert_eq!(i.member("foo").unwrap(), "bar");
    let i = c
        .parse_introspection_response(&json_response(200, r#"{"active":false}"#))
        .unwrap();
    assert!(!i.active);
    assert_eq!(
        c.parse_introspection_response(&json_response(200, r#"{}"#))
            .unwrap_err()
            .kind(),
        "missing_field"
    );
    assert_eq!(
        c.parse_introspection_response(&json_response(200, r#"{"active":"yes"}"#))
            .unwrap_err()
            .kind(),
        "invalid_field"
    );
}

#[test]
fn revocation_parsing() {
    let c = client(ClientAuth::None);
    c.parse_revocation_response(&HttpResponse::new(Vec::new()))
        .unwrap();
    let e = c
        .parse_revocation_response(&json_response(400, r#"{"error":"unsupported_token_type"}"#))
        .unwrap_err();
    assert!(matches!(
        e,
        Error::TokenEndpoint {
            endpoint: Endpoint::Revocation,
            ..
        }
    ));
    assert_eq!(
        c.parse_revocation_response(&json_response(503, ""))
            .unwrap_err()
            .kind(),
        "server_error"
    );
}

#[test]
fn par_parsing() {
    let c = client(ClientAuth::None);
    let p = c
        .parse_par_response(&json_response(
            201,
            r#"{"request_uri":"urn:ietf:params:oauth:request_uri:abc","expires_in":60}"#,
        ))
        .unwrap();
    assert_eq!(p.request_uri, "urn:ietf:params:oauth:request_uri:abc");
    assert_eq!(p.expires_at, NOW + 60);
    assert_eq!(
        c.parse_par_response(&json_response(201, r#"{"request_uri":"x"}"#))
            .unwrap_err()
            .kind(),
        "missing_field"
    );
    let e = c
        .parse_par_response(&json_response(400, r#"{"error":"invalid_request"}"#))
        .unwrap_err();
    assert!(matches!(
        e,
        Error::TokenEndpoint {
            endpoint: Endpoint::PushedAuthorization,
            ..
        }
    ));
}

#[test]
fn device_authorization_parsing() {
    let c = client(ClientAuth::None);
    let d = c
        .parse_device_authorization_response(&json_response(
            200,
            r#"{"device_code":"dc","user_code":"WDJB-MJHT","verification_uri":"https://op/device",
                "verification_uri_complete":"https://op/device?user_code=WDJB-MJHT","expires_in":1800}"#,
        ))
        .unwrap();
    assert_eq!(d.interval, DEFAULT_INTERVAL_SECS);
    assert_eq!(d.expires_at, NOW + 1800);
    assert_eq!(d.user_code, "WDJB-MJHT");
    // Google's verification_url
    let g = c
        .parse_device_authorization_response(&json_response(
            200,
            r#"{"device_code":"dc","user_code":"u","verification_url":"https://g/device","expires_in":10,"interval":7}"#,
        ))
        .unwrap();
    assert_eq!(g.verification_uri, "https://g/device");
    assert_eq!(g.interval, 7);
    assert_eq!(
        c.parse_device_authorization_response(&json_response(
            200,
            r#"{"device_code":"dc","user_code":"u","expires_in":1}"#
        ))
        .unwrap_err()
        .kind(),
        "missing_field"
    );
}

// ---- device polling loop ---------------------------------------------------------------

/// A scripted provider: answers the token requests in order, records them.
fn scripted(
    answers: Vec<(u16, &'static str)>,
) -> (impl oidc_core::HttpClient, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let queue = Arc::new(Mutex::new(answers.into_iter()));
    let s = seen.clone();
    let http = move |req: HttpRequest| {
        s.lock()
            .unwrap()
            .push(String::from_utf8(req.body().clone()).unwrap());
        let next = queue.lock().unwrap().next();
        async move {
            let (status, body) = next.expect("more polls than scripted");
            Ok::<_, HttpError>(json_response(status, body))
        }
    };
    (http, seen)
}

/// A sleeper that advances the fixed clock instead of waiting, and records each wait.
fn fake_sleeper(clock: Arc<FixedClock>) -> (impl Sleeper, Arc<Mutex<Vec<u64>>>) {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let w = waits.clone();
    let sleeper = move |d: Duration| {
        w.lock().unwrap().push(d.as_secs());
        clock.advance(i64::try_from(d.as_secs()).unwrap());
        std::future::ready(())
    };
    (sleeper, waits)
}

fn device_auth(c: &TokenClient, expires_in: u64, interval: u64) -> DeviceAuthorization {
    c.parse_device_authorization_response(&json_response(
        200,
        &format!(
            r#"{{"device_code":"dc","user_code":"u","verification_uri":"https://op/d","expires_in":{expires_in},"interval":{interval}}}"#
        ),
    ))
    .unwrap()
}

const PENDING: (u16, &str) = (400, r#"{"error":"authorization_pending"}"#);
const SLOW: (u16, &str) = (400, r#"{"error":"slow_down"}"#);
const OK: (u16, &str) = (
    200,
    r#"{"access_token":"at","token_type":"Bearer","expires_in":60}"#,
);

async fn run_poll(
    answers: Vec<(u16, &'static str)>,
    expires_in: u64,
    interval: u64,
    options: DevicePollOptions,
) -> (Result<TokenResponse>, Vec<u64>, usize) {
    let clock = Arc::new(FixedClock::new(NOW));
    let c = TokenClient::new(ClientId::new("dev"), ClientAuth::None).with_clock(clock.clone());
    let da = device_auth(&c, expires_in, interval);
    let (http, seen) = scripted(answers);
    let (sleeper, waits) = fake_sleeper(clock);
    let r = c
        .poll_device_token(
            &http,
            &url("https://op/token"),
            &da,
            &options,
            &sleeper,
            std::future::pending(),
        )
        .await;
    let waits = waits.lock().unwrap().clone();
    let n = seen.lock().unwrap().len();
    (r, waits, n)
}

#[tokio::test]
async fn device_poll_honours_pending_and_slow_down() {
    let (r, waits, n) = run_poll(
        vec![PENDING, SLOW, PENDING, SLOW, OK],
        600,
        5,
        DevicePollOptions::default(),
    )
    .await;
    assert_eq!(r.unwrap().access_token.secret(), "at");
    assert_eq!(waits, [5, 5, 10, 10, 15]);
    assert_eq!(n, 5);
}

#[tokio::test]
async fn device_poll_access_denied_and_expired_token() {
    let (r, _, n) = run_poll(
        vec![
            PENDING,
            (400, r#"{"error":"access_denied","error_description":"no"}"#),
        ],
        600,
        5,
        DevicePollOptions::default(),
    )
    .await;
    let e = r.unwrap_err();
    assert!(
        matches!(&e, Error::DeviceAccessDenied { error_description: Some(d), error_uri: None } if d == "no")
    );
    assert_eq!(
        e.provider_error(),
        Some(("access_denied", Some("no"), None))
    );
    assert_eq!(e.kind(), "access_denied");
    assert_eq!(n, 2);
    let (r, _, _) = run_poll(
        vec![(
            400,
            r#"{"error":"expired_token","error_description":"too late","error_uri":"https://op/e"}"#,
        )],
        600,
        5,
        DevicePollOptions::default(),
    )
    .await;
    let e = r.unwrap_err();
    assert_eq!(e.kind(), "expired_token");
    assert_eq!(
        e.provider_error(),
        Some(("expired_token", Some("too late"), Some("https://op/e")))
    );
    let (r, _, _) = run_poll(
        vec![(400, r#"{"error":"invalid_client"}"#)],
        600,
        5,
        DevicePollOptions::default(),
    )
    .await;
    assert_eq!(r.unwrap_err().oauth_error(), Some("invalid_client"));
}

#[tokio::test]
async fn device_poll_stops_at_code_expiry_and_at_the_deadline() {
    // expires after 12 s, interval 5: polls at +5, +10, then +15 is past expiry
    let (r, waits, n) = run_poll(vec![PENDING; 10], 12, 5, DevicePollOptions::default()).await;
    let e = r.unwrap_err();
    assert!(matches!(e, Error::DeviceCodeExpiredLocally));
    assert_eq!(
        e.provider_error(),
        None,
        "the local deadline is not the provider's word"
    );
    assert_eq!((waits.len(), n), (3, 2));
    let (r, _, n) = run_poll(
        vec![PENDING; 10],
        600,
        5,
        DevicePollOptions::default().max_wait(Duration::from_secs(20)),
    )
    .await;
    assert!(
        matches!(r, Err(Error::DevicePollTimeout { waited_secs: 20 })),
        "{r:?}"
    );
    assert_eq!(n, 3);
    // a provider interval of 0 is raised to the caller's minimum
    let opts = DevicePollOptions {
        min_interval_secs: 3,
        ..Default::default()
    };
    let (_, waits, _) = run_poll(vec![OK], 600, 1, opts).await;
    assert_eq!(waits, [3]);
}

#[tokio::test]
async fn device_poll_can_be_cancelled() {
    let clock = Arc::new(FixedClock::new(NOW));
    let c = TokenClient::new(ClientId::new("dev"), ClientAuth::None).with_clock(clock.clone());
    let da = device_auth(&c, 600, 5);
    let (http, seen) = scripted(vec![PENDING; 100]);
    // the real tokio sleeper, with paused time: the cancel fires after 12 virtual seconds
    tokio::time::pause();
    let cancel = tokio::time::sleep(Duration::from_secs(12));
    let r = c
        .poll_device_token(
            &http,
            &url("https://op/token"),
            &da,
            &DevicePollOptions::default(),
            &TokioSleeper,
            cancel,
        )
        .await;
    assert!(matches!(r, Err(Error::Cancelled)));
    assert_eq!(r.unwrap_err().kind(), "cancelled");
    assert_eq!(seen.lock().unwrap().len(), 2);
}

// ---- userinfo parsing ------------------------------------------------------------------

#[test]
fn userinfo_json_with_matching_sub() {
    let u = parse_userinfo_response(
        &json_response(200, r#"{"sub":"alice","email":"a@x","email_verified":true,"address":{"country":"NL"},"groups":["g1"]}"#),
        &UserInfoParse::new("alice"),
    )
    .unwrap();
    assert_eq!(u.sub(), Some("alice"));
    assert_eq!(u.claims().email.as_deref(), Some("a@x"));
    assert_eq!(u.claims().email_verified, Some(true));
    assert_eq!(u.claim_text("/json/address/country").as_deref(), Some("NL"));
    assert_eq!(u.claim_text("groups").as_deref(), Some(r#"["g1"]"#));
    assert_eq!(u.claim_as::<Vec<String>>("groups").unwrap(), ["g1"]);
    assert!(u.raw_json().contains("a@x"));
}

#[test]
fn one_lookup_grammar_for_userinfo_claims_and_extra_members() {
    let body = r#"{"sub":"alice","json":"a member named json","address":{"country":"NL"}}"#;
    let u =
        parse_userinfo_response(&json_response(200, body), &UserInfoParse::new("alice")).unwrap();
    // As `oidc_jose::lookup` (ID-token claims): the bare `/json` is the whole response.
    assert_eq!(u.claim("/json"), Some(u.json()));
    assert_eq!(
        u.json(),
        &serde_json::from_str::<serde_json::Value>(body).unwrap()
    );
    for path in ["json", "/json", "/json/json"] {
        let via_claims = oidc_jose::lookup(u.json(), path);
        assert_eq!(u.claim(path), via_claims, "{path}");
    }
    assert_eq!(
        u.claim_text("/json/json").as_deref(),
        Some("a member named json")
    );
    assert_eq!(u.claim_text("/address/country").as_deref(), Some("NL"));

    // Extra members of a token response: the same grammar, but the bare `/json` (the whole
    // document) is not theirs to give, and is not taken for the member named `json`.
    let t = parse(&json_response(
        200,
        r#"{"access_token":"at","token_type":"Bearer","json":"j","ext":{"deep":1}}"#,
    ))
    .unwrap();
    assert_eq!(t.member("/json"), None);
    assert_eq!(t.member("json").and_then(|v| v.as_str()), Some("j"));
    assert_eq!(t.member("/json/json").and_then(|v| v.as_str()), Some("j"));
    assert_eq!(t.member("/json/ext/deep"), t.member("/ext/deep"));
    assert_eq!(
        t.member("/ext/deep").and_then(serde_json::Value::as_i64),
        Some(1)
    );
}

#[test]
fn userinfo_sub_mismatch_is_refused_with_903() {
    let e = parse_userinfo_response(
        &json_response(200, r#"{"sub":"mallory"}"#),
        &UserInfoParse::new("alice"),
    )
    .unwrap_err();
    assert!(
        matches!(&e, Error::UserInfoSubjectMismatch { expected, found } if expected == "alice" && found == "mallory")
    );
    assert_eq!(e.code().as_u16(), 903);
    assert_eq!(e.kind(), "userinfo_sub_mismatch");
    let e = parse_userinfo_response(
        &json_response(200, r#"{"email":"x"}"#),
        &UserInfoParse::new("alice"),
    )
    .unwrap_err();
    assert_eq!(e.kind(), "missing_field");
}

#[test]
fn userinfo_bearer_challenge() {
    let resp = http::Response::builder()
        .status(401)
        .header(
            "www-authenticate",
            r#"Bearer realm="op", error="invalid_token", error_description="expired""#,
        )
        .body(Vec::new())
        .unwrap();
    let e = parse_userinfo_response(&resp, &UserInfoParse::new("a")).unwrap_err();
    assert!(
        matches!(&e, Error::BearerTokenRejected { status: 401, error: Some(er), error_description: Some(d), .. } if er == "invalid_token" && d == "expired")
    );
    assert_eq!(e.oauth_error(), Some("invalid_token"));
}

fn jwt_response(token: &str) -> HttpResponse {
    http::Response::builder()
        .header("content-type", "application/jwt")
        .body(token.as_bytes().to_vec())
        .unwrap()
}

#[test]
fn userinfo_signed_jwt() {
    let key = SigningKey::generate_ec(Algorithm::ES256)
        .unwrap()
        .with_kid("op1");
    let jwks = JwkSet::from_slice(
        serde_json::json!({"keys":[key.public_jwk_json().unwrap()]})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    let cid = ClientId::new("my app");
    let v = UserInfoVerification {
        keys: &jwks,
        algorithms: &[Algorithm::ES256],
        client_secret: None,
        issuer: Some("https://op"),
        client_id: Some(&cid),
    };
    let how = UserInfoParse::new("alice").with_verification(v);
    let good = key
        .sign_compact(
            Some("JWT"),
            br#"{"sub":"alice","iss":"https://op","aud":"my app","name":"Alice"}"#,
        )
        .unwrap();
    let u = parse_userinfo_response(&jwt_response(&good), &how).unwrap();
    assert_eq!(u.claims().name.as_deref(), Some("Alice"));
    // unverifiable without keys
    assert_eq!(
        parse_userinfo_response(&jwt_response(&good), &UserInfoParse::new("alice"))
            .unwrap_err()
            .kind(),
        "userinfo_jwt_unverifiable"
    );
    // tampered signature
    // flip a character in the middle of the signature (the last one may hold only
    // padding bits, which strict base64url refuses as malformed instead)
    let mut bad: Vec<char> = good.chars().collect();
    let i = bad.len() - 10;
    bad[i] = if bad[i] == 'A' { 'B' } else { 'A' };
    let bad: String = bad.into_iter().collect();
    let e = parse_userinfo_response(&jwt_response(&bad), &how).unwrap_err();
    assert_eq!(e.kind(), "userinfo_jwt_invalid");
    assert_eq!(e.code().as_u16(), 920);
    // another key
    let other = SigningKey::generate_ec(Algorithm::ES256)
        .unwrap()
        .with_kid("op1");
    let forged = other
        .sign_compact(Some("JWT"), br#"{"sub":"alice"}"#)
        .unwrap();
    assert_eq!(
        parse_userinfo_response(&jwt_response(&forged), &how)
            .unwrap_err()
            .kind(),
        "userinfo_jwt_invalid"
    );
    let wrong_iss = key
        .sign_compact(None, br#"{"sub":"alice","iss":"https://evil"}"#)
        .unwrap();
    assert_eq!(
        parse_userinfo_response(&jwt_response(&wrong_iss), &how)
            .unwrap_err()
            .kind(),
        "userinfo_iss_mismatch"
    );
    let wrong_aud = key
        .sign_compact(None, br#"{"sub":"alice","aud":["x"]}"#)
        .unwrap();
    assert_eq!(
        parse_userinfo_response(&jwt_response(&wrong_aud), &how)
            .unwrap_err()
            .kind(),
        "userinfo_aud_mismatch"
    );
    let wrong_sub = key.sign_compact(None, br#"{"sub":"bob"}"#).unwrap();
    assert_eq!(
        parse_userinfo_response(&jwt_response(&wrong_sub), &how)
            .unwrap_err()
            .code()
            .as_u16(),
        903
    );
    // unsigned tokens are refused
    let none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.";
    assert_eq!(
        parse_userinfo_response(&jwt_response(none), &how)
            .unwrap_err()
            .code()
            .as_u16(),
        923
    );
}

#[test]
fn userinfo_wrong_content_type() {
    let resp = http::Response::builder()
        .header("content-type", "text/plain")
        .body(b"sub=alice".to_vec())
        .unwrap();
    assert_eq!(
        parse_userinfo_response(&resp, &UserInfoParse::new("alice"))
            .unwrap_err()
            .kind(),
        "unexpected_content_type"
    );
}

#[test]
fn every_kind_is_snake_case_and_stable() {
    let e = Error::Cancelled;
    assert_eq!(e.kind(), "cancelled");
    for k in ["token_error", "userinfo_sub_mismatch", "response_too_large"] {
        assert!(k.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
    }
}

#[tokio::test]
async fn transport_size_limit_is_the_same_error_kind() {
    let http = |_req: HttpRequest| async {
        Err::<HttpResponse, _>(HttpError::new(oidc_core::HttpErrorKind::TooLarge))
    };
    let e = client(ClientAuth::None)
        .client_credentials(&http, &url("https://op.example/token"), None)
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        Error::ResponseTooLarge {
            endpoint: Endpoint::Token,
            size: None,
            limit: None
        }
    ));
    let http = |_req: HttpRequest| async {
        Err::<HttpResponse, _>(HttpError::new(oidc_core::HttpErrorKind::Timeout))
    };
    let e = client(ClientAuth::None)
        .client_credentials(&http, &url("https://op.example/token"), None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "http_transport");
    assert!(std::error::Error::source(&e).is_some());
}

#[test]
fn userinfo_limits_and_json_bearer_errors() {
    let big = format!(
        r#"{{"sub":"a","pad":"{}"}}"#,
        "x".repeat(DEFAULT_MAX_RESPONSE_BYTES)
    );
    let e =
        parse_userinfo_response(&json_response(200, &big), &UserInfoParse::new("a")).unwrap_err();
    assert_eq!(e.kind(), "response_too_large");
    // 401 with the error only in a JSON body
    let e = parse_userinfo_response(
        &json_response(
            401,
            r#"{"error":"invalid_token","error_description":"gone"}"#,
        ),
        &UserInfoParse::new("a"),
    )
    .unwrap_err();
    assert!(
        matches!(&e, Error::BearerTokenRejected { status: 401, error_description: Some(d), .. } if d == "gone")
    );
    assert_eq!(e.oauth_error(), Some("invalid_token"));
    assert_eq!(
        parse_userinfo_response(&json_response(500, "{}"), &UserInfoParse::new("a"))
            .unwrap_err()
            .kind(),
        "server_error"
    );
}

#[test]
fn device_code_compares_by_value() {
    assert_eq!(DeviceCode::new("abc"), DeviceCode::new("abc"));
    assert_ne!(DeviceCode::new("abc"), DeviceCode::new("abd"));
    assert_ne!(DeviceCode::new("abc"), DeviceCode::new("ab"));
}
