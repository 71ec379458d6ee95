//! Hostile input never panics and never validates.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::path::PathBuf;

use oidc_core::{ClientSecret, FixedClock};
use oidc_jose::{
    Algorithm, CompactJws, IdTokenClaims, IdTokenValidator, Jwk, JwkSet, SigningKey,
    ValidationContext, parse_unverified,
};
use proptest::prelude::*;

const NOW: i64 = 1_900_000_000;

fn fixture() -> (SigningKey, JwkSet, String) {
    let key = SigningKey::generate_ec(Algorithm::ES256)
        .unwrap()
        .with_kid("k");
    let jwks = JwkSet::from_keys(vec![key.public_jwk().unwrap()]);
    let claims = format!(
        r#"{{"iss":"https://op","sub":"s","aud":"c","exp":{},"iat":{},"nonce":"n"}}"#,
        NOW + 100,
        NOW
    );
    let token = key.sign_compact(Some("JWT"), claims.as_bytes()).unwrap();
    (key, jwks, token)
}

fn validator() -> IdTokenValidator {
    IdTokenValidator::new("https://op", "c")
        .algorithms(Algorithm::ALL)
        // 64 bytes, enough for HS512 (RFC 7518 §3.2), so HS* inputs reach the MAC check.
        .client_secret(ClientSecret::new("s".repeat(64)))
}

fn ctx() -> ValidationContext<'static> {
    ValidationContext {
        nonce: Some("n"),
        ..Default::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_validate(s in ".{0,400}") {
        let (_, jwks, _) = fixture();
        let r = validator().validate(&s, &jwks, &ctx(), &FixedClock::new(NOW));
        prop_assert!(r.is_err());
        let _ = parse_unverified(&s);
        let _ = CompactJws::parse(&s);
    }

    #[test]
    fn arbitrary_three_part_tokens_never_validate(
        h in proptest::collection::vec(any::<u8>(), 0..64),
        p in proptest::collection::vec(any::<u8>(), 0..128),
        s in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        use base64::Engine as _;
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let t = format!("{}.{}.{}", e.encode(&h), e.encode(&p), e.encode(&s));
        let (_, jwks, _) = fixture();
        prop_assert!(validator().validate(&t, &jwks, &ctx(), &FixedClock::new(NOW)).is_err());
    }

    #[test]
    fn mutated_valid_tokens_never_validate(pos in 0usize..10_000, byte in any::<u8>()) {
        let (_, jwks, token) = fixture();
        let mut bytes = token.clone().into_bytes();
        let i = pos % bytes.len();
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        if let Ok(mutated) = String::from_utf8(bytes) {
            let r = validator().validate(&mutated, &jwks, &ctx(), &FixedClock::new(NOW));
            // A change inside the base64 text either breaks decoding, the JSON, or the
            // signature. (Base64 has no equivalent encodings thanks to strict decoding.)
            prop_assert!(r.is_err(), "mutation at {} accepted", i);
        }
    }

    #[test]
    fn truncated_valid_tokens_never_validate(cut in 0usize..10_000) {
        let (_, jwks, token) = fixture();
        let cut = cut % token.len();
        let r = validator().validate(&token[..cut], &jwks, &ctx(), &FixedClock::new(NOW));
        prop_assert!(r.is_err());
    }

    #[test]
    fn arbitrary_jwks_documents_never_panic(s in ".{0,300}") {
        let _ = JwkSet::from_slice(s.as_bytes());
        let _ = Jwk::from_slice(s.as_bytes());
        let wrapped = format!(r#"{{"keys":[{s}]}}"#);
        if let Ok(set) = JwkSet::from_slice(wrapped.as_bytes()) {
            for k in set.keys() {
                let _ = k.to_public_key_pem();
            }
        }
    }

    #[test]
    fn arbitrary_claims_never_panic(s in ".{0,300}") {
        if let Ok(c) = IdTokenClaims::from_json(s.clone().into_bytes()) {
            let _ = c.user();
            let _ = c.claim("/json/a/b");
        }
    }

    #[test]
    fn mutated_jwks_keys_never_verify_the_token(pos in 0usize..10_000, ch in "[A-Za-z0-9_-]") {
        let (key, _, token) = fixture();
        let json = serde_json::json!({"keys": [key.public_jwk_json()]}).to_string();
        let x_start = json.find("\"x\":\"").unwrap() + 5;
        let x_end = x_start + json[x_start..].find('"').unwrap();
        let i = x_start + pos % (x_end - x_start);
        let mut m = json.clone();
        prop_assume!(&m[i..=i] != ch.as_str());
        m.replace_range(i..=i, &ch);
        if let Ok(set) = JwkSet::from_slice(m.as_bytes()) {
            prop_assert!(validator().validate(&token, &set, &ctx(), &FixedClock::new(NOW)).is_err());
        }
    }
}

/// Inputs found by fuzzing or by hand that once broke a parser; each must be refused
/// without a panic.
#[test]
fn regression_inputs_are_refused() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("txt") {
            continue;
        }
        let input = std::fs::read_to_string(&path).unwrap();
        let input = input.trim_end_matches('\n');
        let (_, jwks, _) = fixture();
        let r = validator().validate(input, &jwks, &ctx(), &FixedClock::new(NOW));
        assert!(r.is_err(), "{} validated", path.display());
        n += 1;
    }
    assert!(n >= 3, "expected the regression files in {}", dir.display());
}
