//! Discovery and JWKS: fixtures, bad input, and the cached Provider against wiremock
//! (127.0.0.1 only), with the number of requests asserted.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers panic on setup failure, like the tests themselves"
)]

use std::sync::Arc;
use std::time::Duration;

use oidc_core::{FixedClock, HttpResponse, IssuerUrl};
use oidc_discovery::{
    CachePolicy, Document, Error, Provider, ProviderMetadata, Quirks, SignerKeys,
    discovery_request, jwks_request, parse_discovery_response, parse_jwks_response,
};
use oidc_jose::{Algorithm, SigningKey};
use oidc_reqwest::{FollowRedirects, ReqwestClient};
use proptest::prelude::*;
use url::Url;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn issuer(s: &str) -> IssuerUrl {
    IssuerUrl::new(s).unwrap()
}

fn json_response(body: &str) -> HttpResponse {
    http::Response::builder()
        .status(200)
        .header("content-type", "application/json; charset=utf-8")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn doc(issuer: &str) -> String {
    serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/auth"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "x_custom": {"nested": {"deep": [1, 2]}}
    })
    .to_string()
}

fn jwks(kids: &[&str]) -> String {
    let keys: Vec<_> = kids
        .iter()
        .map(|k| {
            SigningKey::generate_ec(Algorithm::ES256)
                .unwrap()
                .with_kid(*k)
                .public_jwk_json()
                .unwrap()
        })
        .collect();
    serde_json::json!({ "keys": keys }).to_string()
}

// ---------- fixtures ----------

#[test]
fn every_fixture_parses_with_its_issuer() {
    let cases = [
        ("google", "https://accounts.google.com"),
        ("okta", "https://dev-123456.okta.com/oauth2/default"),
        ("auth0", "https://example-tenant.us.auth0.com/"),
        ("keycloak", "https://sso.example.org/realms/demo"),
        ("apple", "https://appleid.apple.com"),
        ("gitlab", "https://gitlab.com"),
        (
            "microsoft-tenant",
            "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0",
        ),
    ];
    for (name, iss) in cases {
        let raw = fixture(name);
        let md = ProviderMetadata::load(raw.clone(), &issuer(iss))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(md.raw_json(), raw, "{name}: raw JSON kept verbatim");
        assert_eq!(md.issuer(), iss);
        assert!(
            md.authorization_endpoint().as_str().starts_with("https://"),
            "{name}"
        );
        assert!(md.jwks_uri().as_str().starts_with("https://"), "{name}");
        assert!(
            !md.id_token_signing_alg_values_supported().is_empty(),
            "{name}"
        );
        assert_eq!(md.get_metadata("issuer").as_deref(), Some(iss));
        assert_eq!(
            md.get_metadata("/json/jwks_uri").as_deref(),
            Some(md.jwks_uri().as_str())
        );
        // Another issuer is refused with code 900.
        let err = ProviderMetadata::load(raw, &issuer("https://other.example")).unwrap_err();
        assert_eq!(
            (err.code().as_u16(), err.kind()),
            (900, "issuer_mismatch"),
            "{name}"
        );
    }
}

#[test]
fn fixture_details_and_defaults() {
    let google =
        ProviderMetadata::load(fixture("google"), &issuer("https://accounts.google.com")).unwrap();
    assert_eq!(google.scopes_supported(), ["openid", "email", "profile"]);
    assert!(google.supports_pkce_s256());
    assert_eq!(
        google.device_authorization_endpoint().map(Url::as_str),
        Some("https://oauth2.googleapis.com/device/code")
    );
    assert!(!google.authorization_response_iss_parameter_supported());
    assert!(
        google.request_uri_parameter_supported(),
        "spec default true"
    );

    let apple =
        ProviderMetadata::load(fixture("apple"), &issuer("https://appleid.apple.com")).unwrap();
    assert_eq!(
        apple.grant_types_supported(),
        ["authorization_code", "implicit"],
        "spec default"
    );
    assert_eq!(apple.claim_types_supported(), ["normal"]);
    assert_eq!(apple.userinfo_endpoint(), None);
    assert!(apple.code_challenge_methods_supported().is_empty());

    let kc = ProviderMetadata::load(
        fixture("keycloak"),
        &issuer("https://sso.example.org/realms/demo"),
    )
    .unwrap();
    assert!(kc.authorization_response_iss_parameter_supported());
    assert!(kc.claims_parameter_supported());
    assert!(kc.backchannel_logout_supported());
    assert!(kc.tls_client_certificate_bound_access_tokens());
    assert_eq!(
        kc.pushed_authorization_request_endpoint().map(Url::as_str),
        Some("https://sso.example.org/realms/demo/protocol/openid-connect/ext/par/request")
    );
    assert_eq!(
        kc.get_metadata("/json/mtls_endpoint_aliases/token_endpoint")
            .as_deref(),
        Some("https://sso.example.org/realms/demo/protocol/openid-connect/token")
    );
    assert_eq!(
        kc.get_metadata("acr_values_supported").as_deref(),
        Some(r#"["0","1"]"#)
    );
    assert_eq!(kc.get_metadata("/json/no/such/member"), None);

    let okta = ProviderMetadata::load(
        fixture("okta"),
        &issuer("https://dev-123456.okta.com/oauth2/default"),
    )
    .unwrap();
    assert!(
        okta.response_modes_supported()
            .contains(&"okta_post_message".to_owned())
    );
    assert_eq!(okta.dpop_signing_alg_values_supported().len(), 6);
    assert!(okta.revocation_endpoint().is_some() && okta.introspection_endpoint().is_some());

    let auth0 = ProviderMetadata::load(
        fixture("auth0"),
        &issuer("https://example-tenant.us.auth0.com/"),
    )
    .unwrap();
    assert_eq!(
        auth0.end_session_endpoint().map(Url::as_str),
        Some("https://example-tenant.us.auth0.com/oidc/logout")
    );
    // Exact comparison: the trailing slash matters.
    assert!(
        ProviderMetadata::load(
            fixture("auth0"),
            &issuer("https://example-tenant.us.auth0.com")
        )
        .is_err()
    );

    let gitlab = ProviderMetadata::load(fixture("gitlab"), &issuer("https://gitlab.com")).unwrap();
    assert!(
        gitlab
            .claims_supported()
            .iter()
            .any(|c| c == "https://gitlab.org/claims/groups/owner")
    );
}

#[test]
fn microsoft_common_needs_the_named_quirk() {
    let common = issuer("https://login.microsoftonline.com/common/v2.0");
    let err = ProviderMetadata::load(fixture("microsoft-common"), &common).unwrap_err();
    assert_eq!(err.code().as_u16(), 900);
    assert!(matches!(err, Error::IssuerMismatch { ref found, .. } if found.contains("{tenantid}")));

    let quirks = Quirks::none().microsoft_multi_tenant_issuer(true);
    let md = ProviderMetadata::load_with(fixture("microsoft-common"), &common, &quirks).unwrap();
    assert!(md.is_multi_tenant_template());
    let tid = "9188040d-6c67-4c5b-b112-36a304b66dad";
    assert!(md.issuer_matches(
        &format!("https://login.microsoftonline.com/{tid}/v2.0"),
        Some(tid)
    ));
    assert!(!md.issuer_matches(
        &format!("https://login.microsoftonline.com/{tid}/v2.0"),
        Some("other")
    ));
    assert!(!md.issuer_matches(
        "https://login.microsoftonline.com/{tenantid}/v2.0",
        Some(tid)
    ));
    // The quirk does not open the door to other hosts.
    let evil = issuer("https://evil.example/common/v2.0");
    assert!(ProviderMetadata::load_with(fixture("microsoft-common"), &evil, &quirks).is_err());
    // A tenant document matches exactly, quirk or not.
    let tenant = ProviderMetadata::load(
        fixture("microsoft-tenant"),
        &issuer(&format!("https://login.microsoftonline.com/{tid}/v2.0")),
    )
    .unwrap();
    assert!(!tenant.is_multi_tenant_template());
    assert!(tenant.issuer_matches(
        &format!("https://login.microsoftonline.com/{tid}/v2.0"),
        None
    ));
}

// ---------- sans-IO ----------

#[test]
fn discovery_request_is_exact() {
    let req = discovery_request(&issuer("https://op.example/tenant/"));
    assert_eq!(req.method(), http::Method::GET);
    assert_eq!(
        req.uri(),
        "https://op.example/tenant/.well-known/openid-configuration"
    );
    assert_eq!(req.headers()["accept"], "application/json");
    let req = jwks_request(&"https://op.example/jwks".parse().unwrap());
    assert_eq!(req.uri(), "https://op.example/jwks");
    assert!(
        req.headers()["accept"]
            .to_str()
            .unwrap()
            .contains("jwk-set+json")
    );
}

#[test]
fn bad_input_gives_precise_errors() {
    let iss = issuer("https://op.example");
    let good = doc("https://op.example");
    let with = |status: u16, ct: Option<&str>, body: &str| {
        let mut b = http::Response::builder().status(status);
        if let Some(ct) = ct {
            b = b.header("content-type", ct);
        }
        b.body(body.as_bytes().to_vec()).unwrap()
    };
    let kind = |r: HttpResponse| parse_discovery_response(&iss, r).unwrap_err();
    assert!(parse_discovery_response(&iss, with(200, Some("application/json"), &good)).is_ok());
    assert!(parse_discovery_response(&iss, with(200, None, &good)).is_ok());
    let cases: Vec<(HttpResponse, &str)> = vec![
        (
            with(200, Some("text/html"), "<html>login</html>"),
            "html_instead_of_json",
        ),
        (
            with(200, Some("application/json"), "\n <!DOCTYPE html><html>"),
            "html_instead_of_json",
        ),
        (with(200, Some("text/plain"), &good), "wrong_content_type"),
        (
            with(200, Some("application/json"), &good[..good.len() / 2]),
            "truncated_json",
        ),
        (
            with(200, Some("application/json"), "{\"issuer\": nope}"),
            "invalid_json",
        ),
        (with(200, Some("application/json"), ""), "empty_body"),
        (with(404, Some("application/json"), &good), "http_status"),
        (with(500, Some("text/html"), "<h1>oops</h1>"), "http_status"),
        (with(302, None, ""), "redirected"),
        (
            with(
                200,
                None,
                r#"{"issuer":"https://op.example","authorization_endpoint":"https://op.example/a","jwks_uri":"https://op.example/j","scopes_supported":"openid"}"#,
            ),
            "invalid_discovery",
        ),
        (
            with(
                200,
                None,
                r#"{"issuer":"https://op.example","jwks_uri":"https://op.example/j"}"#,
            ),
            "invalid_discovery",
        ),
        (
            with(
                200,
                None,
                r#"{"issuer":"https://op.example","authorization_endpoint":"http://op.example/a","jwks_uri":"https://op.example/j"}"#,
            ),
            "invalid_discovery",
        ),
        (
            with(200, None, &doc("https://op.example/")),
            "issuer_mismatch",
        ),
        (
            with(
                200,
                None,
                &" ".repeat(oidc_discovery::MAX_DOCUMENT_SIZE + 1),
            ),
            "too_large",
        ),
    ];
    for (resp, expected) in cases {
        let err = kind(resp);
        assert_eq!(err.kind(), expected, "{err}");
        assert_eq!(err.code().as_u16(), 900, "{err}");
        assert_eq!(err.document(), Document::Discovery);
    }
    let e = kind(with(302, Some("text/html"), ""));
    assert!(matches!(e, Error::Redirected { status: 302, .. }));
    let e = kind(with(404, None, ""));
    assert!(matches!(e, Error::HttpStatus { status: 404, .. }));
}

#[test]
fn jwks_parse_and_errors() {
    let raw = jwks(&["a", "b", "c"]);
    let keys = parse_jwks_response(json_response(&raw)).unwrap();
    assert_eq!(keys.kids(), ["a", "b", "c"]);
    assert_eq!(keys.raw_json(), raw);
    assert!(keys.contains_kid("b") && !keys.contains_kid("z"));
    let reloaded = SignerKeys::load(keys.raw_json()).unwrap();
    assert_eq!(reloaded.set().len(), 3);
    // Unknown key types are skipped, not fatal.
    let odd = r#"{"keys":[{"kty":"XYZ","kid":"odd"}]}"#;
    assert!(SignerKeys::load(odd).unwrap().set().is_empty());
    for (body, kind) in [
        (&raw[..raw.len() - 5], "truncated_json"),
        ("<html></html>", "html_instead_of_json"),
        (r#"{"nokeys":true}"#, "invalid_jwks"),
        ("[1,2", "truncated_json"),
        ("nope", "invalid_json"),
    ] {
        let err = parse_jwks_response(json_response(body)).unwrap_err();
        assert_eq!(err.kind(), kind, "{body}: {err}");
        assert_eq!(err.code().as_u16(), 921);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let iss = issuer("https://op.example");
        let _ = parse_discovery_response(&iss, json_response_bytes(&bytes));
        let _ = parse_jwks_response(json_response_bytes(&bytes));
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = ProviderMetadata::load(text, &iss);
            let _ = SignerKeys::load(text);
        }
    }

    #[test]
    fn mutated_documents_never_panic(cut in 0usize..600, byte in any::<u8>(), at in 0usize..600) {
        let iss = issuer("https://op.example");
        let mut d = doc("https://op.example").into_bytes();
        if at < d.len() { d[at] = byte; }
        d.truncate(cut.max(1).min(d.len()));
        let _ = parse_discovery_response(&iss, json_response_bytes(&d));
        let mut j = jwks(&["k"]).into_bytes();
        if at < j.len() { j[at] = byte; }
        j.truncate(cut.max(1).min(j.len()));
        let _ = parse_jwks_response(json_response_bytes(&j));
    }
}

fn json_response_bytes(b: &[u8]) -> HttpResponse {
    http::Response::builder()
        .status(200)
        .body(b.to_vec())
        .unwrap()
}

// ---------- Provider against wiremock ----------

struct Op {
    server: MockServer,
    issuer: IssuerUrl,
}

async fn op() -> Op {
    let server = MockServer::start().await;
    let issuer = issuer(&server.uri());
    Op { server, issuer }
}

impl Op {
    async fn serve_discovery(&self, extra: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path("/.well-known/openid-configuration"))
            .respond_with(extra.set_body_raw(doc(self.issuer.as_str()), "application/json"))
            .named("discovery")
            .mount(&self.server)
            .await;
    }

    async fn count(&self, p: &str) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == p)
            .count()
    }
}

fn client() -> ReqwestClient {
    ReqwestClient::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::test]
async fn warm_cache_makes_zero_requests() {
    let op = op().await;
    op.serve_discovery(ResponseTemplate::new(200).insert_header("cache-control", "max-age=600"))
        .await;
    Mock::given(path("/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(jwks(&["k1"]), "application/json"))
        .mount(&op.server)
        .await;
    let clock = Arc::new(FixedClock::new(1_800_000_000));
    let provider = Provider::builder(op.issuer.clone(), client())
        .clock(clock.clone())
        .build();
    // First sign-in: one discovery, one JWKS.
    provider.metadata().await.unwrap();
    provider.keys_for_kid("k1").await.unwrap();
    assert_eq!(
        (
            op.count("/.well-known/openid-configuration").await,
            op.count("/jwks").await
        ),
        (1, 1)
    );
    // Second sign-in with a warm cache (a clone of the handle, 5 minutes later): nothing.
    let clone = provider.clone();
    clock.advance(300);
    clone.metadata().await.unwrap();
    let keys = clone.keys_for_kid("k1").await.unwrap();
    assert!(keys.contains_kid("k1"));
    clone.keys().await.unwrap();
    assert_eq!(
        (
            op.count("/.well-known/openid-configuration").await,
            op.count("/jwks").await
        ),
        (1, 1)
    );
}

#[tokio::test]
async fn expiry_refetches_with_if_none_match_and_304_keeps_the_document() {
    let op = op().await;
    Mock::given(path("/.well-known/openid-configuration"))
        .and(header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304).insert_header("cache-control", "max-age=120"))
        .named("conditional")
        .mount(&op.server)
        .await;
    op.serve_discovery(
        ResponseTemplate::new(200)
            .insert_header("cache-control", "public, max-age=100")
            .insert_header("etag", "\"v1\""),
    )
    .await;
    let clock = Arc::new(FixedClock::new(1_000));
    let provider = Provider::builder(op.issuer.clone(), client())
        .clock(clock.clone())
        .build();
    let first = provider.metadata().await.unwrap();
    clock.advance(99);
    provider.metadata().await.unwrap();
    assert_eq!(
        op.count("/.well-known/openid-configuration").await,
        1,
        "fresh for max-age"
    );
    clock.advance(2);
    let second = provider.metadata().await.unwrap();
    assert!(
        Arc::ptr_eq(&first, &second),
        "304 keeps the cached document"
    );
    let reqs = op.server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].headers.get("if-none-match").unwrap(), "\"v1\"");
    // The 304's max-age (120) now applies.
    clock.advance(119);
    provider.metadata().await.unwrap();
    assert_eq!(op.count("/.well-known/openid-configuration").await, 2);
}

#[tokio::test]
async fn cache_bounds_clamp_max_age() {
    let op = op().await;
    op.serve_discovery(ResponseTemplate::new(200).insert_header("cache-control", "max-age=999999"))
        .await;
    let clock = Arc::new(FixedClock::new(0));
    let mut policy = CachePolicy::default();
    policy.min_ttl = Duration::from_secs(10);
    policy.max_ttl = Duration::from_secs(50);
    let provider = Provider::builder(op.issuer.clone(), client())
        .clock(clock.clone())
        .cache_policy(policy)
        .build();
    provider.metadata().await.unwrap();
    clock.advance(49);
    provider.metadata().await.unwrap();
    assert_eq!(op.count("/.well-known/openid-configuration").await, 1);
    clock.advance(1);
    provider.metadata().await.unwrap();
    assert_eq!(
        op.count("/.well-known/openid-configuration").await,
        2,
        "max bound honoured"
    );
}

#[tokio::test]
async fn no_store_is_kept_for_the_minimum() {
    let op = op().await;
    op.serve_discovery(ResponseTemplate::new(200).insert_header("cache-control", "no-store"))
        .await;
    let clock = Arc::new(FixedClock::new(0));
    let provider = Provider::builder(op.issuer.clone(), client())
        .clock(clock.clone())
        .build();
    for _ in 0..5 {
        provider.metadata().await.unwrap();
    }
    assert_eq!(op.count("/.well-known/openid-configuration").await, 1);
    clock.advance(60);
    provider.metadata().await.unwrap();
    assert_eq!(op.count("/.well-known/openid-configuration").await, 2);
}

#[tokio::test]
async fn rotation_makes_exactly_one_extra_jwks_request() {
    let op = op().await;
    op.serve_discovery(ResponseTemplate::new(200)).await;
    Mock::given(path("/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(jwks(&["old"]), "application/json"))
        .up_to_n_times(1)
        .mount(&op.server)
        .await;
    Mock::given(path("/jwks"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(jwks(&["old", "new"]), "application/json"),
        )
        .mount(&op.server)
        .await;
    let clock = Arc::new(FixedClock::new(5_000));
    let provider = Provider::builder(op.issuer.clone(), client())
        .clock(clock.clone())
        .build();
    assert!(
        provider
            .keys_for_kid("old")
            .await
            .unwrap()
            .contains_kid("old")
    );
    assert_eq!(op.count("/jwks").await, 1);
    // The provider rotated: a token names "new".
    let keys = provider.keys_for_kid("new").await.unwrap();
    assert!(keys.contains_kid("new"));
    assert_eq!(op.count("/jwks").await, 2, "exactly one extra JWKS request");
    // Later tokens with "new" or "old" use the cache.
    for _ in 0..10 {
        provider.keys_for_kid("new").await.unwrap();
        provider.keys_for_kid("old").await.unwrap();
    }
    assert_eq!(op.count("/jwks").await, 2);
    assert_eq!(op.count("/.well-known/openid-configuration").await, 1);
}

#[tokio::test]
async fn unknown_kid_flood_is_rate_limited() {
    let op = op().await;
    op.serve_discovery(ResponseTemplate::new(200)).await;
    Mock::given(path("/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(jwks(&["k1"]), "application/json"))
        .mount(&op.server)
        .await;
    let clock = Arc::new(FixedClock::new(10_000));
    let mut policy = CachePolicy::default();
    policy.unknown_kid_refetch_interval = Duration::from_secs(30);
    let provider = Provider::builder(op.issuer.clone(), client())
        .clock(clock.clone())
        .cache_policy(policy)
        .build();
    provider.keys().await.unwrap();
    assert_eq!(op.count("/jwks").await, 1);
    // 200 tokens with made-up kids, concurrently and sequentially, within one interval.
    let mut tasks = Vec::new();
    for i in 0..100 {
        let p = provider.clone();
        tasks.push(tokio::spawn(async move {
            p.keys_for_kid(&format!("forged-{i}")).await
        }));
    }
    for t in tasks {
        let keys = t.await.unwrap().unwrap();
        assert!(!keys.contains_kid("forged-0"));
    }
    for i in 0..100 {
        provider.keys_for_kid(&format!("seq-{i}")).await.unwrap();
        clock.advance(0);
    }
    assert_eq!(
        op.count("/jwks").await,
        2,
        "one refetch for the whole interval"
    );
    clock.advance(29);
    provider.keys_for_kid("again").await.unwrap();
    assert_eq!(op.count("/jwks").await, 2);
    clock.advance(1);
    provider.keys_for_kid("again").await.unwrap();
    assert_eq!(op.count("/jwks").await, 3, "one more after the interval");
}

#[tokio::test]
async fn concurrent_callers_share_one_fetch() {
    let op = op().await;
    op.serve_discovery(ResponseTemplate::new(200).set_delay(Duration::from_millis(300)))
        .await;
    Mock::given(path("/jwks"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(300))
                .set_body_raw(jwks(&["k1"]), "application/json"),
        )
        .mount(&op.server)
        .await;
    let provider = Provider::new(op.issuer.clone(), client());
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let p = provider.clone();
        tasks.push(tokio::spawn(async move {
            p.keys_for_kid("k1").await.map(|k| k.kids().len())
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 1);
    }
    assert_eq!(op.count("/.well-known/openid-configuration").await, 1);
    assert_eq!(op.count("/jwks").await, 1);
}

#[tokio::test]
async fn jwks_uri_override_and_cached_documents() {
    let op = op().await;
    Mock::given(path("/other-keys"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(jwks(&["x"]), "application/json"))
        .mount(&op.server)
        .await;
    // Metadata loaded from a saved document: no discovery request at all.
    let md = ProviderMetadata::load(doc(op.issuer.as_str()), &op.issuer).unwrap();
    let provider = Provider::builder(op.issuer.clone(), client())
        .cached_metadata(md)
        .jwks_uri_override(format!("{}/other-keys", op.server.uri()).parse().unwrap())
        .build();
    assert!(provider.keys().await.unwrap().contains_kid("x"));
    assert_eq!(op.count("/.well-known/openid-configuration").await, 0);
    assert_eq!(op.count("/jwks").await, 0);
    assert_eq!(op.count("/other-keys").await, 1);

    // Saved keys as well: zero requests.
    let saved = SignerKeys::load(jwks(&["saved"])).unwrap();
    let md = ProviderMetadata::load(doc(op.issuer.as_str()), &op.issuer).unwrap();
    let warm = Provider::builder(op.issuer.clone(), client())
        .cached_metadata(md)
        .cached_keys(saved)
        .build();
    assert!(
        warm.keys_for_kid("saved")
            .await
            .unwrap()
            .contains_kid("saved")
    );
    assert_eq!(op.server.received_requests().await.unwrap().len(), 1);
    warm.invalidate().await;
}

#[tokio::test]
async fn bad_servers_give_precise_errors_over_http() {
    let op = op().await;
    let iss = op.issuer.clone();
    // HTML login page instead of JSON.
    Mock::given(path("/.well-known/openid-configuration"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("<html><body>Sign in</body></html>", "text/html"),
        )
        .mount(&op.server)
        .await;
    let err = Provider::new(iss.clone(), client())
        .metadata()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "html_instead_of_json");
    op.server.reset().await;

    Mock::given(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&op.server)
        .await;
    let err = Provider::new(iss.clone(), client())
        .metadata()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::HttpStatus { status: 500, .. }));
    op.server.reset().await;

    Mock::given(path("/.well-known/openid-configuration"))
        .respond_with(
            ResponseTemplate::new(301).insert_header("location", "https://elsewhere.example/"),
        )
        .mount(&op.server)
        .await;
    let err = Provider::new(iss.clone(), client())
        .metadata()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Redirected { status: 301, location: Some(ref l), .. } if l == "https://elsewhere.example/")
    );
    // A client that follows redirects is refused for the scheme change, precisely.
    let following = ReqwestClient::builder()
        .follow_redirects(FollowRedirects::SameScheme)
        .build()
        .unwrap();
    let err = Provider::new(iss.clone(), following)
        .metadata()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport { ref source, .. } if source.kind() == oidc_core::HttpErrorKind::Redirect),
        "{err}"
    );
    op.server.reset().await;

    // Huge body: the transport's streaming limit stops it.
    Mock::given(path("/.well-known/openid-configuration"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(vec![b' '; 200_000], "application/json"),
        )
        .mount(&op.server)
        .await;
    let small = ReqwestClient::builder()
        .max_response_size(64 * 1024)
        .build()
        .unwrap();
    let err = Provider::new(iss.clone(), small)
        .metadata()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport { ref source, .. } if source.kind() == oidc_core::HttpErrorKind::TooLarge),
        "{err}"
    );
    assert_eq!(err.code().as_u16(), 900);
    op.server.reset().await;

    // Slow server: bounded by the client timeout, no hang.
    Mock::given(path("/.well-known/openid-configuration"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_secs(5))
                .set_body_raw(doc(iss.as_str()), "application/json"),
        )
        .mount(&op.server)
        .await;
    let impatient = ReqwestClient::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = Provider::new(iss.clone(), impatient)
        .metadata()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport { ref source, .. } if source.is_timeout()),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
    op.server.reset().await;

    // JWKS answers HTML: code 921.
    op.serve_discovery(ResponseTemplate::new(200)).await;
    Mock::given(path("/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html/>", "text/html"))
        .mount(&op.server)
        .await;
    let err = Provider::new(iss.clone(), client())
        .keys()
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.code().as_u16()),
        ("html_instead_of_json", 921)
    );
}

#[test]
fn advertised_lists_and_their_defaults() {
    let doc = r#"{"issuer":"https://op.example","authorization_endpoint":"https://op.example/a",
        "jwks_uri":"https://op.example/k","subject_types_supported":["public"],
        "id_token_signing_alg_values_supported":["RS256"],
        "display_values_supported":["page","popup"],
        "service_documentation":"https://op.example/docs"}"#;
    let md = ProviderMetadata::load(doc.to_owned(), &issuer("https://op.example")).unwrap();
    assert_eq!(md.display_values_supported(), ["page", "popup"]);
    assert_eq!(md.service_documentation(), Some("https://op.example/docs"));
    assert_eq!(md.registration_endpoint(), None);
    // Absent: OpenID Connect Discovery's defaults.
    assert_eq!(
        md.response_types_supported(),
        ["code", "id_token", "id_token token"]
    );
    let google =
        ProviderMetadata::load(fixture("google"), &issuer("https://accounts.google.com")).unwrap();
    assert_eq!(google.response_types_supported().len(), 8);
    assert!(google.display_values_supported().is_empty());
    let okta = ProviderMetadata::load(
        fixture("okta"),
        &issuer("https://dev-123456.okta.com/oauth2/default"),
    )
    .unwrap();
    assert_eq!(
        okta.registration_endpoint().map(Url::as_str),
        Some("https://dev-123456.okta.com/oauth2/v1/clients")
    );
}

/// Documents that once loaded when they should not have (see `tests/regressions/README.md`);
/// each must be refused without a panic.
#[test]
fn regression_documents_are_refused() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let raw = std::fs::read_to_string(&path).unwrap();
        let r = ProviderMetadata::load(raw, &issuer("https://op.example"));
        assert!(r.is_err(), "{} loaded", path.display());
        n += 1;
    }
    assert!(n >= 1, "expected the regression files in {}", dir.display());
}
