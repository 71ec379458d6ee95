//! Choosing a store by name (`--token-store file|keyring|none`).

use std::path::PathBuf;
use std::sync::Arc;

use crate::{FallbackStore, FileStore, KeyringStore, MemoryStore, TokenStore};

/// The kinds of store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StoreKind {
    /// [`FileStore`].
    #[default]
    File,
    /// [`KeyringStore`] behind a [`FallbackStore`].
    Keyring,
    /// [`MemoryStore`].
    None,
}

/// A name that is not a store kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a token store: use file, keyring or none")]
pub struct UnknownStoreKind(pub String);

impl std::str::FromStr for StoreKind {
    type Err = UnknownStoreKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "file" => Ok(Self::File),
            "keyring" => Ok(Self::Keyring),
            "none" => Ok(Self::None),
            _ => Err(UnknownStoreKind(s.to_owned())),
        }
    }
}

impl std::fmt::Display for StoreKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::File => "file",
            Self::Keyring => "keyring",
            Self::None => "none",
        })
    }
}

/// A store of `kind`; `dir` is the file store's directory (and, for the keyring, where the
/// lock files and the fallback copy live).
pub fn open(kind: StoreKind, dir: PathBuf) -> Arc<dyn TokenStore> {
    match kind {
        StoreKind::File => Arc::new(FileStore::new(dir)),
        StoreKind::Keyring => Arc::new(FallbackStore::new(
            KeyringStore::new(dir.clone()),
            FileStore::new(dir),
        )),
        StoreKind::None => Arc::new(MemoryStore::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in [StoreKind::File, StoreKind::Keyring, StoreKind::None] {
            assert_eq!(k.to_string().parse::<StoreKind>(), Ok(k));
        }
        assert_eq!(" Keyring ".parse::<StoreKind>(), Ok(StoreKind::Keyring));
        let e = "vault".parse::<StoreKind>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "`vault` is not a token store: use file, keyring or none"
        );
    }
}
