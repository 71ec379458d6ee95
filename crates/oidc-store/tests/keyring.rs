//! The OS keyring store on real backends: the kernel keyutils store, and a real GNOME
//! Keyring (Secret Service) started on a private D-Bus session for the test. No mocks.

#![cfg(target_os = "linux")]
#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]
#![allow(clippy::print_stderr, reason = "a child test says what it is")]

use std::process::Command;

use oidc_store::{Error, FallbackStore, FileStore, KeyringBackend, KeyringStore, TokenStore as _};

const CHILD: &str = "OIDC_STORE_KEYRING_CHILD";

/// A key no other run uses.
fn unique(tag: &str) -> String {
    format!(
        "test-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

/// Round trip, replace, an oversize value split and reassembled, a lost part detected,
/// keys independent, removal — on `backend`.
fn exercise(backend: KeyringBackend) {
    let dir = tempfile::tempdir().unwrap();
    let store = KeyringStore::with_backend(backend, dir.path().join("locks")).with_part_limit(100);
    assert_eq!(store.backend(), backend);
    let (a, b) = (unique("a"), unique("b"));
    assert_eq!(store.load(&a).unwrap(), None);
    store.save(&a, r#"{"access_token":"one"}"#).unwrap();
    store.save(&b, "other").unwrap();
    assert_eq!(
        store.load(&a).unwrap().as_deref(),
        Some(r#"{"access_token":"one"}"#)
    );
    store.save(&a, "two").unwrap();
    assert_eq!(store.load(&a).unwrap().as_deref(), Some("two"));
    // 1,000 bytes over parts of 100: split, reassembled, and replaced again.
    let big: String = (0..1_000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    store.save(&a, &big).unwrap();
    assert_eq!(store.load(&a).unwrap().as_deref(), Some(big.as_str()));
    let bigger = format!("{big}{big}é");
    store.save(&a, &bigger).unwrap();
    assert_eq!(store.load(&a).unwrap().as_deref(), Some(bigger.as_str()));
    assert_eq!(store.load(&b).unwrap().as_deref(), Some("other"));
    assert!(store.location(&a).contains(&backend.to_string()));
    assert!(store.lock_path(&a).unwrap().starts_with(dir.path()));
    // A part lost behind the store's back: an error that says so, never a wrong value.
    let head = raw_entry(backend, &a).get_password().unwrap();
    let generation = head.split(' ').nth(2).unwrap().to_owned();
    delete_raw(backend, &format!("{a}.{generation}.3"));
    let e = store.load(&a).unwrap_err();
    assert!(matches!(e, Error::Damaged { .. }), "{e}");
    assert!(e.to_string().contains("part 4"), "{e}");
    // Removing takes the head and the remaining parts.
    assert!(store.remove(&a).unwrap());
    assert!(!store.remove(&a).unwrap());
    assert_eq!(store.load(&a).unwrap(), None);
    assert!(store.remove(&b).unwrap());
}

/// Deletes one raw credential through the keyring crate itself.
fn delete_raw(backend: KeyringBackend, account: &str) {
    raw_entry(backend, account).delete_credential().unwrap();
}

/// One raw credential, through the keyring crate itself.
fn raw_entry(backend: KeyringBackend, account: &str) -> keyring::Entry {
    let cred: Box<keyring::Credential> = match backend {
        KeyringBackend::SecretService => Box::new(
            keyring::secret_service::SsCredential::new_with_target(None, "oidc-desktop", account)
                .unwrap(),
        ),
        _ => {
            linux_keyutils::KeyRing::from_special_id(
                linux_keyutils::KeyRingIdentifier::Session,
                true,
            )
            .unwrap();
            Box::new(
                keyring::keyutils::KeyutilsCredential::new_with_target(
                    None,
                    "oidc-desktop",
                    account,
                )
                .unwrap(),
            )
        }
    };
    keyring::Entry::new_with_credential(cred)
}

#[test]
fn kernel_keyutils_round_trips_splits_and_detects_damage() {
    exercise(KeyringBackend::KernelKeyutils);
}

/// Runs `test` of this binary in a child under its own D-Bus session with `env`.
fn child(test: &str, script: &str) -> std::process::Output {
    for tool in ["dbus-run-session", "gnome-keyring-daemon"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .unwrap()
            .status
            .success();
        assert!(
            found,
            "`{tool}` is missing: the Secret Service tests need a real keyring \
             (apt-get install gnome-keyring dbus-daemon)"
        );
    }
    let exe = std::env::current_exe().unwrap();
    let home = tempfile::tempdir().unwrap();
    Command::new("dbus-run-session")
        .args(["--", "sh", "-c", script, "sh"])
        .arg(exe)
        .args(["--exact", test, "--nocapture", "--test-threads", "1"])
        .env(CHILD, "1")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .unwrap()
}

/// Starts an unlocked GNOME Keyring (secrets component) on the session bus, then runs the
/// command given as arguments.
const WITH_GNOME_KEYRING: &str = r#"
printf 'test-password' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || exit 90
exec "$@"
"#;

#[test]
fn secret_service_round_trips_splits_and_detects_damage() {
    let out = child("secret_service_in_child", WITH_GNOME_KEYRING);
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("SECRET SERVICE OK"), "{text}");
}

/// The child half of `secret_service_round_trips_splits_and_detects_damage`.
#[test]
fn secret_service_in_child() {
    if std::env::var_os(CHILD).is_none() {
        eprintln!("(runs only under the D-Bus session its parent test starts)");
        return;
    }
    assert_eq!(KeyringBackend::detect(), KeyringBackend::SecretService);
    exercise(KeyringBackend::SecretService);
    println!("SECRET SERVICE OK");
}

#[test]
fn a_failing_keyring_falls_back_to_the_file_with_a_reason() {
    // A session bus address that leads nowhere: the Secret Service cannot be reached.
    let out = child(
        "fallback_in_child",
        "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus exec \"$@\"",
    );
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("FALLBACK OK"), "{text}");
}

/// The child half of `a_failing_keyring_falls_back_to_the_file_with_a_reason`.
#[test]
fn fallback_in_child() {
    use std::os::unix::fs::PermissionsExt as _;
    if std::env::var_os(CHILD).is_none() {
        eprintln!("(runs only under the environment its parent test sets)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("tokens");
    let keyring = KeyringStore::with_backend(KeyringBackend::SecretService, &files)
        .with_timeout(std::time::Duration::from_secs(5));
    let store = FallbackStore::new(keyring, FileStore::new(&files));
    let key = unique("fallback");
    assert_eq!(store.fell_back(), None);
    store.save(&key, "the session").unwrap();
    let why = store.fell_back().unwrap();
    assert!(why.contains("Secret Service"), "{why}");
    assert_eq!(store.load(&key).unwrap().as_deref(), Some("the session"));
    let path = FileStore::new(&files).entry_path(&key).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(store.location(&key).contains("the OS keyring failed"));
    assert!(store.remove(&key).unwrap());
    assert!(!path.exists());
    println!("FALLBACK OK");
}

#[test]
fn a_working_keyring_takes_over_from_the_file_copy() {
    // Kernel keyutils works here: an entry left in the file by an earlier fallback is found,
    // and the next save moves it into the keyring and removes the file copy.
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("tokens");
    let key = unique("takeover");
    FileStore::new(&files).save(&key, "from the file").unwrap();
    let store = FallbackStore::new(
        KeyringStore::with_backend(KeyringBackend::KernelKeyutils, &files),
        FileStore::new(&files),
    );
    assert_eq!(store.load(&key).unwrap().as_deref(), Some("from the file"));
    store.save(&key, "in the keyring").unwrap();
    assert_eq!(store.fell_back(), None);
    assert!(!FileStore::new(&files).entry_path(&key).unwrap().exists());
    assert_eq!(store.load(&key).unwrap().as_deref(), Some("in the keyring"));
    assert!(store.remove(&key).unwrap());
}
