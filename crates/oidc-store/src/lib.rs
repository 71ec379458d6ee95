//! Where a signed-in session is kept between runs, and how several processes share it.
//!
//! - [`TokenStore`] is the seam: load, save and remove a serialized session by key.
//! - [`FileStore`] (the default) keeps one 0600 file per entry in a private directory and
//!   refuses directories and files other users could read or change.
//! - [`KeyringStore`] keeps it in the OS keyring (Keychain, Credential Manager, Secret
//!   Service, kernel keyutils), splitting values too large for one credential;
//!   [`FallbackStore`] puts the file store behind it, with one warning, for a keyring that
//!   fails.
//! - [`MemoryStore`] keeps nothing beyond the process (containers, `--token-store none`).
//! - [`StoreKind`] and [`open`] choose one by name.
//! - [`EntryLock`] is the per-entry lock file: whoever holds it re-reads the entry and only
//!   then refreshes, so concurrent processes never replay one refresh token.
//!
//! ```
//! use oidc_store::{FileStore, TokenStore, store_key};
//!
//! let dir = tempfile::tempdir()?;
//! let store = FileStore::new(dir.path().join("tokens"));
//! let key = store_key("https://op.example", "my-app", "openid");
//! store.save(&key, r#"{"access_token":"…"}"#)?;
//! assert_eq!(store.load(&key)?.as_deref(), Some(r#"{"access_token":"…"}"#));
//! assert!(store.remove(&key)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod fallback;
mod file;
mod keyring;
mod kind;
mod lock;
mod memory;

use std::path::PathBuf;

pub use error::Error;
pub use fallback::FallbackStore;
pub use file::FileStore;
pub use keyring::{KeyringBackend, KeyringStore, SERVICE};
pub use kind::{StoreKind, UnknownStoreKind, open};
pub use lock::EntryLock;
pub use memory::MemoryStore;

/// Keeps serialized sessions by key.
///
/// Keys are made by [`store_key`]: letters, digits, `-` and `_` only, so every backend can use
/// them as a file or credential name. Values are JSON text holding secrets; a backend keeps
/// them from other users.
pub trait TokenStore: Send + Sync + std::fmt::Debug {
    /// The stored value for `key`, if any.
    fn load(&self, key: &str) -> Result<Option<String>, Error>;
    /// Stores `value` under `key`, replacing any earlier value atomically: a concurrent
    /// reader sees the old value or the new one, never a mixture.
    fn save(&self, key: &str, value: &str) -> Result<(), Error>;
    /// Forgets `key`; true when there was a value.
    fn remove(&self, key: &str) -> Result<bool, Error>;
    /// The lock file that processes sharing `key` coordinate on, or `None` when no other
    /// process can see this store's entries (memory).
    fn lock_path(&self, key: &str) -> Option<PathBuf> {
        let _ = key;
        None
    }
    /// Where `key` lives, for messages: a file's path, or a description such as
    /// "memory (this process only)".
    fn location(&self, key: &str) -> String;
}

/// The key of a session: SHA-256 over issuer, client id, scope and an optional account
/// label, hex-encoded — a safe file or credential name that reveals none of them.
pub fn store_key(issuer: &str, client_id: &str, scope: &str) -> String {
    hex_digest(&format!("{issuer}\n{client_id}\n{scope}"))
}

/// [`store_key`] for one of several accounts of the same client ("work", "personal").
pub fn account_store_key(issuer: &str, client_id: &str, scope: &str, account: &str) -> String {
    // A scope has no newline, so the label cannot collide with another scope's key.
    hex_digest(&format!(
        "{issuer}\n{client_id}\n{scope}\naccount={account}"
    ))
}

fn hex_digest(input: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, input.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Refuses keys that could escape a directory or a credential namespace.
pub(crate) fn check_key(key: &str) -> Result<(), Error> {
    if key.is_empty()
        || key.len() > 128
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::InvalidKey(key.chars().take(80).collect()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_hex_and_separate_accounts() {
        let k = store_key("https://op", "app", "openid");
        assert_eq!(k.len(), 64);
        assert!(check_key(&k).is_ok());
        assert_eq!(k, store_key("https://op", "app", "openid"));
        assert_ne!(k, store_key("https://op", "app", "openid email"));
        let w = account_store_key("https://op", "app", "openid", "work");
        assert_ne!(w, k);
        assert_ne!(w, account_store_key("https://op", "app", "openid", "home"));
    }

    #[test]
    fn bad_keys_are_refused() {
        for k in ["", "../x", "a/b", "a.b", "a b", &"x".repeat(129)] {
            assert!(matches!(check_key(k), Err(Error::InvalidKey(_))), "{k}");
        }
    }

    #[test]
    fn memory_store_round_trip() {
        let s = MemoryStore::default();
        assert_eq!(s.load("a").unwrap(), None);
        s.save("a", "1").unwrap();
        s.save("a", "2").unwrap();
        assert_eq!(s.load("a").unwrap().as_deref(), Some("2"));
        assert!(s.lock_path("a").is_none());
        assert!(s.remove("a").unwrap());
        assert!(!s.remove("a").unwrap());
        assert_eq!(s.load("a").unwrap(), None);
    }
}
