//! Shared wire helpers: form bodies, request assembly, response checks.

use oidc_core::{HttpRequest, HttpResponse};
use serde_json::{Map, Value};
use url::Url;

use crate::{Endpoint, Error, Result};

/// The default limit on response bodies: 1 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;

pub(crate) const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// An ordered list of form parameters.
#[derive(Default)]
pub(crate) struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn push(&mut self, name: &str, value: &str) {
        self.pairs.push((name.to_owned(), value.to_owned()));
    }

    pub(crate) fn push_opt(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.push(name, v);
        }
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (n, v) in &self.pairs {
            s.append_pair(n, v);
        }
        s.finish().into_bytes()
    }
}

/// A POST with a form body and `Accept: application/json`.
pub(crate) fn form_post(
    endpoint: Endpoint,
    url: &Url,
    form: &Form,
    authorization: Option<&str>,
) -> Result<HttpRequest> {
    let mut b = http::Request::builder()
        .method(http::Method::POST)
        .uri(url.as_str())
        .header(http::header::CONTENT_TYPE, FORM_CONTENT_TYPE)
        .header(http::header::ACCEPT, "application/json");
    if let Some(a) = authorization {
        b = b.header(http::header::AUTHORIZATION, a);
    }
    b.body(form.encode())
        .map_err(|source| Error::BuildRequest { endpoint, source })
}

/// The media type of the response, lower-cased, without parameters.
pub(crate) fn media_type(resp: &HttpResponse) -> Option<String> {
    let v = resp.headers().get(http::header::CONTENT_TYPE)?;
    let s = String::from_utf8_lossy(v.as_bytes());
    let main = s
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    Some(main)
}

pub(crate) fn is_json_media(m: &str) -> bool {
    m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
}

/// Refuses bodies over `limit`.
pub(crate) fn check_size(endpoint: Endpoint, resp: &HttpResponse, limit: usize) -> Result<()> {
    let size = resp.body().len();
    if size > limit {
        return Err(Error::ResponseTooLarge {
            endpoint,
            size: Some(size),
            limit: Some(limit),
        });
    }
    Ok(())
}

/// Size check, then status: 5xx, OAuth error bodies, other non-2xx.
pub(crate) fn check_size_and_status(
    endpoint: Endpoint,
    resp: &HttpResponse,
    limit: usize,
) -> Result<()> {
    check_size(endpoint, resp, limit)?;
    let status = resp.status();
    if status.is_server_error() {
        return Err(Error::ServerError {
            endpoint,
            status: status.as_u16(),
        });
    }
    if !status.is_success() {
        if let Some(e) = oauth_error(endpoint, resp) {
            return Err(e);
        }
        return Err(Error::UnexpectedStatus {
            endpoint,
            status: status.as_u16(),
        });
    }
    Ok(())
}

/// An RFC 6749 §5.2 error body, if the response is one.
pub(crate) fn oauth_error(endpoint: Endpoint, resp: &HttpResponse) -> Option<Error> {
    let obj: Map<String, Value> = serde_json::from_slice(resp.body()).ok()?;
    oauth_error_from(endpoint, resp.status().as_u16(), &obj)
}

pub(crate) fn oauth_error_from(
    endpoint: Endpoint,
    status: u16,
    obj: &Map<String, Value>,
) -> Option<Error> {
    let error = obj.get("error")?.as_str()?.to_owned();
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    Some(Error::TokenEndpoint {
        endpoint,
        status,
        error,
        error_description: text("error_description"),
        error_uri: text("error_uri"),
    })
}

/// Full check of a JSON endpoint response; returns the JSON object.
pub(crate) fn json_object(
    endpoint: Endpoint,
    resp: &HttpResponse,
    limit: usize,
) -> Result<Map<String, Value>> {
    check_size_and_status(endpoint, resp, limit)?;
    // An absent content type is tolerated (the body must still be JSON); a present one must
    // be JSON.
    if let Some(m) = media_type(resp)
        && !is_json_media(&m)
    {
        return Err(Error::UnexpectedContentType {
            endpoint,
            found: Some(m),
            expected: "application/json",
        });
    }
    let obj: Map<String, Value> = serde_json::from_slice(resp.body())
        .map_err(|source| Error::InvalidJson { endpoint, source })?;
    // Some providers answer errors with HTTP 200.
    if let Some(e) = oauth_error_from(endpoint, resp.status().as_u16(), &obj) {
        return Err(e);
    }
    Ok(obj)
}

/// Takes a required string member.
pub(crate) fn take_string(
    endpoint: Endpoint,
    obj: &mut Map<String, Value>,
    field: &'static str,
) -> Result<String> {
    match obj.remove(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(Value::String(_)) => Err(Error::InvalidField {
            endpoint,
            field,
            reason: "empty string",
        }),
        Some(_) => Err(Error::InvalidField {
            endpoint,
            field,
            reason: "not a string",
        }),
        None => Err(Error::MissingField { endpoint, field }),
    }
}

/// Takes an optional string member (`null` counts as absent).
pub(crate) fn take_opt_string(
    endpoint: Endpoint,
    obj: &mut Map<String, Value>,
    field: &'static str,
) -> Result<Option<String>> {
    match obj.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::InvalidField {
            endpoint,
            field,
            reason: "not a string",
        }),
    }
}

/// Takes an optional non-negative integer member; `lenient_string` also accepts `"3600"`.
pub(crate) fn take_opt_seconds(
    endpoint: Endpoint,
    obj: &mut Map<String, Value>,
    field: &'static str,
    lenient_string: bool,
) -> Result<Option<u64>> {
    let invalid = |reason| Error::InvalidField {
        endpoint,
        field,
        reason,
    };
    match obj.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(u) = n.as_u64() {
                Ok(Some(u))
            } else {
                Err(invalid("not a non-negative integer"))
            }
        }
        Some(Value::String(s)) if lenient_string => s
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| invalid("a string that is not a non-negative integer")),
        Some(Value::String(_)) => Err(invalid(
            "a string, not a number (enable accept_string_expires_in for this provider)",
        )),
        Some(_) => Err(invalid("not a number")),
    }
}

/// Seconds from now, saturating.
pub(crate) fn add_secs(now: i64, secs: u64) -> i64 {
    now.saturating_add(i64::try_from(secs).unwrap_or(i64::MAX))
}
