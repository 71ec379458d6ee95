//! The per-entry lock that lets many processes share one session.
//!
//! A separate `<key>.lock` file beside the entry, never the entry itself (the entry is
//! replaced by rename, and locking a data file breaks readers on Windows). The lock is the
//! operating system's advisory file lock (`File::try_lock`): it dies with the process that
//! holds it, so a process killed while refreshing never wedges the others.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::Error;
use crate::file::{check_private_dir, create_private_dir};

/// Held while one process re-reads, refreshes and writes back an entry. Dropping it (or the
/// process ending, however it ends) releases the lock.
#[derive(Debug)]
pub struct EntryLock {
    file: std::fs::File,
    path: PathBuf,
}

impl EntryLock {
    /// Takes the lock at `path`, waiting (by polling, never longer than `wait`) while another
    /// process holds it. The directory is created 0700 if missing and must be private.
    ///
    /// # Errors
    /// [`Error::LockTimeout`] when the wait ran out; [`Error::Io`] when the file cannot be
    /// opened; [`Error::InsecureDirectory`] as for [`crate::FileStore`].
    pub async fn acquire(path: &Path, wait: Duration) -> Result<Self, Error> {
        let file = open_lock_file(path)?;
        let start = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            match file.try_lock() {
                Ok(()) => {
                    return Ok(Self {
                        file,
                        path: path.to_owned(),
                    });
                }
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(Error::io("cannot lock", path, e));
                }
            }
            let waited = start.elapsed();
            if waited >= wait {
                return Err(Error::LockTimeout {
                    path: path.to_owned(),
                    waited,
                });
            }
            tokio::time::sleep(pause.min(wait - waited)).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for EntryLock {
    fn drop(&mut self) {
        // Closing the file releases the lock as well; unlocking first makes it immediate
        // even if the handle were duplicated.
        let _ = self.file.unlock();
    }
}

fn open_lock_file(path: &Path) -> Result<std::fs::File, Error> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
        check_private_dir(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    opts.open(path)
        .map_err(|e| Error::io("cannot open the lock file", path, e))
}
