//! Secret values: redacted in `Debug`, compared in constant time.

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        ///
        /// The value prints as `[redacted]` in `Debug`; read it with `secret()`.
        /// Equality is decided in constant time.
        #[derive(Clone, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value itself. Take care where it goes.
            pub fn secret(&self) -> &str {
                &self.0
            }

            /// Consumes the wrapper and returns the secret value.
            pub fn into_secret(self) -> String {
                self.0
            }

            /// Compares with a plain value in constant time.
            pub fn ct_eq_str(&self, other: &str) -> bool {
                self.0.as_bytes().ct_eq(other.as_bytes()).into()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.ct_eq_str(&other.0)
            }
        }

        impl Eq for $name {}

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }
    };
}

secret_type!(
    /// The client secret issued when the application was registered.
    ClientSecret
);
secret_type!(
    /// An OAuth 2.0 access token.
    AccessToken
);
secret_type!(
    /// An OAuth 2.0 refresh token.
    RefreshToken
);
secret_type!(
    /// The compact serialization of an ID token.
    IdTokenString
);
secret_type!(
    /// An authorization code returned on the redirect.
    AuthorizationCode
);
secret_type!(
    /// The PKCE `code_verifier` of RFC 7636.
    PkceVerifier
);
secret_type!(
    /// The OpenID Connect `nonce` request parameter.
    Nonce
);
secret_type!(
    /// The OAuth 2.0 `state` request parameter.
    State
);

impl Nonce {
    /// A fresh nonce: 32 random bytes, base64url-encoded (256 bits of entropy).
    pub fn generate() -> Self {
        Self(crate::random_token(32))
    }
}

impl State {
    /// A fresh state value: 32 random bytes, base64url-encoded (256 bits of entropy).
    pub fn generate() -> Self {
        Self(crate::random_token(32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = ClientSecret::new("hunter2");
        let shown = format!("{s:?}");
        assert_eq!(shown, "ClientSecret([redacted])");
        assert!(!format!("{:?}", AccessToken::new("tok-123")).contains("tok-123"));
        assert!(!format!("{:#?}", Some(RefreshToken::new("rt-1"))).contains("rt-1"));
    }

    #[test]
    fn equality_is_by_value() {
        assert_eq!(State::new("a"), State::new("a"));
        assert_ne!(State::new("a"), State::new("b"));
        assert_ne!(State::new("a"), State::new("ab"));
        assert!(Nonce::new("xyz").ct_eq_str("xyz"));
        assert!(!Nonce::new("xyz").ct_eq_str("xy"));
    }

    #[test]
    fn generated_values_are_fresh_and_urlsafe() {
        let a = State::generate();
        let b = State::generate();
        assert_ne!(a, b);
        assert_eq!(a.secret().len(), 43);
        assert!(
            a.secret()
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(Nonce::generate(), Nonce::generate());
    }

    #[test]
    fn serde_is_transparent() {
        let t = AccessToken::new("abc");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"abc\"");
        let back: AccessToken = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
    }
}
