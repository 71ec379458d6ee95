//! A scripted user agent: a [`BrowserLauncher`] that plays the user's browser over plain
//! HTTP. It follows redirects, submits auto-submitting `form_post` pages, relays a
//! fragment response the way the loopback's relay page does, and fills a simple login form
//! when credentials are given. The CLI's `demo --headless` and the tests use it against
//! providers that approve without a real browser.

use std::sync::{Arc, Mutex};

use oidc_core::{HttpClient, HttpRequest};
use url::Url;

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

/// The scripted agent.
#[derive(Clone)]
pub struct HttpAgent {
    http: Arc<dyn HttpClient>,
    credentials: Option<(String, String)>,
    stop_at: Option<String>,
    outcome: Arc<Mutex<Option<AgentOutcome>>>,
    done: Arc<tokio::sync::Notify>,
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

const MAX_STEPS: usize = 16;

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

    /// An agent over the given HTTP client.
    pub fn with_http(http: Arc<dyn HttpClient>) -> Self {
        Self {
            http,
            credentials: None,
            stop_at: None,
            outcome: Arc::new(Mutex::new(None)),
            done: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Fill login forms (fields `username` and `password`) with these credentials.
    #[must_use]
    pub fn login(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some((username.into(), password.into()));
        self
    }

    /// Stop, without requesting it, at a redirect to an address starting with `prefix`
    /// (e.g. the application's `http://127.0.0.1:PORT/callback`): what a browser on another
    /// machine does, since it cannot reach that address. The address is
    /// [`AgentOutcome::stopped_at`].
    #[must_use]
    pub fn stop_at(mut self, prefix: impl Into<String>) -> Self {
        self.stop_at = Some(prefix.into());
        self
    }

    /// What the last run saw (once it finished).
    pub fn outcome(&self) -> Option<AgentOutcome> {
        self.outcome.lock().ok().and_then(|o| o.clone())
    }

    /// Waits until the current run finished.
    pub async fn finished(&self) -> AgentOutcome {
        loop {
            let notified = self.done.notified();
            if let Some(o) = self.outcome() {
                return o;
            }
            notified.await;
        }
    }

    /// Plays the browser from `url` to the end (a page that is no redirect and no form).
    pub async fn run(&self, url: &str) -> AgentOutcome {
        let mut out = AgentOutcome::default();
        let mut next: Option<(http::Method, String, Vec<u8>)> =
            Some((http::Method::GET, url.to_owned(), Vec::new()));
        for _ in 0..MAX_STEPS {
            let Some((method, target, body)) = next.take() else {
                break;
            };
            out.visited.push(target.clone());
            let mut req = HttpRequest::new(body.clone());
            *req.method_mut() = method.clone();
            let Ok(uri) = target.parse() else {
                out.error = Some(format!("unparsable URL {target}"));
                break;
            };
            *req.uri_mut() = uri;
            if method == http::Method::POST {
                req.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
            }
            let resp = match self.http.execute(req).await {
                Ok(r) => r,
                Err(e) => {
                    out.error = Some(e.to_string());
                    break;
                }
            };
            let status = resp.status().as_u16();
            out.status = Some(status);
            out.body = String::from_utf8_lossy(resp.body()).into_owned();
            let base = Url::parse(&target).ok();
            if resp.status().is_redirection() {
                let loc = resp
                    .headers()
                    .get(http::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| match &base {
                        Some(b) => b.join(l).ok(),
                        None => Url::parse(l).ok(),
                    });
                let Some(mut loc) = loc else {
                    out.error = Some("redirect without a usable Location".to_owned());
                    break;
                };
                if self
                    .stop_at
                    .as_deref()
                    .is_some_and(|p| loc.as_str().starts_with(p))
                {
                    out.stopped_at = Some(loc.to_string());
                    break;
                }
                next = match loc.fragment().map(str::to_owned) {
                    // What the loopback's relay page does with `location.hash`: post it
                    // back, marked as relayed.
                    Some(frag) => {
                        loc.set_fragment(None);
                        let body = format!("{frag}&{}=1", oidc_loopback::RELAY_FIELD);
                        Some((http::Method::POST, loc.to_string(), body.into_bytes()))
                    }
                    None => Some((http::Method::GET, loc.to_string(), Vec::new())),
                };
                continue;
            }
            if let Some(form) = parse_form(&out.body) {
                let action = match &base {
                    Some(b) => b
                        .join(&form.action)
                        .map(String::from)
                        .unwrap_or(form.action.clone()),
                    None => form.action.clone(),
                };
                let mut fields = form.fields.clone();
                let has_login = fields.iter().any(|(n, _)| n == "username" || n == "login");
                if has_login {
                    let Some((u, p)) = &self.credentials else {
                        // A login page and no credentials: stop here, as a user would.
                        break;
                    };
                    for (n, v) in &mut fields {
                        if n == "username" || n == "login" {
                            v.clone_from(u);
                        } else if n == "password" {
                            v.clone_from(p);
                        }
                    }
                    if !fields.iter().any(|(n, _)| n == "password") {
                        fields.push(("password".to_owned(), p.clone()));
                    }
                } else if !form.auto_submit {
                    break;
                }
                let body = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields.iter())
                    .finish();
                next = Some((http::Method::POST, action, body.into_bytes()));
                continue;
            }
            break;
        }
        if let Ok(mut o) = self.outcome.lock() {
            *o = Some(out.clone());
        }
        self.done.notify_waiters();
        out
    }
}

impl BrowserLauncher for HttpAgent {
    fn default_command(&self) -> BrowserCommand {
        BrowserCommand::Custom(SCRIPTED_AGENT.to_owned())
    }

    fn launch(&self, url: &str, _command: &BrowserCommand) -> Result<(), LaunchError> {
        if let Ok(mut o) = self.outcome.lock() {
            *o = None;
        }
        let agent = self.clone();
        let url = url.to_owned();
        let handle = tokio::runtime::Handle::try_current()
            .map_err(|e| LaunchError::NoBrowser(std::io::Error::other(e)))?;
        handle.spawn(async move {
            agent.run(&url).await;
        });
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Form {
    action: String,
    fields: Vec<(String, String)>,
    auto_submit: bool,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    for quote in ['"', '\''] {
        let key = format!("{name}={quote}");
        if let Some(i) = tag.find(&key) {
            let rest = &tag[i + key.len()..];
            let end = rest.find(quote)?;
            return Some(html_unescape(&rest[..end]));
        }
    }
    None
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The first POST form of a page: its action, its named inputs, and whether the page
/// submits it by itself.
fn parse_form(page: &str) -> Option<Form> {
    let lower = page.to_ascii_lowercase();
    let start = lower.find("<form")?;
    let tag_end = start + lower[start..].find('>')?;
    let tag = &page[start..tag_end];
    if !tag.to_ascii_lowercase().contains("post") {
        return None;
    }
    let action = attr(tag, "action").unwrap_or_default();
    let end = lower[tag_end..]
        .find("</form")
        .map_or(lower.len(), |e| tag_end + e);
    let mut fields = Vec::new();
    let mut pos = tag_end;
    while let Some(i) = lower[pos..end].find("<input") {
        let s = pos + i;
        let e = s + lower[s..].find('>').unwrap_or(end - s);
        let t = &page[s..e];
        if let Some(name) = attr(t, "name") {
            fields.push((name, attr(t, "value").unwrap_or_default()));
        }
        pos = e;
    }
    // The first named button submits its own name and value (a consent "Allow").
    if let Some(i) = lower[tag_end..end].find("<button") {
        let s = tag_end + i;
        let e = s + lower[s..].find('>').unwrap_or(end - s);
        let t = &page[s..e];
        if let Some(name) = attr(t, "name") {
            fields.push((name, attr(t, "value").unwrap_or_default()));
        }
    }
    let auto_submit = lower.contains(".submit()");
    Some(Form {
        action,
        fields,
        auto_submit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_auto_submitting_form() {
        let page = r#"<html><body onload="document.forms[0].submit()"><form method="post" action="http://127.0.0.1:5/callback"><input type="hidden" name="code" value="a&amp;b"><input type="hidden" name="state" value="s&quot;1"></form></body></html>"#;
        let f = parse_form(page).unwrap();
        assert_eq!(f.action, "http://127.0.0.1:5/callback");
        assert_eq!(
            f.fields,
            [
                ("code".into(), "a&b".into()),
                ("state".into(), "s\"1".into())
            ]
        );
        assert!(f.auto_submit);
        assert_eq!(parse_form("<form method=get action=x></form>"), None);
        let login = r#"<form method="post" action="login"><input type="hidden" name="pending" value="p1"><input name="username"><input name="password" type="password"><button type="submit" name="decision" value="allow">Allow</button><button name="decision" value="deny">Deny</button></form>"#;
        let f = parse_form(login).unwrap();
        assert_eq!(
            f.fields.last().unwrap(),
            &("decision".to_owned(), "allow".to_owned())
        );
        assert!(!f.auto_submit);
        assert_eq!(parse_form("no form"), None);
    }
}
