//! The OS keyring as a [`TokenStore`]: macOS Keychain, Windows Credential Manager, Secret
//! Service (GNOME Keyring, KWallet) on a Linux desktop, else the kernel keyutils store.
//!
//! Each entry is the credential (service `oidc-desktop`, account = the store key); a value
//! larger than the backend's limit is split over several credentials ([`chunk`]). Keyring
//! calls run on a thread of their own, bounded in time, so a keyring that never answers (a
//! Secret Service waiting for an unlock prompt nobody sees) becomes an error, not a hang.

mod backend;
pub(crate) mod chunk;

use std::path::PathBuf;
use std::time::Duration;

pub use backend::KeyringBackend;

use crate::{Error, TokenStore, check_key};
use backend::Vault;

/// The service name every credential is stored under.
pub const SERVICE: &str = "oidc-desktop";

/// The OS keyring, with lock files in a directory (keyring entries need cross-process
/// locking as much as files do).
#[derive(Debug)]
pub struct KeyringStore {
    vault: Vault,
    lock_dir: PathBuf,
    part_limit: usize,
}

impl KeyringStore {
    /// The platform's keyring; on Linux the Secret Service when a session bus answers, else
    /// the kernel keyutils store. `lock_dir` holds the lock files (the file store's
    /// directory by default).
    pub fn new(lock_dir: impl Into<PathBuf>) -> Self {
        Self::with_backend(KeyringBackend::detect(), lock_dir)
    }

    /// A given backend (tests exercise each one).
    pub fn with_backend(backend: KeyringBackend, lock_dir: impl Into<PathBuf>) -> Self {
        let part_limit = backend.part_limit();
        Self {
            vault: Vault::new(backend),
            lock_dir: lock_dir.into(),
            part_limit,
        }
    }

    /// Splits values longer than `limit` bytes over several credentials (the default is the
    /// backend's own limit; tests use small ones).
    #[must_use]
    pub fn with_part_limit(mut self, limit: usize) -> Self {
        self.part_limit = limit.max(16);
        self
    }

    /// How long one keyring call may take (default 30 s: a desktop keyring may show an
    /// unlock prompt).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.vault.timeout = timeout;
        self
    }

    /// The backend in use.
    pub fn backend(&self) -> KeyringBackend {
        self.vault.backend
    }
}

impl TokenStore for KeyringStore {
    fn load(&self, key: &str) -> Result<Option<String>, Error> {
        check_key(key)?;
        chunk::load(&self.vault, key)
    }

    fn save(&self, key: &str, value: &str) -> Result<(), Error> {
        check_key(key)?;
        chunk::save(&self.vault, key, value, self.part_limit)
    }

    fn remove(&self, key: &str) -> Result<bool, Error> {
        check_key(key)?;
        chunk::remove(&self.vault, key)
    }

    fn lock_path(&self, key: &str) -> Option<PathBuf> {
        check_key(key).ok()?;
        Some(self.lock_dir.join(format!("{key}.lock")))
    }

    fn location(&self, key: &str) -> String {
        format!(
            "OS keyring ({}), service {SERVICE}, account {key}",
            self.vault.backend
        )
    }
}
