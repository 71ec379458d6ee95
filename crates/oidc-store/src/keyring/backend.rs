//! Which OS keyring, and the raw credential calls on it (bounded in time).

use std::sync::mpsc;
use std::time::Duration;

use crate::Error;

/// An OS keyring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyringBackend {
    /// The freedesktop Secret Service over D-Bus (GNOME Keyring, KWallet, KeePassXC).
    SecretService,
    /// The Linux kernel's key retention service (the user's session keyring, linked to the
    /// persistent keyring): no desktop needed; entries do not survive a reboot.
    KernelKeyutils,
    /// The macOS Keychain.
    MacosKeychain,
    /// The Windows Credential Manager.
    WindowsCredentialManager,
}

impl std::fmt::Display for KeyringBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::SecretService => "Secret Service",
            Self::KernelKeyutils => "kernel keyutils",
            Self::MacosKeychain => "macOS Keychain",
            Self::WindowsCredentialManager => "Windows Credential Manager",
        })
    }
}

impl KeyringBackend {
    /// The platform's keyring. On Linux: the Secret Service when a session bus is
    /// configured and the service answers within two seconds, else kernel keyutils.
    pub fn detect() -> Self {
        if cfg!(target_os = "macos") {
            return Self::MacosKeychain;
        }
        if cfg!(windows) {
            return Self::WindowsCredentialManager;
        }
        let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
        if bus {
            let probe = Vault {
                backend: Self::SecretService,
                timeout: Duration::from_secs(2),
            };
            // Any answer but a failure to reach the service means it works.
            match probe.get("oidc-desktop-probe") {
                Ok(_) => return Self::SecretService,
                Err(e) => tracing::info!(
                    "the Secret Service does not answer ({e}); using kernel keyutils"
                ),
            }
        }
        Self::KernelKeyutils
    }

    /// Bytes one credential may hold (with room for the platform's own encoding).
    pub(crate) fn part_limit(self) -> usize {
        match self {
            // CRED_MAX_CREDENTIAL_BLOB_SIZE is 2,560 bytes; keyring stores UTF-16.
            Self::WindowsCredentialManager => 1_200,
            // A user key's payload is at most 32,767 bytes.
            Self::KernelKeyutils => 16_000,
            Self::SecretService | Self::MacosKeychain => 64_000,
        }
    }
}

/// Raw credentials of one backend, by account name, each call on its own thread.
#[derive(Debug)]
pub(crate) struct Vault {
    pub(crate) backend: KeyringBackend,
    pub(crate) timeout: Duration,
}

impl Vault {
    pub(crate) fn new(backend: KeyringBackend) -> Self {
        Self {
            backend,
            timeout: Duration::from_secs(30),
        }
    }

    pub(crate) fn get(&self, account: &str) -> Result<Option<String>, Error> {
        self.call(account, |e| match e.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })
    }

    pub(crate) fn set(&self, account: &str, value: &str) -> Result<(), Error> {
        let value = value.to_owned();
        self.call(account, move |e| e.set_password(&value))
    }

    pub(crate) fn delete(&self, account: &str) -> Result<bool, Error> {
        self.call(account, |e| match e.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(e),
        })
    }

    /// Runs `op` on the entry of `account` on a thread of its own (keyring backends block,
    /// and some run an executor of their own that must not meet the caller's), waiting at
    /// most the timeout.
    fn call<T: Send + 'static>(
        &self,
        account: &str,
        op: impl FnOnce(&keyring::Entry) -> keyring::Result<T> + Send + 'static,
    ) -> Result<T, Error> {
        let backend = self.backend;
        let account = account.to_owned();
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("keyring".into())
            .spawn(move || {
                let r = entry(backend, &account).and_then(|e| op(&e));
                let _ = tx.send(r);
            });
        if let Err(e) = spawned {
            return Err(self.failed(format!("cannot start a thread: {e}")));
        }
        match rx.recv_timeout(self.timeout) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.failed(e.to_string())),
            Err(_) => Err(self.failed(format!(
                "no answer within {:?} (a locked keyring waiting for its password?)",
                self.timeout
            ))),
        }
    }

    fn failed(&self, message: String) -> Error {
        Error::Keyring {
            backend: backend_name(self.backend),
            message,
        }
    }
}

fn backend_name(b: KeyringBackend) -> &'static str {
    match b {
        KeyringBackend::SecretService => "Secret Service",
        KeyringBackend::KernelKeyutils => "kernel keyutils",
        KeyringBackend::MacosKeychain => "macOS Keychain",
        KeyringBackend::WindowsCredentialManager => "Windows Credential Manager",
    }
}

/// The keyring entry of `account` in `backend`.
fn entry(backend: KeyringBackend, account: &str) -> keyring::Result<keyring::Entry> {
    let service = super::SERVICE;
    match backend {
        #[cfg(target_os = "linux")]
        KeyringBackend::SecretService => Ok(keyring::Entry::new_with_credential(Box::new(
            keyring::secret_service::SsCredential::new_with_target(None, service, account)?,
        ))),
        #[cfg(target_os = "linux")]
        KeyringBackend::KernelKeyutils => {
            // A process started outside a login session (cron, a container's init, CI) may
            // have no session keyring yet; the keyutils store needs one to link the user's
            // persistent keyring into, where entries outlive the process.
            linux_keyutils::KeyRing::from_special_id(
                linux_keyutils::KeyRingIdentifier::Session,
                true,
            )
            .map_err(|e| keyring::Error::PlatformFailure(Box::new(e)))?;
            Ok(keyring::Entry::new_with_credential(Box::new(
                keyring::keyutils::KeyutilsCredential::new_with_target(None, service, account)?,
            )))
        }
        #[cfg(target_os = "macos")]
        KeyringBackend::MacosKeychain => keyring::Entry::new(service, account),
        #[cfg(windows)]
        KeyringBackend::WindowsCredentialManager => keyring::Entry::new(service, account),
        #[allow(
            unreachable_patterns,
            reason = "which arms exist depends on the platform"
        )]
        other => Err(keyring::Error::PlatformFailure(
            format!("{other} is not available on this platform").into(),
        )),
    }
}
