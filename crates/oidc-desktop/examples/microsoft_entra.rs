//! Sign in with Microsoft Entra ID (Azure AD), single-tenant or multi-tenant.
//!
//! Register a "Mobile and desktop applications" platform with redirect URI
//! `http://localhost` (Entra matches loopback redirects on any port) and allow public
//! client flows.
//!
//! ```text
//! ENTRA_TENANT=organizations ENTRA_CLIENT_ID=... cargo run -p oidc-desktop --example microsoft_entra
//! ```
//!
//! With `common` or `organizations` the discovery document's issuer is the template
//! `https://login.microsoftonline.com/{tenantid}/v2.0`; the named quirk
//! `microsoft_multi_tenant_issuer` accepts it and checks each ID token's issuer against its
//! own `tid` claim.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example program"
)]

use oidc_desktop::{OidcDesktop, Quirks};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tenant = std::env::var("ENTRA_TENANT").unwrap_or_else(|_| "organizations".into());
    let multi = matches!(tenant.as_str(), "common" | "organizations" | "consumers");
    let client = OidcDesktop::builder(&format!("https://login.microsoftonline.com/{tenant}/v2.0"))
        .client_id(std::env::var("ENTRA_CLIENT_ID")?)
        .scope("openid profile email offline_access")
        .quirks(Quirks::none().microsoft_multi_tenant_issuer(multi))
        .build()?;
    let session = client.authenticate().await?;
    let claims = session.claims().ok_or("no ID token")?;
    println!(
        "signed in: {:?} (tenant {:?})",
        claims.claim_string("preferred_username"),
        claims.tid
    );
    Ok(())
}
