//! ID token claims: the registered ones typed, the user's standard claims typed on
//! demand, and everything else reachable by name or JSON pointer.

use std::sync::OnceLock;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Error, Malformed};

/// A JWT NumericDate: an integer or a decimal number of seconds (fractions dropped).
fn numeric_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct V;
    impl de::Visitor<'_> for V {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a NumericDate")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::custom("NumericDate out of range"))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            if v.is_finite() && v.abs() < 9.0e15 {
                Ok(Some(v.floor() as i64))
            } else {
                Err(E::custom("NumericDate out of range"))
            }
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// `aud`: a string or an array of strings (a visitor, not an untagged enum: no buffering).
fn audience<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> de::Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string or an array of strings")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(vec![v.to_owned()])
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(16));
            while let Some(s) = seq.next_element::<String>()? {
                out.push(s);
            }
            Ok(out)
        }
    }
    d.deserialize_any(V)
}

/// A boolean that some providers send as `"true"` / `"false"`.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        Bool(bool),
        Str(String),
    }
    match Option::<B>::deserialize(d)? {
        None => Ok(None),
        Some(B::Bool(b)) => Ok(Some(b)),
        Some(B::Str(s)) if s == "true" => Ok(Some(true)),
        Some(B::Str(s)) if s == "false" => Ok(Some(false)),
        Some(B::Str(_)) => Err(de::Error::custom("expected a boolean")),
    }
}

/// `updated_at`: a NumericDate, or a numeric string.
fn lenient_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum T {
        I(i64),
        F(f64),
        S(String),
    }
    match Option::<T>::deserialize(d)? {
        None => Ok(None),
        Some(T::I(i)) => Ok(Some(i)),
        Some(T::F(f)) if f.is_finite() && f.abs() < 9.0e15 => Ok(Some(f.floor() as i64)),
        Some(T::S(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom("expected a date")),
        Some(T::F(_)) => Err(de::Error::custom("date out of range")),
    }
}

/// The `address` claim (OpenID Connect Core §5.1.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Address {
    /// `formatted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// `street_address` (`user_details_addr_street_addr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// `locality` (`user_details_addr_locality`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// `region` (`user_details_addr_region`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `postal_code` (`user_details_addr_postal_code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// `country` (`user_details_addr_country`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// The standard claims about the user (OpenID Connect Core §5.1), filled from the ID
/// token or the UserInfo response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StandardClaims {
    /// `sub` (`user_details_subject`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// `name` (`user_details_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `given_name` (`user_details_first_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// `family_name` (`user_details_last_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// `middle_name` (`user_details_middle_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// `nickname` (`user_details_nickname`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// `preferred_username` (`user_details_preferred_username`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// `profile` (`user_details_profile_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// `picture` (`user_details_picture_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// `website` (`user_details_website`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// `email` (`user_details_email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `email_verified` (`user_details_email_verified`); `"true"`/`"false"` strings accepted.
    #[serde(
        default,
        deserialize_with = "lenient_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub email_verified: Option<bool>,
    /// `gender` (`user_details_gender`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// `birthdate` (`user_details_birthday`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<String>,
    /// `zoneinfo` (`user_details_zone_info`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zoneinfo: Option<String>,
    /// `locale` (`user_details_locale`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// `phone_number` (`user_details_phone_number`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// `phone_number_verified` (`user_details_phone_number_verified`).
    #[serde(
        default,
        deserialize_with = "lenient_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone_number_verified: Option<bool>,
    /// `address` (`user_details_addr_*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// `updated_at`, seconds (`user_details_updated_at`).
    #[serde(
        default,
        deserialize_with = "lenient_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<i64>,
}

impl StandardClaims {
    /// Parses the standard claims out of a JSON object (unknown members ignored).
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        serde_json::from_slice(json).map_err(|_| Error::Malformed(Malformed::ClaimsJson))
    }

    /// Fills every absent field from `other` (ID token first, then UserInfo, or the reverse).
    pub fn merge_missing(&mut self, other: &StandardClaims) {
        macro_rules! fill {
            ($($f:ident),*) => {$(
                if self.$f.is_none() { self.$f = other.$f.clone(); }
            )*};
        }
        fill!(
            sub,
            name,
            given_name,
            family_name,
            middle_name,
            nickname,
            preferred_username,
            profile,
            picture,
            website,
            email,
            email_verified,
            gender,
            birthdate,
            zoneinfo,
            locale,
            phone_number,
            phone_number_verified,
            address,
            updated_at
        );
    }
}

#[derive(Deserialize)]
struct Registered {
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default, deserialize_with = "audience")]
    aud: Vec<String>,
    #[serde(default, deserialize_with = "numeric_date")]
    exp: Option<i64>,
    #[serde(default, deserialize_with = "numeric_date")]
    iat: Option<i64>,
    #[serde(default, deserialize_with = "numeric_date")]
    nbf: Option<i64>,
    #[serde(default, deserialize_with = "numeric_date")]
    auth_time: Option<i64>,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    acr: Option<String>,
    #[serde(default)]
    amr: Option<Vec<String>>,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    at_hash: Option<String>,
    #[serde(default)]
    c_hash: Option<String>,
    #[serde(default)]
    sid: Option<String>,
    #[serde(default)]
    tid: Option<String>,
}

/// The claims of an ID token.
///
/// The registered claims are typed fields; the standard user claims come from
/// [`IdTokenClaims::user`]; anything else from [`IdTokenClaims::claim`] by name or by
/// JSON pointer, bare or prefixed with `/json`.
#[derive(Clone, Serialize)]
#[serde(into = "Value")]
pub struct IdTokenClaims {
    /// `iss` (`id_token_issuer`).
    pub iss: Option<String>,
    /// `sub`.
    pub sub: Option<String>,
    /// `aud` (`id_token_audiences`), always a list.
    pub aud: Vec<String>,
    /// `exp` (`id_token_exp_time`), seconds.
    pub exp: Option<i64>,
    /// `iat` (`id_token_issued_time`), seconds.
    pub iat: Option<i64>,
    /// `nbf`, seconds.
    pub nbf: Option<i64>,
    /// `auth_time` (`id_token_auth_time`), seconds.
    pub auth_time: Option<i64>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// `acr`.
    pub acr: Option<String>,
    /// `amr`.
    pub amr: Option<Vec<String>>,
    /// `azp`.
    pub azp: Option<String>,
    /// `at_hash`.
    pub at_hash: Option<String>,
    /// `c_hash`.
    pub c_hash: Option<String>,
    /// `sid`.
    pub sid: Option<String>,
    /// `tid` (Microsoft's tenant id).
    pub tid: Option<String>,
    raw: String,
    json: OnceLock<Value>,
    user: OnceLock<StandardClaims>,
}

impl std::fmt::Debug for IdTokenClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdTokenClaims")
            .field("iss", &self.iss)
            .field("sub", &self.sub)
            .field("aud", &self.aud)
            .field("exp", &self.exp)
            .field("iat", &self.iat)
            .field("nbf", &self.nbf)
            .field("auth_time", &self.auth_time)
            .field("nonce", &self.nonce.as_ref().map(|_| "[redacted]"))
            .field("azp", &self.azp)
            .finish_non_exhaustive()
    }
}

impl From<IdTokenClaims> for Value {
    fn from(c: IdTokenClaims) -> Value {
        c.json().clone()
    }
}

impl IdTokenClaims {
    /// Parses a JSON claims set (the decoded JWT payload). Registered claims of the wrong
    /// type are a parse error (901); absent ones are checked by the validator (913).
    pub fn from_json(payload: Vec<u8>) -> Result<Self, Error> {
        // serde would also read a struct from a JSON array; a claims set is an object.
        if payload.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(Error::Malformed(Malformed::ClaimsJson));
        }
        let r: Registered = serde_json::from_slice(&payload)
            .map_err(|_| Error::Malformed(Malformed::ClaimsJson))?;
        // The typed pass skips unknown members without reading their numbers, so
        // `{"x":1e400}` got through it while the full parse behind `json()` refuses it: the
        // token was accepted with claims that read as empty. Read every member once more.
        serde_json::from_slice::<oidc_core::json_check::AnyJson>(&payload)
            .map_err(|_| Error::Malformed(Malformed::ClaimsJson))?;
        // serde_json accepted the bytes, so they are valid UTF-8.
        let raw =
            String::from_utf8(payload).map_err(|_| Error::Malformed(Malformed::ClaimsJson))?;
        Ok(Self {
            iss: r.iss,
            sub: r.sub,
            aud: r.aud,
            exp: r.exp,
            iat: r.iat,
            nbf: r.nbf,
            auth_time: r.auth_time,
            nonce: r.nonce,
            acr: r.acr,
            amr: r.amr,
            azp: r.azp,
            at_hash: r.at_hash,
            c_hash: r.c_hash,
            sid: r.sid,
            tid: r.tid,
            raw,
            json: OnceLock::new(),
            user: OnceLock::new(),
        })
    }

    /// The claims set as JSON text, exactly as the token carried it.
    pub fn raw_json(&self) -> &str {
        &self.raw
    }

    /// The claims set as a JSON value (parsed on first use).
    pub fn json(&self) -> &Value {
        // `from_json` read the payload as a JSON object with every member (`AnyJson`), as
        // strictly as this parse does: it cannot fail here.
        self.json
            .get_or_init(|| serde_json::from_str(&self.raw).unwrap_or(Value::Null))
    }

    /// The standard user claims (parsed on first use; a claim of the wrong type is
    /// treated as absent rather than failing the sign-in).
    pub fn user(&self) -> &StandardClaims {
        self.user.get_or_init(|| {
            StandardClaims::from_json(self.raw.as_bytes()).unwrap_or_else(|_| {
                // Fall back member by member, keeping what is well-typed.
                lenient_user(self.json())
            })
        })
    }

    /// A claim by name (`"email"`), by JSON pointer (`"/address/country"`), or by JSON
    /// pointer prefixed with `/json` (`"/json/address/country"`; `"/json"` alone is the
    /// whole claims object).
    pub fn claim(&self, name_or_path: &str) -> Option<&Value> {
        lookup(self.json(), name_or_path)
    }

    /// A claim deserialized into `T`; `None` when absent, `Some(Err)` when of another type.
    pub fn claim_as<T: de::DeserializeOwned>(
        &self,
        name_or_path: &str,
    ) -> Option<Result<T, serde_json::Error>> {
        self.claim(name_or_path).map(|v| T::deserialize(v))
    }

    /// A claim rendered as text: strings as they are, other JSON as compact JSON.
    pub fn claim_string(&self, name_or_path: &str) -> Option<String> {
        self.claim(name_or_path).map(value_text)
    }

    /// The audiences comma-separated.
    pub fn audiences_joined(&self) -> String {
        self.aud.join(",")
    }
}

fn lenient_user(v: &Value) -> StandardClaims {
    let mut out = StandardClaims::default();
    if let Value::Object(m) = v {
        for (k, val) in m {
            let mut one = serde_json::Map::new();
            one.insert(k.clone(), val.clone());
            if let Ok(part) = serde_json::from_value::<StandardClaims>(Value::Object(one)) {
                out.merge_missing(&part);
            }
        }
    }
    out
}

/// Renders a JSON value as text: strings unquoted, everything else as compact JSON.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Looks a member up by name, by JSON pointer, or by JSON pointer prefixed with `/json`
/// (`"/json"` alone is the whole value).
pub fn lookup<'v>(root: &'v Value, name_or_path: &str) -> Option<&'v Value> {
    if let Some(rest) = name_or_path.strip_prefix("/json") {
        if rest.is_empty() {
            return Some(root);
        }
        if rest.starts_with('/') {
            return root.pointer(rest);
        }
    }
    if name_or_path.starts_with('/') {
        return root.pointer(name_or_path);
    }
    root.get(name_or_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_looks_up() {
        let c = IdTokenClaims::from_json(
            br#"{"iss":"https://op","sub":"u1","aud":"app","exp":1700000000.9,"iat":1699999000,
                "email":"a@b.c","email_verified":"true","address":{"country":"NL","locality":"Delft"},
                "groups":["x","y"],"custom":{"deep":[1,{"k":"v"}]}}"#
                .to_vec(),
        )
        .unwrap();
        assert_eq!(c.aud, ["app"]);
        assert_eq!(c.exp, Some(1_700_000_000));
        assert_eq!(c.user().email.as_deref(), Some("a@b.c"));
        assert_eq!(c.user().email_verified, Some(true));
        assert_eq!(
            c.user().address.as_ref().unwrap().country.as_deref(),
            Some("NL")
        );
        assert_eq!(c.claim("email").unwrap(), "a@b.c");
        assert_eq!(c.claim("/json/address/locality").unwrap(), "Delft");
        assert_eq!(c.claim("/custom/deep/1/k").unwrap(), "v");
        assert_eq!(c.claim_string("/json/groups").unwrap(), r#"["x","y"]"#);
        assert_eq!(
            c.claim_as::<Vec<String>>("groups").unwrap().unwrap(),
            ["x", "y"]
        );
        assert!(c.claim("missing").is_none());
        assert_eq!(c.audiences_joined(), "app");
    }

    #[test]
    fn wrong_types_are_malformed() {
        for bad in [
            &br#"{"exp":"soon"}"#[..],
            br#"{"aud":5}"#,
            br#"{"iss":1}"#,
            br#"[]"#,
            br#"{"exp":1e300}"#,
        ] {
            assert!(matches!(
                IdTokenClaims::from_json(bad.to_vec()),
                Err(Error::Malformed(Malformed::ClaimsJson))
            ));
        }
    }

    #[test]
    fn numeric_dates_take_every_json_number_form_within_range() {
        let c = IdTokenClaims::from_json(
            br#"{"exp":-1,"iat":17,"nbf":8999999999999998.0,"auth_time":null}"#.to_vec(),
        )
        .unwrap();
        assert_eq!(c.exp, Some(-1), "a negative integer (serde's i64 path)");
        assert_eq!(c.iat, Some(17), "a positive integer (serde's u64 path)");
        assert_eq!(c.nbf, Some(8_999_999_999_999_998), "a decimal below 9e15");
        assert_eq!(c.auth_time, None, "null reads as absent");
        for bad in [
            &br#"{"exp":9e15}"#[..],
            br#"{"exp":-9e15}"#,
            br#"{"exp":9223372036854775808}"#,
        ] {
            assert!(
                matches!(
                    IdTokenClaims::from_json(bad.to_vec()),
                    Err(Error::Malformed(Malformed::ClaimsJson))
                ),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn audiences_read_from_a_string_with_escapes_or_an_array() {
        let c = IdTokenClaims::from_json(br#"{"aud":"a\u0062c"}"#.to_vec()).unwrap();
        assert_eq!(c.aud, ["abc"], "an escaped string is copied, not borrowed");
        let c = IdTokenClaims::from_json(br#"{"aud":["x","y\n"]}"#.to_vec()).unwrap();
        assert_eq!(c.aud, ["x", "y\n"]);
        assert_eq!(c.audiences_joined(), "x,y\n");
    }

    #[test]
    fn lenient_user_claims_take_strings_and_numbers_in_range() {
        let user = |json: &str| {
            IdTokenClaims::from_json(json.as_bytes().to_vec())
                .unwrap()
                .user()
                .clone()
        };
        let u = user(
            r#"{"updated_at":1700000000,"email_verified":"false","phone_number_verified":"true"}"#,
        );
        assert_eq!(u.updated_at, Some(1_700_000_000));
        assert_eq!(u.email_verified, Some(false));
        assert_eq!(u.phone_number_verified, Some(true));
        assert_eq!(user(r#"{"updated_at":-5}"#).updated_at, Some(-5));
        assert_eq!(user(r#"{"updated_at":12.9}"#).updated_at, Some(12));
        assert_eq!(user(r#"{"updated_at":-12.5}"#).updated_at, Some(-13));
        assert_eq!(
            user(r#"{"updated_at":8999999999999999.0}"#).updated_at,
            Some(8_999_999_999_999_999)
        );
        assert_eq!(
            user(r#"{"updated_at":"1700000001"}"#).updated_at,
            Some(1_700_000_001)
        );
        assert_eq!(user(r#"{"updated_at":null}"#).updated_at, None);
        // Out of range or not a number: that one claim reads as absent, the rest stays.
        for bad in [
            r#"{"updated_at":9e15,"email":"e@x"}"#,
            r#"{"updated_at":-1e300,"email":"e@x"}"#,
            r#"{"updated_at":"soon","email":"e@x"}"#,
            r#"{"updated_at":true,"email":"e@x"}"#,
        ] {
            let u = user(bad);
            assert_eq!(u.updated_at, None, "{bad}");
            assert_eq!(u.email.as_deref(), Some("e@x"), "{bad}");
        }
    }

    #[test]
    fn claims_serialize_as_the_whole_claims_set() {
        let text = r#"{"sub":"u","aud":["a","b"],"exp":5,"x":{"y":[1,null]}}"#;
        let c = IdTokenClaims::from_json(text.as_bytes().to_vec()).unwrap();
        let whole: Value = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_value(&c).unwrap(), whole);
        assert_eq!(Value::from(c), whole);
    }

    #[test]
    fn user_claims_survive_one_bad_member() {
        let c = IdTokenClaims::from_json(
            br#"{"sub":"u","email":"e@x","email_verified":"maybe"}"#.to_vec(),
        )
        .unwrap();
        assert_eq!(c.user().email.as_deref(), Some("e@x"));
        assert_eq!(c.user().email_verified, None);
    }
}
