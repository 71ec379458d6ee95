//! The scripted, JavaScript-free user agent for the real provider's pages: the kit's
//! cookie-keeping agent (`oidc_testkit::agent`), set up the way `flow.py` of
//! `shared/realop` plays the provider's login, consent, device and logout forms, and made
//! the facade's browser.

use std::sync::Arc;
use std::time::Duration;

use oidc_desktop::{BrowserLauncher, LaunchError};
pub(crate) use oidc_testkit::agent::{Mode, Outcome};

/// The agent. Clones share the cookie jar (one "browser profile").
#[derive(Clone, Debug)]
pub(crate) struct Agent(oidc_testkit::agent::Agent);

impl Agent {
    /// A new agent with an empty cookie jar that logs in as `login` (any password) at the
    /// provider `op_origin` (`http://127.0.0.1:PORT`); any other `127.0.0.1` origin is the
    /// application's loopback listener, where navigation ends.
    pub(crate) fn new(op_origin: &str, login: &str, mode: Mode) -> Result<Self, String> {
        let http = oidc_desktop::reqwest_transport::ReqwestClient::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| format!("agent HTTP client: {e}"))?;
        Ok(Self(
            oidc_testkit::agent::Agent::new(Arc::new(http))
                .login(login, "any-password")
                .mode(mode)
                .provider_origin(op_origin),
        ))
    }

    /// The same cookie jar, another mode.
    pub(crate) fn with_mode(&self, mode: Mode) -> Self {
        Self(self.0.with_mode(mode))
    }

    /// Plays the browser from `url` until a page that is neither a redirect nor a form the
    /// agent submits, or until the application's loopback listener answered.
    pub(crate) async fn navigate(&self, url: &str) -> Outcome {
        self.0.run(url).await
    }

    /// Waits (bounded) for the navigation a launch started.
    pub(crate) async fn finished(&self, limit: Duration) -> Option<Outcome> {
        self.0.finished_within(limit).await
    }
}

impl BrowserLauncher for Agent {
    fn default_command(&self) -> oidc_desktop::BrowserCommand {
        oidc_desktop::BrowserCommand::Custom("interop-agent".to_owned())
    }

    fn launch(
        &self,
        url: &str,
        _command: &oidc_desktop::BrowserCommand,
    ) -> Result<(), LaunchError> {
        self.0
            .spawn(url)
            .map_err(|e| LaunchError::NoBrowser(std::io::Error::other(e)))
    }
}
