//! Token endpoint answers (token, device authorization and polling, PAR, revocation,
//! introspection) and UserInfo responses.

use std::sync::{Arc, OnceLock};

use oidc_core::{ClientId, FixedClock};
use oidc_jose::{Algorithm, JwkSet, SigningKey};
use oidc_token::{
    ClientAuth, ResponseOptions, TokenClient, TokenType, UserInfoParse, UserInfoVerification,
    parse_token_response, parse_userinfo_response,
};

use crate::http_input::response;

const NOW: i64 = 1_800_000_000;

/// Every token-endpoint parser on the same response; an accepted token response keeps the
/// promises the flow relies on.
pub fn token_endpoint(data: &[u8]) {
    let r = response(data);
    let strict = ResponseOptions::default();
    if let Ok(t) = parse_token_response(&r, None, &strict, &FixedClock::new(NOW)) {
        assert!(r.status().is_success(), "accepted a {} answer", r.status());
        assert!(!t.access_token.secret().is_empty(), "empty access token");
        assert!(
            matches!(t.token_type, TokenType::Bearer | TokenType::Dpop),
            "accepted token type {:?}",
            t.token_type
        );
        assert_eq!(t.expires_at.is_some(), t.expires_in.is_some());
        if let (Some(at), Some(inn)) = (t.expires_at, t.expires_in) {
            assert!(
                at >= NOW && at.abs_diff(NOW) <= inn,
                "expires_at {at} for expires_in {inn}"
            );
        }
        for k in [
            "access_token",
            "token_type",
            "expires_in",
            "refresh_token",
            "id_token",
            "scope",
        ] {
            assert!(!t.extra.contains_key(k), "{k} left in extra");
        }
    }
    let client = TokenClient::new(ClientId::new("client-1"), ClientAuth::None)
        .with_clock(Arc::new(FixedClock::new(NOW)))
        .with_options(ResponseOptions::default().accept_string_expires_in(true));
    let _ = client.parse_token_response(&r, None);
    let _ = client.parse_device_authorization_response(&r);
    let _ = client.parse_device_poll_response(&r);
    let _ = client.parse_par_response(&r);
    let _ = client.parse_revocation_response(&r);
    if let Ok(i) = client.parse_introspection_response(&r) {
        let _ = i.member("/json/cnf/jkt");
    }
}

/// The key signed UserInfo seeds are made with (Ed25519, fixed seed, kid `fuzz`).
pub(crate) fn provider_key() -> &'static (SigningKey, JwkSet) {
    static KEY: OnceLock<(SigningKey, JwkSet)> = OnceLock::new();
    KEY.get_or_init(|| {
        let key = match SigningKey::ed25519_seed(&[7; 32]) {
            Ok(k) => k.with_kid("fuzz"),
            Err(e) => panic!("fixed Ed25519 seed refused: {e}"),
        };
        let jwk = key
            .public_jwk()
            .unwrap_or_else(|| panic!("Ed25519 key without JWK"));
        (key, JwkSet::from_keys(vec![jwk]))
    })
}

/// `parse_userinfo_response`, plain and with signed responses allowed: whatever is accepted
/// belongs to the expected subject.
pub fn userinfo(data: &[u8]) {
    let r = response(data);
    let (_, keys) = provider_key();
    let client_id = ClientId::new("client-1");
    let signed = UserInfoParse::new("alice").with_verification(UserInfoVerification {
        keys,
        algorithms: &[Algorithm::EdDSA, Algorithm::RS256],
        client_secret: None,
        issuer: Some("https://op.example"),
        client_id: Some(&client_id),
    });
    for how in [&signed, &UserInfoParse::new("alice")] {
        if let Ok(u) = parse_userinfo_response(&r, how) {
            assert!(r.status().is_success(), "accepted a {} answer", r.status());
            assert_eq!(u.sub(), Some("alice"));
            assert_eq!(u.json().get("sub").and_then(|v| v.as_str()), Some("alice"));
            let _ = u.claim("/json/address/country");
            let _ = u.claims().email.as_deref();
        }
    }
}
