//! The hidden `agent` command: a scripted browser for tests and CI (`--browser-command
//! 'oidc-desktop agent {url}'`). It is the facade's [`HttpAgent`] keeping cookies
//! (providers such as oidc-provider need a session cookie across their interaction
//! redirects) and filling login forms with the given credentials.

use std::sync::Arc;

use oidc_desktop::testing::HttpAgent;
use serde_json::json;

use crate::cli::AgentArgs;
use crate::output::{CliError, Outcome};

/// Runs the agent to the end of the flow. Prints what it saw as the command's outcome; the
/// browser command's output never reaches the signing-in tool's stdout anyway.
pub(crate) async fn run(args: &AgentArgs) -> Result<Outcome, CliError> {
    let http = oidc_desktop::reqwest_transport::ReqwestClient::new()
        .map_err(|e| CliError::from(oidc_desktop::Error::from(e)))?;
    let mut agent = HttpAgent::with_http(Arc::new(http)).keep_cookies();
    if let Some(u) = &args.user {
        agent = agent.login(u.clone(), args.password.clone());
    }
    if let Some(p) = &args.stop_at {
        agent = agent.stop_at(p.clone());
    }
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(60), agent.run(&args.url))
        .await
        .map_err(|_| CliError::other("timeout", "the agent did not finish within 60 s"))?;
    if let Some(e) = &outcome.error {
        return Err(CliError::other("agent", e.clone()));
    }
    Ok(Outcome::Json {
        value: json!({
            "visited": outcome.visited,
            "status": outcome.status,
            "stopped_at": outcome.stopped_at,
        }),
        title: "The scripted agent finished:".to_owned(),
    })
}
