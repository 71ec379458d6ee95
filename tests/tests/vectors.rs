//! The specifications' own test vectors (tests/vectors, sources named in each file).
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::path::PathBuf;

use oidc_core::{FixedClock, PkceVerifier};
use oidc_jose::{
    Algorithm, CompactJws, Error, HashedValue, IdTokenValidator, Jwk, JwkSet, KeyMaterial,
    ValidationContext, claim_hash, verify_jws, verify_signature,
};
use serde_json::Value;

fn vector(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Verifies a JWS vector's signature with its own key; returns the result.
fn verify_vector(v: &Value) -> Result<(), Error> {
    let token = v["token"].as_str().unwrap();
    let jws = CompactJws::parse(token)?;
    let alg = Algorithm::parse(v["alg"].as_str().unwrap()).unwrap();
    assert_eq!(jws.header().alg, alg, "{}", v["source"]);
    let payload = v["payload"].as_str().unwrap();
    assert_eq!(
        jws.payload(),
        payload.as_bytes(),
        "{}: payload bytes",
        v["source"]
    );
    let jwk = Jwk::from_slice(v["jwk"].to_string().as_bytes())?;
    verify_signature(alg, jwk.material(), jws.signing_input(), jws.signature())
}

fn tampered(token: &str) -> String {
    // Change one character of the payload: the signature must no longer verify.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut p: Vec<char> = parts[1].chars().collect();
    p[2] = if p[2] == 'x' { 'y' } else { 'x' };
    parts[1] = p.into_iter().collect();
    parts.join(".")
}

const VALID: &[&str] = &[
    "rfc7515-a1-hs256.json",
    "rfc7515-a2-rs256.json",
    "rfc7515-a3-es256.json",
    "rfc7520-4.1-rs256.json",
    "rfc7520-4.2-ps384.json",
    "rfc7520-4.4-hs256.json",
    "rfc8037-a4-ed25519.json",
];

#[test]
fn ring_verified_vectors_verify_and_tampering_is_caught() {
    for name in VALID {
        let v = vector(name);
        assert_eq!(v["expected"], "valid");
        verify_vector(&v).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut t = v.clone();
        t["token"] = tampered(v["token"].as_str().unwrap()).into();
        let jws = CompactJws::parse(t["token"].as_str().unwrap()).unwrap();
        let jwk = Jwk::from_slice(v["jwk"].to_string().as_bytes()).unwrap();
        let e = verify_signature(
            jws.header().alg,
            jwk.material(),
            jws.signing_input(),
            jws.signature(),
        )
        .unwrap_err();
        assert!(matches!(e, Error::BadSignature), "{name}: {e}");
    }
}

#[test]
fn rfc7520_payload_bytes_round_trip() {
    for name in [
        "rfc7520-4.1-rs256.json",
        "rfc7520-4.2-ps384.json",
        "rfc7520-4.3-es512.json",
        "rfc7520-4.4-hs256.json",
    ] {
        let v = vector(name);
        let token = v["token"].as_str().unwrap();
        assert_eq!(
            token.split('.').nth(1).unwrap(),
            v["payload_b64"].as_str().unwrap(),
            "{name}"
        );
        assert!(v["payload"].as_str().unwrap().contains('\u{2019}'));
    }
}

#[test]
fn es512_vectors_need_the_josekit_backend() {
    for name in ["rfc7515-a4-es512.json", "rfc7520-4.3-es512.json"] {
        let v = vector(name);
        let r = verify_vector(&v);
        if cfg!(feature = "josekit") {
            r.unwrap_or_else(|e| panic!("{name}: {e}"));
        } else {
            assert!(
                matches!(r, Err(Error::UnsupportedAlgorithm(Algorithm::ES512))),
                "{name}: {r:?}"
            );
        }
    }
}

#[test]
fn rfc7515_a5_unsigned_is_rejected() {
    let v = vector("rfc7515-a5-none.json");
    assert_eq!(v["expected"], "reject_unsigned");
    let token = v["token"].as_str().unwrap();
    let jws = CompactJws::parse(token).unwrap();
    assert_eq!(jws.header().alg, Algorithm::None);
    let e = verify_jws(&jws, &JwkSet::default(), &Algorithm::ALL, None).unwrap_err();
    assert_eq!((e.code().as_u16(), e.kind()), (923, "missing_signature"));
    // The validator refuses it too (A.5's payload is a JWT claims set without iss/aud,
    // but the signature rule fires first).
    let e = IdTokenValidator::new("joe", "client")
        .validate(
            token,
            &JwkSet::default(),
            &ValidationContext::default(),
            &FixedClock::new(0),
        )
        .unwrap_err();
    assert_eq!(e.kind(), "missing_signature");
}

#[test]
fn hmac_vectors_through_verify_jws_with_the_client_secret() {
    // verify_jws keys HS* with the client secret, never with a JWKS entry.
    for name in ["rfc7515-a1-hs256.json", "rfc7520-4.4-hs256.json"] {
        let v = vector(name);
        let jwk = Jwk::from_slice(v["jwk"].to_string().as_bytes()).unwrap();
        let KeyMaterial::Oct { k } = jwk.material() else {
            panic!("oct key expected")
        };
        let jws = CompactJws::parse(v["token"].as_str().unwrap()).unwrap();
        verify_jws(&jws, &JwkSet::default(), &[Algorithm::HS256], Some(k)).unwrap();
        assert!(
            verify_jws(
                &jws,
                &JwkSet::default(),
                &[Algorithm::HS256],
                Some(b"wrong")
            )
            .is_err()
        );
    }
}

#[test]
fn oidc_core_appendix_a_hashes_and_tokens() {
    let v = vector("oidc-core-hashes.json");
    let jwks_key = Jwk::from_slice(v["id_token_jwk"].to_string().as_bytes()).unwrap();
    let jwks = JwkSet::from_keys(vec![jwks_key]);
    for case in v["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let alg = Algorithm::parse(case["alg"].as_str().unwrap()).unwrap();
        let at = case["access_token"].as_str();
        let code = case["code"].as_str();
        if let Some(at) = at {
            assert_eq!(
                claim_hash(alg, at).unwrap(),
                case["at_hash"].as_str().unwrap(),
                "{name}"
            );
        }
        if let Some(code) = code {
            assert_eq!(
                claim_hash(alg, code).unwrap(),
                case["c_hash"].as_str().unwrap(),
                "{name}"
            );
        }
        // The example ID token validates in full at its own issue time.
        let token = case["id_token"].as_str().unwrap();
        let (_, claims) = oidc_jose::parse_unverified(token).unwrap();
        let validator = IdTokenValidator::new(claims.iss.clone().unwrap(), claims.aud[0].clone());
        let ctx = ValidationContext {
            nonce: claims.nonce.as_deref(),
            access_token: at.map(|value| HashedValue {
                value,
                required: true,
            }),
            code: code.map(|value| HashedValue {
                value,
                required: true,
            }),
            ..Default::default()
        };
        let clock = FixedClock::new(claims.iat.unwrap());
        validator
            .validate(token, &jwks, &ctx, &clock)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // and a different access token or code is refused
        if at.is_some() {
            let bad = ValidationContext {
                access_token: Some(HashedValue {
                    value: "x",
                    required: true,
                }),
                ..ctx
            };
            assert_eq!(
                validator
                    .validate(token, &jwks, &bad, &clock)
                    .unwrap_err()
                    .kind(),
                "at_hash_mismatch"
            );
        }
        if code.is_some() {
            let bad = ValidationContext {
                code: Some(HashedValue {
                    value: "x",
                    required: true,
                }),
                ..ctx
            };
            assert_eq!(
                validator
                    .validate(token, &jwks, &bad, &clock)
                    .unwrap_err()
                    .kind(),
                "c_hash_mismatch"
            );
        }
    }
}

#[test]
fn rfc7636_appendix_b() {
    let v = vector("rfc7636-appendix-b.json");
    let verifier = PkceVerifier::parse(v["code_verifier"].as_str().unwrap()).unwrap();
    assert_eq!(
        verifier.challenge().challenge,
        v["code_challenge"].as_str().unwrap()
    );
    assert_eq!(
        verifier.challenge().method.as_str(),
        v["method"].as_str().unwrap()
    );
}
