//! Operations that take a session check that it is this client's before anything is sent:
//! a session of another client or another issuer is refused unsent and left as it was.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::sync::Arc;
use std::time::Duration;

use oidc_desktop::testing::HttpAgent;
use oidc_desktop::{OidcDesktop, TokenKind};
use oidc_testop::{OpConfig, TestOp};

fn client(issuer: &str, client_id: &str, agent: &HttpAgent) -> OidcDesktop {
    OidcDesktop::builder(issuer)
        .client_id(client_id)
        .scope("openid profile email")
        .browser(Arc::new(agent.clone()))
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_session_of_another_client_or_issuer_is_refused_unsent() {
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    let elsewhere = TestOp::start(OpConfig::default()).await.unwrap();
    let agent = HttpAgent::new();
    let mine = client(&op.issuer(), "test-client", &agent);
    let session = mine.authenticate().await.unwrap();
    assert!(session.refresh_token().is_some() && session.id_token().is_some());

    let strangers = [
        (
            "another client",
            client(&op.issuer(), "someone-else", &agent),
        ),
        (
            "another issuer",
            client(&elsewhere.issuer(), "test-client", &agent),
        ),
    ];
    for (who, other) in &strangers {
        let sent = op.handle().requests().len() + elsewhere.handle().requests().len();
        let mut copy = session.clone();
        let refused = [
            other.refresh(&mut copy).await.unwrap_err(),
            other.userinfo(&session).await.unwrap_err(),
            other.revoke(&session, TokenKind::Both).await.unwrap_err(),
            other.introspect(&session).await.unwrap_err(),
            other.logout(&session).await.unwrap_err(),
        ];
        for e in refused {
            assert_eq!(e.kind(), "foreign_session", "{who}: {e}");
        }
        assert_eq!(
            copy.refresh_token(),
            session.refresh_token(),
            "{who}: the session is left as it was"
        );
        assert_eq!(
            op.handle().requests().len() + elsewhere.handle().requests().len(),
            sent,
            "{who}: nothing was sent"
        );
    }

    // Its own client refreshes it.
    let mut own = session.clone();
    mine.refresh(&mut own).await.unwrap();
    assert_ne!(own.refresh_token(), session.refresh_token(), "rotated");
}
