//! DPoP proof creation against a bare ring ES256 signature of the same number of bytes,
//! measured in the same run (goal: proof ≤ 1.2× the bare signature).

#![allow(
    missing_docs,
    clippy::unwrap_used,
    reason = "benchmarks: criterion's macros make undocumented items; a failed unwrap is a failed run"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use oidc_jose::DpopKey;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};

fn bench(c: &mut Criterion) {
    let key = DpopKey::generate().unwrap();
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let raw =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let at = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
    let sample = key
        .proof(
            "GET",
            "https://rs.example/api/resource",
            1_800_000_000,
            Some("nonce-1"),
            Some(at),
        )
        .unwrap();
    // The same signing input length as the proof's.
    let input = vec![b'a'; sample.rsplit_once('.').unwrap().0.len()];
    let mut g = c.benchmark_group("dpop");
    g.bench_function("proof (ES256, nonce, ath)", |b| {
        b.iter(|| {
            key.proof(
                "GET",
                "https://rs.example/api/resource",
                1_800_000_000,
                Some("nonce-1"),
                Some(at),
            )
            .unwrap()
        });
    });
    g.bench_function("ring ES256 sign, same length", |b| {
        b.iter(|| raw.sign(&rng, &input).unwrap());
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
