//! The error type of `oidc-store`.

use std::path::PathBuf;
use std::time::Duration;

/// What went wrong keeping a session.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A key is not a store key (64 hex digits or the like; see [`crate::store_key`]).
    #[error("`{0}` is not a valid store key: use letters, digits, `-` and `_` only")]
    InvalidKey(String),
    /// Reading or writing a file failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done ("cannot write", "cannot read", …).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's answer.
        #[source]
        source: std::io::Error,
    },
    /// The store's directory could be read or changed by someone else.
    #[error("refusing the token directory {}: {reason}; fix it with `{fix}`", path.display())]
    InsecureDirectory {
        /// The directory.
        path: PathBuf,
        /// What is wrong (owner or mode).
        reason: String,
        /// A command that fixes it.
        fix: String,
    },
    /// A stored entry could be read or changed by someone else, or is not a plain file.
    #[error("refusing the token file {}: {reason}; remove it (a fresh sign-in writes a new one) or fix it with `{fix}`", path.display())]
    InsecureEntry {
        /// The file.
        path: PathBuf,
        /// What is wrong (owner, mode, file type).
        reason: String,
        /// A command that fixes it.
        fix: String,
    },
    /// Another process held the entry's lock for longer than the caller could wait.
    #[error("another process kept the token lock {} for {waited:?}; it is still signing in or refreshing", path.display())]
    LockTimeout {
        /// The lock file.
        path: PathBuf,
        /// How long this process waited.
        waited: Duration,
    },
    /// A stored value could not be reassembled (a keyring value split over several
    /// credentials lost a part, or a part does not match).
    #[error("the stored value `{key}` is damaged: {reason}")]
    Damaged {
        /// The entry.
        key: String,
        /// What does not fit.
        reason: String,
    },
    /// The OS keyring refused or is not available.
    #[error("the OS keyring ({backend}) failed: {message}")]
    Keyring {
        /// Which keyring.
        backend: &'static str,
        /// Its answer.
        message: String,
    },
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
