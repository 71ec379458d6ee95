//! What goes to stdout: one JSON object, a text summary, or a kubectl ExecCredential; and
//! the error object with its exit status.

use std::io::Write as _;

use oidc_desktop::Session;
use serde_json::{Map, Value, json};

use crate::cli::OutputFormat;
use crate::commands::Ctx;

/// The provider's `error`, `error_description` and `error_uri`.
pub(crate) type ProviderError = (String, Option<String>, Option<String>);

/// A failure, as the output contract reports it.
#[derive(Debug, Clone)]
pub(crate) struct CliError {
    /// A stable snake_case name (`issuer_mismatch`, `usage`, …).
    pub(crate) kind: String,
    /// The OIDCDesktop code (900–940), 0 when the table has none.
    pub(crate) code: u16,
    /// What happened, for people.
    pub(crate) message: String,
    /// The provider's `error`, `error_description`, `error_uri`.
    pub(crate) provider: Option<Box<ProviderError>>,
    /// The exit status.
    pub(crate) exit: u8,
}

/// Exit status of a usage error.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit status of a failed or refused operation.
pub(crate) const EXIT_FAILED: u8 = 1;
/// Exit status after Ctrl-C.
pub(crate) const EXIT_CANCELLED: u8 = 130;

impl CliError {
    /// A command-line error (exit 2).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self {
            kind: "usage".to_owned(),
            code: 0,
            message: message.into(),
            provider: None,
            exit: EXIT_USAGE,
        }
    }

    /// Another failure without a code (exit 1).
    pub(crate) fn other(kind: &str, message: impl Into<String>) -> Self {
        Self {
            kind: kind.to_owned(),
            code: 0,
            message: message.into(),
            provider: None,
            exit: EXIT_FAILED,
        }
    }

    /// Ctrl-C (exit 130).
    pub(crate) fn cancelled() -> Self {
        Self {
            kind: "cancelled".to_owned(),
            code: 940,
            message: "cancelled by the user (Ctrl-C)".to_owned(),
            provider: None,
            exit: EXIT_CANCELLED,
        }
    }

    /// The same error reported as a usage error (exit 2).
    pub(crate) fn into_usage(mut self) -> Self {
        self.exit = EXIT_USAGE;
        self
    }

    /// The JSON object `{"error":{…}}`.
    pub(crate) fn to_json(&self) -> Value {
        let mut e = Map::new();
        e.insert("code".into(), json!(self.code));
        e.insert("kind".into(), json!(self.kind));
        e.insert("message".into(), json!(self.message));
        if let Some(p) = &self.provider {
            let (error, description, uri) = &**p;
            e.insert("provider_error".into(), json!(error));
            if let Some(d) = description {
                e.insert("provider_error_description".into(), json!(d));
            }
            if let Some(u) = uri {
                e.insert("provider_error_uri".into(), json!(u));
            }
        }
        json!({ "error": e })
    }
}

/// The message of an error and of its sources, without repeating what is already said.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        let t = x.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = x.source();
    }
    s
}

impl From<oidc_desktop::Error> for CliError {
    fn from(e: oidc_desktop::Error) -> Self {
        let exit = match &e {
            oidc_desktop::Error::Interrupted => EXIT_CANCELLED,
            oidc_desktop::Error::Config(_) => EXIT_USAGE,
            _ => EXIT_FAILED,
        };
        Self {
            kind: e.kind().to_owned(),
            code: e.code(),
            message: chain(&e),
            provider: e
                .provider_error()
                .map(|p| Box::new((p.error, p.error_description, p.error_uri))),
            exit,
        }
    }
}

/// What a command produced.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// A signed-in user (login, refresh, device, demo).
    Session {
        /// The session.
        session: Box<Session>,
        /// UserInfo fetched separately (for a session restored from the cache).
        userinfo: Option<Value>,
        /// The one-line summary of text mode.
        headline: String,
    },
    /// One value printed alone on stdout whatever the format (`token`).
    Raw(String),
    /// Any other result: one JSON object, and a title for text mode.
    Json {
        /// The object printed in JSON mode.
        value: Value,
        /// The first line of text mode.
        title: String,
    },
}

/// The session as the output contract's success object.
pub(crate) fn session_json(s: &Session, userinfo: Option<&Value>) -> Value {
    let mut m = Map::new();
    if let Some(t) = s.access_token() {
        m.insert("access_token".into(), json!(t.secret()));
    }
    if let Some(t) = s.token_type() {
        m.insert("token_type".into(), json!(t));
    }
    if let Some(e) = s.expires_at() {
        m.insert("expires_at".into(), json!(e));
    }
    if let Some(t) = s.refresh_token() {
        m.insert("refresh_token".into(), json!(t.secret()));
    }
    if let Some(t) = s.id_token() {
        m.insert("id_token".into(), json!(t.secret()));
    }
    if let Some(t) = s.scope() {
        m.insert("scope".into(), json!(t));
    }
    if let Some(jkt) = s.dpop_thumbprint() {
        m.insert("dpop_jkt".into(), json!(jkt));
    }
    if s.is_from_store() {
        // Validated when obtained; read back from the token store, not validated again.
        m.insert("from_cache".into(), json!(true));
    }
    if let Some(c) = s.claims() {
        m.insert("id_token_claims".into(), c.json().clone());
    }
    let ui = userinfo
        .cloned()
        .or_else(|| s.userinfo().map(|u| u.json().clone()));
    if let Some(u) = ui {
        m.insert("userinfo".into(), u);
    }
    Value::Object(m)
}

/// The kubectl ExecCredential (client.authentication.k8s.io/v1) for a session: the ID token
/// as the bearer token, expiring with the ID token.
pub(crate) fn exec_credential(s: &Session) -> Result<Value, CliError> {
    let Some(id_token) = s.id_token() else {
        return Err(CliError {
            kind: "missing_id_token".to_owned(),
            code: 901,
            message: "the session has no ID token to hand to kubectl".to_owned(),
            provider: None,
            exit: EXIT_FAILED,
        });
    };
    let mut status = Map::new();
    status.insert("token".into(), json!(id_token.secret()));
    let exp = s.claims().and_then(|c| c.exp).or_else(|| s.expires_at());
    if let Some(exp) = exp {
        status.insert("expirationTimestamp".into(), json!(rfc3339(exp)));
    }
    Ok(json!({
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "status": status,
    }))
}

/// Unix seconds as an RFC 3339 UTC timestamp (`2023-11-14T22:13:20Z`).
pub(crate) fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, mi, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

fn masked(secret: &str, show: bool) -> String {
    if show {
        secret.to_owned()
    } else {
        format!(
            "[hidden: {} characters; --show-secrets shows it]",
            secret.chars().count()
        )
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}

fn session_text(s: &Session, userinfo: Option<&Value>, headline: &str, show: bool) -> String {
    let mut out = format!("{headline}\n");
    let user = s.user();
    let who = match (&user.name, &user.email) {
        (Some(n), Some(e)) => format!("{n} <{e}>"),
        (Some(n), None) => n.clone(),
        (None, Some(e)) => e.clone(),
        (None, None) => String::new(),
    };
    if let Some(sub) = &user.sub {
        if who.is_empty() {
            out.push_str(&format!("  user:          sub {sub}\n"));
        } else {
            out.push_str(&format!("  user:          {who} (sub {sub})\n"));
        }
    }
    out.push_str(&format!("  issuer:        {}\n", s.issuer()));
    if let Some(t) = s.token_type() {
        out.push_str(&format!("  token type:    {t}\n"));
    }
    if let Some(e) = s.expires_at() {
        let left = e - now_unix();
        let when = if left >= 0 {
            format!("in {} min {} s", left / 60, left % 60)
        } else {
            "expired".to_owned()
        };
        out.push_str(&format!("  expires at:    {} ({when})\n", rfc3339(e)));
    }
    if let Some(sc) = s.scope() {
        out.push_str(&format!("  scope:         {sc}\n"));
    }
    if let Some(t) = s.access_token() {
        out.push_str(&format!("  access token:  {}\n", masked(t.secret(), show)));
    }
    if let Some(t) = s.refresh_token() {
        out.push_str(&format!("  refresh token: {}\n", masked(t.secret(), show)));
    }
    if let Some(t) = s.id_token() {
        out.push_str(&format!("  ID token:      {}\n", masked(t.secret(), show)));
    }
    if let Some(c) = s.claims() {
        out.push_str("ID token claims (validated):\n");
        out.push_str(&indent(&pretty(c.json())));
    }
    let ui = userinfo
        .cloned()
        .or_else(|| s.userinfo().map(|u| u.json().clone()));
    if let Some(u) = ui {
        out.push_str("UserInfo:\n");
        out.push_str(&indent(&pretty(&u)));
    }
    out
}

fn write_stdout(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::other("output", format!("cannot write to stdout: {e}")))
}

/// Prints a command's result in the chosen format.
pub(crate) fn print_outcome(outcome: &Outcome, ctx: &Ctx) -> Result<(), CliError> {
    match (outcome, ctx.format) {
        (
            Outcome::Session {
                session, userinfo, ..
            },
            OutputFormat::Json,
        ) => write_stdout(&format!("{}\n", session_json(session, userinfo.as_ref()))),
        (Outcome::Session { session, .. }, OutputFormat::ExecCredential) => {
            let v = exec_credential(session)?;
            write_stdout(&format!("{v}\n"))
        }
        (
            Outcome::Session {
                session,
                userinfo,
                headline,
            },
            OutputFormat::Text,
        ) => write_stdout(&session_text(
            session,
            userinfo.as_ref(),
            headline,
            ctx.show_secrets,
        )),
        (Outcome::Raw(v), _) => write_stdout(&format!("{v}\n")),
        (Outcome::Json { value, .. }, OutputFormat::Json | OutputFormat::ExecCredential) => {
            write_stdout(&format!("{value}\n"))
        }
        (Outcome::Json { value, title }, OutputFormat::Text) => {
            write_stdout(&format!("{title}\n{}", indent(&pretty(value))))
        }
    }
}

/// Prints `{"error":…}` on stdout.
pub(crate) fn print_error_json(err: &CliError) {
    let _ = write_stdout(&format!("{}\n", err.to_json()));
}

/// Reports an error: JSON on stdout in the JSON formats, a message on stderr in text mode.
pub(crate) fn print_error(err: &CliError, format: OutputFormat) {
    match format {
        OutputFormat::Json | OutputFormat::ExecCredential => {
            print_error_json(err);
            // For the person watching a piped run: one line on stderr too.
            eprintln!("oidc-desktop: {} [{}]: {}", err.kind, err.code, err.message);
        }
        OutputFormat::Text => {
            let code = if err.code == 0 {
                String::new()
            } else {
                format!(" [{}]", err.code)
            };
            eprintln!("error ({}){code}: {}", err.kind, err.message);
            if let Some(p) = &err.provider {
                let (e, d, u) = &**p;
                eprintln!("  the provider said: {e}");
                if let Some(d) = d {
                    eprintln!("  {d}");
                }
                if let Some(u) = u {
                    eprintln!("  see {u}");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn error_objects_carry_the_provider_error() {
        let mut e = CliError::other("authorization_error", "refused");
        e.code = 940;
        e.provider = Some(Box::new(("access_denied".into(), Some("no".into()), None)));
        let v = e.to_json();
        assert_eq!(v["error"]["code"], 940);
        assert_eq!(v["error"]["kind"], "authorization_error");
        assert_eq!(v["error"]["provider_error"], "access_denied");
        assert_eq!(v["error"]["provider_error_description"], "no");
        assert!(v["error"].get("provider_error_uri").is_none());
        assert_eq!(CliError::usage("x").exit, 2);
        assert_eq!(CliError::cancelled().exit, 130);
    }

    #[test]
    fn secrets_are_masked_unless_asked() {
        assert!(!masked("tok-secret", false).contains("tok-secret"));
        assert_eq!(masked("tok-secret", true), "tok-secret");
    }
}
