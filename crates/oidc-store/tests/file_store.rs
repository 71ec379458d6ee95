//! The file store's hardening, on a real file system.

#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::os::unix::fs::PermissionsExt as _;
use std::time::Duration;

use oidc_store::{EntryLock, Error, FileStore, TokenStore as _};

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn entries_are_private_and_replaced_atomically() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("a").join("tokens");
    let s = FileStore::new(&dir);
    assert_eq!(
        s.load("k1").unwrap(),
        None,
        "a missing directory is an empty store"
    );
    s.save("k1", "{\"a\":1}").unwrap();
    s.save("k1", "{\"a\":2}").unwrap();
    assert_eq!(s.load("k1").unwrap().as_deref(), Some("{\"a\":2}"));
    assert_eq!(mode(&dir.join("k1.json")), 0o600);
    assert_eq!(mode(&dir), 0o700);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(matches!(
        s.save("../escape", "x"),
        Err(Error::InvalidKey(_))
    ));
    assert!(s.remove("k1").unwrap());
    assert!(!s.remove("k1").unwrap());
}

#[test]
fn an_open_directory_is_refused_with_the_fix() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("tokens");
    let s = FileStore::new(&dir);
    s.save("k", "v").unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let e = s.load("k").unwrap_err();
    assert!(matches!(e, Error::InsecureDirectory { .. }), "{e}");
    assert!(e.to_string().contains("chmod 700"), "{e}");
    assert!(matches!(
        s.save("k", "w"),
        Err(Error::InsecureDirectory { .. })
    ));
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(s.load("k").unwrap().as_deref(), Some("v"));
}

#[test]
fn a_readable_entry_is_refused_with_the_fix() {
    let root = tempfile::tempdir().unwrap();
    let s = FileStore::new(root.path().join("t"));
    s.save("k", "v").unwrap();
    let p = s.entry_path("k").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = s.load("k").unwrap_err();
    assert!(matches!(e, Error::InsecureEntry { .. }), "{e}");
    assert!(e.to_string().contains("chmod 600"), "{e}");
}

#[test]
fn a_symlinked_entry_is_not_followed() {
    let root = tempfile::tempdir().unwrap();
    let s = FileStore::new(root.path().join("t"));
    s.save("other", "secret of another entry").unwrap();
    let target = s.entry_path("other").unwrap();
    std::os::unix::fs::symlink(&target, s.entry_path("k").unwrap()).unwrap();
    let e = s.load("k").unwrap_err();
    assert!(matches!(e, Error::InsecureEntry { .. }), "{e}");
    // Saving replaces the link itself (rename), never writes through it.
    s.save("k", "mine").unwrap();
    assert_eq!(s.load("k").unwrap().as_deref(), Some("mine"));
    assert_eq!(
        s.load("other").unwrap().as_deref(),
        Some("secret of another entry")
    );
}

#[test]
fn a_damaged_write_leaves_the_old_value() {
    // A directory where the entry should be makes the rename fail after the temporary file
    // was written: the error names the file and no temporary file is left behind.
    let root = tempfile::tempdir().unwrap();
    let s = FileStore::new(root.path().join("t"));
    s.save("k", "old").unwrap();
    std::fs::create_dir(root.path().join("t").join("d.json")).unwrap();
    std::fs::write(root.path().join("t").join("d.json").join("x"), "x").unwrap();
    let e = s.save("d", "new").unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
    let tmp = std::fs::read_dir(root.path().join("t"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".tmp")
        })
        .count();
    assert_eq!(tmp, 0);
    assert_eq!(s.load("k").unwrap().as_deref(), Some("old"));
}

#[tokio::test]
async fn the_lock_excludes_and_times_out() {
    let root = tempfile::tempdir().unwrap();
    let s = FileStore::new(root.path().join("t"));
    let path = oidc_store::TokenStore::lock_path(&s, "k").unwrap();
    let held = EntryLock::acquire(&path, Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(mode(&path), 0o600);
    let e = EntryLock::acquire(&path, Duration::from_millis(120))
        .await
        .unwrap_err();
    match e {
        Error::LockTimeout { waited, .. } => assert!(waited >= Duration::from_millis(120)),
        other => panic!("{other}"),
    }
    let waiter = tokio::spawn({
        let path = path.clone();
        async move { EntryLock::acquire(&path, Duration::from_secs(5)).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(held);
    waiter.await.unwrap().unwrap();
}
