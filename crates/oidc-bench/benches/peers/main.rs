//! `oidc-desktop` beside its peers, on the same inputs in the same run. One bench binary (so
//! the peers are linked once); `cargo xtask bench` runs it and writes the ratios to
//! `target/bench/summary.md`. Each module says what it measures and how.
//!
//! - [`validate`]: ID token validation (RS256-2048, ES256, EdDSA) vs `openidconnect`,
//!   `jsonwebtoken` (aws-lc and RustCrypto), `josekit` and the raw `ring` floor;
//! - [`parse`]: JWKS and discovery-document parsing vs the peers' types and `serde_json::Value`;
//! - [`scaling`]: one shared validator from 1 and 2 threads;
//! - [`signin`]: a full warm sign-in against `oidc-testop` vs the bare HTTP round trips.
//!
//! Criterion's name filter selects a part: `cargo bench -p oidc-bench -- id_token`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "a benchmark: criterion's macros generate undocumented items, a failed setup should stop it, and progress goes to stderr like criterion's own"
)]

use criterion::{criterion_group, criterion_main};

mod parse;
mod scaling;
mod signin;
mod validate;

criterion_group!(
    benches,
    validate::bench_validation,
    parse::bench_jwks,
    parse::bench_discovery,
    scaling::bench_scaling,
    signin::bench_signin,
);
criterion_main!(benches);
