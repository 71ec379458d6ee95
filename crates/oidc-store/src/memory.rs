//! Memory only: a session lives as long as the process (`--token-store none`, containers).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::{Error, TokenStore, check_key};

/// In memory, for one process. Nothing reaches the disk; there is no cross-process lock
/// because no other process can see the entry.
#[derive(Debug, Default)]
pub struct MemoryStore(Mutex<HashMap<String, String>>);

impl MemoryStore {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        // A panic while holding this lock leaves a map of complete strings: still consistent.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl TokenStore for MemoryStore {
    fn load(&self, key: &str) -> Result<Option<String>, Error> {
        check_key(key)?;
        Ok(self.map().get(key).cloned())
    }
    fn save(&self, key: &str, value: &str) -> Result<(), Error> {
        check_key(key)?;
        self.map().insert(key.to_owned(), value.to_owned());
        Ok(())
    }
    fn remove(&self, key: &str) -> Result<bool, Error> {
        check_key(key)?;
        Ok(self.map().remove(key).is_some())
    }
    fn location(&self, _key: &str) -> String {
        "memory (this process only)".to_owned()
    }
}
