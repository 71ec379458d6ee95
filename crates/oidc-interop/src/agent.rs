//! A scripted, JavaScript-free user agent for the real provider's pages: a cookie jar that
//! honours `Path`, manual redirects, and the provider's HTML forms (login, consent, device
//! confirmation, logout confirmation, `form_post` auto-submit), filled the way `flow.py`
//! of `shared/realop` fills them. The facade's [`testing::HttpAgent`] cannot do this yet:
//! it keeps no cookies, fills `username` rather than `login`, and stops on forms that do
//! not submit themselves (the consent form, the logout form whose button lives outside it).
//!
//! [`testing::HttpAgent`]: oidc_desktop::testing::HttpAgent

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oidc_desktop::core::{HttpClient, HttpRequest};
use oidc_desktop::{BrowserLauncher, LaunchError};
use url::Url;

/// What the agent does on the provider's login and consent pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Log in and consent.
    Approve,
    /// Follow the pages' `[ Cancel ]` link (the provider answers `access_denied`).
    Deny,
    /// Stop on a login or consent page without acting (to see which one the provider shows).
    Look,
}

/// What one navigation ended on.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outcome {
    /// Every request, as `METHOD url -> status`.
    pub(crate) trace: Vec<String>,
    /// The final URL.
    pub(crate) url: String,
    /// The final status.
    pub(crate) status: u16,
    /// The final body.
    pub(crate) body: String,
    /// Why the agent stopped early.
    pub(crate) error: Option<String>,
}

impl Outcome {
    /// Whether any request went to a URL containing `needle`.
    pub(crate) fn visited(&self, needle: &str) -> bool {
        self.trace.iter().any(|t| t.contains(needle))
    }
}

#[derive(Debug, Clone)]
struct Cookie {
    name: String,
    value: String,
    path: String,
}

/// The agent. Clones share the cookie jar (one "browser profile").
#[derive(Clone)]
pub(crate) struct Agent {
    http: Arc<dyn HttpClient>,
    jar: Arc<Mutex<Vec<Cookie>>>,
    login: String,
    mode: Mode,
    /// The provider's origin (`http://127.0.0.1:PORT`): any other `127.0.0.1` origin is the
    /// application's loopback listener, where navigation ends.
    op_origin: String,
    last: Arc<Mutex<Option<Outcome>>>,
    done: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("login", &self.login)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

const MAX_HOPS: usize = 30;

impl Agent {
    /// A new agent with an empty cookie jar.
    pub(crate) fn new(op_origin: &str, login: &str, mode: Mode) -> Result<Self, String> {
        let http = oidc_desktop::reqwest_transport::ReqwestClient::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| format!("agent HTTP client: {e}"))?;
        Ok(Self {
            http: Arc::new(http),
            jar: Arc::new(Mutex::new(Vec::new())),
            login: login.to_owned(),
            mode,
            op_origin: op_origin.trim_end_matches('/').to_owned(),
            last: Arc::new(Mutex::new(None)),
            done: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// The same cookie jar, another mode.
    pub(crate) fn with_mode(&self, mode: Mode) -> Self {
        let mut a = self.clone();
        a.mode = mode;
        a.last = Arc::new(Mutex::new(None));
        a.done = Arc::new(tokio::sync::Notify::new());
        a
    }

    fn is_loopback_app(&self, url: &Url) -> bool {
        url.host_str() == Some("127.0.0.1")
            && !url.as_str().starts_with(&format!("{}/", self.op_origin))
    }

    fn cookie_header(&self, url: &Url) -> Option<String> {
        let jar = self.jar.lock().ok()?;
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
        let Ok(mut jar) = self.jar.lock() else {
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
            let mut expired = false;
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

    /// Plays the browser from `url` until a page that is neither a redirect nor a form the
    /// agent submits, or until the application's loopback listener answered.
    pub(crate) async fn navigate(&self, url: &str) -> Outcome {
        let mut out = Outcome::default();
        let mut next = Some(("GET", url.to_owned(), String::new()));
        for _ in 0..MAX_HOPS {
            let Some((method, target, body)) = next.take() else {
                break;
            };
            let Ok(parsed) = Url::parse(&target) else {
                out.error = Some(format!("unparsable URL {target}"));
                break;
            };
            let mut req = HttpRequest::new(body.into_bytes());
            if method == "POST" {
                *req.method_mut() = http::Method::POST;
                req.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
            }
            let Ok(uri) = target.parse() else {
                out.error = Some(format!("unparsable URI {target}"));
                break;
            };
            *req.uri_mut() = uri;
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
                    break;
                }
            };
            self.store_cookies(&parsed, resp.headers());
            let status = resp.status().as_u16();
            out.trace.push(format!("{method} {target} -> {status}"));
            out.url.clone_from(&target);
            out.status = status;
            out.body = String::from_utf8_lossy(resp.body()).into_owned();
            if self.is_loopback_app(&parsed) {
                break;
            }
            if resp.status().is_redirection() {
                let loc = resp
                    .headers()
                    .get(http::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| parsed.join(l).ok());
                let Some(loc) = loc else {
                    out.error = Some("redirect without a usable Location".to_owned());
                    break;
                };
                if loc.fragment().is_some() && self.is_loopback_app(&loc) {
                    out.error = Some(
                        "the response came in the fragment, which a loopback listener never sees"
                            .to_owned(),
                    );
                    break;
                }
                next = Some(("GET", loc.to_string(), String::new()));
                continue;
            }
            if status != 200 {
                break;
            }
            next = self.next_step(&parsed, &out.body);
            if next.is_none() {
                break;
            }
        }
        if let Ok(mut l) = self.last.lock() {
            *l = Some(out.clone());
        }
        self.done.notify_waiters();
        out
    }

    /// What a user would do on this page.
    fn next_step(&self, base: &Url, page: &str) -> Option<(&'static str, String, String)> {
        let forms = parse_forms(page);
        let form = forms.first()?;
        let is_interaction = form.fields.iter().any(|(n, _)| n == "login")
            || form
                .fields
                .iter()
                .any(|(n, v)| n == "prompt" && v == "consent");
        if is_interaction && self.mode == Mode::Look {
            return None;
        }
        if is_interaction && self.mode == Mode::Deny {
            let abort = find_abort_link(page)?;
            return Some(("GET", base.join(&abort).ok()?.to_string(), String::new()));
        }
        let mut fields = form.fields.clone();
        for (n, v) in &mut fields {
            if n == "login" {
                v.clone_from(&self.login);
            } else if n == "password" {
                "any-password".clone_into(v);
            }
        }
        // "Click" the autofocus button, else the first one (flow.py's rule: the logout
        // page's `logout=yes`; the device page's unnamed Continue, never `abort`).
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
            Some(("POST", action.to_string(), body))
        } else {
            let mut a = action;
            a.set_query(Some(&body));
            Some(("GET", a.to_string(), String::new()))
        }
    }

    /// Waits (bounded) for the navigation a launch started.
    pub(crate) async fn finished(&self, limit: Duration) -> Option<Outcome> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.done.notified();
            if let Some(o) = self.last.lock().ok().and_then(|l| l.clone()) {
                return Some(o);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
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
        if let Ok(mut l) = self.last.lock() {
            *l = None;
        }
        let agent = self.clone();
        let url = url.to_owned();
        let handle = tokio::runtime::Handle::try_current()
            .map_err(|e| LaunchError::NoBrowser(std::io::Error::other(e)))?;
        handle.spawn(async move {
            agent.navigate(&url).await;
        });
        Ok(())
    }
}

#[derive(Debug, Clone, Default)]
struct Button {
    name: Option<String>,
    value: Option<String>,
    autofocus: bool,
}

#[derive(Debug, Clone, Default)]
struct Form {
    id: Option<String>,
    action: String,
    method_post: bool,
    fields: Vec<(String, String)>,
    buttons: Vec<Button>,
}

/// Tags of an HTML page, in order: `(lowercase name, raw attribute text)`, closing tags as
/// `/name`. Enough for the provider's server-rendered pages.
fn tags(page: &str) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let Some(end) = rest.find('>') else { break };
        let inner = &rest[..end];
        rest = &rest[end + 1..];
        let name_end = inner
            .find(|c: char| c.is_whitespace() || c == '/' && !inner.starts_with('/'))
            .unwrap_or(inner.len());
        let name = inner[..name_end].to_ascii_lowercase();
        if name.starts_with('!') {
            continue;
        }
        out.push((name, &inner[name_end..]));
    }
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let start = from + i;
        from = start + name.len();
        let before_ok = start == 0 || lower.as_bytes()[start - 1].is_ascii_whitespace();
        if !before_ok {
            continue;
        }
        let after = lower[from..].trim_start();
        if !after.starts_with('=') {
            // A bare attribute (`autofocus`, `required`).
            if after.is_empty()
                || after.starts_with(|c: char| c.is_whitespace() || c == '/' || c.is_alphabetic())
            {
                return Some(String::new());
            }
            continue;
        }
        let vstart = tag.len() - after.len() + 1;
        let v = tag[vstart..].trim_start();
        let value = match v.chars().next() {
            Some(q @ ('"' | '\'')) => v[1..].split(q).next().unwrap_or(""),
            _ => v.split(|c: char| c.is_whitespace()).next().unwrap_or(""),
        };
        return Some(unescape(value));
    }
    None
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn parse_forms(page: &str) -> Vec<Form> {
    let mut forms: Vec<Form> = Vec::new();
    let mut orphans: Vec<(String, Button)> = Vec::new();
    let mut open = false;
    for (name, a) in tags(page) {
        match name.as_str() {
            "form" => {
                forms.push(Form {
                    id: attr(a, "id"),
                    action: attr(a, "action").unwrap_or_default(),
                    method_post: attr(a, "method").is_some_and(|m| m.eq_ignore_ascii_case("post")),
                    ..Form::default()
                });
                open = true;
            }
            "/form" => open = false,
            "input" if open => {
                let t = attr(a, "type").unwrap_or_else(|| "text".to_owned());
                let t = t.to_ascii_lowercase();
                if let Some(n) = attr(a, "name")
                    && !matches!(t.as_str(), "submit" | "button" | "image" | "reset")
                    && let Some(f) = forms.last_mut()
                {
                    f.fields.push((n, attr(a, "value").unwrap_or_default()));
                }
            }
            "button" => {
                let t = attr(a, "type").unwrap_or_else(|| "submit".to_owned());
                if !t.eq_ignore_ascii_case("submit") {
                    continue;
                }
                let b = Button {
                    name: attr(a, "name"),
                    value: attr(a, "value"),
                    autofocus: attr(a, "autofocus").is_some(),
                };
                if let Some(owner) = attr(a, "form") {
                    orphans.push((owner, b));
                } else if open && let Some(f) = forms.last_mut() {
                    f.buttons.push(b);
                }
            }
            _ => {}
        }
    }
    for (owner, b) in orphans {
        if let Some(f) = forms.iter_mut().find(|f| f.id.as_deref() == Some(&owner)) {
            f.buttons.push(b);
        }
    }
    forms
}

fn find_abort_link(page: &str) -> Option<String> {
    tags(page)
        .into_iter()
        .filter(|(n, _)| n == "a")
        .filter_map(|(_, a)| attr(a, "href"))
        .find(|h| h.ends_with("/abort"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_providers_forms() {
        let login = r#"<form autocomplete="off" action="http://127.0.0.1:9/interaction/u1" method="post">
  <input type="hidden" name="prompt" value="login"/>
  <input required type="text" name="login" placeholder="Enter any login" autofocus="on">
  <input required type="password" name="password" placeholder="and password" >
  <button type="submit" class="login login-submit">Sign-in</button>
</form><div class="login-help"><a href="http://127.0.0.1:9/interaction/u1/abort">[ Cancel ]</a></div>"#;
        let f = &parse_forms(login)[0];
        assert!(f.method_post);
        assert_eq!(f.action, "http://127.0.0.1:9/interaction/u1");
        let names: Vec<&str> = f.fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["prompt", "login", "password"]);
        assert_eq!(
            find_abort_link(login).as_deref(),
            Some("http://127.0.0.1:9/interaction/u1/abort")
        );

        let logout = r#"<form id="op.logoutForm" method="post" action="/session/end/confirm"><input type="hidden" name="xsrf" value="x1"/></form>
        <button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
        <button type="submit" form="op.logoutForm">No, stay signed in</button>"#;
        let f = &parse_forms(logout)[0];
        assert_eq!(f.fields, [("xsrf".to_owned(), "x1".to_owned())]);
        assert_eq!(f.buttons.len(), 2);
        assert!(f.buttons[0].autofocus);
        assert_eq!(f.buttons[0].name.as_deref(), Some("logout"));

        let device = r#"<form id="op.deviceConfirmForm" method="post" action="http://127.0.0.1:9/device">
<input type="hidden" name="xsrf" value="a&amp;b"/><input type="hidden" name="confirm" value="yes"/></form>
<button autofocus type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">[ Abort ]</button>"#;
        let f = &parse_forms(device)[0];
        assert_eq!(f.fields[0].1, "a&b");
        assert!(f.buttons[0].autofocus && f.buttons[0].name.is_none());
    }

    #[test]
    fn cookies_honour_their_path() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let _g = rt.enter();
        let a = Agent::new("http://127.0.0.1:9", "alice", Mode::Approve).expect("agent");
        let mut h = http::HeaderMap::new();
        h.append(
            http::header::SET_COOKIE,
            http::HeaderValue::from_static("_interaction=u1; path=/interaction/u1; httponly"),
        );
        h.append(
            http::header::SET_COOKIE,
            http::HeaderValue::from_static("_session=s; path=/; httponly"),
        );
        let u = Url::parse("http://127.0.0.1:9/auth").expect("url");
        a.store_cookies(&u, &h);
        let at = |p: &str| a.cookie_header(&Url::parse(p).expect("url"));
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
    }
}
