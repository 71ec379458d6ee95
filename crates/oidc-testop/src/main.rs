//! `oidc-testop`: run the test OpenID Provider standalone (for the demo and manual tries).
//!
//! ```text
//! cargo run -p oidc-testop -- --port 9400 --login-page
//! ```

use clap::Parser;
use oidc_testop::{Client, LoginMode, OpConfig, TestOp};

/// A test OpenID Provider on 127.0.0.1. Never use it for anything real: its RSA keys are
/// public test keys.
#[derive(Debug, Parser)]
#[command(name = "oidc-testop", version)]
struct Args {
    /// The port to bind on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Show a login and consent page instead of approving at once as `jane`.
    #[arg(long)]
    login_page: bool,
    /// The public client to register.
    #[arg(long, default_value = "test-client")]
    client_id: String,
    /// The client's redirect URI (loopback URIs match any port).
    #[arg(long, default_value = "http://127.0.0.1/callback")]
    redirect_uri: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let config = OpConfig::without_clients()
        .port(args.port)
        .client(Client::public(&args.client_id, &args.redirect_uri))
        .login(if args.login_page {
            LoginMode::LoginPage
        } else {
            LoginMode::AutoApprove
        });
    let op = TestOp::start(config).await?;
    #[allow(clippy::print_stdout, reason = "the binary's whole output")]
    {
        println!("oidc-testop: a TEST OpenID Provider (public test keys; never use for real)");
        println!("issuer:     {}", op.issuer());
        println!("discovery:  {}", op.discovery_url());
        println!(
            "client_id:  {} (public, PKCE S256 required)",
            args.client_id
        );
        println!("redirect:   {} (any port)", args.redirect_uri);
        println!("user:       jane (any password)");
        println!("Ctrl-C stops it.");
    }
    op.run_until_ctrl_c().await?;
    Ok(())
}
