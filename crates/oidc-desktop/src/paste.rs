//! Signing in when the browser cannot reach this machine (SSH, containers): the user pastes
//! the address the browser ended on, and it goes through the checks a redirect would.

use oidc_core::{AuthorizationResponse, IssuerUrl, RedirectUrl, ResponseMode, State};
use url::Url;

/// Lines the user pasted: each holds the address the browser ended on after the sign-in
/// (`http://127.0.0.1:PORT/callback?code=…&state=…`) or only its query string. Lines come
/// from wherever the application reads them (a terminal, a dialog) through the sender of
/// [`PastedAddresses::channel`]; dropping every sender means nothing more will be pasted
/// (the sign-in then waits for the loopback redirect alone).
#[derive(Debug)]
pub struct PastedAddresses {
    rx: tokio::sync::mpsc::Receiver<String>,
}

impl PastedAddresses {
    /// A source of pasted lines and the sender that feeds it.
    pub fn channel(buffer: usize) -> (tokio::sync::mpsc::Sender<String>, Self) {
        let (tx, rx) = tokio::sync::mpsc::channel(buffer.max(1));
        (tx, Self { rx })
    }

    /// The next line; `None` once every sender is gone.
    pub(crate) async fn next(&mut self) -> Option<String> {
        self.rx.recv().await
    }
}

/// What the sign-in expects of a pasted address.
pub(crate) struct Expected<'a> {
    pub(crate) redirect_uri: &'a RedirectUrl,
    pub(crate) state: &'a State,
    pub(crate) issuer: &'a IssuerUrl,
    pub(crate) iss_parameter_supported: bool,
}

/// A pasted response that passed the checks, and the response mode it carried.
#[derive(Debug)]
pub(crate) struct Pasted {
    pub(crate) response: AuthorizationResponse,
    pub(crate) mode: ResponseMode,
}

/// Checks one pasted line: the address of this sign-in (or a bare query), the right
/// `state`, and RFC 9207's `iss`. `Err` is a one-line reason for the user.
pub(crate) fn check_pasted(line: &str, e: &Expected<'_>) -> Result<Pasted, String> {
    let line = line.trim();
    if line.is_empty() {
        return Err("the line is empty".to_owned());
    }
    let (params, mode) = if line.starts_with("http://") || line.starts_with("https://") {
        let url = Url::parse(line).map_err(|_| "the line is not a valid address".to_owned())?;
        let want = e.redirect_uri.url();
        let same_place = url.scheme() == want.scheme()
            && url.host_str() == want.host_str()
            && url.path() == want.path()
            && (url.port_or_known_default() == want.port_or_known_default());
        if !same_place {
            return Err(format!(
                "this is not the address of this sign-in (expected {}…)",
                e.redirect_uri.as_str()
            ));
        }
        match (url.query(), url.fragment()) {
            (_, Some(f)) if !f.is_empty() => (f.to_owned(), ResponseMode::Fragment),
            (Some(q), _) => (q.to_owned(), ResponseMode::Query),
            _ => return Err("the address carries no sign-in response".to_owned()),
        }
    } else {
        let q = line.strip_prefix('?').unwrap_or(line);
        if !q.contains('=') {
            return Err(
                "paste the whole address the browser shows, or its part after `?`".to_owned(),
            );
        }
        (q.to_owned(), ResponseMode::Query)
    };
    let response = AuthorizationResponse::from_query(&params)
        .map_err(|err| format!("the response is malformed: {err}"))?;
    response.check_state(e.state).map_err(|_| {
        "its `state` is not this sign-in's (an old tab, or another sign-in)".to_owned()
    })?;
    response
        .check_error_iss(e.issuer, e.iss_parameter_supported)
        .map_err(|err| err.to_string())?;
    match response.to_result() {
        Ok(success) => success
            .check_iss(e.issuer, e.iss_parameter_supported)
            .map_err(|err| err.to_string())?,
        // An error response: its `iss` was checked above.
        Err(oidc_core::Error::Provider(_)) => {}
        // A success response that cannot be read (e.g. `expires_in=soon`) would end the
        // sign-in with an error; refused here, the user can paste the right line instead.
        Err(err) => return Err(format!("the response is malformed: {err}")),
    }
    Ok(Pasted { response, mode })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected<'a>(r: &'a RedirectUrl, s: &'a State, i: &'a IssuerUrl) -> Expected<'a> {
        Expected {
            redirect_uri: r,
            state: s,
            issuer: i,
            iss_parameter_supported: true,
        }
    }

    #[test]
    fn the_whole_address_or_its_query_is_accepted() {
        let r =
            RedirectUrl::new("http://127.0.0.1:5000/callback").unwrap_or_else(|e| panic!("{e}"));
        let s = State::new("st");
        let i = IssuerUrl::new("https://op.example").unwrap_or_else(|e| panic!("{e}"));
        let e = expected(&r, &s, &i);
        for line in [
            "http://127.0.0.1:5000/callback?code=c&state=st&iss=https%3A%2F%2Fop.example",
            "  ?code=c&state=st&iss=https%3A%2F%2Fop.example\n",
            "code=c&state=st&iss=https%3A%2F%2Fop.example",
            // An empty fragment (some browsers keep the `#`) leaves the query to read.
            "http://127.0.0.1:5000/callback?code=c&state=st&iss=https%3A%2F%2Fop.example#",
        ] {
            let p = check_pasted(line, &e).unwrap_or_else(|err| panic!("{line}: {err}"));
            assert_eq!(p.response.get("code"), Some("c"));
            assert_eq!(p.mode, ResponseMode::Query);
        }
        let p = check_pasted(
            "http://127.0.0.1:5000/callback#code=c&state=st&iss=https%3A%2F%2Fop.example",
            &e,
        )
        .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(p.mode, ResponseMode::Fragment);
        // a delivered provider error is the provider's answer
        let p = check_pasted(
            "error=access_denied&state=st&iss=https%3A%2F%2Fop.example",
            &e,
        )
        .unwrap_or_else(|err| panic!("{err}"));
        assert!(p.response.is_error());
    }

    #[test]
    fn lines_that_fail_a_check_are_refused_with_a_reason() {
        let r =
            RedirectUrl::new("http://127.0.0.1:5000/callback").unwrap_or_else(|e| panic!("{e}"));
        let s = State::new("st");
        let i = IssuerUrl::new("https://op.example").unwrap_or_else(|e| panic!("{e}"));
        let e = expected(&r, &s, &i);
        for (line, why) in [
            ("", "empty"),
            ("hello", "after `?`"),
            ("code=c&state=other&iss=https%3A%2F%2Fop.example", "state"),
            ("code=c&iss=https%3A%2F%2Fop.example", "state"),
            ("code=c&state=st", "iss"),
            ("code=c&state=st&iss=https%3A%2F%2Fevil.example", "iss"),
            ("error=access_denied&state=st", "iss"),
            (
                "http://127.0.0.1:5001/callback?code=c&state=st",
                "not the address",
            ),
            (
                "http://127.0.0.1:5000/other?code=c&state=st",
                "not the address",
            ),
            (
                "https://evil.example/callback?code=c&state=st",
                "not the address",
            ),
            ("http://127.0.0.1:5000/callback", "no sign-in response"),
            ("code=a&code=b&state=st", "malformed"),
        ] {
            let err = check_pasted(line, &e).expect_err(line);
            assert!(err.contains(why), "{line}: {err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn regression_lines_are_refused() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions/pasted");
        let r =
            RedirectUrl::new("http://127.0.0.1:8000/callback").unwrap_or_else(|e| panic!("{e}"));
        let s = State::new("fuzz-state");
        let i = IssuerUrl::new("https://op.example").unwrap_or_else(|e| panic!("{e}"));
        let e = expected(&r, &s, &i);
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|err| panic!("{err}")) {
            let path = entry.unwrap_or_else(|err| panic!("{err}")).path();
            let line = std::fs::read(&path).unwrap_or_else(|err| panic!("{err}"));
            let line = String::from_utf8_lossy(&line);
            if let Ok(p) = check_pasted(&line, &e) {
                panic!("{} was accepted: {:?}", path.display(), p.response);
            }
            seen += 1;
        }
        assert!(
            seen >= 1,
            "the regression lines went missing from {}",
            dir.display()
        );
    }

    #[test]
    fn a_success_line_that_cannot_be_read_is_refused() {
        let r =
            RedirectUrl::new("http://127.0.0.1:5000/callback").unwrap_or_else(|e| panic!("{e}"));
        let s = State::new("st");
        let i = IssuerUrl::new("https://op.example").unwrap_or_else(|e| panic!("{e}"));
        let mut e = expected(&r, &s, &i);
        e.iss_parameter_supported = false;
        let err = check_pasted("code=c&state=st&expires_in=soon", &e).expect_err("malformed");
        assert!(err.contains("malformed"), "{err}");
    }
}
