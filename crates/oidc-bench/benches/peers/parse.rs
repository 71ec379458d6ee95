//! JWKS and discovery-document parsing beside the peers' types and a bare
//! `serde_json::Value`, on the same bytes.
//!
//! What each one does differs, and the summary says so: `oidc-jose` decodes every key into
//! ready-to-verify bytes (base64url, sizes, the EC point) and `oidc-discovery` checks the
//! issuer and every endpoint URL; the peers' JWK types keep the base64url strings, and
//! `openidconnect` parses the endpoints as URLs.

use std::hint::black_box;

use criterion::{BatchSize, Criterion};
use oidc_bench::{DISCOVERY_DOC, DISCOVERY_ISSUER, jwks_json, note};
use oidc_core::IssuerUrl;
use oidc_discovery::ProviderMetadata;
use oidc_jose::JwkSet;

pub(crate) fn bench_jwks(c: &mut Criterion) {
    let doc = jwks_json();
    let bytes = doc.as_bytes();
    // Every contender must accept all three keys, or its figure would flatter it.
    assert_eq!(JwkSet::from_slice(bytes).unwrap().len(), 3);
    let oidc: openidconnect::core::CoreJsonWebKeySet = serde_json::from_slice(bytes).unwrap();
    assert_eq!(oidc.keys().len(), 3);
    let jwt: jsonwebtoken::jwk::JwkSet = serde_json::from_slice(bytes).unwrap();
    assert_eq!(jwt.keys.len(), 3);
    assert_eq!(
        josekit::jwk::JwkSet::from_bytes(bytes)
            .unwrap()
            .keys()
            .len(),
        3
    );

    let mut g = c.benchmark_group("oidc-bench/jwks/3-keys");
    g.bench_function("oidc-jose", |b| {
        b.iter(|| JwkSet::from_slice(black_box(bytes)).unwrap());
    });
    g.bench_function("serde_json Value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(bytes)).unwrap());
    });
    g.bench_function("openidconnect", |b| {
        b.iter(|| {
            serde_json::from_slice::<openidconnect::core::CoreJsonWebKeySet>(black_box(bytes))
                .unwrap()
        });
    });
    g.bench_function("jsonwebtoken", |b| {
        b.iter(|| serde_json::from_slice::<jsonwebtoken::jwk::JwkSet>(black_box(bytes)).unwrap());
    });
    g.bench_function("josekit", |b| {
        b.iter(|| josekit::jwk::JwkSet::from_bytes(black_box(bytes)).unwrap());
    });
    g.finish();
}

pub(crate) fn bench_discovery(c: &mut Criterion) {
    let issuer = IssuerUrl::new(DISCOVERY_ISSUER).unwrap();
    let bytes = DISCOVERY_DOC.as_bytes();
    ProviderMetadata::load(DISCOVERY_DOC, &issuer).unwrap();

    let mut g = c.benchmark_group("oidc-bench/discovery/okta-3KB");
    // `load` takes the document as an owned `String` (it keeps it, verbatim, for callers
    // that cache it); the copy is made outside the timed part.
    g.bench_function("oidc-discovery", |b| {
        b.iter_batched(
            || DISCOVERY_DOC.to_owned(),
            |doc| ProviderMetadata::load(doc, &issuer).unwrap(),
            BatchSize::SmallInput,
        );
    });
    g.bench_function("serde_json Value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(bytes)).unwrap());
    });
    match serde_json::from_slice::<openidconnect::core::CoreProviderMetadata>(bytes) {
        Ok(md) => {
            assert_eq!(md.issuer().as_str(), DISCOVERY_ISSUER);
            g.bench_function("openidconnect", |b| {
                b.iter(|| {
                    let md = serde_json::from_slice::<openidconnect::core::CoreProviderMetadata>(
                        black_box(bytes),
                    )
                    .unwrap();
                    // The issuer check a relying party makes (openidconnect's `discover` does).
                    assert_eq!(md.issuer().as_str(), DISCOVERY_ISSUER);
                    md
                });
            });
        }
        Err(e) => note(
            "oidc-bench/discovery/okta-3KB/openidconnect",
            &e.to_string(),
        ),
    }
    note(
        "oidc-bench/discovery/okta-3KB/jsonwebtoken",
        "no discovery-document type",
    );
    note(
        "oidc-bench/discovery/okta-3KB/josekit",
        "no discovery-document type",
    );
    g.finish();
}
