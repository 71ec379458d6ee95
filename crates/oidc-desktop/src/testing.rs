//! A scripted user agent: a [`BrowserLauncher`] that plays the user's browser over plain
//! HTTP. It follows redirects, submits auto-submitting `form_post` pages, relays a
//! fragment response the way the loopback's relay page does, and fills a simple login form
//! when credentials are given. The CLI's `demo --headless` and the tests use it against
//! providers that approve without a real browser.
//!
//! The agent itself is `oidc_testkit::agent::Agent`, shared with the workspace's other test
//! suites; this module sets it up as the facade's browser and keeps the facade's own types,
//! so no type of the (unpublished) kit shows in this crate's API.

use std::sync::Arc;

use oidc_core::HttpClient;
use oidc_testkit::agent::{Agent, Forms, Outcome};

use crate::browser::{BrowserCommand, BrowserLauncher, LaunchError};

/// The name the agent gives itself in [`BrowserCommand::Custom`].
pub const SCRIPTED_AGENT: &str = "scripted-agent";

/// What the agent saw last: the final status and page, or why it stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentOutcome {
    /// The URLs visited, in order (queries included).
    pub visited: Vec<String>,
    /// The final HTTP status.
    pub status: Option<u16>,
    /// The final page's body (lossy UTF-8).
    pub body: String,
    /// Why the agent gave up, if it did.
    pub error: Option<String>,
    /// The address it was sent to and did not request, when it stopped there (see
    /// [`HttpAgent::stop_at`]): what a browser on another machine shows in its address bar.
    pub stopped_at: Option<String>,
}

impl AgentOutcome {
    /// The facade's view of what the kit's agent saw (a private conversion: the kit's type
    /// stays out of this crate's API).
    fn of(o: Outcome) -> Self {
        Self {
            visited: o.visited,
            status: o.status,
            body: o.body,
            error: o.error,
            stopped_at: o.stopped_at,
        }
    }
}

/// At most this many requests per sign-in.
const MAX_STEPS: usize = 16;

/// The scripted agent.
#[derive(Clone)]
pub struct HttpAgent {
    agent: Agent,
}

impl std::fmt::Debug for HttpAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpAgent").finish_non_exhaustive()
    }
}

impl Default for HttpAgent {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpAgent {
    /// An agent over a plain `oidc-reqwest` client that never follows redirects itself.
    ///
    /// # Panics
    ///
    /// If the HTTP client cannot be built (the TLS backend failed to initialise).
    pub fn new() -> Self {
        #[allow(
            clippy::expect_used,
            reason = "documented panic; the default transport builds on every supported platform"
        )]
        let client = oidc_reqwest::ReqwestClient::new().expect("the default HTTP client builds");
        Self::with_http(Arc::new(client))
    }

    /// An agent over the given HTTP client (which must not follow redirects itself). It
    /// keeps no cookies unless [`Self::keep_cookies`] is called.
    pub fn with_http(http: Arc<dyn HttpClient>) -> Self {
        Self {
            agent: Agent::new(http)
                .without_cookies()
                .forms(Forms::AutoSubmitOnly)
                .relay_fragments(oidc_loopback::RELAY_FIELD)
                .max_steps(MAX_STEPS),
        }
    }

    /// Keeps the provider's cookies between requests, as a browser does (a jar that
    /// honours `Path`): providers such as oidc-provider need a session cookie across their
    /// interaction redirects.
    #[must_use]
    pub fn keep_cookies(mut self) -> Self {
        self.agent = self.agent.with_cookies();
        self
    }

    /// Fill login forms (fields `username` or `login`, and `password`) with these
    /// credentials.
    #[must_use]
    pub fn login(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.agent = self.agent.login(username, password);
        self
    }

    /// Stop, without requesting it, at a redirect to an address starting with `prefix`
    /// (e.g. the application's `http://127.0.0.1:PORT/callback`): what a browser on another
    /// machine does, since it cannot reach that address. The address is
    /// [`AgentOutcome::stopped_at`].
    #[must_use]
    pub fn stop_at(mut self, prefix: impl Into<String>) -> Self {
        self.agent = self.agent.stop_at(prefix);
        self
    }

    /// What the last run saw (once it finished).
    pub fn outcome(&self) -> Option<AgentOutcome> {
        self.agent.outcome().map(AgentOutcome::of)
    }

    /// Waits until the current run finished.
    pub async fn finished(&self) -> AgentOutcome {
        AgentOutcome::of(self.agent.finished().await)
    }

    /// Plays the browser from `url` to the end (a page that is no redirect and no form).
    pub async fn run(&self, url: &str) -> AgentOutcome {
        AgentOutcome::of(self.agent.run(url).await)
    }
}

impl BrowserLauncher for HttpAgent {
    fn default_command(&self) -> BrowserCommand {
        BrowserCommand::Custom(SCRIPTED_AGENT.to_owned())
    }

    fn launch(&self, url: &str, _command: &BrowserCommand) -> Result<(), LaunchError> {
        self.agent
            .spawn(url)
            .map_err(|e| LaunchError::NoBrowser(std::io::Error::other(e)))
    }
}
