//! How long the loopback server takes to start and to hand over a redirect, beside a bare
//! `tokio::net::TcpListener` in the same run.
//!
//! `cargo bench -p oidc-loopback -- --warm-up-time 1 --measurement-time 3`

#![allow(missing_docs, clippy::unwrap_used)] // a benchmark binary, not library code

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use oidc_core::State;
use oidc_loopback::{LoopbackConfig, LoopbackServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn bind_to_ready(c: &mut Criterion) {
    let rt = runtime();
    let mut g = c.benchmark_group("bind_to_ready");
    g.bench_function("loopback_server", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    let server = LoopbackServer::bind(LoopbackConfig::new()).await.unwrap();
                    black_box(server.redirect_uri());
                    total += t.elapsed();
                    drop(server);
                    // let the runtime drop the aborted accept task and its socket
                    tokio::task::yield_now().await;
                }
                total
            })
        });
    });
    g.bench_function("bare_tcp_listener", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                    black_box(listener.local_addr().unwrap());
                    total += t.elapsed();
                    drop(listener);
                }
                total
            })
        });
    });
    g.finish();
}

fn redirect_to_delivered(c: &mut Criterion) {
    let rt = runtime();
    let mut g = c.benchmark_group("redirect_to_delivered");
    // The bare listener runs first, before the loopback server's connections fill the
    // ephemeral port range with TIME_WAIT entries.
    g.bench_function("bare_tcp_bind_accept_one", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                let request = b"GET /callback?code=SplxlOBeZQQYbYS6WxSbIA&state=s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
                for _ in 0..iters {
                    let t = Instant::now();
                    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                    let addr = listener.local_addr().unwrap();
                    let (client, accepted) =
                        tokio::join!(TcpStream::connect(addr), listener.accept());
                    let mut client = client.unwrap();
                    let (mut conn, _) = accepted.unwrap();
                    client.write_all(request).await.unwrap();
                    let mut buf = [0u8; 256];
                    let mut n = 0;
                    while n < request.len() {
                        n += conn.read(&mut buf[n..]).await.unwrap();
                    }
                    total += t.elapsed();
                    black_box(&buf);
                    // Reset instead of a graceful close: thousands of TIME_WAIT entries would
                    // make the kernel's ephemeral-port search for the next timed connect slow
                    // (milliseconds), which would measure the kernel and not the listener.
                    conn.set_zero_linger().unwrap();
                    drop(conn);
                    drop(client);
                }
                total
            })
        });
    });
    g.bench_function("loopback_server", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut server = LoopbackServer::bind(LoopbackConfig::new()).await.unwrap();
                    let state = State::generate();
                    server.expect_state(&state);
                    let addr = server.local_addr();
                    let request = format!(
                        "GET /callback?code=SplxlOBeZQQYbYS6WxSbIA&state={}&iss=https%3A%2F%2Fop.example HTTP/1.1\r\nHost: {addr}\r\n\r\n",
                        state.secret()
                    );
                    let mut client = TcpStream::connect(addr).await.unwrap();
                    // from the browser sending the redirect to the application holding the
                    // parameters (the success page written, the socket closed)
                    let t = Instant::now();
                    client.write_all(request.as_bytes()).await.unwrap();
                    let params = server.wait().await.unwrap();
                    total += t.elapsed();
                    black_box(params);
                    let mut page = Vec::new();
                    client.read_to_end(&mut page).await.unwrap();
                    assert!(page.starts_with(b"HTTP/1.1 200"));
                }
                total
            })
        });
    });
    g.finish();
}

criterion_group!(benches, bind_to_ready, redirect_to_delivered);
criterion_main!(benches);
