//! `--cache`: one session per issuer + client + scope, in a 0600 file of the user's cache
//! directory.

use std::path::{Path, PathBuf};

use oidc_desktop::{FileStore, Session, TokenStore as _, store_key};

use crate::output::CliError;

/// The cache entry of one issuer, client and scope.
#[derive(Debug)]
pub(crate) struct Cache {
    store: FileStore,
    key: String,
    issuer: String,
    client_id: String,
}

/// The normalised scope used in the cache key: `openid` added, whitespace collapsed.
pub(crate) fn normalised_scope(scope: &str) -> String {
    oidc_desktop::core::Scope::new(scope)
        .with_openid()
        .to_string()
}

/// The key of an entry: issuer, client, scope and, for a second user of the same client
/// (work and personal), the account's label.
fn entry_key(issuer: &str, client_id: &str, scope: &str, account: Option<&str>) -> String {
    let scope = normalised_scope(scope);
    match account {
        // The label cannot collide with a scope: scopes have no newline.
        Some(a) => store_key(issuer, client_id, &format!("{scope}\naccount={a}")),
        None => store_key(issuer, client_id, &scope),
    }
}

impl Cache {
    /// The entry for `issuer`, `client_id` and `scope` in `dir` (default: the user's cache
    /// directory).
    pub(crate) fn open(
        dir: Option<&Path>,
        issuer: &str,
        client_id: &str,
        scope: &str,
        account: Option<&str>,
    ) -> Result<Self, CliError> {
        let dir: PathBuf = match dir {
            Some(d) => d.to_owned(),
            None => FileStore::default_dir().ok_or_else(|| {
                CliError::usage("no cache directory: set XDG_CACHE_HOME, HOME or --cache-dir")
            })?,
        };
        Ok(Self {
            store: FileStore::new(dir),
            key: entry_key(issuer, client_id, scope, account),
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
        })
    }

    /// The file of this entry.
    pub(crate) fn path(&self) -> PathBuf {
        self.store.dir().join(format!("{}.json", self.key))
    }

    /// The cached session, if there is a readable one for this issuer and client. An
    /// unreadable entry is reported in the log and ignored.
    pub(crate) fn load(&self) -> Option<Session> {
        let raw = match self.store.load(&self.key) {
            Ok(r) => r?,
            Err(e) => {
                tracing::warn!(path = %self.path().display(), "cannot read the cache: {e}");
                return None;
            }
        };
        match Session::from_json(&raw) {
            Ok(s) if s.issuer() == self.issuer && s.client_id() == self.client_id => Some(s),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(path = %self.path().display(), "ignoring an unreadable cached session: {e}");
                None
            }
        }
    }

    /// Stores `session` (atomically, 0600).
    pub(crate) fn save(&self, session: &Session) -> Result<(), CliError> {
        self.store.save(&self.key, &session.to_json()).map_err(|e| {
            CliError::other(
                "token_store",
                format!("cannot write the cache {}: {e}", self.path().display()),
            )
        })
    }

    /// Removes the entry; true when there was one.
    pub(crate) fn remove(&self) -> Result<bool, CliError> {
        let existed = self.path().exists();
        self.store.remove(&self.key).map_err(|e| {
            CliError::other(
                "token_store",
                format!("cannot remove {}: {e}", self.path().display()),
            )
        })?;
        Ok(existed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_normalised_for_the_key() {
        assert_eq!(normalised_scope("openid"), normalised_scope(" openid "));
        assert_eq!(normalised_scope("email"), normalised_scope("openid email"));
    }
}
