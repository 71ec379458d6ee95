//! Signing in by pasting the address the browser ended on (the browser on another machine):
//! the library's side of it, with the application feeding the lines.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::sync::Arc;
use std::time::Duration;

use oidc_desktop::testing::HttpAgent;
use oidc_desktop::{OidcDesktop, PastedAddresses, RecordingEvents};
use oidc_testop::{Endpoint, OpConfig, TestOp};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_address_completes_the_sign_in_and_a_wrong_one_is_refused() {
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    let port = free_port();
    // The remote browser: it follows the sign-in but cannot reach this machine's loopback.
    let agent = HttpAgent::new().stop_at(format!("http://127.0.0.1:{port}/callback"));
    let events = Arc::new(RecordingEvents::new());
    let client = OidcDesktop::builder(&op.issuer())
        .client_id("test-client")
        .browser(Arc::new(agent.clone()))
        .events(events.clone())
        .loopback_port(port)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let (tx, pasted) = PastedAddresses::channel(4);
    let sign_in = tokio::spawn(async move { client.authenticate_with_paste(pasted).await });
    let landed = agent
        .finished()
        .await
        .stopped_at
        .expect("the browser stopped at the redirect");
    tx.send("code=forged&state=not-this-one".to_owned())
        .await
        .unwrap();
    tx.send(landed).await.unwrap();
    let session = tokio::time::timeout(Duration::from_secs(20), sign_in)
        .await
        .expect("the sign-in ended")
        .unwrap()
        .unwrap();
    assert_eq!(session.claims().unwrap().subject(), "248289761001");
    let refused: Vec<String> = events
        .events()
        .into_iter()
        .filter(|e| e.starts_with("paste_refused"))
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].contains("state"), "{refused:?}");
    assert_eq!(op.handle().requests_to(Endpoint::Token).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_end_of_the_pasted_lines_leaves_the_redirect_to_finish() {
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    // A browser that does reach the loopback.
    let agent = HttpAgent::new();
    let client = OidcDesktop::builder(&op.issuer())
        .client_id("test-client")
        .browser(Arc::new(agent.clone()))
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let (tx, pasted) = PastedAddresses::channel(1);
    drop(tx); // nothing will be pasted
    let session = client.authenticate_with_paste(pasted).await.unwrap();
    assert!(session.access_token().is_some());
}
