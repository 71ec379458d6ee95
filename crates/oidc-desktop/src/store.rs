//! Token storage: where a session (refresh token included) is kept between runs.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Keeps serialized sessions by key. Keys are derived from issuer, client and scope
/// ([`store_key`]).
pub trait TokenStore: Send + Sync {
    /// The stored value for `key`, if any.
    fn load(&self, key: &str) -> std::io::Result<Option<String>>;
    /// Stores `value` under `key`, replacing any earlier value atomically.
    fn save(&self, key: &str, value: &str) -> std::io::Result<()>;
    /// Forgets `key`.
    fn remove(&self, key: &str) -> std::io::Result<()>;
}

/// The key of a session: a SHA-256 over issuer, client id and scope, hex-encoded (so it is a
/// safe file name and reveals nothing).
pub fn store_key(issuer: &str, client_id: &str, scope: &str) -> String {
    let input = format!("{issuer}\n{client_id}\n{scope}");
    let d = ring::digest::digest(&ring::digest::SHA256, input.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// In memory, for one process (the default).
#[derive(Debug, Default)]
pub struct MemoryStore(Mutex<HashMap<String, String>>);

impl TokenStore for MemoryStore {
    fn load(&self, key: &str) -> std::io::Result<Option<String>> {
        Ok(self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("store poisoned"))?
            .get(key)
            .cloned())
    }
    fn save(&self, key: &str, value: &str) -> std::io::Result<()> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("store poisoned"))?
            .insert(key.to_owned(), value.to_owned());
        Ok(())
    }
    fn remove(&self, key: &str) -> std::io::Result<()> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("store poisoned"))?
            .remove(key);
        Ok(())
    }
}

/// Files in a directory, one per key, readable and writable by the owner only (0600 on
/// Unix), written atomically (temporary file + rename).
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// A store in `dir` (created with 0700 when missing).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The user's cache directory for this tool: `$XDG_CACHE_HOME/oidc-desktop`, else
    /// `~/.cache/oidc-desktop`.
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
            return Some(PathBuf::from(x).join("oidc-desktop"));
        }
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("oidc-desktop"))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> std::io::Result<PathBuf> {
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "invalid store key",
            ));
        }
        Ok(self.dir.join(format!("{key}.json")))
    }
}

#[cfg(unix)]
fn restrict(opts: &mut std::fs::OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt as _;
    opts.mode(0o600);
}

#[cfg(not(unix))]
fn restrict(_: &mut std::fs::OpenOptions) {}

fn create_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

impl TokenStore for FileStore {
    fn load(&self, key: &str) -> std::io::Result<Option<String>> {
        match std::fs::read_to_string(self.path(key)?) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn save(&self, key: &str, value: &str) -> std::io::Result<()> {
        create_dir(&self.dir)?;
        let path = self.path(key)?;
        let tmp = self.dir.join(format!(".{key}.{}.tmp", std::process::id()));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        restrict(&mut opts);
        let mut f = opts.open(&tmp)?;
        f.write_all(value.as_bytes())?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, &path)
    }

    fn remove(&self, key: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_hex() {
        let k = store_key("https://op", "app", "openid");
        assert_eq!(k.len(), 64);
        assert_eq!(k, store_key("https://op", "app", "openid"));
        assert_ne!(k, store_key("https://op", "app", "openid email"));
    }

    #[test]
    fn memory_store() {
        let s = MemoryStore::default();
        assert_eq!(s.load("a").unwrap(), None);
        s.save("a", "1").unwrap();
        s.save("a", "2").unwrap();
        assert_eq!(s.load("a").unwrap().as_deref(), Some("2"));
        s.remove("a").unwrap();
        assert_eq!(s.load("a").unwrap(), None);
    }

    #[test]
    fn file_store_is_private_and_atomic() {
        let dir = std::env::temp_dir().join(format!("oidc-desktop-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let s = FileStore::new(&dir);
        s.save("k1", "{\"a\":1}").unwrap();
        assert_eq!(s.load("k1").unwrap().as_deref(), Some("{\"a\":1}"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.join("k1.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            let dmode = std::fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(dmode & 0o777, 0o700);
        }
        assert!(s.save("../escape", "x").is_err());
        s.remove("k1").unwrap();
        s.remove("k1").unwrap();
        assert_eq!(s.load("k1").unwrap(), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
