//! The keyring first, the file store when the keyring fails: one warning, never silent,
//! never losing the session.

use std::path::PathBuf;
use std::sync::Mutex;

use crate::{Error, FileStore, KeyringStore, TokenStore};

/// [`KeyringStore`] with [`FileStore`] behind it.
///
/// - `save` goes to the keyring; when that fails, to the file (and the reason is kept for
///   [`Self::fell_back`] and logged once). A later successful keyring save removes the file
///   copy, so no stale session lingers on disk.
/// - `load` reads the keyring, then the file (an entry written during an earlier fallback is
///   still found); a keyring that fails to answer is a fallback too.
/// - the lock files live in the file store's directory.
#[derive(Debug)]
pub struct FallbackStore {
    keyring: KeyringStore,
    file: FileStore,
    fell_back: Mutex<Option<String>>,
}

impl FallbackStore {
    /// The keyring, falling back to `file`.
    pub fn new(keyring: KeyringStore, file: FileStore) -> Self {
        Self {
            keyring,
            file,
            fell_back: Mutex::new(None),
        }
    }

    /// Why the file store was used instead of the keyring, once that happened.
    pub fn fell_back(&self) -> Option<String> {
        self.reason().clone()
    }

    fn reason(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        // A panic while holding the lock leaves a complete Option<String>.
        self.fell_back
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn note(&self, e: &Error) {
        let mut r = self.reason();
        if r.is_none() {
            tracing::warn!(
                "the OS keyring failed ({e}); keeping the session in {} instead",
                self.file.dir().display()
            );
            *r = Some(e.to_string());
        }
    }
}

impl TokenStore for FallbackStore {
    fn load(&self, key: &str) -> Result<Option<String>, Error> {
        match self.keyring.load(key) {
            Ok(Some(v)) => Ok(Some(v)),
            Ok(None) => self.file.load(key),
            // A damaged keyring value is the keyring's answer, not a failure to reach it.
            Err(e @ Error::Damaged { .. }) => Err(e),
            Err(e) => {
                self.note(&e);
                self.file.load(key)
            }
        }
    }

    fn save(&self, key: &str, value: &str) -> Result<(), Error> {
        match self.keyring.save(key, value) {
            Ok(()) => {
                if let Err(e) = self.file.remove(key) {
                    tracing::warn!("cannot remove the file copy of a keyring entry: {e}");
                }
                Ok(())
            }
            Err(e) => {
                self.note(&e);
                self.file.save(key, value)
            }
        }
    }

    fn remove(&self, key: &str) -> Result<bool, Error> {
        let in_keyring = match self.keyring.remove(key) {
            Ok(found) => found,
            Err(e) => {
                self.note(&e);
                false
            }
        };
        Ok(self.file.remove(key)? || in_keyring)
    }

    fn lock_path(&self, key: &str) -> Option<PathBuf> {
        self.file.lock_path(key)
    }

    fn location(&self, key: &str) -> String {
        match self.fell_back() {
            Some(why) => format!("{} (the OS keyring failed: {why})", self.file.location(key)),
            None => self.keyring.location(key),
        }
    }
}
