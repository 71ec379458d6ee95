//! `demo`: a real sign-in against the embedded test provider (feature `demo`, on by
//! default), through the system browser or, without one, the scripted agent.

use std::sync::Arc;
use std::time::Duration;

use oidc_desktop::testing::HttpAgent;
use oidc_desktop::{BrowserCommand, BrowserLauncher, LaunchError, OidcDesktop, SystemBrowser};

use crate::cli::DemoArgs;
use crate::commands::{Ctx, browser_failure, build, interruptible, session_outcome};
use crate::events::CliEvents;
use crate::output::{CliError, Outcome};

/// Whether a graphical browser can plausibly be opened.
fn has_display() -> bool {
    if std::env::var_os("BROWSER").is_some_and(|b| !b.is_empty()) {
        return true;
    }
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
}

/// The system browser, or the scripted agent when no browser can be started.
struct BrowserOrAgent {
    system: SystemBrowser,
    agent: HttpAgent,
    op: oidc_testop::OpHandle,
}

impl BrowserLauncher for BrowserOrAgent {
    fn default_command(&self) -> BrowserCommand {
        self.system.default_command()
    }

    fn launch(&self, url: &str, command: &BrowserCommand) -> Result<(), LaunchError> {
        match self.system.launch(url, command) {
            Ok(()) => Ok(()),
            Err(e) => {
                eprintln!("No browser could be opened ({e}); approving with the scripted agent.");
                self.op.set_login_mode(oidc_testop::LoginMode::AutoApprove);
                self.agent.launch(url, &self.agent.default_command())
            }
        }
    }
}

pub(crate) async fn demo(a: &DemoArgs, ctx: &Ctx) -> Result<Outcome, CliError> {
    let headless = a.headless || (a.browser_command.is_none() && !a.no_browser && !has_display());
    let login = if headless || a.browser_command.is_some() {
        oidc_testop::LoginMode::AutoApprove
    } else {
        oidc_testop::LoginMode::LoginPage
    };
    let op = oidc_testop::TestOp::start(oidc_testop::OpConfig::default().login(login))
        .await
        .map_err(|e| CliError::other("demo_provider", crate::output::chain(&e)))?;
    if ctx.text() {
        eprintln!(
            "Started the demo OpenID Provider at {} (a TEST provider with public test keys).",
            op.issuer()
        );
        if login == oidc_testop::LoginMode::LoginPage {
            eprintln!("Sign in as `jane` with any password, then choose Allow.");
        } else if headless {
            eprintln!("Signing in as `jane` with the scripted agent (--headless).");
        }
    }
    let events = Arc::new(CliEvents::new(ctx.text(), a.no_browser));
    let timeout = Duration::from_secs(a.timeout);
    let on_failure = browser_failure(ctx);
    let mut b = OidcDesktop::builder(&op.issuer())
        .client_id("test-client")
        .scope("openid profile email")
        .events(events.clone())
        .fetch_userinfo(true)
        .timeout(timeout)
        .browser_failure(on_failure);
    if headless {
        b = b.browser(Arc::new(HttpAgent::new()));
    } else if let Some(cmd) = &a.browser_command {
        b = b.browser_command(cmd.clone());
    } else if !a.no_browser {
        b = b.browser(Arc::new(BrowserOrAgent {
            system: SystemBrowser::new(),
            agent: HttpAgent::new(),
            op: op.handle(),
        }));
    }
    let client = build(b)?;
    let r = interruptible(&client, client.authenticate()).await;
    events.done();
    let session = r?;
    Ok(session_outcome(
        session,
        None,
        "Demo complete: signed in, every check passed, as",
    ))
}
