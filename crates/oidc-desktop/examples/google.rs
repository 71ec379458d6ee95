//! Sign in with Google.
//!
//! Create an OAuth client of type "Desktop app" in the Google Cloud console; Google issues a
//! client secret for desktop apps that is not really secret (it is embedded in the app), and
//! requires it at the token endpoint.
//!
//! ```text
//! GOOGLE_CLIENT_ID=... GOOGLE_CLIENT_SECRET=... cargo run -p oidc-desktop --example google
//! ```
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example program"
)]

use oidc_desktop::OidcDesktop;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = OidcDesktop::builder("https://accounts.google.com")
        .client_id(std::env::var("GOOGLE_CLIENT_ID")?)
        .client_secret(std::env::var("GOOGLE_CLIENT_SECRET")?)
        .scope("openid email profile")
        // Google returns a refresh token only for offline access with consent.
        .extra_param("access_type", "offline")
        .prompt(oidc_desktop::Prompt::Consent)
        .build()?;
    let session = client.authenticate().await?;
    println!("signed in as {:?}", session.user().email);
    println!(
        "refresh token issued: {}",
        session.refresh_token().is_some()
    );
    Ok(())
}
