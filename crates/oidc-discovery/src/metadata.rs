//! Provider metadata: OpenID Connect Discovery 1.0 §3 and RFC 8414.

use std::fmt;
use std::marker::PhantomData;
use std::sync::OnceLock;

use oidc_core::json_check::AnyJson;
use oidc_core::{HttpRequest, HttpResponse, IssuerUrl};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use url::Url;

use crate::checks::{check_json_text, check_response, check_size, json_error, parse_endpoint};
use crate::{Document, Error};

mod wire;

use wire::{ListAt, Str, StrList, Text};

/// Named provider workarounds, off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Quirks {
    /// Microsoft Entra's multi-tenant endpoints (`/common`, `/organizations`,
    /// `/consumers`) publish the issuer template
    /// `https://login.microsoftonline.com/{tenantid}/v2.0`, which never equals the URL it
    /// is fetched from. With this on, such a document is accepted when the template with
    /// `{tenantid}` replaced by the expected issuer's tenant segment equals the expected
    /// issuer; ID tokens are then checked with [`ProviderMetadata::issuer_matches`], which
    /// substitutes the token's `tid`.
    pub microsoft_multi_tenant_issuer: bool,
}

impl Quirks {
    /// No workarounds.
    pub fn none() -> Self {
        Self::default()
    }

    /// Turns the Microsoft multi-tenant issuer workaround on or off.
    #[must_use]
    pub fn microsoft_multi_tenant_issuer(mut self, on: bool) -> Self {
        self.microsoft_multi_tenant_issuer = on;
        self
    }
}

/// Declares the typed members once, by kind, and generates:
///
/// - `Doc<'a>`, what [`ProviderMetadata::load`] parses the raw JSON into, in one pass: string
///   members borrowed from the raw text ([`Str`]), lists only checked to be arrays of
///   strings and located ([`StrList`], no string kept), flags as `bool`. Unknown members
///   are skipped by serde and stay readable through [`ProviderMetadata::get_metadata`].
/// - `Fields`, what is kept: string members as spans of the raw text ([`Text`]), where
///   each list is ([`ListAt`]), flags.
/// - `Lists`, each list as `Vec<String>`, read from its span of the kept raw JSON on first
///   use of that list.
macro_rules! members {
    (strings { $($s:ident,)* } lists { $($l:ident,)* } flags { $($b:ident,)* }) => {
        #[derive(Default)]
        struct Doc<'a> {
            $($s: Option<Str<'a>>,)*
            $($l: Option<StrList<'a>>,)*
            $($b: Option<bool>,)*
        }

        /// What a derived `Deserialize` would do (each member once, `null` as absent, the
        /// same error texts), except that a member this type does not know is read in full
        /// ([`AnyJson`]) instead of skipped: a number out of range then fails here, as it
        /// would fail the `Value` parse behind [`ProviderMetadata::json`].
        impl<'de: 'a, 'a> Deserialize<'de> for Doc<'a> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                #[allow(non_camel_case_types, reason = "one variant per member, by its name")]
                enum Member { $($s,)* $($l,)* $($b,)* Other }

                struct Name;
                impl<'de> Visitor<'de> for Name {
                    type Value = Member;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a member name")
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<Member, E> {
                        Ok(match v {
                            $(stringify!($s) => Member::$s,)*
                            $(stringify!($l) => Member::$l,)*
                            $(stringify!($b) => Member::$b,)*
                            _ => Member::Other,
                        })
                    }
                }
                impl<'de> Deserialize<'de> for Member {
                    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        d.deserialize_identifier(Name)
                    }
                }

                struct V<'a>(PhantomData<&'a ()>);
                impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
                    type Value = Doc<'a>;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        // The name shows in errors; kept from the earlier parser.
                        f.write_str("struct Fields")
                    }
                    fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Doc<'a>, M::Error> {
                        // `Some(None)`: seen as `null`, which still counts as seen.
                        $(let mut $s: Option<Option<Str<'a>>> = None;)*
                        $(let mut $l: Option<Option<StrList<'a>>> = None;)*
                        $(let mut $b: Option<Option<bool>> = None;)*
                        while let Some(member) = m.next_key::<Member>()? {
                            match member {
                                $(Member::$s => {
                                    if $s.is_some() {
                                        return Err(de::Error::duplicate_field(stringify!($s)));
                                    }
                                    $s = Some(m.next_value()?);
                                })*
                                $(Member::$l => {
                                    if $l.is_some() {
                                        return Err(de::Error::duplicate_field(stringify!($l)));
                                    }
                                    $l = Some(m.next_value()?);
                                })*
                                $(Member::$b => {
                                    if $b.is_some() {
                                        return Err(de::Error::duplicate_field(stringify!($b)));
                                    }
                                    $b = Some(m.next_value()?);
                                })*
                                Member::Other => {
                                    m.next_value::<AnyJson>()?;
                                }
                            }
                        }
                        Ok(Doc {
                            $($s: $s.flatten(),)*
                            $($l: $l.flatten(),)*
                            $($b: $b.flatten(),)*
                        })
                    }
                }
                d.deserialize_map(V(PhantomData))
            }
        }

        #[derive(Debug, Clone, Default)]
        struct Fields {
            $($s: Option<Text>,)*
            $($l: Option<ListAt>,)*
            $($b: Option<bool>,)*
        }

        impl Fields {
            fn new(doc: Doc<'_>, raw: &str) -> Self {
                Self {
                    $($s: doc.$s.map(|s| Text::new(s, raw)),)*
                    $($l: doc.$l.map(|l| ListAt::new(&l, raw)),)*
                    $($b: doc.$b,)*
                }
            }
        }

        #[derive(Debug, Clone, Default)]
        struct Lists {
            $($l: OnceLock<Vec<String>>,)*
        }
    };
}

members! {
    strings {
        issuer,
        authorization_endpoint,
        token_endpoint,
        userinfo_endpoint,
        jwks_uri,
        registration_endpoint,
        service_documentation,
        op_policy_uri,
        op_tos_uri,
        // RFC 8414
        revocation_endpoint,
        introspection_endpoint,
        signed_metadata,
        // Session management, logout, device flow, PAR
        end_session_endpoint,
        check_session_iframe,
        device_authorization_endpoint,
        pushed_authorization_request_endpoint,
    }
    lists {
        scopes_supported,
        response_types_supported,
        response_modes_supported,
        grant_types_supported,
        acr_values_supported,
        subject_types_supported,
        id_token_signing_alg_values_supported,
        id_token_encryption_alg_values_supported,
        id_token_encryption_enc_values_supported,
        userinfo_signing_alg_values_supported,
        userinfo_encryption_alg_values_supported,
        userinfo_encryption_enc_values_supported,
        request_object_signing_alg_values_supported,
        request_object_encryption_alg_values_supported,
        request_object_encryption_enc_values_supported,
        token_endpoint_auth_methods_supported,
        token_endpoint_auth_signing_alg_values_supported,
        display_values_supported,
        claim_types_supported,
        claims_supported,
        claims_locales_supported,
        ui_locales_supported,
        // RFC 8414
        revocation_endpoint_auth_methods_supported,
        revocation_endpoint_auth_signing_alg_values_supported,
        introspection_endpoint_auth_methods_supported,
        introspection_endpoint_auth_signing_alg_values_supported,
        code_challenge_methods_supported,
        // RFC 9449
        dpop_signing_alg_values_supported,
    }
    flags {
        claims_parameter_supported,
        request_parameter_supported,
        request_uri_parameter_supported,
        require_request_uri_registration,
        // Logout, PAR, RFC 9207, mTLS
        frontchannel_logout_supported,
        frontchannel_logout_session_supported,
        backchannel_logout_supported,
        backchannel_logout_session_supported,
        require_pushed_authorization_requests,
        authorization_response_iss_parameter_supported,
        tls_client_certificate_bound_access_tokens,
    }
}

/// An OpenID Provider's metadata, validated, with the raw JSON kept verbatim.
///
/// Absent members read as the spec defaults where the specs define one (e.g.
/// [`grant_types_supported`](Self::grant_types_supported) defaults to
/// `authorization_code, implicit`).
#[derive(Clone)]
pub struct ProviderMetadata {
    raw: String,
    f: Fields,
    urls: Endpoints,
    multi_tenant_template: bool,
    lists: Lists,
    value: OnceLock<Value>,
}

impl fmt::Debug for ProviderMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderMetadata")
            .field("issuer", &self.issuer())
            .field("multi_tenant_template", &self.multi_tenant_template)
            .field("raw", &self.raw)
            .finish_non_exhaustive()
    }
}

impl PartialEq for ProviderMetadata {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

macro_rules! str_getters {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(&self) -> Option<&str> {
            self.text(&self.f.$name)
        }
    )*};
}

macro_rules! url_getters {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(&self) -> Option<&Url> {
            self.urls.$name.as_ref()
        }
    )*};
}

/// Every endpoint of the document, parsed and checked once, at load.
#[derive(Debug, Clone)]
struct Endpoints {
    authorization_endpoint: Url,
    jwks_uri: Url,
    token_endpoint: Option<Url>,
    userinfo_endpoint: Option<Url>,
    registration_endpoint: Option<Url>,
    revocation_endpoint: Option<Url>,
    introspection_endpoint: Option<Url>,
    end_session_endpoint: Option<Url>,
    check_session_iframe: Option<Url>,
    device_authorization_endpoint: Option<Url>,
    pushed_authorization_request_endpoint: Option<Url>,
}

impl Endpoints {
    fn parse(raw: &str, f: &Fields, issuer: &IssuerUrl) -> Result<Self, Error> {
        let optional = |member: &'static str, at: &Option<Text>| {
            text(raw, at)
                .map(|u| parse_endpoint(member, u, issuer))
                .transpose()
        };
        let required = |member: &'static str, at: &Option<Text>| {
            optional(member, at)?.ok_or(Error::MissingMember { member })
        };
        Ok(Self {
            authorization_endpoint: required("authorization_endpoint", &f.authorization_endpoint)?,
            jwks_uri: required("jwks_uri", &f.jwks_uri)?,
            token_endpoint: optional("token_endpoint", &f.token_endpoint)?,
            userinfo_endpoint: optional("userinfo_endpoint", &f.userinfo_endpoint)?,
            registration_endpoint: optional("registration_endpoint", &f.registration_endpoint)?,
            revocation_endpoint: optional("revocation_endpoint", &f.revocation_endpoint)?,
            introspection_endpoint: optional("introspection_endpoint", &f.introspection_endpoint)?,
            end_session_endpoint: optional("end_session_endpoint", &f.end_session_endpoint)?,
            check_session_iframe: optional("check_session_iframe", &f.check_session_iframe)?,
            device_authorization_endpoint: optional(
                "device_authorization_endpoint",
                &f.device_authorization_endpoint,
            )?,
            pushed_authorization_request_endpoint: optional(
                "pushed_authorization_request_endpoint",
                &f.pushed_authorization_request_endpoint,
            )?,
        })
    }
}

/// A kept string member's text.
fn text<'s>(raw: &'s str, member: &'s Option<Text>) -> Option<&'s str> {
    member.as_ref().map(|t| t.get(raw))
}

/// The document's `issuer` against the one expected: exactly, or (with the quirk) as
/// Microsoft's multi-tenant template; `Ok(true)` for a template.
fn check_issuer(found: Option<&str>, expected: &IssuerUrl, quirks: &Quirks) -> Result<bool, Error> {
    let found = found.ok_or(Error::MissingMember { member: "issuer" })?;
    if found == expected.as_str() {
        Ok(false)
    } else if quirks.microsoft_multi_tenant_issuer && template_matches(found, expected.as_str()) {
        Ok(true)
    } else {
        Err(Error::IssuerMismatch {
            expected: expected.as_str().to_owned(),
            found: found.to_owned(),
        })
    }
}

macro_rules! list_getters {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(&self) -> &[String] {
            self.list(stringify!($name), &self.f.$name, &self.lists.$name)
                .unwrap_or(&[])
        }
    )*};
}

const DEFAULT_RESPONSE_MODES: [&str; 2] = ["query", "fragment"];
const DEFAULT_GRANT_TYPES: [&str; 2] = ["authorization_code", "implicit"];
const DEFAULT_RESPONSE_TYPES: [&str; 3] = ["code", "id_token", "id_token token"];
const DEFAULT_AUTH_METHODS: [&str; 1] = ["client_secret_basic"];
const DEFAULT_CLAIM_TYPES: [&str; 1] = ["normal"];

fn list_or_default(list: Option<&[String]>, default: &[&str]) -> Vec<String> {
    match list {
        Some(l) => l.to_vec(),
        None => default.iter().map(|s| (*s).to_owned()).collect(),
    }
}

impl ProviderMetadata {
    /// Reads a discovery document (e.g. one cached on disk) and checks it was issued by
    /// `expected_issuer`, exactly.
    pub fn load(raw_json: impl Into<String>, expected_issuer: &IssuerUrl) -> Result<Self, Error> {
        Self::load_with(raw_json, expected_issuer, &Quirks::default())
    }

    /// [`Self::load`] with provider workarounds.
    pub fn load_with(
        raw_json: impl Into<String>,
        expected_issuer: &IssuerUrl,
        quirks: &Quirks,
    ) -> Result<Self, Error> {
        let raw = raw_json.into();
        check_size(Document::Discovery, raw.len())?;
        check_json_text(Document::Discovery, raw.as_bytes())?;
        // One pass: strings borrowed from `raw` (kept as spans), lists only type-checked.
        let doc: Doc<'_> =
            serde_json::from_str(&raw).map_err(|e| json_error(Document::Discovery, e, true))?;
        let f = Fields::new(doc, &raw);
        let multi_tenant_template = check_issuer(text(&raw, &f.issuer), expected_issuer, quirks)?;
        let urls = Endpoints::parse(&raw, &f, expected_issuer)?;
        Ok(Self {
            raw,
            f,
            urls,
            multi_tenant_template,
            lists: Lists::default(),
            value: OnceLock::new(),
        })
    }

    fn text<'s>(&'s self, member: &'s Option<Text>) -> Option<&'s str> {
        text(&self.raw, member)
    }

    /// A list member (`None` when absent or null), read from its span of the raw JSON on
    /// first use.
    fn list<'s>(
        &'s self,
        name: &str,
        at: &Option<ListAt>,
        cell: &'s OnceLock<Vec<String>>,
    ) -> Option<&'s [String]> {
        let at = at.as_ref()?;
        let list = cell.get_or_init(|| {
            let span = match at {
                ListAt::Empty => return Vec::new(),
                ListAt::Span(r) => self.raw.get(r.clone()),
                ListAt::Elsewhere => None,
            };
            // `load` checked the member is an array of strings, so either way reads it
            // whole; the empty fallback is never taken.
            span.and_then(|s| serde_json::from_str(s).ok())
                .or_else(|| {
                    let items = self.json().get(name)?.as_array()?;
                    Some(
                        items
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect(),
                    )
                })
                .unwrap_or_default()
        });
        Some(list)
    }

    /// The raw discovery document, verbatim.
    pub fn raw_json(&self) -> &str {
        &self.raw
    }

    /// The issuer as published. For a Microsoft
    /// multi-tenant document this is the `{tenantid}` template.
    pub fn issuer(&self) -> &str {
        // `validate` refused documents without an issuer.
        self.text(&self.f.issuer).unwrap_or_default()
    }

    /// Whether the issuer is Microsoft's `{tenantid}` template (accepted by the quirk).
    pub fn is_multi_tenant_template(&self) -> bool {
        self.multi_tenant_template
    }

    /// Whether an ID token's `iss` belongs to this provider: exact equality, or, for a
    /// multi-tenant template, equality after substituting the token's `tid`.
    pub fn issuer_matches(&self, iss: &str, tid: Option<&str>) -> bool {
        if iss == self.issuer() {
            return !self.multi_tenant_template;
        }
        match (self.multi_tenant_template, tid) {
            (true, Some(tid)) if !tid.is_empty() && !tid.contains('/') => {
                self.issuer().replace("{tenantid}", tid) == iss
            }
            _ => false,
        }
    }

    /// The authorization endpoint (required; checked like every endpoint, see
    /// [`check_endpoint_url`](crate::check_endpoint_url)).
    pub fn authorization_endpoint(&self) -> &Url {
        &self.urls.authorization_endpoint
    }

    /// The JWKS URL (required).
    pub fn jwks_uri(&self) -> &Url {
        &self.urls.jwks_uri
    }

    url_getters! {
        /// The token endpoint.
        token_endpoint;
        /// The UserInfo endpoint.
        userinfo_endpoint;
        /// The dynamic registration endpoint (RFC 7591).
        registration_endpoint;
        /// The RFC 7009 revocation endpoint.
        revocation_endpoint;
        /// The RFC 7662 introspection endpoint.
        introspection_endpoint;
        /// The RP-initiated logout endpoint.
        end_session_endpoint;
        /// The session management iframe.
        check_session_iframe;
        /// The RFC 8628 device authorization endpoint.
        device_authorization_endpoint;
        /// The RFC 9126 pushed authorization request endpoint.
        pushed_authorization_request_endpoint;
    }

    str_getters! {
        /// Human-readable documentation for developers (a page, not an endpoint: not
        /// checked).
        service_documentation;
        /// The provider's policy page (not checked).
        op_policy_uri;
        /// The provider's terms of service page (not checked).
        op_tos_uri;
        /// RFC 8414 signed metadata (a JWT), unverified.
        signed_metadata;
    }

    list_getters! {
        /// `scopes_supported` (empty when absent).
        scopes_supported;
        /// `acr_values_supported`.
        acr_values_supported;
        /// `subject_types_supported`.
        subject_types_supported;
        /// `id_token_signing_alg_values_supported`.
        id_token_signing_alg_values_supported;
        /// `id_token_encryption_alg_values_supported`.
        id_token_encryption_alg_values_supported;
        /// `id_token_encryption_enc_values_supported`.
        id_token_encryption_enc_values_supported;
        /// `userinfo_signing_alg_values_supported`.
        userinfo_signing_alg_values_supported;
        /// `userinfo_encryption_alg_values_supported`.
        userinfo_encryption_alg_values_supported;
        /// `userinfo_encryption_enc_values_supported`.
        userinfo_encryption_enc_values_supported;
        /// `request_object_signing_alg_values_supported`.
        request_object_signing_alg_values_supported;
        /// `request_object_encryption_alg_values_supported`.
        request_object_encryption_alg_values_supported;
        /// `request_object_encryption_enc_values_supported`.
        request_object_encryption_enc_values_supported;
        /// `token_endpoint_auth_signing_alg_values_supported`.
        token_endpoint_auth_signing_alg_values_supported;
        /// `display_values_supported`.
        display_values_supported;
        /// `claims_supported`.
        claims_supported;
        /// `claims_locales_supported`.
        claims_locales_supported;
        /// `ui_locales_supported`.
        ui_locales_supported;
        /// `revocation_endpoint_auth_methods_supported`.
        revocation_endpoint_auth_methods_supported;
        /// `revocation_endpoint_auth_signing_alg_values_supported`.
        revocation_endpoint_auth_signing_alg_values_supported;
        /// `introspection_endpoint_auth_methods_supported`.
        introspection_endpoint_auth_methods_supported;
        /// `introspection_endpoint_auth_signing_alg_values_supported`.
        introspection_endpoint_auth_signing_alg_values_supported;
        /// RFC 7636 `code_challenge_methods_supported` (empty: the provider did not say).
        code_challenge_methods_supported;
        /// RFC 9449 `dpop_signing_alg_values_supported`.
        dpop_signing_alg_values_supported;
    }

    /// `response_types_supported`; when absent, `code`, `id_token` and `id_token token`.
    pub fn response_types_supported(&self) -> Vec<String> {
        list_or_default(
            self.list(
                "response_types_supported",
                &self.f.response_types_supported,
                &self.lists.response_types_supported,
            ),
            &DEFAULT_RESPONSE_TYPES,
        )
    }

    /// `response_modes_supported`; default `query`, `fragment` (Discovery §3).
    pub fn response_modes_supported(&self) -> Vec<String> {
        list_or_default(
            self.list(
                "response_modes_supported",
                &self.f.response_modes_supported,
                &self.lists.response_modes_supported,
            ),
            &DEFAULT_RESPONSE_MODES,
        )
    }

    /// `grant_types_supported`; default `authorization_code`, `implicit` (Discovery §3).
    pub fn grant_types_supported(&self) -> Vec<String> {
        list_or_default(
            self.list(
                "grant_types_supported",
                &self.f.grant_types_supported,
                &self.lists.grant_types_supported,
            ),
            &DEFAULT_GRANT_TYPES,
        )
    }

    /// `token_endpoint_auth_methods_supported`; default `client_secret_basic`.
    pub fn token_endpoint_auth_methods_supported(&self) -> Vec<String> {
        list_or_default(
            self.list(
                "token_endpoint_auth_methods_supported",
                &self.f.token_endpoint_auth_methods_supported,
                &self.lists.token_endpoint_auth_methods_supported,
            ),
            &DEFAULT_AUTH_METHODS,
        )
    }

    /// `claim_types_supported`; default `normal`.
    pub fn claim_types_supported(&self) -> Vec<String> {
        list_or_default(
            self.list(
                "claim_types_supported",
                &self.f.claim_types_supported,
                &self.lists.claim_types_supported,
            ),
            &DEFAULT_CLAIM_TYPES,
        )
    }

    /// `claims_parameter_supported`; default `false`.
    pub fn claims_parameter_supported(&self) -> bool {
        self.f.claims_parameter_supported.unwrap_or(false)
    }

    /// `request_parameter_supported`; default `false`.
    pub fn request_parameter_supported(&self) -> bool {
        self.f.request_parameter_supported.unwrap_or(false)
    }

    /// `request_uri_parameter_supported`; default `true`.
    pub fn request_uri_parameter_supported(&self) -> bool {
        self.f.request_uri_parameter_supported.unwrap_or(true)
    }

    /// `require_request_uri_registration`; default `false`.
    pub fn require_request_uri_registration(&self) -> bool {
        self.f.require_request_uri_registration.unwrap_or(false)
    }

    /// `frontchannel_logout_supported`; default `false`.
    pub fn frontchannel_logout_supported(&self) -> bool {
        self.f.frontchannel_logout_supported.unwrap_or(false)
    }

    /// `frontchannel_logout_session_supported`; default `false`.
    pub fn frontchannel_logout_session_supported(&self) -> bool {
        self.f
            .frontchannel_logout_session_supported
            .unwrap_or(false)
    }

    /// `backchannel_logout_supported`; default `false`.
    pub fn backchannel_logout_supported(&self) -> bool {
        self.f.backchannel_logout_supported.unwrap_or(false)
    }

    /// `backchannel_logout_session_supported`; default `false`.
    pub fn backchannel_logout_session_supported(&self) -> bool {
        self.f.backchannel_logout_session_supported.unwrap_or(false)
    }

    /// `require_pushed_authorization_requests`; default `false`.
    pub fn require_pushed_authorization_requests(&self) -> bool {
        self.f
            .require_pushed_authorization_requests
            .unwrap_or(false)
    }

    /// RFC 9207 `authorization_response_iss_parameter_supported`; default `false`.
    pub fn authorization_response_iss_parameter_supported(&self) -> bool {
        self.f
            .authorization_response_iss_parameter_supported
            .unwrap_or(false)
    }

    /// RFC 8705 `tls_client_certificate_bound_access_tokens`; default `false`.
    pub fn tls_client_certificate_bound_access_tokens(&self) -> bool {
        self.f
            .tls_client_certificate_bound_access_tokens
            .unwrap_or(false)
    }

    /// Whether PKCE S256 is advertised.
    pub fn supports_pkce_s256(&self) -> bool {
        self.code_challenge_methods_supported()
            .iter()
            .any(|m| m == "S256")
    }

    /// The whole document as a JSON value (parsed from the raw JSON on first use).
    pub fn json(&self) -> &Value {
        self.value.get_or_init(|| {
            // The raw text parsed into `Fields` in `load`, so it is valid JSON; the
            // `Null` fallback is never taken.
            serde_json::from_str(&self.raw).unwrap_or(Value::Null)
        })
    }

    /// Any member as text, by name (`"authorization_endpoint"`), JSON pointer
    /// (`"/mtls_endpoint_aliases/token_endpoint"`) or JSON pointer prefixed with `/json`
    /// (`"/json/mtls_endpoint_aliases/token_endpoint"`). Strings come unquoted, other
    /// values as compact JSON; `None` when absent.
    pub fn get_metadata(&self, name_or_path: &str) -> Option<String> {
        oidc_jose::lookup(self.json(), name_or_path).map(oidc_jose::value_text)
    }

    /// Any member as a JSON value (see [`Self::get_metadata`]).
    pub fn get_metadata_value(&self, name_or_path: &str) -> Option<&Value> {
        oidc_jose::lookup(self.json(), name_or_path)
    }
}

/// `{tenantid}` template accepted for `expected` when replacing the template by the
/// expected issuer's path segment at the same place gives the expected issuer.
fn template_matches(template: &str, expected: &str) -> bool {
    let Some((prefix, suffix)) = template.split_once("{tenantid}") else {
        return false;
    };
    let Some(rest) = expected.strip_prefix(prefix) else {
        return false;
    };
    let Some(segment) = rest.strip_suffix(suffix) else {
        return false;
    };
    !segment.is_empty() && !segment.contains('/')
}

/// The discovery request for `issuer` (Discovery §4.1): `GET
/// <issuer>/.well-known/openid-configuration`, accepting JSON.
pub fn discovery_request(issuer: &IssuerUrl) -> HttpRequest {
    let mut req = HttpRequest::new(Vec::new());
    *req.method_mut() = http::Method::GET;
    // A URL parsed by `url` is always a valid URI; the fallback is never taken.
    *req.uri_mut() = issuer.discovery_url().as_str().parse().unwrap_or_default();
    req.headers_mut().insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static("application/json"),
    );
    req
}

/// Reads the response to [`discovery_request`]: status 200, JSON, a valid document whose
/// `issuer` equals `issuer` exactly (Discovery §4.3), or an [`Error`] with code 900.
pub fn parse_discovery_response(
    issuer: &IssuerUrl,
    response: HttpResponse,
) -> Result<ProviderMetadata, Error> {
    parse_discovery_response_with(issuer, response, &Quirks::default())
}

/// [`parse_discovery_response`] with provider workarounds.
pub fn parse_discovery_response_with(
    issuer: &IssuerUrl,
    response: HttpResponse,
    quirks: &Quirks,
) -> Result<ProviderMetadata, Error> {
    check_response(Document::Discovery, &response)?;
    let raw = String::from_utf8(response.into_body()).map_err(|e| Error::InvalidJson {
        what: Document::Discovery,
        source: de::Error::custom(e),
    })?;
    ProviderMetadata::load_with(raw, issuer, quirks)
}

#[cfg(test)]
mod tests;
