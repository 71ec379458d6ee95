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
            return Err(CliError::usage(
                "--token-store keyring is not available yet: use file or none",
            ));
        }
    })
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
