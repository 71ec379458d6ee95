//! The error type of `oidc-loopback`.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use oidc_core::ErrorCode;

use crate::Refusal;

/// What went wrong while binding the loopback server or waiting for the redirect.
///
/// Every variant maps to the OIDCDesktop code 940 ("authorization response processing error,
/// or the authorization response timed out") through [`Error::code`]; [`Error::kind`] tells
/// them apart with a stable name.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configured address is not a loopback address (RFC 8252 §8.3 forbids listening on
    /// anything else, and a wildcard address would expose the redirect to the network).
    #[error(
        "refusing to listen on {ip}: the redirect server only binds a loopback address (127.0.0.1 or ::1)"
    )]
    NotLoopback {
        /// The address that was configured.
        ip: IpAddr,
    },
    /// The configured fixed port is taken by another socket.
    #[error(
        "port {port} on {ip} is in use by another program; the redirect URI registered at the provider needs this exact port, so stop that program (find it with `lsof -nP -iTCP:{port} -sTCP:LISTEN`, `ss -ltnp 'sport = :{port}'` or `netstat -ano | findstr :{port}`) or register and use another port"
    )]
    PortInUse {
        /// The loopback address.
        ip: IpAddr,
        /// The busy port.
        port: u16,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Every port of the configured list is taken by other sockets.
    #[error(
        "ports {} on {ip} are all in use by other programs; the provider accepts only the registered ports, so stop one of those programs (find them with `lsof -nP -iTCP -sTCP:LISTEN` or `ss -ltnp`) or register another port",
        .ports.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    PortsInUse {
        /// The loopback address.
        ip: IpAddr,
        /// The ports tried, in order, all busy.
        ports: Vec<u16>,
    },
    /// Binding failed for another reason (no loopback address at all, privileged port, ...).
    #[error("cannot listen on {addr}: {source}")]
    BindFailed {
        /// The address that was tried.
        addr: SocketAddr,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The configured callback path cannot be part of a redirect URI as given.
    #[error("callback path `{path}` is not acceptable: {reason}")]
    InvalidPath {
        /// The path as configured.
        path: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A URL given to [`LoopbackConfig::success_redirect`](crate::LoopbackConfig::success_redirect)
    /// or [`LoopbackConfig::failure_redirect`](crate::LoopbackConfig::failure_redirect) is
    /// not an `https` URL nor an `http` URL on `127.0.0.1` or `[::1]`.
    #[error("{setting} URL `{url}` is not acceptable: {reason}")]
    InvalidBrowserRedirect {
        /// The setting: `success_redirect` or `failure_redirect`.
        setting: &'static str,
        /// The URL as given (without a user name or password, if it carried one).
        url: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The HTTPS certificate or key could not be loaded.
    #[error("the loopback HTTPS identity is not usable: {what}")]
    InvalidTlsIdentity {
        /// What is wrong with it.
        what: &'static str,
        /// The underlying PEM or rustls error, if any.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// No acceptable authorization response arrived within the timeout (error code 940).
    #[error(
        "no authorization response arrived within {after:?}{}",
        match (refused, last_refusal) {
            (0, _) | (_, None) => String::new(),
            (n, Some(r)) => format!(" ({n} response(s) were refused; the last because {r})"),
        }
    )]
    Timeout {
        /// The timeout that elapsed.
        after: Duration,
        /// How many responses reached the callback path but were refused (wrong or missing
        /// `state`, malformed parameters) while waiting.
        refused: u32,
        /// Why the last one was refused.
        last_refusal: Option<Refusal>,
    },
    /// The wait was cancelled through a [`CancelHandle`](crate::CancelHandle) or the server
    /// was shut down.
    #[error("waiting for the authorization response was cancelled")]
    Cancelled,
    /// The server no longer listens: its one response was already delivered, or it stopped
    /// after a timeout, so no further response can arrive.
    #[error("the loopback server has stopped; no further authorization response can arrive")]
    Closed,
}

impl Error {
    /// The OIDCDesktop error code: 940 (authorization response error or timeout) for every
    /// variant.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::AuthorizationError
    }

    /// A stable snake_case name of the error kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotLoopback { .. } => "not_loopback",
            Error::PortInUse { .. } | Error::PortsInUse { .. } => "port_in_use",
            Error::BindFailed { .. } => "bind_failed",
            Error::InvalidPath { .. } => "invalid_path",
            Error::InvalidBrowserRedirect { .. } => "invalid_browser_redirect",
            Error::InvalidTlsIdentity { .. } => "invalid_tls_identity",
            Error::Timeout { .. } => "timeout",
            Error::Cancelled => "cancelled",
            Error::Closed => "closed",
        }
    }

    /// Whether this is [`Error::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Whether this is [`Error::Cancelled`].
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Error::Cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_codes() {
        let io = || std::io::Error::from(std::io::ErrorKind::AddrInUse);
        let cases: Vec<(Error, &str)> = vec![
            (
                Error::NotLoopback {
                    ip: "0.0.0.0".parse().unwrap(),
                },
                "not_loopback",
            ),
            (
                Error::PortInUse {
                    ip: "127.0.0.1".parse().unwrap(),
                    port: 8765,
                    source: io(),
                },
                "port_in_use",
            ),
            (
                Error::BindFailed {
                    addr: "[::1]:0".parse().unwrap(),
                    source: io(),
                },
                "bind_failed",
            ),
            (
                Error::InvalidPath {
                    path: "x".into(),
                    reason: "r",
                },
                "invalid_path",
            ),
            (
                Error::InvalidBrowserRedirect {
                    setting: "success_redirect",
                    url: "http://localhost/".into(),
                    reason: "r",
                },
                "invalid_browser_redirect",
            ),
            (
                Error::InvalidTlsIdentity {
                    what: "w",
                    source: None,
                },
                "invalid_tls_identity",
            ),
            (
                Error::Timeout {
                    after: Duration::from_secs(1),
                    refused: 2,
                    last_refusal: Some(Refusal::StateMismatch),
                },
                "timeout",
            ),
            (Error::Cancelled, "cancelled"),
            (Error::Closed, "closed"),
        ];
        for (e, kind) in cases {
            assert_eq!(e.kind(), kind);
            assert_eq!(e.code().as_u16(), 940);
            assert!(!e.to_string().is_empty());
        }
        let e = Error::PortInUse {
            ip: "127.0.0.1".parse().unwrap(),
            port: 8765,
            source: io(),
        };
        assert!(e.to_string().contains("8765"));
        let t = Error::Timeout {
            after: Duration::from_secs(1),
            refused: 2,
            last_refusal: Some(Refusal::StateMismatch),
        };
        assert!(t.is_timeout() && !t.is_cancelled());
        assert!(t.to_string().contains("2 response(s) were refused"));
    }
}
