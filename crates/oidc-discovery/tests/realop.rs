//! Live discovery against panva `oidc-provider` from ../shared/realop, started by this
//! test on 127.0.0.1 through `oidc_testkit::realop`. With `CI` set, a missing node or
//! provider folder fails the test; without `CI` the test says it skipped. A provider that
//! does not start fails it either way.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers panic on setup failure, like the tests themselves"
)]

use std::path::PathBuf;
use std::time::Duration;

use oidc_core::IssuerUrl;
use oidc_discovery::Provider;
use oidc_reqwest::ReqwestClient;
use oidc_testkit::realop::RealOp;

#[tokio::test(flavor = "multi_thread")]
async fn live_discovery_against_oidc_provider() {
    // A writable home that survives between runs (npm ci runs once); it holds node_modules,
    // keys and the pid/log files.
    let home = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("realop/home");
    let Some(op) = RealOp::builder(home).start_for_test("live_discovery_against_oidc_provider")
    else {
        return;
    };
    let port = op.port();

    let issuer = IssuerUrl::new(format!("http://127.0.0.1:{port}")).unwrap();
    let client = ReqwestClient::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let provider = Provider::new(issuer.clone(), client);
    let md = provider.metadata().await.unwrap();
    assert_eq!(md.issuer(), issuer.as_str());
    assert_eq!(
        md.authorization_endpoint().as_str(),
        format!("{issuer}/auth")
    );
    assert_eq!(
        md.token_endpoint().map(url::Url::as_str),
        Some(format!("{issuer}/token").as_str())
    );
    assert_eq!(md.jwks_uri().as_str(), format!("{issuer}/jwks"));
    assert_eq!(
        md.userinfo_endpoint().map(url::Url::as_str),
        Some(format!("{issuer}/me").as_str())
    );
    assert_eq!(
        md.end_session_endpoint().map(url::Url::as_str),
        Some(format!("{issuer}/session/end").as_str())
    );
    assert_eq!(
        md.device_authorization_endpoint().map(url::Url::as_str),
        Some(format!("{issuer}/device/auth").as_str())
    );
    assert_eq!(
        md.pushed_authorization_request_endpoint()
            .map(url::Url::as_str),
        Some(format!("{issuer}/request").as_str())
    );
    assert!(md.authorization_response_iss_parameter_supported());
    assert!(md.supports_pkce_s256());
    assert!(md.claims_parameter_supported());
    assert!(md.scopes_supported().iter().any(|s| s == "offline_access"));
    let keys = provider.keys().await.unwrap();
    assert!(
        keys.set().len() >= 3,
        "RSA, P-256 and Ed25519 keys: {:?}",
        keys.kids()
    );
    let kid = keys.kids()[0].to_owned();
    assert!(
        provider
            .keys_for_kid(&kid)
            .await
            .unwrap()
            .contains_kid(&kid)
    );
}
