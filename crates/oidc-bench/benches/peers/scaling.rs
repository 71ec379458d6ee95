//! Multi-thread scaling: one shared `IdTokenValidator` and one shared `JwkSet`, used from
//! 1 and from 2 threads at once.
//!
//! Criterion is single-threaded, so each sample is timed by hand (`iter_custom`): every
//! thread validates the same fixed number of tokens and the sample is the wall time until
//! the last one finishes. The figure per "iteration" is wall time / validations *per
//! thread*, so the throughput ratio of 2 threads over 1 is `2 × t(1) / t(2)`
//! (2.0 = perfect scaling; goal ≥ 1.8 on 2 cores). A lock on the hot path would show here.

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::Criterion;
use oidc_bench::{CLIENT_ID, ISSUER, NONCE, cases, jwks_json, now_unix};
use oidc_core::SystemClock;
use oidc_jose::{IdTokenValidator, JwkSet, ValidationContext};

fn run(
    threads: usize,
    iters: u64,
    validator: &Arc<IdTokenValidator>,
    keys: &Arc<JwkSet>,
    token: &Arc<String>,
) -> Duration {
    let ctx = ValidationContext {
        nonce: Some(NONCE),
        ..Default::default()
    };
    // Every thread is started and waiting before the clock starts.
    let start_line = Barrier::new(threads + 1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (validator, keys, token, ctx) = (validator, keys, token, &ctx);
                let start_line = &start_line;
                s.spawn(move || {
                    start_line.wait();
                    for _ in 0..iters {
                        black_box(
                            validator
                                .validate(black_box(token.as_str()), keys, ctx, &SystemClock)
                                .unwrap(),
                        );
                    }
                })
            })
            .collect();
        start_line.wait();
        let t0 = Instant::now();
        for h in handles {
            h.join().unwrap();
        }
        t0.elapsed()
    })
}

pub(crate) fn bench_scaling(c: &mut Criterion) {
    let keys = Arc::new(JwkSet::from_slice(jwks_json().as_bytes()).unwrap());
    for case in cases(now_unix()).into_iter().filter(|c| c.name != "EdDSA") {
        let validator = Arc::new(IdTokenValidator::new(ISSUER, CLIENT_ID).algorithms([case.alg]));
        let token = Arc::new(case.token.clone());
        let mut g = c.benchmark_group(format!("oidc-bench/scaling/{}", case.name));
        for (threads, name) in [(1_usize, "1 thread"), (2, "2 threads")] {
            g.bench_function(name, |b| {
                b.iter_custom(|iters| run(threads, iters, &validator, &keys, &token));
            });
        }
        g.finish();
    }
}
