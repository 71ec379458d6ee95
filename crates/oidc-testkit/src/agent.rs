//! A scripted, JavaScript-free user agent that plays the user's browser over plain HTTP.
//!
//! It follows redirects itself, keeps the provider's cookies (a jar that honours `Path`, as
//! the real provider's interaction cookies need), submits HTML forms the way a user would
//! (auto-submitting `form_post` pages, login and consent forms, the device and logout
//! confirmations whose button may live outside the form), and optionally relays a fragment
//! response the way the loopback's relay page script does.
//!
//! Requests go through an [`oidc_core::HttpClient`] that must not follow redirects itself.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oidc_core::{HttpClient, HttpRequest};
use url::Url;

use crate::Error;

mod html;
use html::{find_abort_link, parse_forms};

/// What the agent does on a login or consent page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Log in (with the [`Agent::login`] credentials) and consent.
    #[default]
    Approve,
    /// Follow the page's `…/abort` link (the provider answers `access_denied`).
    Deny,
    /// Stop on a login or consent page without acting (to see which one is shown).
    Look,
}

/// Which forms the agent submits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Forms {
    /// Every first form of a `200` page (login, consent, confirmations, `form_post`), with
    /// its `GET` or `POST` method: the real provider's pages.
    #[default]
    All,
    /// Only `POST` forms that submit themselves (`….submit()` in the page) and login forms
    /// when credentials are given; on any other page the agent stops, as a user who must
    /// decide would.
    AutoSubmitOnly,
}

/// What one run saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The URLs requested, in order (queries included).
    pub visited: Vec<String>,
    /// Every request, as `METHOD url -> status`.
    pub trace: Vec<String>,
    /// The last URL requested.
    pub url: String,
    /// The last HTTP status.
    pub status: Option<u16>,
    /// The last page's body (lossy UTF-8).
    pub body: String,
    /// Why the agent gave up, if it did.
    pub error: Option<String>,
    /// The address it was sent to and did not request, when it stopped there (see
    /// [`Agent::stop_at`]): what a browser on another machine shows in its address bar.
    pub stopped_at: Option<String>,
}

impl Outcome {
    /// Whether any request went to a URL containing `needle`.
    pub fn went_to(&self, needle: &str) -> bool {
        self.visited.iter().any(|t| t.contains(needle))
    }
}

#[derive(Debug, Clone)]
struct Cookie {
    name: String,
    value: String,
    path: String,
}

/// The agent. Clones share the cookie jar (one "browser profile") and the last outcome.
#[derive(Clone)]
pub struct Agent {
    http: Arc<dyn HttpClient>,
    jar: Option<Arc<Mutex<Vec<Cookie>>>>,
    credentials: Option<(String, String)>,
    mode: Mode,
    forms: Forms,
    stop_at: Option<String>,
    provider_origin: Option<String>,
    relay_field: Option<String>,
    loopback_only: bool,
    max_steps: usize,
    last: Arc<Mutex<Option<Outcome>>>,
    done: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("mode", &self.mode)
            .field("forms", &self.forms)
            .field("stop_at", &self.stop_at)
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// An agent over `http` with an empty cookie jar, submitting [`Forms::All`], at most 30
    /// requests per run.
    pub fn new(http: Arc<dyn HttpClient>) -> Self {
        Self {
            http,
            jar: Some(Arc::new(Mutex::new(Vec::new()))),
            credentials: None,
            mode: Mode::Approve,
            forms: Forms::All,
            stop_at: None,
            provider_origin: None,
            relay_field: None,
            loopback_only: false,
            max_steps: 30,
            last: Arc::new(Mutex::new(None)),
            done: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Keep no cookies at all.
    #[must_use]
    pub fn without_cookies(mut self) -> Self {
        self.jar = None;
        self
    }

    /// Keep cookies again, in a fresh jar (after [`Self::without_cookies`]).
    #[must_use]
    pub fn with_cookies(mut self) -> Self {
        self.jar = Some(Arc::new(Mutex::new(Vec::new())));
        self
    }

    /// Fill login forms (a `username` or `login` field, and `password`) with these.
    #[must_use]
    pub fn login(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some((username.into(), password.into()));
        self
    }

    /// What to do on login and consent pages (default [`Mode::Approve`]).
    #[must_use]
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Which forms to submit (default [`Forms::All`]).
    #[must_use]
    pub fn forms(mut self, forms: Forms) -> Self {
        self.forms = forms;
        self
    }

    /// Stop, without requesting it, at a redirect to an address starting with `prefix`; the
    /// address is [`Outcome::stopped_at`].
    #[must_use]
    pub fn stop_at(mut self, prefix: impl Into<String>) -> Self {
        self.stop_at = Some(prefix.into());
        self
    }

    /// The provider's origin (`http://127.0.0.1:PORT`): any other `127.0.0.1` origin is the
    /// application's loopback listener, where a run ends once it answered; a fragment
    /// response aimed at it (which a listener never sees) is an error unless
    /// [`Self::relay_fragments`] is set.
    #[must_use]
    pub fn provider_origin(mut self, origin: &str) -> Self {
        self.provider_origin = Some(origin.trim_end_matches('/').to_owned());
        self
    }

    /// Relay a redirect's fragment the way the loopback's relay page does: POST it, as a
    /// form body, to the address without the fragment, adding `field=1`.
    #[must_use]
    pub fn relay_fragments(mut self, field: impl Into<String>) -> Self {
        self.relay_field = Some(field.into());
        self
    }

    /// Refuse (as an error) to request anything not on `127.0.0.1`.
    #[must_use]
    pub fn loopback_only(mut self) -> Self {
        self.loopback_only = true;
        self
    }

    /// At most this many requests per run.
    #[must_use]
    pub fn max_steps(mut self, n: usize) -> Self {
        self.max_steps = n;
        self
    }

    /// The same cookie jar and settings, another mode, a fresh outcome.
    #[must_use]
    pub fn with_mode(&self, mode: Mode) -> Self {
        let mut a = self.clone();
        a.mode = mode;
        a.last = Arc::new(Mutex::new(None));
        a.done = Arc::new(tokio::sync::Notify::new());
        a
    }

    /// What the last run saw (once it finished).
    pub fn outcome(&self) -> Option<Outcome> {
        self.last.lock().ok().and_then(|o| o.clone())
    }

    /// Waits until the current run (see [`Self::spawn`]) finished.
    pub async fn finished(&self) -> Outcome {
        loop {
            let notified = self.done.notified();
            if let Some(o) = self.outcome() {
                return o;
            }
            notified.await;
        }
    }

    /// [`Self::finished`], waiting at most `limit`.
    pub async fn finished_within(&self, limit: Duration) -> Option<Outcome> {
        tokio::time::timeout(limit, self.finished()).await.ok()
    }

    /// Starts a run from `url` on the current tokio runtime, forgetting the last outcome:
    /// what a browser launcher does.
    ///
    /// # Errors
    ///
    /// [`Error::NoRuntime`] outside a tokio runtime.
    pub fn spawn(&self, url: &str) -> Result<(), Error> {
        let handle =
            tokio::runtime::Handle::try_current().map_err(|e| Error::NoRuntime(e.to_string()))?;
        if let Ok(mut o) = self.last.lock() {
            *o = None;
        }
        let agent = self.clone();
        let url = url.to_owned();
        handle.spawn(async move {
            agent.run(&url).await;
        });
        Ok(())
    }

    fn is_app(&self, url: &Url) -> bool {
        self.provider_origin.as_ref().is_some_and(|o| {
            url.host_str() == Some("127.0.0.1") && !url.as_str().starts_with(&format!("{o}/"))
        })
    }

    fn cookie_header(&self, url: &Url) -> Option<String> {
        let jar = self.jar.as_ref()?.lock().ok()?;
        let path = url.path();
        let v: Vec<String> = jar
            .iter()
            .filter(|c| {
                path == c.path
                    || (path.starts_with(&c.path)
                        && (c.path.ends_with('/') || path[c.path.len()..].starts_with('/')))
            })
            .map(|c| format!("{}={}", c.name, c.value))
            .collect();
        (!v.is_empty()).then(|| v.join("; "))
    }

    fn store_cookies(&self, url: &Url, headers: &http::HeaderMap) {
        let Some(Ok(mut jar)) = self.jar.as_ref().map(|j| j.lock()) else {
            return;
        };
        for h in headers.get_all(http::header::SET_COOKIE) {
            let Ok(line) = h.to_str() else { continue };
            let mut parts = line.split(';');
            let Some((name, value)) = parts.next().and_then(|nv| nv.split_once('=')) else {
                continue;
            };
            // RFC 6265 §5.1.4 default path: the request path up to its last '/'.
            let mut path = match url.path().rfind('/') {
                Some(0) | None => "/".to_owned(),
                Some(i) => url.path()[..i].to_owned(),
            };
            let mut expired = value.trim().is_empty();
            for attr in parts {
                let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
                let k = k.trim().to_ascii_lowercase();
                let v = v.trim();
                if k == "path" && v.starts_with('/') {
                    v.clone_into(&mut path);
                } else if (k == "max-age" && v.parse::<i64>().is_ok_and(|n| n <= 0))
                    || (k == "expires" && v.contains("1970"))
                {
                    expired = true;
                }
            }
            let name = name.trim().to_owned();
            jar.retain(|c| !(c.name == name && c.path == path));
            if !expired {
                jar.push(Cookie {
                    name,
                    value: value.trim().to_owned(),
                    path,
                });
            }
        }
    }

    /// Plays the browser from `url` until a page that is neither a redirect nor a form it
    /// submits, the [`Self::stop_at`] address, the application's answer (see
    /// [`Self::provider_origin`]), an error or the step limit.
    pub async fn run(&self, url: &str) -> Outcome {
        let out = self.navigate(url).await;
        if let Ok(mut l) = self.last.lock() {
            *l = Some(out.clone());
        }
        self.done.notify_waiters();
        out
    }

    async fn navigate(&self, url: &str) -> Outcome {
        let mut out = Outcome::default();
        let mut next = Some((http::Method::GET, url.to_owned(), String::new()));
        for _ in 0..self.max_steps {
            let Some((method, target, body)) = next.take() else {
                return out;
            };
            out.visited.push(target.clone());
            let Ok(parsed) = Url::parse(&target) else {
                out.error = Some(format!("unparsable URL {target}"));
                return out;
            };
            if self.loopback_only && parsed.host_str() != Some("127.0.0.1") {
                out.error = Some(format!("the agent stays on 127.0.0.1, not {target}"));
                return out;
            }
            let mut req = HttpRequest::new(body.into_bytes());
            *req.method_mut() = method.clone();
            let Ok(uri) = target.parse() else {
                out.error = Some(format!("unparsable URI {target}"));
                return out;
            };
            *req.uri_mut() = uri;
            if method == http::Method::POST {
                req.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
            }
            if let Some(c) = self
                .cookie_header(&parsed)
                .and_then(|c| http::HeaderValue::from_str(&c).ok())
            {
                req.headers_mut().insert(http::header::COOKIE, c);
            }
            let resp = match self.http.execute(req).await {
                Ok(r) => r,
                Err(e) => {
                    out.error = Some(format!("{method} {target}: {e}"));
                    return out;
                }
            };
            self.store_cookies(&parsed, resp.headers());
            let status = resp.status().as_u16();
            out.trace.push(format!("{method} {target} -> {status}"));
            out.url.clone_from(&target);
            out.status = Some(status);
            out.body = String::from_utf8_lossy(resp.body()).into_owned();
            if self.is_app(&parsed) {
                return out;
            }
            if resp.status().is_redirection() {
                let loc = resp
                    .headers()
                    .get(http::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| parsed.join(l).ok());
                let Some(mut loc) = loc else {
                    out.error = Some("redirect without a usable Location".to_owned());
                    return out;
                };
                if self
                    .stop_at
                    .as_deref()
                    .is_some_and(|p| loc.as_str().starts_with(p))
                {
                    out.stopped_at = Some(loc.to_string());
                    return out;
                }
                next = match (loc.fragment().map(str::to_owned), &self.relay_field) {
                    // What the loopback's relay page does with `location.hash`: post it
                    // back, marked as relayed.
                    (Some(frag), Some(field)) => {
                        loc.set_fragment(None);
                        let body = format!("{frag}&{field}=1");
                        Some((http::Method::POST, loc.to_string(), body))
                    }
                    (Some(_), None) if self.is_app(&loc) => {
                        out.error = Some(
                            "the response came in the fragment, which a loopback listener never sees"
                                .to_owned(),
                        );
                        return out;
                    }
                    _ => Some((http::Method::GET, loc.to_string(), String::new())),
                };
                continue;
            }
            if self.forms == Forms::All && status != 200 {
                return out;
            }
            next = self.next_step(&parsed, &out.body);
            if next.is_none() {
                return out;
            }
        }
        if next.is_some() {
            out.error = Some(format!("gave up after {} requests", self.max_steps));
        }
        out
    }

    /// What a user would do on this page.
    fn next_step(&self, base: &Url, page: &str) -> Option<(http::Method, String, String)> {
        let forms = parse_forms(page);
        let form = forms.first()?;
        let is_login = form
            .fields
            .iter()
            .any(|(n, _)| n == "username" || n == "login");
        let is_consent = form
            .fields
            .iter()
            .any(|(n, v)| n == "prompt" && v == "consent");
        if (is_login || is_consent) && self.mode == Mode::Look {
            return None;
        }
        if (is_login || is_consent) && self.mode == Mode::Deny {
            let abort = find_abort_link(page)?;
            return Some((
                http::Method::GET,
                base.join(&abort).ok()?.to_string(),
                String::new(),
            ));
        }
        if self.forms == Forms::AutoSubmitOnly && !form.method_post {
            return None;
        }
        let mut fields = form.fields.clone();
        if is_login {
            // A login page and no credentials: stop here, as a user would.
            let (u, p) = self.credentials.as_ref()?;
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
        } else if self.forms == Forms::AutoSubmitOnly
            && !page.to_ascii_lowercase().contains(".submit()")
        {
            return None;
        }
        // "Click" the autofocus button, else the first one (the logout page's
        // `logout=yes`; the device page's unnamed Continue, never `abort`).
        let button = form
            .buttons
            .iter()
            .find(|b| b.autofocus)
            .or_else(|| form.buttons.first());
        if let Some(b) = button
            && let Some(name) = &b.name
        {
            fields.push((name.clone(), b.value.clone().unwrap_or_default()));
        }
        let action = if form.action.is_empty() {
            base.clone()
        } else {
            base.join(&form.action).ok()?
        };
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter())
            .finish();
        if form.method_post {
            Some((http::Method::POST, action.to_string(), body))
        } else {
            let mut a = action;
            a.set_query(Some(&body));
            Some((http::Method::GET, a.to_string(), String::new()))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        reason = "tests: a failed unwrap is a failed test"
    )]

    use super::*;

    fn agent() -> Agent {
        let http = |_req: HttpRequest| async {
            Err::<oidc_core::HttpResponse, _>(oidc_core::HttpError::new(
                oidc_core::HttpErrorKind::Other,
            ))
        };
        Agent::new(Arc::new(http))
    }

    #[test]
    fn cookies_honour_their_path() {
        let a = agent();
        let mut h = http::HeaderMap::new();
        h.append(
            http::header::SET_COOKIE,
            http::HeaderValue::from_static("_interaction=u1; path=/interaction/u1; httponly"),
        );
        h.append(
            http::header::SET_COOKIE,
            http::HeaderValue::from_static("_session=s; path=/; httponly"),
        );
        let u = Url::parse("http://127.0.0.1:9/auth").unwrap();
        a.store_cookies(&u, &h);
        let at = |p: &str| a.cookie_header(&Url::parse(p).unwrap());
        assert_eq!(
            at("http://127.0.0.1:9/interaction/u1").as_deref(),
            Some("_interaction=u1; _session=s")
        );
        assert_eq!(
            at("http://127.0.0.1:9/interaction/u10").as_deref(),
            Some("_session=s")
        );
        let mut h = http::HeaderMap::new();
        h.append(
            http::header::SET_COOKIE,
            http::HeaderValue::from_static(
                "_session=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly",
            ),
        );
        a.store_cookies(&u, &h);
        assert_eq!(at("http://127.0.0.1:9/").as_deref(), None);
        let none = agent().without_cookies();
        none.store_cookies(&u, &h);
        assert_eq!(none.cookie_header(&u), None);
    }

    #[tokio::test]
    async fn a_transport_error_ends_the_run_and_is_reported() {
        let a = agent();
        let o = a.run("http://127.0.0.1:9/auth").await;
        assert_eq!(o.visited, ["http://127.0.0.1:9/auth"]);
        assert!(
            o.error
                .is_some_and(|e| e.starts_with("GET http://127.0.0.1:9/auth"))
        );
        assert_eq!(a.outcome().map(|o| o.visited.len()), Some(1));
        let refused = agent().loopback_only().run("http://example.com/").await;
        assert!(refused.trace.is_empty() && refused.error.is_some());
    }
}
