//! ID token validation beside the raw `ring` signature check of the same signing input,
//! and JWKS parsing beside a bare `serde_json::Value` parse of the same bytes.
//!
//! The ratios (validate / raw ring, JWKS / Value) are what matter; absolute times on a
//! shared machine are noise. `cargo bench -p oidc-jose`.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use oidc_core::FixedClock;
use oidc_jose::{Algorithm, IdTokenValidator, JwkSet, KeyMaterial, SigningKey, ValidationContext};
use ring::signature;

const NOW: i64 = 1_900_000_000;
const NONCE: &str = "n-0S6_WzA2Mj-Qx7vR3c";

/// A realistic ~600-byte claims set (the shape Google, Entra and Okta send).
fn claims() -> String {
    serde_json::json!({
        "iss": "https://login.example.com/tenant-4f1c2a/v2.0",
        "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        "aud": "6731de76-14a6-49ae-97bc-6eba6914391e",
        "exp": NOW + 3600, "iat": NOW, "nbf": NOW, "auth_time": NOW - 20,
        "nonce": NONCE,
        "at_hash": "77QmUPtjPfzWtF2AnpK9RQ",
        "azp": "6731de76-14a6-49ae-97bc-6eba6914391e",
        "sid": "08a5019c-17e1-4977-8f42-65a12843ea02",
        "name": "Jane Q. Example-Smith",
        "given_name": "Jane", "family_name": "Example-Smith",
        "preferred_username": "jane.example-smith@contoso.example",
        "email": "jane.example-smith@contoso.example", "email_verified": true,
        "locale": "en-GB", "zoneinfo": "Europe/London",
        "amr": ["pwd", "mfa"], "acr": "urn:example:loa:2"
    })
    .to_string()
}

struct Case {
    name: &'static str,
    key: SigningKey,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "RS256-2048",
            key: SigningKey::from_pkcs8_pem(
                Algorithm::RS256,
                include_str!("../tests/keys/rsa2048-1.pem"),
            )
            .unwrap()
            .with_kid("rsa"),
        },
        Case {
            name: "ES256",
            key: SigningKey::from_pkcs8_pem(
                Algorithm::ES256,
                include_str!("../tests/keys/ec-p256.pem"),
            )
            .unwrap()
            .with_kid("ec"),
        },
        Case {
            name: "EdDSA",
            key: SigningKey::from_pkcs8_pem(
                Algorithm::EdDSA,
                include_str!("../tests/keys/ed25519.pem"),
            )
            .unwrap()
            .with_kid("ed"),
        },
    ]
}

fn raw_verify(alg: Algorithm, key: &KeyMaterial, msg: &[u8], sig: &[u8]) -> bool {
    match (alg, key) {
        (Algorithm::RS256, KeyMaterial::Rsa { n, e }) => signature::RsaPublicKeyComponents { n, e }
            .verify(&signature::RSA_PKCS1_2048_8192_SHA256, msg, sig)
            .is_ok(),
        (Algorithm::ES256, KeyMaterial::Ec { point, .. }) => {
            signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(msg, sig)
                .is_ok()
        }
        (Algorithm::EdDSA, KeyMaterial::Ed25519 { x }) => {
            signature::UnparsedPublicKey::new(&signature::ED25519, x)
                .verify(msg, sig)
                .is_ok()
        }
        _ => false,
    }
}

fn bench_validation(c: &mut Criterion) {
    let all = cases();
    let jwks = JwkSet::from_keys(all.iter().map(|k| k.key.public_jwk().unwrap()).collect());
    let claims = claims();
    assert!(
        (550..=700).contains(&claims.len()),
        "claims are {} bytes",
        claims.len()
    );
    for case in &all {
        let token = case
            .key
            .sign_compact(Some("JWT"), claims.as_bytes())
            .unwrap();
        let validator = IdTokenValidator::new(
            "https://login.example.com/tenant-4f1c2a/v2.0",
            "6731de76-14a6-49ae-97bc-6eba6914391e",
        )
        .algorithms([case.key.alg()]);
        let ctx = ValidationContext {
            nonce: Some(NONCE),
            ..Default::default()
        };
        let clock = FixedClock::new(NOW + 5);
        validator.validate(&token, &jwks, &ctx, &clock).unwrap();

        let (input, sig_b64) = token.rsplit_once('.').unwrap();
        let sig = URL_SAFE_NO_PAD.decode(sig_b64).unwrap();
        let material = case.key.public_jwk().unwrap().material().clone();
        assert!(raw_verify(
            case.key.alg(),
            &material,
            input.as_bytes(),
            &sig
        ));

        let mut g = c.benchmark_group(format!("id_token/{}", case.name));
        g.bench_function("oidc-jose validate", |b| {
            b.iter(|| {
                validator
                    .validate(black_box(&token), &jwks, &ctx, &clock)
                    .unwrap()
            });
        });
        g.bench_function("ring raw verify", |b| {
            b.iter(|| {
                raw_verify(
                    case.key.alg(),
                    &material,
                    black_box(input.as_bytes()),
                    black_box(&sig),
                )
            });
        });
        g.finish();
    }
}

fn bench_jwks(c: &mut Criterion) {
    let all = cases();
    let doc = serde_json::json!({"keys": all.iter().map(|k| k.key.public_jwk_json().unwrap()).collect::<Vec<_>>()})
        .to_string();
    let mut g = c.benchmark_group("jwks/3-keys");
    g.bench_function("oidc-jose JwkSet::from_slice", |b| {
        b.iter(|| JwkSet::from_slice(black_box(doc.as_bytes())).unwrap());
    });
    g.bench_function("serde_json Value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(doc.as_bytes())).unwrap());
    });
    g.finish();
}

criterion_group!(benches, bench_validation, bench_jwks);
criterion_main!(benches);
