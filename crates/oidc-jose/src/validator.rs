//! ID token validation: OpenID Connect Core §3.1.3.7, §3.2.2.11, §3.3.2.12 and §12.2.

use oidc_core::{ClientSecret, Clock};
use subtle::ConstantTimeEq;

use crate::{
    Algorithm, CompactJws, Error, Header, IdTokenClaims, Jwk, JwkSet, ValidatedClaims, verify_jws,
};

/// The default clock-skew leeway: 60 seconds.
pub const DEFAULT_LEEWAY_SECS: i64 = 60;

/// How the `iss` claim is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpectedIssuer {
    /// Exact string equality (the default, against the issuer given to `new`).
    Exact(String),
    /// Microsoft Entra multi-tenant endpoints publish an issuer template such as
    /// `https://login.microsoftonline.com/{tenantid}/v2.0`; the token's `tid` claim is
    /// substituted before the exact comparison. A named quirk, off unless chosen.
    MicrosoftTenantTemplate(String),
}

/// Checks that can be skipped, each with a bit flag (0x01 iss, 0x02 aud, 0x04 exp,
/// 0x08 signature, 0x10 iat, 0x20 nbf, 0x40 nonce).
///
/// All are `false` (checked) by default. Skipping a check skips the test of that claim's
/// value, not its presence: `iss`, `sub`, `aud`, `exp` and `iat` are required in every ID
/// token (OpenID Connect Core §2), so [`ValidatedClaims`] holds them as plain values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "one flag per check, as the bit-flag form has"
)]
pub struct SkipChecks {
    /// 0x01: do not check `iss`.
    pub issuer: bool,
    /// 0x02: do not check `aud` and `azp`.
    pub audience: bool,
    /// 0x04: do not check `exp`.
    pub expiry: bool,
    /// 0x08: do not verify the signature. Dangerous: anyone can then forge an ID token.
    pub insecure_signature: bool,
    /// 0x10: do not check `iat`.
    pub issued_at: bool,
    /// 0x20: do not check `nbf`.
    pub not_before: bool,
    /// 0x40: do not check `nonce`.
    pub nonce: bool,
}

impl SkipChecks {
    /// From the bit flags listed above, the numeric values of the OIDCDesktop component;
    /// unknown bits are ignored.
    pub fn from_seed_flags(flags: u32) -> Self {
        Self {
            issuer: flags & 0x01 != 0,
            audience: flags & 0x02 != 0,
            expiry: flags & 0x04 != 0,
            insecure_signature: flags & 0x08 != 0,
            issued_at: flags & 0x10 != 0,
            not_before: flags & 0x20 != 0,
            nonce: flags & 0x40 != 0,
        }
    }

    /// Back to the bit flags.
    pub fn to_seed_flags(self) -> u32 {
        u32::from(self.issuer)
            | u32::from(self.audience) << 1
            | u32::from(self.expiry) << 2
            | u32::from(self.insecure_signature) << 3
            | u32::from(self.issued_at) << 4
            | u32::from(self.not_before) << 5
            | u32::from(self.nonce) << 6
    }
}

/// A value the ID token must hash (`at_hash` / `c_hash`). Its `Debug` shows the value's
/// length, never the access token or code itself.
#[derive(Clone, Copy)]
pub struct HashedValue<'a> {
    /// The access token or code as received.
    pub value: &'a str,
    /// Whether the hash claim must be present: true for ID tokens from the authorization
    /// endpoint that travel with the value (§3.2.2.10, §3.3.2.11); when false, a present
    /// hash is still checked.
    pub required: bool,
}

impl std::fmt::Debug for HashedValue<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashedValue")
            .field("value_len", &self.value.len())
            .field("required", &self.required)
            .finish()
    }
}

/// What this particular ID token must match. Its `Debug` redacts the nonce, the access
/// token and the code.
#[derive(Clone, Copy, Default)]
pub struct ValidationContext<'a> {
    /// The nonce sent with the authorization request; when set the token must carry it.
    pub nonce: Option<&'a str>,
    /// The access token the token came with (`at_hash`).
    pub access_token: Option<HashedValue<'a>>,
    /// The authorization code the token came with (`c_hash`).
    pub code: Option<HashedValue<'a>>,
    /// The `max_age` requested; `auth_time` is then required and bounded.
    pub max_age: Option<u64>,
    /// For a token from a refresh (§12.2): the original ID token's claims. `iss` and `sub`
    /// must match, `auth_time` must not change, a nonce is not required.
    pub original: Option<&'a IdTokenClaims>,
    /// Require `auth_time` even without `max_age` (the client registered `require_auth_time`).
    pub require_auth_time: bool,
    /// With `original`: accept an `auth_time` that differs from the original's. §12.2 says it
    /// must not change, but widely used providers send the user's latest sign-in on refresh;
    /// a caller that must not drop the rotated tokens of such an answer sets this and
    /// compares (and reports) `auth_time` itself.
    pub allow_auth_time_change: bool,
}

impl std::fmt::Debug for ValidationContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidationContext")
            .field("nonce", &self.nonce.map(|_| "[redacted]"))
            .field("access_token", &self.access_token)
            .field("code", &self.code)
            .field("max_age", &self.max_age)
            .field("original", &self.original)
            .field("require_auth_time", &self.require_auth_time)
            .field("allow_auth_time_change", &self.allow_auth_time_change)
            .finish()
    }
}

/// A validated ID token.
#[derive(Debug, Clone)]
pub struct ValidatedIdToken {
    /// The protected header.
    pub header: Header,
    /// The claims, every check passed.
    pub claims: ValidatedClaims,
    /// The `kid` of the key that verified it (`None` for HMAC or unverified tokens).
    pub verified_with: Option<String>,
}

/// Validates ID tokens for one client of one provider.
///
/// Shared freely across threads: validation takes `&self` and holds no lock.
///
/// ```
/// use oidc_core::{FixedClock, ClientSecret};
/// use oidc_jose::{Algorithm, IdTokenValidator, JwkSet, SigningKey, ValidationContext};
///
/// // The provider's key (a test would get the JWKS from discovery).
/// let key = SigningKey::generate_ed25519()?.with_kid("k1");
/// let jwks = JwkSet::from_keys(vec![key.public_jwk().unwrap()]);
/// let token = key.sign_compact(Some("JWT"), br#"{"iss":"https://op.example","sub":"u1",
///     "aud":"app","exp":2000000100,"iat":2000000000,"nonce":"n-1"}"#)?;
///
/// let validator = IdTokenValidator::new("https://op.example", "app")
///     .algorithms([Algorithm::EdDSA]);
/// let ctx = ValidationContext { nonce: Some("n-1"), ..Default::default() };
/// let clock = FixedClock::new(2_000_000_010);
/// let id = validator.validate(&token, &jwks, &ctx, &clock)?;
/// assert_eq!(id.claims.subject(), "u1");
///
/// // Ten minutes later it has expired (code 910).
/// clock.advance(600);
/// let err = validator.validate(&token, &jwks, &ctx, &clock).unwrap_err();
/// assert_eq!(err.code().as_u16(), 910);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct IdTokenValidator {
    issuer: ExpectedIssuer,
    client_id: String,
    audience: Option<String>,
    trusted_audiences: Vec<String>,
    allow_untrusted_audiences: bool,
    require_azp_for_multiple_audiences: bool,
    algorithms: Vec<Algorithm>,
    client_secret: Option<ClientSecret>,
    leeway: i64,
    skip: SkipChecks,
    insecure_accept_unsigned: bool,
    max_token_len: usize,
}

impl std::fmt::Debug for IdTokenValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdTokenValidator")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("audience", &self.audience)
            .field("algorithms", &self.algorithms)
            .field("client_secret", &self.client_secret)
            .field("leeway", &self.leeway)
            .field("skip", &self.skip)
            .field("insecure_accept_unsigned", &self.insecure_accept_unsigned)
            .finish_non_exhaustive()
    }
}

impl IdTokenValidator {
    /// A validator for tokens from `issuer` (compared exactly) to `client_id`, allowing
    /// RS256 only (the OpenID Connect default) until [`Self::algorithms`] says otherwise.
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            issuer: ExpectedIssuer::Exact(issuer.into()),
            client_id: client_id.into(),
            audience: None,
            trusted_audiences: Vec::new(),
            allow_untrusted_audiences: false,
            require_azp_for_multiple_audiences: true,
            algorithms: vec![Algorithm::RS256],
            client_secret: None,
            leeway: DEFAULT_LEEWAY_SECS,
            skip: SkipChecks::default(),
            insecure_accept_unsigned: false,
            max_token_len: crate::jws::DEFAULT_MAX_TOKEN_LEN,
        }
    }

    /// The issuer check: an exact issuer other than the one given to `new`, or the
    /// Microsoft tenant template quirk.
    #[must_use]
    pub fn expected_issuer(mut self, issuer: ExpectedIssuer) -> Self {
        self.issuer = issuer;
        self
    }

    /// The audience that must be in `aud` instead of the client id.
    #[must_use]
    pub fn expected_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Further audiences that may appear in `aud` beside the expected one.
    #[must_use]
    pub fn trusted_audiences(
        mut self,
        audiences: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.trusted_audiences = audiences.into_iter().map(Into::into).collect();
        self
    }

    /// Accept tokens whose `aud` names audiences that are not trusted (refused by default,
    /// OpenID Connect Core §3.1.3.7 step 3).
    #[must_use]
    pub fn allow_untrusted_audiences(mut self, allow: bool) -> Self {
        self.allow_untrusted_audiences = allow;
        self
    }

    /// Whether a token with several audiences must carry `azp` (default: yes).
    #[must_use]
    pub fn require_azp_for_multiple_audiences(mut self, require: bool) -> Self {
        self.require_azp_for_multiple_audiences = require;
        self
    }

    /// The algorithm allow-list: normally the provider's
    /// `id_token_signing_alg_values_supported`. `none` in the list has no effect; unsigned
    /// tokens need [`Self::insecure_accept_unsigned`].
    #[must_use]
    pub fn algorithms(mut self, algs: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algs.into_iter().filter(|a| *a != Algorithm::None).collect();
        self
    }

    /// The allow-list from the provider's advertised names; unknown names are ignored and
    /// an empty result falls back to RS256.
    #[must_use]
    pub fn algorithms_from_names<'n>(self, names: impl IntoIterator<Item = &'n str>) -> Self {
        let algs: Vec<Algorithm> = names.into_iter().filter_map(Algorithm::parse).collect();
        if algs.iter().all(|a| *a == Algorithm::None) {
            self.algorithms([Algorithm::RS256])
        } else {
            self.algorithms(algs)
        }
    }

    /// The client secret, the key of HS256/384/512 ID tokens. An empty secret counts as
    /// none; one shorter than the hash output (32, 48, 64 bytes) makes HS* tokens fail with
    /// [`Error::WeakHmacKey`] (RFC 7518 §3.2).
    #[must_use]
    pub fn client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// Clock-skew leeway in seconds (default 60).
    #[must_use]
    pub fn leeway(mut self, seconds: i64) -> Self {
        self.leeway = seconds.max(0);
        self
    }

    /// Checks to skip.
    #[must_use]
    pub fn skip_checks(mut self, skip: SkipChecks) -> Self {
        self.skip = skip;
        self
    }

    /// Accept `alg: none` tokens. Dangerous: an unsigned ID token proves nothing. Only for
    /// providers that send unsigned tokens over TLS from the token endpoint, and tests.
    #[must_use]
    pub fn insecure_accept_unsigned(mut self, accept: bool) -> Self {
        self.insecure_accept_unsigned = accept;
        self
    }

    /// The largest token accepted, in bytes (default 64 KiB).
    #[must_use]
    pub fn max_token_len(mut self, len: usize) -> Self {
        self.max_token_len = len;
        self
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The allow-list.
    pub fn allowed_algorithms(&self) -> &[Algorithm] {
        &self.algorithms
    }

    /// Parses and fully validates `token`: signature (key by `kid`, or every fitting key),
    /// then every claim rule. Nothing of the token is returned unless all checks pass.
    ///
    /// An [`Error::UnknownKid`] means the provider may have rotated its keys: refetch the
    /// JWKS once (rate-limited) and call again.
    pub fn validate(
        &self,
        token: &str,
        keys: &JwkSet,
        ctx: &ValidationContext<'_>,
        clock: &dyn Clock,
    ) -> Result<ValidatedIdToken, Error> {
        let jws = CompactJws::parse_with_limit(token, self.max_token_len)?;
        check_typ(jws.header().typ.as_deref())?;
        let alg = jws.header().alg;
        let verified: Option<&Jwk> = if alg == Algorithm::None {
            if !self.insecure_accept_unsigned || !jws.signature().is_empty() {
                return Err(Error::MissingSignature);
            }
            None
        } else if self.skip.insecure_signature {
            None
        } else {
            let secret = self.client_secret.as_ref().map(|s| s.secret().as_bytes());
            verify_jws(&jws, keys, &self.algorithms, secret)?
        };
        let verified_with = verified.and_then(|k| k.kid().map(str::to_owned));
        let (header, payload) = jws.into_parts();
        let claims = IdTokenClaims::from_json(payload)?;
        self.check_claims(&claims, alg, ctx, clock.now_unix())?;
        Ok(ValidatedIdToken {
            header,
            claims: ValidatedClaims::from_checked(claims)?,
            verified_with,
        })
    }

    /// The claim rules alone, for claims whose signature was checked elsewhere.
    pub fn check_claims(
        &self,
        c: &IdTokenClaims,
        alg: Algorithm,
        ctx: &ValidationContext<'_>,
        now: i64,
    ) -> Result<(), Error> {
        let skip = self.skip;
        let leeway = self.leeway;
        // Required claims (§2). A skip flag skips comparing a value, never the presence: a
        // token without one of them is not an ID token, and the validated claims hold them.
        crate::validated::check_required(c)?;
        // Step 2: iss.
        if !skip.issuer {
            let found = c.iss.as_deref().unwrap_or_default();
            let expected = match &self.issuer {
                ExpectedIssuer::Exact(s) => std::borrow::Cow::Borrowed(s.as_str()),
                ExpectedIssuer::MicrosoftTenantTemplate(t) => match c.tid.as_deref() {
                    Some(tid) => std::borrow::Cow::Owned(t.replace("{tenantid}", tid)),
                    None => std::borrow::Cow::Borrowed(t.as_str()),
                },
            };
            if found != expected {
                return Err(Error::IssuerMismatch {
                    expected: expected.into_owned(),
                    found: found.to_owned(),
                });
            }
        }
        // Steps 3–5: aud, azp.
        if !skip.audience {
            let expected = self.audience.as_deref().unwrap_or(&self.client_id);
            if !c.aud.iter().any(|a| a == expected) {
                return Err(Error::AudienceMismatch {
                    expected: expected.to_owned(),
                    found: c.aud.clone(),
                });
            }
            if !self.allow_untrusted_audiences
                && let Some(bad) = c.aud.iter().find(|a| {
                    *a != expected && *a != &self.client_id && !self.trusted_audiences.contains(a)
                })
            {
                return Err(Error::UntrustedAudience(bad.clone()));
            }
            match &c.azp {
                Some(azp) if azp != &self.client_id => {
                    return Err(Error::AzpMismatch {
                        expected: self.client_id.clone(),
                        found: Some(azp.clone()),
                    });
                }
                None if c.aud.len() > 1 && self.require_azp_for_multiple_audiences => {
                    return Err(Error::AzpMismatch {
                        expected: self.client_id.clone(),
                        found: None,
                    });
                }
                _ => {}
            }
        }
        // Step 9: exp.
        if !skip.expiry {
            let exp = c.exp.unwrap_or_default();
            if now >= exp.saturating_add(leeway) {
                return Err(Error::Expired { exp, now, leeway });
            }
        }
        // Step 10: iat — present, positive, not in the future beyond the leeway.
        if !skip.issued_at {
            let iat = c.iat.unwrap_or_default();
            if iat <= 0 || iat > now.saturating_add(leeway) {
                return Err(Error::InvalidIssuedAt { iat, now });
            }
        }
        // nbf (RFC 7519 §4.1.5).
        if !skip.not_before
            && let Some(nbf) = c.nbf
            && nbf > now.saturating_add(leeway)
        {
            return Err(Error::NotYetValid { nbf, now });
        }
        // Step 11: nonce.
        if !skip.nonce
            && let Some(expected) = ctx.nonce
        {
            match &c.nonce {
                None => return Err(Error::MissingClaim("nonce")),
                Some(found) => {
                    if !bool::from(found.as_bytes().ct_eq(expected.as_bytes())) {
                        return Err(Error::NonceMismatch);
                    }
                }
            }
        }
        // Step 13: auth_time with max_age.
        if ctx.max_age.is_some() || ctx.require_auth_time {
            let Some(auth_time) = c.auth_time else {
                return Err(Error::MissingClaim("auth_time"));
            };
            if let Some(max_age) = ctx.max_age {
                let limit = auth_time
                    .saturating_add(i64::try_from(max_age).unwrap_or(i64::MAX))
                    .saturating_add(leeway);
                if now > limit {
                    return Err(Error::AuthTimeTooOld { auth_time, max_age });
                }
            }
        }
        // §3.2.2.9 / §3.3.2.11: at_hash and c_hash.
        check_hash(
            alg,
            c.at_hash.as_deref(),
            ctx.access_token,
            "at_hash",
            Error::AtHashMismatch,
        )?;
        check_hash(
            alg,
            c.c_hash.as_deref(),
            ctx.code,
            "c_hash",
            Error::CHashMismatch,
        )?;
        // §12.2: a refreshed ID token keeps iss, sub and auth_time.
        if let Some(orig) = ctx.original {
            if c.iss != orig.iss {
                return Err(Error::IssuerMismatch {
                    expected: orig.iss.clone().unwrap_or_default(),
                    found: c.iss.clone().unwrap_or_default(),
                });
            }
            if c.sub != orig.sub {
                return Err(Error::SubjectMismatch);
            }
            if let (Some(a), Some(b)) = (c.auth_time, orig.auth_time)
                && a != b
                && !ctx.allow_auth_time_change
            {
                return Err(Error::AuthTimeChanged);
            }
            if let (Some(a), Some(b)) = (&c.nonce, &orig.nonce)
                && a != b
            {
                return Err(Error::NonceMismatch);
            }
        }
        Ok(())
    }
}

fn check_hash(
    alg: Algorithm,
    claim: Option<&str>,
    value: Option<HashedValue<'_>>,
    name: &'static str,
    mismatch: Error,
) -> Result<(), Error> {
    let Some(v) = value else { return Ok(()) };
    match claim {
        None if v.required => Err(Error::MissingClaim(name)),
        None => Ok(()),
        Some(found) => {
            let Some(expected) = crate::claim_hash(alg, v.value) else {
                // alg none: there is no hash function to check with.
                return Err(Error::MissingSignature);
            };
            if bool::from(found.as_bytes().ct_eq(expected.as_bytes())) {
                Ok(())
            } else {
                Err(mismatch)
            }
        }
    }
}

/// An ID token is untyped or typed `JWT`; an explicitly typed JWT of another kind
/// (`at+jwt`, `logout+jwt`, `dpop+jwt`, … with or without the `application/` prefix, any
/// case) is not one (RFC 8725 §3.11, RFC 9068 §4).
fn check_typ(typ: Option<&str>) -> Result<(), Error> {
    let Some(t) = typ else { return Ok(()) };
    // A media type may carry parameters (`at+jwt; v=1`): only the type itself counts. The
    // `application/` prefix does not change the suffix; no allocation on the hot path.
    let media = t.split_once(';').map_or(t, |(m, _)| m).trim_ascii();
    let b = media.as_bytes();
    // A type that is no media type at all (controls such as a vertical tab, which
    // `trim_ascii` keeps, or non-ASCII) cannot be read as `JWT`: refused rather than guessed
    // at, so `at+jwt\x0b` is no way around the rule below.
    if !b.iter().all(u8::is_ascii_graphic) {
        return Err(Error::WrongTokenType(t.to_owned()));
    }
    if b.len() >= 4 && b[b.len() - 4..].eq_ignore_ascii_case(b"+jwt") {
        return Err(Error::WrongTokenType(t.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_flags_round_trip() {
        for f in 0..0x80 {
            assert_eq!(SkipChecks::from_seed_flags(f).to_seed_flags(), f);
        }
        let s = SkipChecks::from_seed_flags(0x08);
        assert!(s.insecure_signature && !s.issuer);
    }

    #[test]
    fn the_builder_reads_back() {
        let v = IdTokenValidator::new("https://op", "app-1").algorithms([Algorithm::ES256]);
        assert_eq!(v.client_id(), "app-1");
        assert_eq!(v.allowed_algorithms(), [Algorithm::ES256]);
    }
}
