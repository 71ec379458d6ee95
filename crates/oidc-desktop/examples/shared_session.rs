//! One session for every process of the user: the stored token while valid, a refresh under
//! the entry's lock when due, the browser only when neither works; tokens bound to a key
//! (DPoP) when the provider offers it. Run it twice, or many times at once.
//!
//! ```text
//! cargo run -p oidc-desktop --example shared_session -- https://issuer.example CLIENT_ID
//! ```
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example program"
)]

use std::sync::Arc;

use oidc_desktop::{DpopMode, FileStore, OidcDesktop};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(issuer), Some(client_id)) = (args.next(), args.next()) else {
        eprintln!("usage: shared_session ISSUER CLIENT_ID");
        std::process::exit(2);
    };
    let dir = FileStore::default_dir().ok_or("no cache directory (set HOME)")?;
    let client = OidcDesktop::builder(&issuer)
        .client_id(client_id)
        .scope("openid profile email offline_access")
        .token_store(Arc::new(FileStore::new(dir)))
        .dpop(DpopMode::IfSupported)
        .build()?;
    let got = client.acquire().await?;
    println!(
        "{:?} session, stored in {}",
        got.how,
        client.session_location()
    );
    let user = client.userinfo(&got.session).await?;
    println!("hello {:?}", user.claims().name);
    let token = client.access_token().await?;
    println!("{} bytes of access token", token.secret().len());
    Ok(())
}
