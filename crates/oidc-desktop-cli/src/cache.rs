//! `--cache`: which token store keeps the session (`--token-store`), and under which account.
//! The acquisition itself (reuse, refresh under the lock, sign in again) is the library's
//! `OidcDesktop::acquire`; this module only opens the store the options name.

use std::path::PathBuf;
use std::sync::Arc;

use oidc_desktop::{OidcDesktopBuilder, TokenStore};

use crate::cli::{CacheArgs, StoreArg};
use crate::output::CliError;

/// The store directory: `--cache-dir`, else the user's cache directory.
fn store_dir(dir: Option<&std::path::Path>) -> Result<PathBuf, CliError> {
    match dir {
        Some(d) => Ok(d.to_owned()),
        None => oidc_desktop::FileStore::default_dir().ok_or_else(|| {
            CliError::usage("no cache directory: set XDG_CACHE_HOME, HOME or --cache-dir")
        }),
    }
}

/// The store `kind` in `dir`.
pub(crate) fn open(
    kind: StoreArg,
    dir: Option<&std::path::Path>,
) -> Result<Arc<dyn TokenStore>, CliError> {
    let dir = store_dir(dir)?;
    Ok(match kind {
        StoreArg::File => Arc::new(oidc_desktop::FileStore::new(dir)),
        StoreArg::None => Arc::new(oidc_desktop::MemoryStore::default()),
        StoreArg::Keyring => {
            let keyring = oidc_desktop::store::KeyringStore::new(&dir);
            tracing::debug!(backend = %keyring.backend(), "token store: the OS keyring");
            let store = Arc::new(oidc_desktop::store::FallbackStore::new(
                keyring,
                oidc_desktop::FileStore::new(dir),
            ));
            *FALLBACK
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(store.clone());
            store
        }
    })
}

/// The keyring store of this run, so that a fallback to the file is reported once, at the
/// end ([`warn_if_fell_back`]).
static FALLBACK: std::sync::Mutex<Option<Arc<oidc_desktop::store::FallbackStore>>> =
    std::sync::Mutex::new(None);

/// Says on stderr, once, that the OS keyring failed and the session went to the file.
pub(crate) fn warn_if_fell_back() {
    let store = FALLBACK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    if let Some(why) = store.and_then(|s| s.fell_back()) {
        eprintln!(
            "warning: the OS keyring failed ({why}); the session is kept in the token file instead (--token-store file)."
        );
    }
}

/// `builder` with the store and account of `args`, when `--cache` is on; the account
/// defaults to the login hint, so two users of one client are kept apart.
pub(crate) fn with_store(
    b: OidcDesktopBuilder,
    args: &CacheArgs,
    login_hint: Option<&str>,
) -> Result<OidcDesktopBuilder, CliError> {
    if !args.cache {
        return Ok(b);
    }
    let mut b = b.token_store(open(args.token_store, args.cache_dir.as_deref())?);
    if let Some(a) = args.account.as_deref().or(login_hint) {
        b = b.account(a);
    }
    Ok(b)
}
