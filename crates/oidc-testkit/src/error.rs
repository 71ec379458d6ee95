//! The kit's one error type.

use std::path::PathBuf;

/// Why the kit could not do what a test asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No Chromium binary was found.
    #[error(
        "headless Chromium not found ($CHROMIUM, /usr/bin/chromium, chromium or chromium-browser on PATH): apt-get install -y chromium, or set CHROMIUM=/path/to/chromium"
    )]
    ChromiumNotFound,
    /// `$CHROMIUM` names no file.
    #[error("CHROMIUM={0} is not a file")]
    ChromiumNotAFile(PathBuf),
    /// A program the kit needs is not on `PATH`.
    #[error("{0} not found on PATH")]
    MissingProgram(&'static str),
    /// The real provider's folder has no `start.sh`.
    #[error("the real provider's folder {0} has no start.sh (set OIDC_REALOP_DIR)")]
    RealOpMissing(PathBuf),
    /// The real provider did not start.
    #[error("the real provider did not start: {0}")]
    RealOpStart(String),
    /// A child process could not be started or waited for.
    #[error("{program}: {source}")]
    Spawn {
        /// The program (as shown by `Command`'s `Debug`).
        program: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// A child did not finish within its limit.
    #[error("{what} did not finish within {limit:?}")]
    Timeout {
        /// What was waited for.
        what: String,
        /// The limit.
        limit: std::time::Duration,
    },
    /// A file-system operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// No tokio runtime to run the scripted agent on.
    #[error("no tokio runtime: {0}")]
    NoRuntime(String),
}
