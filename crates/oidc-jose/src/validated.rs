//! Claims that passed validation, with the members OpenID Connect requires as plain values.

use crate::{Error, IdTokenClaims};

/// The claims of an ID token that passed every check of an
/// [`IdTokenValidator`](crate::IdTokenValidator).
///
/// The members OpenID Connect Core §2 requires in every ID token (`iss`, `sub`, `aud`, `exp`,
/// `iat`) are plain values here, not `Option`s: the validator refuses a token without one of
/// them, whatever [`SkipChecks`](crate::SkipChecks) says (a skip flag skips comparing a
/// claim's value, never its presence). Everything else — `nonce`, `auth_time`, the user's
/// claims, any claim by name — reads through to the [`IdTokenClaims`] (`Deref`).
///
/// There is no public constructor from untrusted input: a value comes from
/// [`IdTokenValidator::validate`](crate::IdTokenValidator::validate), or from
/// [`ValidatedClaims::restore`], which reads back the claims of a token validated earlier
/// from storage the application trusts (a session in its token store).
///
/// ```
/// use oidc_core::FixedClock;
/// use oidc_jose::{Algorithm, IdTokenValidator, JwkSet, SigningKey, ValidationContext};
///
/// let key = SigningKey::generate_ed25519()?.with_kid("k1");
/// let jwks = JwkSet::from_keys(vec![key.public_jwk().unwrap()]);
/// let token = key.sign_compact(Some("JWT"), br#"{"iss":"https://op.example","sub":"u1",
///     "aud":"app","exp":2000000100,"iat":2000000000,"email":"u1@example.com"}"#)?;
/// let validator = IdTokenValidator::new("https://op.example", "app")
///     .algorithms([Algorithm::EdDSA]);
/// let id = validator.validate(&token, &jwks, &ValidationContext::default(),
///     &FixedClock::new(2_000_000_010))?;
///
/// let claims = &id.claims;
/// assert_eq!(claims.subject(), "u1"); // not an Option: validation made sure of it
/// assert_eq!(claims.issuer(), "https://op.example");
/// assert_eq!(claims.audiences(), ["app"]);
/// assert_eq!(claims.expires_at(), 2_000_000_100);
/// assert_eq!(claims.user().email.as_deref(), Some("u1@example.com"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ValidatedClaims {
    /// Holds every required member: `check_required` passed, and the claims are never changed
    /// afterwards (private, no `DerefMut`), so the getters read them here.
    all: IdTokenClaims,
}

/// The members OpenID Connect Core §2 requires in every ID token (`iss`, `sub`, `aud` not
/// empty, `exp`, `iat`), whatever the skip flags; a missing one is [`Error::MissingClaim`].
pub(crate) fn check_required(c: &IdTokenClaims) -> Result<(), Error> {
    for (present, name) in [
        (c.iss.is_some(), "iss"),
        (c.sub.is_some(), "sub"),
        (!c.aud.is_empty(), "aud"),
        (c.exp.is_some(), "exp"),
        (c.iat.is_some(), "iat"),
    ] {
        if !present {
            return Err(Error::MissingClaim(name));
        }
    }
    Ok(())
}

impl ValidatedClaims {
    /// Wraps claims that hold every required member; a missing one is
    /// [`Error::MissingClaim`] (the validator refused such a token before this point).
    pub(crate) fn from_checked(all: IdTokenClaims) -> Result<Self, Error> {
        check_required(&all)?;
        Ok(Self { all })
    }

    /// Reads back the claims of an ID token that was validated when it was obtained and then
    /// kept in storage the application trusts (its token store, private to the user). The
    /// token is not validated again — its signature and expiry are not checked — only the
    /// presence of the required members, so a damaged record is refused
    /// ([`Error::MissingClaim`]) rather than read as a user without a subject.
    ///
    /// Never call it on claims from the network or from another user: validate the token
    /// with [`IdTokenValidator::validate`](crate::IdTokenValidator::validate) instead.
    pub fn restore(stored: IdTokenClaims) -> Result<Self, Error> {
        Self::from_checked(stored)
    }

    /// `iss`: the issuer that signed the token.
    pub fn issuer(&self) -> &str {
        // Present: `from_checked` refused claims without it (never "" in practice).
        self.all.iss.as_deref().unwrap_or_default()
    }

    /// `sub`: the user's identifier at the issuer (unique and never reassigned there; with
    /// [`Self::issuer`], the only stable identity of the user).
    pub fn subject(&self) -> &str {
        // Present: `from_checked` refused claims without it (never "" in practice).
        self.all.sub.as_deref().unwrap_or_default()
    }

    /// `aud`: the audiences, never empty (the client is among them unless the audience
    /// check was skipped).
    pub fn audiences(&self) -> &[String] {
        &self.all.aud
    }

    /// `exp`: when the ID token expires, Unix seconds.
    pub fn expires_at(&self) -> i64 {
        // Present: `from_checked` refused claims without it (never 0 in practice).
        self.all.exp.unwrap_or_default()
    }

    /// `iat`: when the ID token was issued, Unix seconds.
    pub fn issued_at(&self) -> i64 {
        // Present: `from_checked` refused claims without it (never 0 in practice).
        self.all.iat.unwrap_or_default()
    }

    /// Every claim of the token.
    pub fn claims(&self) -> &IdTokenClaims {
        &self.all
    }

    /// Every claim of the token, giving up the validated view.
    pub fn into_claims(self) -> IdTokenClaims {
        self.all
    }
}

impl std::ops::Deref for ValidatedClaims {
    type Target = IdTokenClaims;

    fn deref(&self) -> &IdTokenClaims {
        &self.all
    }
}

impl std::fmt::Debug for ValidatedClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The claims' own Debug redacts the nonce.
        f.debug_tuple("ValidatedClaims").field(&self.all).finish()
    }
}

impl serde::Serialize for ValidatedClaims {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.all.json().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(json: &str) -> IdTokenClaims {
        IdTokenClaims::from_json(json.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn restore_refuses_each_missing_required_member_by_name() {
        let full = r#"{"iss":"https://op","sub":"u","aud":["a","b"],"exp":20,"iat":10}"#;
        let v = ValidatedClaims::restore(claims(full)).unwrap();
        assert_eq!(
            (
                v.issuer(),
                v.subject(),
                v.audiences(),
                v.expires_at(),
                v.issued_at()
            ),
            (
                "https://op",
                "u",
                &["a".to_owned(), "b".to_owned()][..],
                20,
                10
            )
        );
        assert_eq!(v.claims().raw_json(), full);
        for (member, json) in [
            ("iss", r#"{"sub":"u","aud":"a","exp":20,"iat":10}"#),
            ("sub", r#"{"iss":"https://op","aud":"a","exp":20,"iat":10}"#),
            (
                "aud",
                r#"{"iss":"https://op","sub":"u","aud":[],"exp":20,"iat":10}"#,
            ),
            (
                "exp",
                r#"{"iss":"https://op","sub":"u","aud":"a","iat":10}"#,
            ),
            (
                "iat",
                r#"{"iss":"https://op","sub":"u","aud":"a","exp":20}"#,
            ),
        ] {
            match ValidatedClaims::restore(claims(json)) {
                Err(Error::MissingClaim(m)) => assert_eq!(m, member, "{json}"),
                other => panic!("{json}: {other:?}"),
            }
        }
    }

    #[test]
    fn serializes_as_the_claims_set_and_debug_hides_the_nonce() {
        let json =
            r#"{"iss":"https://op","sub":"u","aud":"a","exp":20,"iat":10,"nonce":"n-secret"}"#;
        let v = ValidatedClaims::restore(claims(json)).unwrap();
        let back: serde_json::Value = serde_json::to_value(&v).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );
        assert!(!format!("{v:?}").contains("n-secret"));
    }
}
