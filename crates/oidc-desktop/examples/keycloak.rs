//! Sign in with Keycloak.
//!
//! Create a public OpenID Connect client with "Standard flow", PKCE method S256 and valid
//! redirect URI `http://127.0.0.1/*`.
//!
//! ```text
//! KEYCLOAK_ISSUER=https://sso.example.com/realms/myrealm KEYCLOAK_CLIENT_ID=desktop \
//!   cargo run -p oidc-desktop --example keycloak
//! ```
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example program"
)]

use oidc_desktop::OidcDesktop;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = OidcDesktop::builder(&std::env::var("KEYCLOAK_ISSUER")?)
        .client_id(std::env::var("KEYCLOAK_CLIENT_ID")?)
        .scope("openid profile email")
        .build()?;
    let mut session = client.authenticate().await?;
    println!("signed in as {:?}", session.user().preferred_username);
    // Keycloak rotates refresh tokens when the realm says so; the session keeps the new one.
    let token = client.fresh_access_token(&mut session).await?;
    println!("access token of {} bytes", token.secret().len());
    Ok(())
}
