//! The token cache entry: a stored session read back.

use oidc_desktop::Session;

/// `Session::from_json` on whatever a cache file or keyring entry holds: an error or a
/// session that writes itself back to the same text (nothing invented, nothing lost).
pub fn session_cache(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(session) = Session::from_json(text) else {
        return;
    };
    assert!(session.is_from_store());
    let written = session.to_json();
    let again = Session::from_json(&written)
        .unwrap_or_else(|e| panic!("a session does not read back its own JSON: {e}"));
    assert_eq!(
        again.to_json(),
        written,
        "stored session changed on a round trip"
    );
    assert_eq!(
        again.access_token().map(|t| t.secret()),
        session.access_token().map(|t| t.secret())
    );
    let _ = format!("{session:?}");
}
