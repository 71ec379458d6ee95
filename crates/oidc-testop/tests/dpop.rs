//! The provider's DPoP checks (RFC 9449 §4.3) over real HTTP: every way a proof can be
//! wrong is refused with `invalid_dpop_proof` before the grant is even looked at, and a
//! server nonce is demanded when configured.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use oidc_jose::DpopKey;
use oidc_testop::{Endpoint, OpConfig, TestOp};
use serde_json::Value;

fn now() -> i64 {
    use oidc_core::Clock as _;
    oidc_core::SystemClock.now_unix()
}

/// A refresh request the provider cannot honour (an unknown refresh token): a proof that
/// passes yields `invalid_grant`, one that fails yields `invalid_dpop_proof` first.
async fn token_request(op: &TestOp, proofs: &[&str]) -> (u16, Value, Option<String>) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder().build().unwrap();
    let mut rb = http
        .post(op.url(Endpoint::Token).as_str())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=refresh_token&refresh_token=unknown&client_id=test-client");
    for p in proofs {
        rb = rb.header("dpop", *p);
    }
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    let nonce = r
        .headers()
        .get("dpop-nonce")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap_or(Value::Null);
    (status, body, nonce)
}

fn error(r: &(u16, Value, Option<String>)) -> &str {
    r.1["error"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn every_bad_proof_is_refused_before_the_grant() {
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    let key = DpopKey::generate().unwrap();
    let htu = op.url(Endpoint::Token).to_string();
    let proof = |htm: &str, htu: &str, iat: i64| key.proof(htm, htu, iat, None, None).unwrap();
    // A good proof passes; the grant is what fails.
    let good = proof("POST", &htu, now());
    assert_eq!(error(&token_request(&op, &[&good]).await), "invalid_grant");
    // The same proof again: a replay.
    let r = token_request(&op, &[&good]).await;
    assert_eq!(error(&r), "invalid_dpop_proof", "{:?}", r.1);
    assert!(r.1["error_description"].as_str().unwrap().contains("jti"));
    for (what, p) in [
        ("wrong htm", proof("GET", &htu, now())),
        ("wrong htu", proof("POST", &format!("{htu}/other"), now())),
        ("stale iat", proof("POST", &htu, now() - 3_600)),
        ("future iat", proof("POST", &htu, now() + 3_600)),
    ] {
        let r = token_request(&op, &[&p]).await;
        assert_eq!(
            (r.0, error(&r)),
            (400, "invalid_dpop_proof"),
            "{what}: {:?}",
            r.1
        );
    }
    // A signature by another key over this key's header and claims.
    let other = DpopKey::generate().unwrap();
    let mine = proof("POST", &htu, now());
    let theirs = other.proof("POST", &htu, now(), None, None).unwrap();
    let forged = format!(
        "{}.{}",
        mine.rsplit_once('.').unwrap().0,
        theirs.rsplit_once('.').unwrap().1
    );
    let r = token_request(&op, &[&forged]).await;
    assert_eq!(error(&r), "invalid_dpop_proof", "{:?}", r.1);
    // Two proofs at once.
    let (a, b) = (proof("POST", &htu, now()), proof("POST", &htu, now()));
    assert_eq!(
        error(&token_request(&op, &[&a, &b]).await),
        "invalid_dpop_proof"
    );
    // Not a JWT at all.
    assert_eq!(
        error(&token_request(&op, &["junk"]).await),
        "invalid_dpop_proof"
    );
}

#[tokio::test]
async fn a_configured_server_nonce_is_demanded_and_then_accepted() {
    let mut config = OpConfig::default();
    config.dpop_nonce = true;
    let op = TestOp::start(config).await.unwrap();
    let key = DpopKey::generate().unwrap();
    let htu = op.url(Endpoint::Token).to_string();
    let r = token_request(&op, &[&key.proof("POST", &htu, now(), None, None).unwrap()]).await;
    assert_eq!((r.0, error(&r)), (400, "use_dpop_nonce"), "{:?}", r.1);
    let nonce = r.2.expect("a DPoP-Nonce header");
    let wrong = key
        .proof("POST", &htu, now(), Some("not-the-nonce"), None)
        .unwrap();
    assert_eq!(
        error(&token_request(&op, &[&wrong]).await),
        "use_dpop_nonce"
    );
    let right = key.proof("POST", &htu, now(), Some(&nonce), None).unwrap();
    assert_eq!(error(&token_request(&op, &[&right]).await), "invalid_grant");
}
