//! The default store: one 0600 file per entry in a 0700 directory the user owns.
//!
//! Hardening against other local users: the directory must belong to the user and be closed
//! to group and others (else [`Error::InsecureDirectory`] says how to fix it); entries are
//! opened without following symbolic links and refused unless they are plain files of the
//! user with mode 0600 or stricter; writes go to a temporary file created exclusively under an
//! unpredictable name, synced, then renamed over the entry, so a reader sees the old or the
//! new value and a process killed mid-write leaves the entry intact.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use crate::{Error, TokenStore, check_key};

/// Files in a directory, one per key (`<key>.json`), with a lock file per key
/// (`<key>.lock`) for [`crate::EntryLock`].
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// A store in `dir` (created with mode 0700 when missing).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The user's cache directory for this tool: `$XDG_CACHE_HOME/oidc-desktop`, else
    /// `~/.cache/oidc-desktop` (on Windows `%LOCALAPPDATA%\oidc-desktop`).
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
            return Some(PathBuf::from(x).join("oidc-desktop"));
        }
        if cfg!(windows)
            && let Some(x) = std::env::var_os("LOCALAPPDATA").filter(|x| !x.is_empty())
        {
            return Some(PathBuf::from(x).join("oidc-desktop"));
        }
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".cache").join("oidc-desktop"))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of `key`.
    pub fn entry_path(&self, key: &str) -> Result<PathBuf, Error> {
        check_key(key)?;
        Ok(self.dir.join(format!("{key}.json")))
    }

    /// The directory, created (0700) when missing, checked when present.
    fn ready_dir(&self) -> Result<&Path, Error> {
        create_private_dir(&self.dir)?;
        check_private_dir(&self.dir)?;
        Ok(&self.dir)
    }
}

/// Creates `dir` and its missing parents; the directory itself gets mode 0700.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), Error> {
    if dir.is_dir() {
        return Ok(());
    }
    #[cfg(unix)]
    let r = {
        use std::os::unix::fs::DirBuilderExt as _;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    };
    #[cfg(not(unix))]
    let r = std::fs::create_dir_all(dir);
    r.map_err(|e| Error::io("cannot create the token directory", dir, e))
}

/// Refuses a directory another user owns or that group or others may enter.
pub(crate) fn check_private_dir(dir: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let m = std::fs::metadata(dir)
            .map_err(|e| Error::io("cannot inspect the token directory", dir, e))?;
        let me = rustix::process::geteuid().as_raw();
        if m.uid() != me {
            return Err(Error::InsecureDirectory {
                path: dir.to_owned(),
                reason: format!("it belongs to user id {}, not to you ({me})", m.uid()),
                fix: format!("mv {0} {0}.old", dir.display()),
            });
        }
        if m.mode() & 0o077 != 0 {
            return Err(Error::InsecureDirectory {
                path: dir.to_owned(),
                reason: format!(
                    "its mode {:o} lets other users in; it must be 700",
                    m.mode() & 0o777
                ),
                fix: format!("chmod 700 {}", dir.display()),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Opens an existing file for reading without following a symbolic link.
#[cfg(unix)]
fn open_nofollow(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(not(unix))]
fn open_nofollow(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Refuses an entry that is not a plain file of the user with mode 0600 or stricter.
fn check_private_file(path: &Path, file: &std::fs::File) -> Result<(), Error> {
    let m = file
        .metadata()
        .map_err(|e| Error::io("cannot inspect", path, e))?;
    if !m.is_file() {
        return Err(Error::InsecureEntry {
            path: path.to_owned(),
            reason: "it is not a plain file".to_owned(),
            fix: format!("rm {}", path.display()),
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let me = rustix::process::geteuid().as_raw();
        if m.uid() != me {
            return Err(Error::InsecureEntry {
                path: path.to_owned(),
                reason: format!("it belongs to user id {}, not to you ({me})", m.uid()),
                fix: format!("rm {}", path.display()),
            });
        }
        if m.mode() & 0o077 != 0 {
            return Err(Error::InsecureEntry {
                path: path.to_owned(),
                reason: format!(
                    "its mode {:o} lets other users read or change it",
                    m.mode() & 0o777
                ),
                fix: format!("chmod 600 {}", path.display()),
            });
        }
    }
    Ok(())
}

/// Creates a new file exclusively (never an existing file, never through a link), mode 0600.
pub(crate) fn create_exclusive(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    opts.open(path)
}

/// 16 random bytes, hex: a temporary name nobody can predict.
pub(crate) fn unpredictable_name() -> String {
    use ring::rand::SecureRandom as _;
    let mut b = [0u8; 16];
    // The system generator failing leaves zeros; the exclusive create then still refuses to
    // reuse or follow anything that exists, so the name's secrecy is defence in depth only.
    let _ = ring::rand::SystemRandom::new().fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Reads a file written by [`write_atomically`], checking ownership and mode.
pub(crate) fn read_private(path: &Path) -> Result<Option<String>, Error> {
    let mut f = match open_nofollow(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(Error::InsecureEntry {
                path: path.to_owned(),
                reason: "it is a symbolic link".to_owned(),
                fix: format!("rm {}", path.display()),
            });
        }
        Err(e) => return Err(Error::io("cannot read", path, e)),
    };
    check_private_file(path, &f)?;
    let mut s = String::new();
    f.read_to_string(&mut s)
        .map_err(|e| Error::io("cannot read", path, e))?;
    Ok(Some(s))
}

/// Writes `value` to `path` through an exclusive temporary file in the same directory and a
/// rename. On any failure the temporary file is removed and `path` keeps its old value.
pub(crate) fn write_atomically(dir: &Path, path: &Path, value: &str) -> Result<(), Error> {
    let tmp = dir.join(format!(".tmp-{}", unpredictable_name()));
    let written = (|| {
        let mut f = create_exclusive(&tmp)?;
        f.write_all(value.as_bytes())?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io("cannot write", path, e));
    }
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io("cannot replace", path, e));
    }
    // Make the rename itself durable where the platform allows syncing a directory.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

impl TokenStore for FileStore {
    fn load(&self, key: &str) -> Result<Option<String>, Error> {
        let path = self.entry_path(key)?;
        if !self.dir.exists() {
            return Ok(None);
        }
        check_private_dir(&self.dir)?;
        read_private(&path)
    }

    fn save(&self, key: &str, value: &str) -> Result<(), Error> {
        let path = self.entry_path(key)?;
        let dir = self.ready_dir()?;
        write_atomically(dir, &path, value)
    }

    fn remove(&self, key: &str) -> Result<bool, Error> {
        let path = self.entry_path(key)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io("cannot remove", path, e)),
        }
    }

    fn lock_path(&self, key: &str) -> Option<PathBuf> {
        check_key(key).ok()?;
        Some(self.dir.join(format!("{key}.lock")))
    }

    fn location(&self, key: &str) -> String {
        match self.entry_path(key) {
            Ok(p) => p.display().to_string(),
            Err(_) => format!("directory {}", self.dir.display()),
        }
    }
}
