//! Sign in with any OpenID Connect provider.
//!
//! ```text
//! cargo run -p oidc-desktop --example generic -- https://issuer.example CLIENT_ID [CLIENT_SECRET]
//! ```
//!
//! Register `http://127.0.0.1/callback` as a redirect URI (any port: RFC 8252 §7.3).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example program"
)]

use oidc_desktop::OidcDesktop;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(issuer), Some(client_id)) = (args.next(), args.next()) else {
        eprintln!("usage: generic ISSUER CLIENT_ID [CLIENT_SECRET]");
        std::process::exit(2);
    };
    let mut builder = OidcDesktop::builder(&issuer)
        .client_id(client_id)
        .scope("openid profile email")
        .fetch_userinfo(true);
    if let Some(secret) = args.next() {
        builder = builder.client_secret(secret);
    }
    let client = builder.build()?;
    match client.authenticate().await {
        Ok(session) => {
            let user = session.user();
            println!(
                "signed in: sub={:?} name={:?} email={:?}",
                user.sub, user.name, user.email
            );
            Ok(())
        }
        Err(e) => {
            eprintln!("sign-in failed ({} {}): {e}", e.code(), e.kind());
            std::process::exit(1);
        }
    }
}
