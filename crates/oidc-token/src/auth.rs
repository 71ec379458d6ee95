//! Client authentication at the token, revocation, introspection, device and PAR endpoints.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oidc_core::{ClientId, ClientSecret, Clock};
use oidc_jose::{Algorithm, SigningKey};
use url::Url;

use crate::wire::Form;
use crate::{Error, Result};

/// The `client_assertion_type` of RFC 7523 §2.2.
pub const JWT_BEARER_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long a client assertion is valid, in seconds.
pub const ASSERTION_LIFETIME_SECS: i64 = 60;

/// A client authentication method by its registered name (OpenID Connect Core §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientAuthMethod {
    /// `none`: a public client sends only `client_id`.
    None,
    /// `client_secret_basic`: HTTP Basic with the form-urlencoded id and secret.
    ClientSecretBasic,
    /// `client_secret_post`: `client_id` and `client_secret` in the body.
    ClientSecretPost,
    /// `client_secret_jwt`: an HMAC-signed assertion (RFC 7523).
    ClientSecretJwt,
    /// `private_key_jwt`: an assertion signed with the client's private key (RFC 7523).
    PrivateKeyJwt,
}

impl ClientAuthMethod {
    /// The registered name.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientAuthMethod::None => "none",
            ClientAuthMethod::ClientSecretBasic => "client_secret_basic",
            ClientAuthMethod::ClientSecretPost => "client_secret_post",
            ClientAuthMethod::ClientSecretJwt => "client_secret_jwt",
            ClientAuthMethod::PrivateKeyJwt => "private_key_jwt",
        }
    }

    /// Parses a registered name.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "none" => ClientAuthMethod::None,
            "client_secret_basic" => ClientAuthMethod::ClientSecretBasic,
            "client_secret_post" => ClientAuthMethod::ClientSecretPost,
            "client_secret_jwt" => ClientAuthMethod::ClientSecretJwt,
            "private_key_jwt" => ClientAuthMethod::PrivateKeyJwt,
            _ => return None,
        })
    }

    /// The methods of `names` this crate knows (a provider's
    /// `token_endpoint_auth_methods_supported`, say), in order; other names are dropped.
    pub fn parse_all<S: AsRef<str>>(names: &[S]) -> Vec<Self> {
        names
            .iter()
            .filter_map(|n| Self::parse(n.as_ref()))
            .collect()
    }

    /// The method a client holding a client secret should use, given the provider's
    /// `token_endpoint_auth_methods_supported` ([`Self::parse_all`]).
    ///
    /// An empty list means the Discovery default, `client_secret_basic`. Otherwise the first
    /// of `client_secret_basic`, `client_secret_post`, `client_secret_jwt` that the provider
    /// lists; `None` when it lists none of them.
    pub fn choose(supported: &[ClientAuthMethod]) -> Option<Self> {
        Self::choose_among(
            supported,
            &[
                ClientAuthMethod::ClientSecretBasic,
                ClientAuthMethod::ClientSecretPost,
                ClientAuthMethod::ClientSecretJwt,
            ],
        )
    }

    /// The first of `preferred` that the provider supports (an empty `supported` list means
    /// `client_secret_basic` only, the Discovery default).
    pub fn choose_among(
        supported: &[ClientAuthMethod],
        preferred: &[ClientAuthMethod],
    ) -> Option<Self> {
        if supported.is_empty() {
            return preferred
                .iter()
                .copied()
                .find(|m| *m == ClientAuthMethod::ClientSecretBasic);
        }
        preferred.iter().copied().find(|m| supported.contains(m))
    }
}

impl std::fmt::Display for ClientAuthMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the client proves its identity, with the credential it needs.
///
/// `Debug` never shows secrets or keys.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ClientAuth {
    /// A public client (`none`): only `client_id` is sent.
    None,
    /// `client_secret_basic` (RFC 6749 §2.3.1).
    SecretBasic(ClientSecret),
    /// `client_secret_post` (RFC 6749 §2.3.1).
    SecretPost(ClientSecret),
    /// `client_secret_jwt` (RFC 7523, OpenID Connect Core §9) with an HMAC algorithm.
    SecretJwt {
        /// The client secret, used as the HMAC key.
        secret: ClientSecret,
        /// HS256, HS384 or HS512.
        alg: Algorithm,
    },
    /// `private_key_jwt` (RFC 7523, OpenID Connect Core §9).
    PrivateKeyJwt(Arc<SigningKey>),
}

impl ClientAuth {
    /// The method's registered name.
    pub fn method(&self) -> ClientAuthMethod {
        match self {
            ClientAuth::None => ClientAuthMethod::None,
            ClientAuth::SecretBasic(_) => ClientAuthMethod::ClientSecretBasic,
            ClientAuth::SecretPost(_) => ClientAuthMethod::ClientSecretPost,
            ClientAuth::SecretJwt { .. } => ClientAuthMethod::ClientSecretJwt,
            ClientAuth::PrivateKeyJwt(_) => ClientAuthMethod::PrivateKeyJwt,
        }
    }

    /// Authentication with a client secret by the method [`ClientAuthMethod::choose`] picks
    /// from the provider's `token_endpoint_auth_methods_supported`; `client_secret_basic`
    /// when the provider supports none of the secret methods.
    pub fn secret_for(secret: ClientSecret, supported: &[ClientAuthMethod]) -> Self {
        match ClientAuthMethod::choose(supported) {
            Some(ClientAuthMethod::ClientSecretPost) => ClientAuth::SecretPost(secret),
            Some(ClientAuthMethod::ClientSecretJwt) => ClientAuth::SecretJwt {
                secret,
                alg: Algorithm::HS256,
            },
            _ => ClientAuth::SecretBasic(secret),
        }
    }

    /// Adds the authentication to a request: returns the `Authorization` header value, if
    /// any, and appends body parameters. `client_id` is added to the body unless present.
    pub(crate) fn apply(
        &self,
        client_id: &ClientId,
        audience: &str,
        clock: &dyn Clock,
        form: &mut Form,
    ) -> Result<Option<String>> {
        let add_id = |form: &mut Form| {
            if !form.contains("client_id") {
                form.push("client_id", client_id.as_str());
            }
        };
        match self {
            ClientAuth::None => {
                add_id(form);
                Ok(None)
            }
            ClientAuth::SecretBasic(secret) => Ok(Some(basic_authorization(client_id, secret))),
            ClientAuth::SecretPost(secret) => {
                add_id(form);
                form.push("client_secret", secret.secret());
                Ok(None)
            }
            ClientAuth::SecretJwt { secret, alg } => {
                let key = SigningKey::hmac(*alg, secret.secret().as_bytes())
                    .map_err(Error::ClientAssertion)?;
                let jwt = client_assertion(&key, client_id, audience, clock)?;
                add_id(form);
                form.push("client_assertion_type", JWT_BEARER_ASSERTION_TYPE);
                form.push("client_assertion", &jwt);
                Ok(None)
            }
            ClientAuth::PrivateKeyJwt(key) => {
                let jwt = client_assertion(key, client_id, audience, clock)?;
                add_id(form);
                form.push("client_assertion_type", JWT_BEARER_ASSERTION_TYPE);
                form.push("client_assertion", &jwt);
                Ok(None)
            }
        }
    }
}

fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The `Authorization: Basic` value of RFC 6749 §2.3.1: the client id and secret are each
/// `application/x-www-form-urlencoded` first, then joined with `:` and base64-encoded.
pub fn basic_authorization(client_id: &ClientId, secret: &ClientSecret) -> String {
    let joined = format!(
        "{}:{}",
        form_encode(client_id.as_str()),
        form_encode(secret.secret())
    );
    format!("Basic {}", STANDARD.encode(joined))
}

/// A client assertion JWT (RFC 7523 §3, OpenID Connect Core §9): `iss` = `sub` =
/// client id, `aud` = `audience`, a random `jti`, `iat` now, `exp` a minute later.
pub fn client_assertion(
    key: &SigningKey,
    client_id: &ClientId,
    audience: &str,
    clock: &dyn Clock,
) -> Result<String> {
    let now = clock.now_unix();
    let claims = serde_json::json!({
        "iss": client_id.as_str(),
        "sub": client_id.as_str(),
        "aud": audience,
        "jti": oidc_core::random_token(24),
        "iat": now,
        "exp": now + ASSERTION_LIFETIME_SECS,
    });
    key.sign_compact(Some("JWT"), claims.to_string().as_bytes())
        .map_err(Error::ClientAssertion)
}

/// The audience of an assertion sent to `url`: the caller's override, else the URL itself.
pub(crate) fn audience_for(override_aud: Option<&str>, url: &Url) -> String {
    override_aud.map_or_else(|| url.as_str().to_owned(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_encodes_before_base64() {
        let id = ClientId::new("my app:1");
        let secret = ClientSecret::new("s3:cr+t% x");
        let v = basic_authorization(&id, &secret);
        // form-urlencode: "my+app%3A1" and "s3%3Acr%2Bt%25+x"
        let expected = STANDARD.encode("my+app%3A1:s3%3Acr%2Bt%25+x");
        assert_eq!(v, format!("Basic {expected}"));
        assert_eq!(v, "Basic bXkrYXBwJTNBMTpzMyUzQWNyJTJCdCUyNSt4");
    }

    #[test]
    fn choose_follows_the_provider() {
        let s = |v: &[&str]| ClientAuthMethod::parse_all(v);
        assert_eq!(
            ClientAuthMethod::choose(&[]),
            Some(ClientAuthMethod::ClientSecretBasic)
        );
        assert_eq!(
            ClientAuthMethod::choose(&s(&["client_secret_post", "client_secret_basic"])),
            Some(ClientAuthMethod::ClientSecretBasic)
        );
        assert_eq!(
            ClientAuthMethod::choose(&s(&["private_key_jwt", "client_secret_post"])),
            Some(ClientAuthMethod::ClientSecretPost)
        );
        assert_eq!(
            ClientAuthMethod::choose(&s(&["client_secret_jwt"])),
            Some(ClientAuthMethod::ClientSecretJwt)
        );
        assert_eq!(ClientAuthMethod::choose(&s(&["private_key_jwt"])), None);
        // Names this crate does not know are dropped, in order.
        assert_eq!(
            s(&["tls_client_auth", "client_secret_post", "x"]),
            [ClientAuthMethod::ClientSecretPost]
        );
        assert_eq!(
            ClientAuthMethod::choose_among(
                &s(&["private_key_jwt", "client_secret_basic"]),
                &[ClientAuthMethod::PrivateKeyJwt]
            ),
            Some(ClientAuthMethod::PrivateKeyJwt)
        );
        let a = ClientAuth::secret_for(ClientSecret::new("x"), &s(&["client_secret_post"]));
        assert_eq!(a.method(), ClientAuthMethod::ClientSecretPost);
        for m in [
            ClientAuthMethod::None,
            ClientAuthMethod::ClientSecretBasic,
            ClientAuthMethod::ClientSecretPost,
            ClientAuthMethod::ClientSecretJwt,
            ClientAuthMethod::PrivateKeyJwt,
        ] {
            assert_eq!(ClientAuthMethod::parse(m.as_str()), Some(m));
        }
        assert_eq!(ClientAuthMethod::parse("tls_client_auth"), None);
    }

    #[test]
    fn debug_hides_the_secret() {
        let a = ClientAuth::SecretJwt {
            secret: ClientSecret::new("hunter2"),
            alg: Algorithm::HS256,
        };
        assert!(!format!("{a:?}").contains("hunter2"));
    }
}
