//! A full sign-in against `oidc-testop` on loopback, warm caches, beside the same HTTP round
//! trips made by a bare `reqwest` client in the same run.
//!
//! - `oidc-desktop authenticate`: `OidcDesktop::authenticate` with `ParMode::Never` and the
//!   scripted agent `oidc_desktop::testing::HttpAgent` as the browser. One sign-in is: state,
//!   nonce and PKCE; a loopback server on a free port; the agent's GET of the authorization
//!   URL and its GET of the loopback redirect; the code exchange; full ID token validation.
//!   Discovery and the JWKS come from the warm cache.
//! - `bare reqwest round trips`: the same three round trips on the wire, made by a bare
//!   client: GET the authorization URL (no redirect following), GET the `Location` (the
//!   redirect) from a bare `TcpListener` on 127.0.0.1 that answers a minimal page, POST the
//!   token request, read the body. No state, nonce, PKCE generation, no validation: the floor
//!   of what any client must do on the wire.
//! - `oidc-desktop redirect to session`: the latency the user feels after the browser lands
//!   on the loopback: from the facade's "authorization response received" log event to
//!   `authenticate()` returning (one token round trip plus validation; no discovery or JWKS
//!   fetch on that path).
//!
//! Before the timed runs, the provider's request log counts what one warm sign-in asks of
//! it (goal: 1 authorization, 1 token, 0 discovery, 0 JWKS); the counts go to
//! `signin-requests.json` in `oidc_bench::out_dir()` for `cargo xtask bench`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::Criterion;
use oidc_desktop::testing::HttpAgent;
use oidc_desktop::{OidcDesktop, ParMode};
use oidc_testop::{Endpoint, OpConfig, OpHandle, TestOp};

const CLIENT: &str = "test-client";
const VERIFIER: &str = "bench-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";
/// A bare redirect target: a `TcpListener` on 127.0.0.1 that reads one request per
/// connection and answers a minimal page, as the browser's redirect needs.
async fn bare_listener() -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut n = 0;
                while !buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf[n..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(k) => n += k,
                    }
                }
                let body = "<!DOCTYPE html><title>Signed in</title><p>You can close this tab.";
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    format!("http://127.0.0.1:{port}/callback")
}

/// The bare client: exactly the three round trips, nothing else.
struct Bare {
    http: reqwest::Client,
    authorize: String,
    token: String,
    redirect: String,
}

impl Bare {
    fn new(op: &OpHandle, redirect: String) -> Self {
        // Fails only when a default is already installed, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let challenge = URL_SAFE_NO_PAD.encode(ring::digest::digest(
            &ring::digest::SHA256,
            VERIFIER.as_bytes(),
        ));
        let mut authorize = op.url(Endpoint::Authorization);
        authorize
            .query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", CLIENT)
            .append_pair("redirect_uri", &redirect)
            .append_pair("scope", "openid")
            .append_pair("state", "bench-state-0123456789")
            .append_pair("nonce", "bench-nonce-0123456789")
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            authorize: authorize.into(),
            token: op.url(Endpoint::Token).into(),
            redirect,
        }
    }

    async fn sign_in(&self) -> usize {
        let resp = self.http.get(&self.authorize).send().await.unwrap();
        assert!(resp.status().is_redirection(), "{}", resp.status());
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        // The browser's hop: the redirect to the loopback.
        let landed = self.http.get(&location).send().await.unwrap();
        assert!(landed.status().is_success(), "{}", landed.status());
        let _ = landed.bytes().await.unwrap();
        let location = url::Url::parse(&location).unwrap();
        let code = location
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", &code)
            .append_pair("redirect_uri", &self.redirect)
            .append_pair("client_id", CLIENT)
            .append_pair("code_verifier", VERIFIER)
            .finish();
        let resp = self
            .http
            .post(&self.token)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{}", resp.status());
        resp.bytes().await.unwrap().len()
    }
}

fn per_sign_in(op: &OpHandle, endpoint: Endpoint, n: usize) -> f64 {
    op.requests_to(endpoint).len() as f64 / n as f64
}

pub(crate) fn bench_signin(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let op = rt.block_on(TestOp::start(OpConfig::default())).unwrap();
    let handle = op.handle();
    let issuer = handle.issuer();
    let client = OidcDesktop::builder(&issuer)
        .client_id(CLIENT)
        .scope("openid")
        .par(ParMode::Never)
        .browser(Arc::new(HttpAgent::new()))
        .build()
        .unwrap();
    let redirect = rt.block_on(bare_listener());
    let bare = Bare::new(&handle, redirect);
    let landed = Arc::new(Landed::default());
    let timed = OidcDesktop::builder(&issuer)
        .client_id(CLIENT)
        .scope("openid")
        .par(ParMode::Never)
        .browser(Arc::new(HttpAgent::new()))
        .events(landed.clone())
        .provider(client.provider().clone())
        .build()
        .unwrap();

    // Warm the caches (discovery, JWKS, connections), then count one warm sign-in's requests.
    rt.block_on(async {
        client.authenticate().await.unwrap();
        assert!(bare.sign_in().await > 0);
    });
    handle.clear_requests();
    const COUNTED: usize = 5;
    rt.block_on(async {
        for _ in 0..COUNTED {
            let session = client.authenticate().await.unwrap();
            assert!(session.claims().unwrap().sub.is_some());
        }
    });
    let counts = serde_json::json!({
        "sign_ins": COUNTED,
        "authorization": per_sign_in(&handle, Endpoint::Authorization, COUNTED),
        "token": per_sign_in(&handle, Endpoint::Token, COUNTED),
        "discovery": per_sign_in(&handle, Endpoint::Discovery, COUNTED),
        "jwks": per_sign_in(&handle, Endpoint::Jwks, COUNTED),
        "userinfo": per_sign_in(&handle, Endpoint::UserInfo, COUNTED),
        "par": per_sign_in(&handle, Endpoint::PushedAuthorization, COUNTED),
        "total": handle.requests().len() as f64 / COUNTED as f64,
    });
    eprintln!("signin: requests per warm sign-in: {counts}");
    let dir = oidc_bench::out_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("signin-requests.json"), counts.to_string()).unwrap();

    let mut g = c.benchmark_group("oidc-bench/signin/warm");
    g.bench_function("oidc-desktop authenticate", |b| {
        b.iter_custom(|iters| {
            handle.clear_requests();
            rt.block_on(async {
                let t0 = Instant::now();
                for _ in 0..iters {
                    std::hint::black_box(client.authenticate().await.unwrap());
                }
                t0.elapsed()
            })
        });
    });
    g.bench_function("bare reqwest round trips", |b| {
        b.iter_custom(|iters| {
            handle.clear_requests();
            rt.block_on(async {
                let t0 = Instant::now();
                for _ in 0..iters {
                    std::hint::black_box(bare.sign_in().await);
                }
                t0.elapsed()
            })
        });
    });
    g.bench_function("oidc-desktop redirect to session", |b| {
        b.iter_custom(|iters| {
            handle.clear_requests();
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    std::hint::black_box(timed.authenticate().await.unwrap());
                    let done = Instant::now();
                    let at = landed
                        .take()
                        .expect("the facade logs the redirect's arrival");
                    total += done.duration_since(at);
                }
                total
            })
        });
    });
    g.finish();
    handle.clear_requests();
    drop(op);
    rt.shutdown_timeout(Duration::from_secs(2));
}

/// Records when the facade reported the authorization response's arrival.
#[derive(Default)]
struct Landed(std::sync::Mutex<Option<Instant>>);

impl Landed {
    fn take(&self) -> Option<Instant> {
        self.0.lock().unwrap().take()
    }
}

impl oidc_desktop::Events for Landed {
    fn on_log(
        &self,
        _level: oidc_desktop::LogLevel,
        message: &str,
        _log_type: oidc_desktop::LogType,
    ) {
        if message.starts_with("authorization response received") {
            *self.0.lock().unwrap() = Some(Instant::now());
        }
    }
}
