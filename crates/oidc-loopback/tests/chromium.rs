//! A real browser against the real server: headless Chromium follows the redirect, runs the
//! fragment relay page, and submits a `form_post` page.
//!
//! Chromium is installed by `.ci/run` (`apt-get install -y chromium`). When the `CI`
//! environment variable is set a missing Chromium fails these tests; on a developer machine
//! without it they print why they did nothing.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "test helpers outside #[test] functions panic and print like the tests themselves"
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use oidc_core::State;
use oidc_loopback::{Arrival, CallbackParams, LoopbackConfig, LoopbackServer};
use tokio::time::timeout;

/// Chromium's cold start on a busy 2-core machine can take a while.
const BROWSER_LIMIT: Duration = Duration::from_secs(60);

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

/// The Chromium binary, or `None` after printing why the test is skipped. Under `CI` a
/// missing browser is a failure, never a skip.
fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    match find_chromium() {
        Some(p) => Some(p),
        None if std::env::var_os("CI").is_some() => panic!(
            "{test}: Chromium is required when CI is set (apt-get install -y chromium, or set CHROMIUM=/path/to/chromium)"
        ),
        None => {
            println!(
                "SKIPPED {test}: no Chromium at /usr/bin/chromium and CHROMIUM is unset (CI is unset, so this is not an error)"
            );
            None
        }
    }
}

/// A headless Chromium process with its own throw-away profile; killed and cleaned up on drop.
struct Browser {
    child: Child,
    profile: PathBuf,
}

impl Browser {
    fn open(bin: &Path, url: &str, extra: &[&str]) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let profile = std::env::temp_dir().join(format!(
            "oidc-loopback-chromium-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&profile).unwrap();
        let child = Command::new(bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--disable-extensions",
                "--no-first-run",
                "--no-default-browser-check",
                "--virtual-time-budget=10000",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg("--dump-dom")
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        Self { child, profile }
    }

    /// Waits (bounded) for Chromium to exit and returns the DOM it dumped.
    fn dom(mut self) -> String {
        let deadline = Instant::now() + BROWSER_LIMIT;
        loop {
            if self.child.try_wait().unwrap().is_some() {
                break;
            }
            assert!(Instant::now() < deadline, "Chromium did not exit in time");
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut out = String::new();
        if let Some(mut stdout) = self.child.stdout.take() {
            use std::io::Read as _;
            stdout.read_to_string(&mut out).unwrap();
        }
        out
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

async fn delivered(server: &mut LoopbackServer) -> CallbackParams {
    timeout(BROWSER_LIMIT, server.wait())
        .await
        .expect("Chromium brought a response within the limit")
        .expect("the response was delivered")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fragment_response_is_relayed_by_the_page_script() {
    let Some(bin) = chromium_or_skip("fragment_response_is_relayed_by_the_page_script") else {
        return;
    };
    let mut server = LoopbackServer::bind(LoopbackConfig::new()).await.unwrap();
    let state = State::generate();
    server.expect_state(&state);
    // what an implicit / hybrid provider puts in the fragment, with characters that need
    // percent-encoding on the way back
    let url = format!(
        "{}#access_token=at%2Bx%2Fy%3D&token_type=Bearer&id_token=aaa.bbb.ccc&state={}&expires_in=300&scope=openid%20email",
        server.redirect_uri(),
        state.secret()
    );
    let browser = Browser::open(&bin, &url, &[]);
    let params = delivered(&mut server).await;
    assert_eq!(params.arrival(), Arrival::Fragment);
    let ok = params.response().to_result().unwrap();
    ok.check_state(&state).unwrap();
    assert_eq!(ok.access_token.unwrap().secret(), "at+x/y=");
    assert_eq!(ok.id_token.unwrap().secret(), "aaa.bbb.ccc");
    assert_eq!(ok.expires_in, Some(300));
    assert_eq!(ok.scope.as_deref(), Some("openid email"));
    assert_eq!(params.get(oidc_loopback::RELAY_FIELD), None);
    let dom = browser.dom();
    assert!(
        dom.contains("You are signed in"),
        "Chromium ended on: {dom}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_response_shows_the_success_page_in_a_browser() {
    let Some(bin) = chromium_or_skip("query_response_shows_the_success_page_in_a_browser") else {
        return;
    };
    let mut server = LoopbackServer::bind(LoopbackConfig::new()).await.unwrap();
    let state = State::generate();
    server.expect_state(&state);
    let url = format!(
        "{}?code=browser-code&state={}",
        server.redirect_uri(),
        state.secret()
    );
    let browser = Browser::open(&bin, &url, &[]);
    let params = delivered(&mut server).await;
    assert_eq!(params.arrival(), Arrival::Query);
    assert_eq!(params.get("code"), Some("browser-code"));
    let dom = browser.dom();
    assert!(
        dom.contains("You can close this tab"),
        "Chromium ended on: {dom}"
    );
}

/// Serves `page` as `text/html` at `http://127.0.0.1:<port>/` to every request, like a
/// provider's `form_post` response page; the task ends with the test's runtime.
async fn serve_provider_page(page: String) -> u16 {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        // Bounded: Chromium asks for the page and perhaps a favicon.
        for _ in 0..16 {
            let Ok((mut conn, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0u8; 4096];
            let _ = timeout(Duration::from_secs(5), conn.read(&mut buf)).await;
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
            let _ = conn.write_all(reply.as_bytes()).await;
            let _ = conn.shutdown().await;
        }
    });
    port
}

/// The flag that makes Chromium treat `127.0.0.1:port` as a public site, as a real
/// provider's origin is, so the form's way to the loopback is the one Local Network Access
/// checks in production.
fn public_origin_flag(port: u16) -> String {
    format!("--ip-address-space-overrides=127.0.0.1:{port}=public")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_post_page_submitted_by_a_browser_is_delivered() {
    let Some(bin) = chromium_or_skip("form_post_page_submitted_by_a_browser_is_delivered") else {
        return;
    };
    let mut server = LoopbackServer::bind(LoopbackConfig::new()).await.unwrap();
    let state = State::generate();
    server.expect_state(&state);
    // the page a form_post provider renders: a form aimed at the redirect URI, auto-submitted,
    // served from a real http origin (current Chromium delivers no submission from a `data:`
    // page to 127.0.0.1)
    let page = format!(
        "<html><body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"{}\">\
<input type=\"hidden\" name=\"code\" value=\"posted code\">\
<input type=\"hidden\" name=\"state\" value=\"{}\"></form></body></html>",
        server.redirect_uri(),
        state.secret()
    );
    let port = serve_provider_page(page).await;
    let flag = public_origin_flag(port);
    let browser = Browser::open(&bin, &format!("http://127.0.0.1:{port}/"), &[&flag]);
    let params = delivered(&mut server).await;
    assert_eq!(params.arrival(), Arrival::FormPost);
    assert_eq!(params.get("code"), Some("posted code"));
    assert_eq!(params.get("state"), Some(state.secret()));
    // the browser shows the loopback's success page after the post
    let dom = browser.dom();
    assert!(
        dom.contains("You can close this tab"),
        "Chromium ended on: {dom}"
    );
}

/// With scripting off Chromium's `--dump-dom` and `--screenshot` produce nothing, so the
/// `<noscript>` text is checked on the served HTML in `tests/api.rs`; here the script's other
/// branch runs: a relay page reached without a fragment delivers nothing and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_page_without_a_fragment_delivers_nothing_and_says_why() {
    let Some(bin) = chromium_or_skip("relay_page_without_a_fragment_delivers_nothing_and_says_why")
    else {
        return;
    };
    let mut server = LoopbackServer::bind(LoopbackConfig::new()).await.unwrap();
    let state = State::generate();
    server.expect_state(&state);
    let browser = Browser::open(&bin, server.redirect_uri().as_str(), &[]);
    let dom = browser.dom();
    // the script's source holds these words too, so look at the elements it rewrote
    assert!(
        dom.contains("id=\"t\">No sign-in response</h1>"),
        "Chromium ended on: {dom}"
    );
    assert!(
        dom.contains("id=\"m\">This address carries no sign-in response"),
        "{dom}"
    );
    assert!(
        server.try_wait().unwrap().is_none(),
        "nothing may arrive without a fragment"
    );
}

/// An application's success page is served with a content security policy that stops its
/// scripts: the page shows, its inline style applies, its inline script does not run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn application_success_page_runs_no_script() {
    let Some(bin) = chromium_or_skip("application_success_page_runs_no_script") else {
        return;
    };
    let config = LoopbackConfig::new().success_html(
        "<!doctype html><html><head><style>#s{color:green}</style></head><body>\
<p id=\"s\">MyApp page</p><img id=\"i\" src=\"data:image/gif;base64,R0lGODlhAQABAAAAACwAAAAAAQABAAA=\" alt=\"\">\
<script>document.getElementById('s').textContent='script ran';</script></body></html>",
    );
    let mut server = LoopbackServer::bind(config).await.unwrap();
    let state = State::generate();
    server.expect_state(&state);
    let url = format!("{}?code=c&state={}", server.redirect_uri(), state.secret());
    let browser = Browser::open(&bin, &url, &[]);
    assert_eq!(delivered(&mut server).await.get("code"), Some("c"));
    let dom = browser.dom();
    assert!(
        dom.contains("id=\"s\">MyApp page</p>"),
        "the inline script ran or the page is missing: {dom}"
    );
}

/// With `success_redirect`, the relay page's post is answered with `303` and the browser
/// lands on the application's page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fragment_relay_ends_on_the_success_redirect() {
    let Some(bin) = chromium_or_skip("fragment_relay_ends_on_the_success_redirect") else {
        return;
    };
    let app_port = serve_provider_page(
        "<!doctype html><html><body><h1 id=\"landed\">Back in MyApp</h1></body></html>".to_owned(),
    )
    .await;
    let config = LoopbackConfig::new()
        .success_redirect(format!("http://127.0.0.1:{app_port}/signed-in"))
        .unwrap();
    let mut server = LoopbackServer::bind(config).await.unwrap();
    let state = State::generate();
    server.expect_state(&state);
    let url = format!(
        "{}#access_token=at&token_type=Bearer&state={}",
        server.redirect_uri(),
        state.secret()
    );
    let browser = Browser::open(&bin, &url, &[]);
    let params = delivered(&mut server).await;
    assert_eq!(params.arrival(), Arrival::Fragment);
    let dom = browser.dom();
    assert!(
        dom.contains("id=\"landed\">Back in MyApp</h1>"),
        "Chromium ended on: {dom}"
    );
}
