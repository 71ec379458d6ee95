//! An HTTP response made from fuzz bytes: a status, a content type and a body.

use oidc_core::HttpResponse;

const STATUSES: [u16; 8] = [200, 200, 200, 400, 401, 403, 500, 302];
const CONTENT_TYPES: [Option<&str>; 8] = [
    Some("application/json"),
    Some("application/json; charset=utf-8"),
    Some("application/jwt"),
    Some("application/jwk-set+json"),
    Some("text/html"),
    Some("application/x-www-form-urlencoded"),
    Some("APPLICATION/JSON"),
    None,
];

/// The first byte picks the status and content type (mostly 200 and JSON), the second
/// whether a `WWW-Authenticate` challenge is set, the rest is the body.
pub(crate) fn response(data: &[u8]) -> HttpResponse {
    let (head, body) = data.split_at(data.len().min(2));
    let pick = head.first().copied().unwrap_or(0);
    let status = STATUSES[usize::from(pick & 7)];
    let content_type = CONTENT_TYPES[usize::from(pick >> 3 & 7)];
    let mut builder = http::Response::builder().status(status);
    if let Some(ct) = content_type {
        builder = builder.header("content-type", ct);
    }
    if head.get(1).is_some_and(|b| b & 1 == 1) {
        builder = builder.header(
            "www-authenticate",
            r#"Bearer error="invalid_token", error_description="expired""#,
        );
    }
    match builder.body(body.to_vec()) {
        Ok(r) => r,
        // Every status and header above is valid: the builder cannot fail.
        Err(e) => panic!("fuzz harness built an invalid response: {e}"),
    }
}
