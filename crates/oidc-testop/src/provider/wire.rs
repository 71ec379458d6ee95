//! A request as the endpoints see it, and what they answer.

use super::*;

/// A request as the endpoints see it.
pub(crate) struct Incoming {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) form: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
}

impl Incoming {
    pub(crate) fn new(parts: &http::request::Parts, body: &[u8]) -> Self {
        let headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let is_form = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.split(';').next().is_some_and(|m| {
                    m.trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                })
            });
        Self {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts
                .uri
                .query()
                .map(|q| form_decode(q.as_bytes()))
                .unwrap_or_default(),
            form: if is_form {
                form_decode(body)
            } else {
                Vec::new()
            },
            headers,
        }
    }

    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn is_post(&self) -> bool {
        self.method == "POST"
    }

    /// The parameters of the method: the form body for POST, the query otherwise.
    pub(super) fn params(&self) -> &[(String, String)] {
        if self.is_post() {
            &self.form
        } else {
            &self.query
        }
    }
}

/// What an endpoint answers.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) front_channel: Option<Box<FrontChannelResponse>>,
}

impl Reply {
    pub(super) fn new(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![("content-type", content_type.to_owned())],
            body,
            front_channel: None,
        }
    }

    pub(crate) fn text(status: u16, text: &str) -> Self {
        Self::new(
            status,
            "text/plain; charset=utf-8",
            text.as_bytes().to_vec(),
        )
    }

    pub(super) fn json(status: u16, value: &Value) -> Self {
        let mut r = Self::new(status, "application/json", value.to_string().into_bytes());
        r.headers.push(("cache-control", "no-store".into()));
        r
    }

    pub(super) fn html(status: u16, title: &str, body: &str) -> Self {
        let page = format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>{body}</body></html>\n",
            html_escape(title)
        );
        Self::new(status, "text/html; charset=utf-8", page.into_bytes())
    }

    /// An error page for requests that must not redirect (unknown client or redirect URI).
    pub(super) fn page_error(text: &str) -> Self {
        Self::html(
            400,
            "Invalid request",
            &format!(
                "<h1>Invalid request</h1><p id=\"error\">{}</p>",
                html_escape(text)
            ),
        )
    }

    pub(super) fn oauth_error(status: u16, error: &str, description: &str) -> Self {
        let mut r = Self::json(
            status,
            &json!({ "error": error, "error_description": description }),
        );
        if status == 401 {
            r.headers
                .push(("www-authenticate", "Basic realm=\"oidc-testop\"".into()));
        }
        r
    }

    pub(super) fn bearer_error(status: u16, error: &str, description: &str) -> Self {
        let mut r = Self::json(
            status,
            &json!({ "error": error, "error_description": description }),
        );
        r.headers.push((
            "www-authenticate",
            format!("Bearer error=\"{error}\", error_description=\"{description}\""),
        ));
        r
    }

    pub(super) fn redirect(location: String) -> Self {
        let mut r = Self::new(302, "text/plain; charset=utf-8", Vec::new());
        r.headers.push(("location", location));
        r
    }

    pub(super) fn method_not_allowed() -> Self {
        Self::text(405, "method not allowed")
    }
}
