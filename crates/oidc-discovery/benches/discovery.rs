//! Discovery and JWKS parsing against a generic `serde_json::Value` parse of the same bytes.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use oidc_core::IssuerUrl;
use oidc_discovery::{ProviderMetadata, SignerKeys};
use std::hint::black_box;

mod derived;

fn bench(c: &mut Criterion) {
    let raw = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/okta.json"
    ))
    .expect("fixture");
    let issuer = IssuerUrl::new("https://dev-123456.okta.com/oauth2/default").expect("issuer");
    let keys: Vec<_> = ["k1", "k2", "k3"]
        .iter()
        .map(|k| {
            oidc_jose::SigningKey::generate_ec(oidc_jose::Algorithm::ES256)
                .expect("key")
                .with_kid(*k)
                .public_jwk_json()
                .expect("jwk")
        })
        .collect();
    let jwks = serde_json::json!({ "keys": keys }).to_string();
    let key_texts: Vec<String> = keys.iter().map(ToString::to_string).collect();

    let mut g = c.benchmark_group(format!("discovery_{}B", raw.len()));
    g.bench_function("ProviderMetadata::load (raw kept)", |b| {
        b.iter(|| ProviderMetadata::load(black_box(raw.as_str()), &issuer).expect("parse"));
    });
    g.bench_function("serde_json::Value", |b| {
        b.iter(|| {
            serde_json::from_slice::<serde_json::Value>(black_box(raw.as_bytes())).expect("parse")
        });
    });
    g.bench_function("derived serde (same checks)", |b| {
        b.iter(|| derived::load_derived(black_box(raw.as_str()), issuer.url()).expect("parse"));
    });
    // The list members are read from the kept raw JSON on first use; this is `load` plus
    // that first use, for the whole cost when the lists are needed.
    g.bench_function("ProviderMetadata::load + first list read", |b| {
        b.iter(|| {
            let md = ProviderMetadata::load(black_box(raw.as_str()), &issuer).expect("parse");
            md.scopes_supported().len()
        });
    });
    g.finish();

    let mut g = c.benchmark_group("jwks_3_keys");
    g.bench_function("SignerKeys::load", |b| {
        b.iter(|| SignerKeys::load(black_box(jwks.as_str())).expect("parse"));
    });
    g.bench_function("serde_json::Value", |b| {
        b.iter(|| {
            serde_json::from_slice::<serde_json::Value>(black_box(jwks.as_bytes())).expect("parse")
        });
    });
    g.bench_function("derived serde, keys not decoded (lower bound)", |b| {
        b.iter(|| derived::jwks_derived_lower_bound(black_box(jwks.as_str())).expect("parse"));
    });
    // The per-key half of the derived route with decoding: each key read by `Jwk::from_slice`
    // (a derived struct, then the same decoding). Added to the `Value` parse of the document
    // (which the derived route needs to skip bad entries), it estimates the whole route.
    g.bench_function("derived per key with decoding (Jwk::from_slice x 3)", |b| {
        b.iter(|| {
            key_texts
                .iter()
                .map(|k| oidc_jose::Jwk::from_slice(black_box(k.as_bytes())).expect("key"))
                .collect::<Vec<_>>()
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
