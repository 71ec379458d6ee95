//! A real browser against the real server: headless Chromium follows the redirect, runs the
//! fragment relay page, and submits a `form_post` page.
//!
//! Chromium is installed by `.ci/run` (`apt-get install -y chromium`) and found by
//! `oidc_testkit::chromium` (`$CHROMIUM` names another binary). When the `CI` environment
//! variable is set a missing Chromium fails these tests; on a developer machine without it
//! they print why they did nothing.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions panic like the tests themselves"
)]

use std::path::Path;
use std::time::Duration;

use oidc_core::State;
use oidc_loopback::{Arrival, CallbackParams, LoopbackConfig, LoopbackServer};
use oidc_testkit::chromium::{Browser, Launch, find_for_test, public_origin_flag};
use tokio::time::timeout;

/// Chromium's cold start on a busy 2-core machine can take a while.
const BROWSER_LIMIT: Duration = Duration::from_secs(60);

/// Headless Chromium at `bin` opening `url` with `extra` flags, dumping its final DOM.
fn open(bin: &Path, url: &str, extra: &[&str]) -> Browser {
    Launch::new(bin, url)
        .args(extra.iter().copied())
        .dump_dom()
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()))
}

/// Waits (bounded) for Chromium to exit and returns the DOM it dumped.
fn dom(browser: Browser) -> String {
    browser.dom(BROWSER_LIMIT).expect("Chromium exited in time")
}

async fn delivered(server: &mut LoopbackServer) -> CallbackParams {
    timeout(BROWSER_LIMIT, server.wait())
        .await
        .expect("Chromium brought a response within the limit")
        .expect("the response was delivered")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fragment_response_is_relayed_by_the_page_script() {
    let Some(bin) = find_for_test("fragment_response_is_relayed_by_the_page_script") else {
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
    let browser = open(&bin, &url, &[]);
    let params = delivered(&mut server).await;
    assert_eq!(params.arrival(), Arrival::Fragment);
    let ok = params.response().to_result().unwrap();
    ok.check_state(&state).unwrap();
    assert_eq!(ok.access_token.unwrap().secret(), "at+x/y=");
    assert_eq!(ok.id_token.unwrap().secret(), "aaa.bbb.ccc");
    assert_eq!(ok.expires_in, Some(300));
    assert_eq!(ok.scope.as_deref(), Some("openid email"));
    assert_eq!(params.get(oidc_loopback::RELAY_FIELD), None);
    let dom = dom(browser);
    assert!(
        dom.contains("You are signed in"),
        "Chromium ended on: {dom}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_response_shows_the_success_page_in_a_browser() {
    let Some(bin) = find_for_test("query_response_shows_the_success_page_in_a_browser") else {
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
    let browser = open(&bin, &url, &[]);
    let params = delivered(&mut server).await;
    assert_eq!(params.arrival(), Arrival::Query);
    assert_eq!(params.get("code"), Some("browser-code"));
    let dom = dom(browser);
    assert!(
        dom.contains("You can close this tab"),
        "Chromium ended on: {dom}"
    );
}

/// Serves `page` as `text/html` at `http://127.0.0.1:<port>/` to every request, like a
/// provider's `form_post` response page.
async fn serve_provider_page(page: String) -> u16 {
    // Bounded: Chromium asks for the page and perhaps a favicon.
    oidc_testkit::page::serve(page, 16).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_post_page_submitted_by_a_browser_is_delivered() {
    let Some(bin) = find_for_test("form_post_page_submitted_by_a_browser_is_delivered") else {
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
    let flag = public_origin_flag("127.0.0.1", port);
    let browser = open(&bin, &format!("http://127.0.0.1:{port}/"), &[&flag]);
    let params = delivered(&mut server).await;
    assert_eq!(params.arrival(), Arrival::FormPost);
    assert_eq!(params.get("code"), Some("posted code"));
    assert_eq!(params.get("state"), Some(state.secret()));
    // the browser shows the loopback's success page after the post
    let dom = dom(browser);
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
    let Some(bin) = find_for_test("relay_page_without_a_fragment_delivers_nothing_and_says_why")
    else {
        return;
    };
    let mut server = LoopbackServer::bind(LoopbackConfig::new()).await.unwrap();
    let state = State::generate();
    server.expect_state(&state);
    let browser = open(&bin, server.redirect_uri().as_str(), &[]);
    let dom = dom(browser);
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
    let Some(bin) = find_for_test("application_success_page_runs_no_script") else {
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
    let browser = open(&bin, &url, &[]);
    assert_eq!(delivered(&mut server).await.get("code"), Some("c"));
    let dom = dom(browser);
    assert!(
        dom.contains("id=\"s\">MyApp page</p>"),
        "the inline script ran or the page is missing: {dom}"
    );
}

/// With `success_redirect`, the relay page's post is answered with `303` and the browser
/// lands on the application's page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fragment_relay_ends_on_the_success_redirect() {
    let Some(bin) = find_for_test("fragment_relay_ends_on_the_success_redirect") else {
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
    let browser = open(&bin, &url, &[]);
    let params = delivered(&mut server).await;
    assert_eq!(params.arrival(), Arrival::Fragment);
    let dom = dom(browser);
    assert!(
        dom.contains("id=\"landed\">Back in MyApp</h1>"),
        "Chromium ended on: {dom}"
    );
}
