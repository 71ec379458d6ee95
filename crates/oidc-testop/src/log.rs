//! The request log: every request the provider received, and what it answered on the
//! front channel.

use oidc_core::ResponseMode;

use crate::Endpoint;

/// An authorization response the provider sent through the browser.
///
/// For `form_post` a scripted agent without JavaScript can POST [`Self::params`] to
/// [`Self::redirect_uri`] itself, exactly as the auto-submitting form would.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FrontChannelResponse {
    /// The redirect URI as the client sent it (with its port).
    pub redirect_uri: String,
    /// How the response travelled.
    pub mode: ResponseMode,
    /// The parameters (`code`, `id_token`, `access_token`, `state`, `iss`, `error`, ...).
    pub params: Vec<(String, String)>,
    /// The full redirect target for `query` and `fragment` (the `Location` header).
    pub location: Option<String>,
}

impl FrontChannelResponse {
    /// A parameter's value.
    pub fn param(&self, name: &str) -> Option<&str> {
        find(&self.params, name)
    }
}

/// One request the provider received.
///
/// Header values are recorded as sent (a test provider's log holds the client's secrets:
/// it is for assertions, not for printing).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// Position in the log, from 0.
    pub seq: usize,
    /// The endpoint the path maps to.
    pub endpoint: Endpoint,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// Query parameters, in order.
    pub query: Vec<(String, String)>,
    /// Form body parameters (for `application/x-www-form-urlencoded` bodies), in order.
    pub form: Vec<(String, String)>,
    /// Headers, names in lower case, in order.
    pub headers: Vec<(String, String)>,
    /// The HTTP status answered (500 when the handler panicked).
    pub status: u16,
    /// For authorization (and login) requests: the authorization response sent back.
    pub front_channel: Option<FrontChannelResponse>,
}

impl RecordedRequest {
    /// A parameter from the query, else from the form body.
    pub fn param(&self, name: &str) -> Option<&str> {
        find(&self.query, name).or_else(|| find(&self.form, name))
    }

    /// A header's value (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) fn find<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, v)| n == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}
