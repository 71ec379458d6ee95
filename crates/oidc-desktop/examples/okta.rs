//! Sign in with Okta (org or custom authorization server).
//!
//! Create a "Native Application" with the Authorization Code grant and PKCE, redirect URI
//! `http://127.0.0.1:8400/callback` (Okta matches the port, so the example pins it).
//!
//! ```text
//! OKTA_ISSUER=https://dev-123456.okta.com/oauth2/default OKTA_CLIENT_ID=... \
//!   cargo run -p oidc-desktop --example okta
//! ```
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example program"
)]

use oidc_desktop::OidcDesktop;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = OidcDesktop::builder(&std::env::var("OKTA_ISSUER")?)
        .client_id(std::env::var("OKTA_CLIENT_ID")?)
        .scope("openid profile email offline_access")
        .loopback_port(8400)
        .fetch_userinfo(true)
        .build()?;
    let session = client.authenticate().await?;
    println!("signed in as {:?}", session.user().preferred_username);
    Ok(())
}
