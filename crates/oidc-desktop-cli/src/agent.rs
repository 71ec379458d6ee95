//! The hidden `agent` command: a scripted browser for tests and CI (`--browser-command
//! 'oidc-desktop agent {url}'`). It is the facade's [`HttpAgent`] over an HTTP client that
//! keeps cookies (providers such as oidc-provider need a session cookie across their
//! interaction redirects) and "clicks" the first submit button of a login form.

use std::sync::{Arc, Mutex};

use oidc_desktop::core::{HttpClient, HttpFuture, HttpRequest, http};
use oidc_desktop::testing::HttpAgent;
use serde_json::json;

use crate::cli::AgentArgs;
use crate::output::{CliError, Outcome};

#[derive(Debug, Clone)]
struct Cookie {
    host: String,
    path: String,
    name: String,
    value: String,
}

/// An [`HttpClient`] with a cookie jar (host-only cookies, `Path` honoured) that adds
/// `decision=allow` to login forms that have a user name but no decision (what a browser
/// sends for the form's first button).
struct BrowserLike {
    inner: Arc<dyn HttpClient>,
    jar: Mutex<Vec<Cookie>>,
}

fn path_matches(cookie_path: &str, request_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/')
                || request_path.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}

fn default_path(request_path: &str) -> String {
    match request_path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => request_path[..i].to_owned(),
    }
}

impl BrowserLike {
    fn add_cookies(&self, req: &mut HttpRequest) {
        let host = req.uri().host().unwrap_or_default().to_owned();
        let path = req.uri().path().to_owned();
        let header: Vec<String> = self
            .jar
            .lock()
            .map(|jar| {
                jar.iter()
                    .filter(|c| c.host == host && path_matches(&c.path, &path))
                    .map(|c| format!("{}={}", c.name, c.value))
                    .collect()
            })
            .unwrap_or_default();
        if !header.is_empty()
            && let Ok(v) = http::HeaderValue::from_str(&header.join("; "))
        {
            req.headers_mut().insert(http::header::COOKIE, v);
        }
    }

    fn keep_cookies(&self, host: &str, request_path: &str, resp: &http::Response<Vec<u8>>) {
        for v in resp.headers().get_all(http::header::SET_COOKIE) {
            let Ok(s) = v.to_str() else { continue };
            let mut parts = s.split(';');
            let Some((name, value)) = parts.next().and_then(|nv| nv.split_once('=')) else {
                continue;
            };
            let mut path = default_path(request_path);
            let mut expired = false;
            for attr in parts {
                let (k, val) = attr.split_once('=').unwrap_or((attr, ""));
                let k = k.trim().to_ascii_lowercase();
                if k == "path" && val.trim().starts_with('/') {
                    path = val.trim().to_owned();
                } else if (k == "max-age" && val.trim().starts_with(['0', '-']))
                    || (k == "expires" && val.contains("1970"))
                {
                    expired = true;
                }
            }
            if let Ok(mut jar) = self.jar.lock() {
                jar.retain(|c| !(c.host == host && c.path == path && c.name == name.trim()));
                if !expired {
                    jar.push(Cookie {
                        host: host.to_owned(),
                        path,
                        name: name.trim().to_owned(),
                        value: value.trim().to_owned(),
                    });
                }
            }
        }
    }
}

impl HttpClient for BrowserLike {
    fn execute(&self, mut request: HttpRequest) -> HttpFuture<'_> {
        Box::pin(async move {
            self.add_cookies(&mut request);
            if request.method() == http::Method::POST {
                let body = String::from_utf8_lossy(request.body()).into_owned();
                let has = |name: &str| body.split('&').any(|p| p.split('=').next() == Some(name));
                if has("username") && !has("decision") {
                    let mut b = request.body().clone();
                    b.extend_from_slice(b"&decision=allow");
                    *request.body_mut() = b;
                }
            }
            let host = request.uri().host().unwrap_or_default().to_owned();
            let path = request.uri().path().to_owned();
            let resp = self.inner.execute(request).await?;
            self.keep_cookies(&host, &path, &resp);
            Ok(resp)
        })
    }
}

/// Runs the agent to the end of the flow. Prints what it saw as the command's outcome; the
/// browser command's output never reaches the signing-in tool's stdout anyway.
pub(crate) async fn run(args: &AgentArgs) -> Result<Outcome, CliError> {
    let inner = oidc_desktop::reqwest_transport::ReqwestClient::new()
        .map_err(|e| CliError::from(oidc_desktop::Error::from(e)))?;
    let http = Arc::new(BrowserLike {
        inner: Arc::new(inner),
        jar: Mutex::new(Vec::new()),
    });
    let mut agent = HttpAgent::with_http(http);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_paths_match_like_a_browser() {
        assert!(path_matches("/", "/auth/x"));
        assert!(path_matches("/auth", "/auth/x"));
        assert!(path_matches("/auth", "/auth"));
        assert!(!path_matches("/auth", "/authx"));
        assert!(!path_matches("/interaction/a", "/auth/a"));
        assert_eq!(default_path("/a/b"), "/a");
        assert_eq!(default_path("/a"), "/");
    }
}
