//! JSON Web Keys (RFC 7517) parsed into ready-to-verify public keys.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use base64::Engine as _;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use oidc_core::json_check::{AnyJson, AnyVisitor};

use crate::{Algorithm, Error, b64, der};

/// An elliptic curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Curve {
    /// NIST P-256.
    P256,
    /// NIST P-384.
    P384,
    /// NIST P-521.
    P521,
}

impl Curve {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "P-256" => Some(Curve::P256),
            "P-384" => Some(Curve::P384),
            "P-521" => Some(Curve::P521),
            _ => None,
        }
    }

    /// Coordinate length in bytes.
    pub fn coordinate_len(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }

    /// The JWK `crv` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }
}

/// The key material of a JWK, decoded and checked.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyMaterial {
    /// An RSA public key.
    Rsa {
        /// Modulus, big-endian, no leading zeros.
        n: Vec<u8>,
        /// Public exponent, big-endian, no leading zeros.
        e: Vec<u8>,
    },
    /// An EC public key.
    Ec {
        /// The curve.
        curve: Curve,
        /// The uncompressed point `0x04 || x || y`.
        point: Vec<u8>,
    },
    /// An Ed25519 public key (32 bytes).
    Ed25519 {
        /// The public key.
        x: Vec<u8>,
    },
    /// A symmetric key (`kty: oct`).
    Oct {
        /// The key bytes.
        k: Vec<u8>,
    },
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyMaterial::Rsa { n, .. } => write!(f, "Rsa({} bits)", n.len() * 8),
            KeyMaterial::Ec { curve, .. } => write!(f, "Ec({})", curve.as_str()),
            KeyMaterial::Ed25519 { .. } => f.write_str("Ed25519"),
            KeyMaterial::Oct { .. } => f.write_str("Oct([redacted])"),
        }
    }
}

/// A public (or symmetric) JSON Web Key, ready to verify signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    kid: Option<String>,
    alg: Option<String>,
    use_: Option<String>,
    key_ops: Option<Vec<String>>,
    x5c: Vec<String>,
    material: KeyMaterial,
}

/// One JWK as [`Jwk::from_slice`] reads it: a strict serde struct.
#[derive(Deserialize)]
struct RawJwk {
    kty: Option<String>,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    key_ops: Option<Vec<String>>,
    #[serde(default)]
    x5c: Option<Vec<String>>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
    #[serde(default)]
    k: Option<String>,
}

/// The members of a JWK that matter, whatever parser read them. The key material members
/// borrow from the JSON text when it has no escapes; they are decoded, never kept.
#[derive(Default)]
struct KeyParts<'a> {
    kty: Option<Cow<'a, str>>,
    kid: Option<String>,
    alg: Option<String>,
    use_: Option<String>,
    key_ops: Option<Vec<String>>,
    x5c: Option<Vec<String>>,
    n: Option<Cow<'a, str>>,
    e: Option<Cow<'a, str>>,
    crv: Option<Cow<'a, str>>,
    x: Option<Cow<'a, str>>,
    y: Option<Cow<'a, str>>,
    k: Option<Cow<'a, str>>,
}

impl From<RawJwk> for KeyParts<'static> {
    fn from(r: RawJwk) -> Self {
        Self {
            kty: r.kty.map(Cow::Owned),
            kid: r.kid,
            alg: r.alg,
            use_: r.use_,
            key_ops: r.key_ops,
            x5c: r.x5c,
            n: r.n.map(Cow::Owned),
            e: r.e.map(Cow::Owned),
            crv: r.crv.map(Cow::Owned),
            x: r.x.map(Cow::Owned),
            y: r.y.map(Cow::Owned),
            k: r.k.map(Cow::Owned),
        }
    }
}

/// Outcome of reading one key of a set.
enum Parsed {
    Key(Jwk),
    Skip(SkippedKey),
}

/// A key of a JWKS that was not used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedKey {
    /// Its `kid`, if it had one.
    pub kid: Option<String>,
    /// Why it was skipped.
    pub reason: &'static str,
}

/// `0x04 || x || y` decoded straight into one buffer, when `x` and `y` are strict base64url
/// of exactly the curve's coordinate length.
fn ec_point(curve: Curve, x: Option<&str>, y: Option<&str>) -> Option<Vec<u8>> {
    let (x, y) = (x?, y?);
    let l = curve.coordinate_len();
    // Strict unpadded base64url of `l` bytes is exactly this long; anything else cannot
    // decode to a coordinate, so it is refused before decoding (no allocation for junk).
    let encoded = base64::encoded_len(l, false)?;
    if x.len() != encoded || y.len() != encoded {
        return None;
    }
    // Room for the decoder's per-call estimate (up to 2 bytes over `l`).
    let mut point = Vec::with_capacity(1 + 2 * l + 3);
    point.push(4);
    b64::B64URL.decode_vec(x, &mut point).ok()?;
    if point.len() != 1 + l {
        return None;
    }
    b64::B64URL.decode_vec(y, &mut point).ok()?;
    (point.len() == 1 + 2 * l).then_some(point)
}

fn strip_zeros(mut v: Vec<u8>) -> Vec<u8> {
    let nz = v.iter().position(|&b| b != 0).unwrap_or(v.len());
    v.drain(..nz);
    v
}

impl Jwk {
    /// Parses one JWK from JSON. Unknown key types and curves are errors here; inside a
    /// [`JwkSet`] they are skipped instead.
    pub fn from_slice(json: &[u8]) -> Result<Self, Error> {
        let raw: RawJwk = serde_json::from_slice(json).map_err(|_| Error::InvalidJwks {
            reason: "a JWK must be a JSON object with string members",
        })?;
        match Self::from_raw(raw.into()) {
            Parsed::Key(k) => Ok(k),
            Parsed::Skip(s) => Err(Error::InvalidKey {
                kid: s.kid,
                reason: s.reason,
            }),
        }
    }

    fn from_raw(raw: KeyParts<'_>) -> Parsed {
        let kid = raw.kid;
        let skip = |reason| {
            Parsed::Skip(SkippedKey {
                kid: kid.clone(),
                reason,
            })
        };
        let dec = |v: &Option<Cow<'_, str>>| v.as_deref().and_then(|s| b64::decode(s.as_bytes()));
        let material = match raw.kty.as_deref() {
            Some("RSA") => match (dec(&raw.n), dec(&raw.e)) {
                (Some(n), Some(e)) => {
                    let (n, e) = (strip_zeros(n), strip_zeros(e));
                    if n.is_empty() || e.is_empty() {
                        return skip("RSA key with an empty n or e");
                    }
                    KeyMaterial::Rsa { n, e }
                }
                _ => return skip("RSA key without valid base64url n and e"),
            },
            Some("EC") => {
                let Some(curve) = raw.crv.as_deref().and_then(Curve::parse) else {
                    return skip("EC key on an unsupported curve");
                };
                match ec_point(curve, raw.x.as_deref(), raw.y.as_deref()) {
                    Some(point) => KeyMaterial::Ec { curve, point },
                    None => return skip("EC key whose x and y are not coordinates of its curve"),
                }
            }
            Some("OKP") => {
                if raw.crv.as_deref() != Some("Ed25519") {
                    return skip("OKP key on a curve other than Ed25519");
                }
                match dec(&raw.x) {
                    Some(x) if x.len() == 32 => KeyMaterial::Ed25519 { x },
                    _ => return skip("Ed25519 key whose x is not 32 bytes"),
                }
            }
            Some("oct") => match dec(&raw.k) {
                Some(k) if !k.is_empty() => KeyMaterial::Oct { k },
                _ => return skip("oct key without a valid k"),
            },
            _ => return skip("unknown or missing kty"),
        };
        Parsed::Key(Jwk {
            kid,
            alg: raw.alg,
            use_: raw.use_,
            key_ops: raw.key_ops,
            x5c: raw.x5c.unwrap_or_default(),
            material,
        })
    }

    /// A key from its material, for tests and for keys that do not come from JSON.
    pub fn from_material(
        kid: Option<String>,
        alg: Option<Algorithm>,
        material: KeyMaterial,
    ) -> Self {
        Self {
            kid,
            alg: alg.map(|a| a.as_str().to_owned()),
            use_: None,
            key_ops: None,
            x5c: Vec::new(),
            material,
        }
    }

    /// The same key with `use` set.
    #[must_use]
    pub fn with_use(mut self, key_use: &str) -> Self {
        self.use_ = Some(key_use.to_owned());
        self
    }

    /// `kid`.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// `alg`, if the key names one.
    pub fn alg(&self) -> Option<&str> {
        self.alg.as_deref()
    }

    /// `use`.
    pub fn key_use(&self) -> Option<&str> {
        self.use_.as_deref()
    }

    /// The decoded key material.
    pub fn material(&self) -> &KeyMaterial {
        &self.material
    }

    /// The `kty` name.
    pub fn kty(&self) -> &'static str {
        match self.material {
            KeyMaterial::Rsa { .. } => "RSA",
            KeyMaterial::Ec { .. } => "EC",
            KeyMaterial::Ed25519 { .. } => "OKP",
            KeyMaterial::Oct { .. } => "oct",
        }
    }

    /// Whether this key may verify a JWS with `alg`: matching type and curve, its own
    /// `alg` (if any) equal, `use` (if any) `sig`, `key_ops` (if any) containing `verify`.
    pub fn fits(&self, alg: Algorithm) -> bool {
        use crate::alg::Family;
        let type_ok = matches!(
            (alg.family(), &self.material),
            (Family::Rsa, KeyMaterial::Rsa { .. })
                | (Family::Ed25519, KeyMaterial::Ed25519 { .. })
                | (Family::Hmac, KeyMaterial::Oct { .. })
        ) || matches!((alg.family(), &self.material),
            (Family::Ec(c), KeyMaterial::Ec { curve, .. }) if c == *curve);
        type_ok
            && self.alg.as_deref().is_none_or(|a| a == alg.as_str())
            && self.use_.as_deref().is_none_or(|u| u == "sig")
            && self
                .key_ops
                .as_ref()
                .is_none_or(|ops| ops.iter().any(|o| o == "verify"))
    }

    /// The public key as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo). `None` for `oct` keys.
    pub fn to_public_key_pem(&self) -> Option<String> {
        der::spki(&self.material).map(|d| der::pem("PUBLIC KEY", &d))
    }

    /// The public key as base64 DER (SubjectPublicKeyInfo). `None` for `oct` keys.
    pub fn to_public_key_base64(&self) -> Option<String> {
        der::spki(&self.material).map(|d| b64::encode_std(&d))
    }

    /// The first `x5c` certificate as PEM, if the key
    /// carries a chain whose first entry is valid base64.
    pub fn certificate_pem(&self) -> Option<String> {
        let first = self.x5c.first()?;
        let der = b64::decode_std(first)?;
        Some(der::pem("CERTIFICATE", &der))
    }

    /// The `x5c` chain as given (standard base64 DER).
    pub fn x5c(&self) -> &[String] {
        &self.x5c
    }
}

/// A JSON Web Key Set.
///
/// Keys of unknown type or curve, and malformed keys, are skipped rather than fatal, so
/// one odd key at the provider cannot break every sign-in; [`JwkSet::skipped`] tells which.
#[derive(Debug, Clone, Default)]
pub struct JwkSet {
    keys: Vec<Jwk>,
    skipped: Vec<SkippedKey>,
}

/// At most this many keys are read from one set.
pub const MAX_KEYS: usize = 100;

const NOT_AN_OBJECT: &str = "a key is not a JSON object with string members";

impl JwkSet {
    /// Parses a JWKS document (`{"keys":[...]}`).
    ///
    /// One pass over the bytes: each entry of `keys` is read straight into its members
    /// (key material borrowed, not copied) and decoded. An entry that is not an object, or
    /// has a member of the wrong type, is skipped and recorded like an unusable key; the
    /// document itself must be valid JSON (every entry is checked as strictly as a
    /// `serde_json::Value` parse would), an object, with a `keys` array of at most
    /// [`MAX_KEYS`] entries.
    pub fn from_slice(json: &[u8]) -> Result<Self, Error> {
        let RawSet { set, entries } =
            serde_json::from_slice(json).map_err(|_| Error::InvalidJwks {
                reason: "a JWKS must be a JSON object with a `keys` array",
            })?;
        if entries > MAX_KEYS {
            return Err(Error::InvalidJwks {
                reason: "the key set has more than 100 keys",
            });
        }
        Ok(set)
    }

    /// A set of the given keys.
    pub fn from_keys(keys: Vec<Jwk>) -> Self {
        Self {
            keys,
            skipped: Vec::new(),
        }
    }

    /// The usable keys.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// The keys that were skipped, and why.
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// Whether there is no usable key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether some key has this `kid`.
    pub fn contains_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid() == Some(kid))
    }

    /// The keys with this `kid` (duplicates are tolerated).
    pub fn find_kid<'s, 'q>(&'s self, kid: &'q str) -> impl Iterator<Item = &'s Jwk> + use<'s, 'q> {
        self.keys.iter().filter(move |k| k.kid() == Some(kid))
    }
}

// ---------- the one-pass JWKS reader ----------

/// The document: its `keys`, read and decoded, and how many entries `keys` had (entries past
/// [`MAX_KEYS`] are only checked to be JSON, then counted).
struct RawSet {
    set: JwkSet,
    entries: usize,
}

impl<'de> Deserialize<'de> for RawSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(SetVisitor)
    }
}

struct SetVisitor;

impl<'de> Visitor<'de> for SetVisitor {
    type Value = RawSet;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWKS object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawSet, A::Error> {
        let mut found = None;
        while let Some(member) = map.next_key::<SetMember>()? {
            match member {
                SetMember::Keys if found.is_some() => {
                    return Err(de::Error::duplicate_field("keys"));
                }
                SetMember::Keys => found = Some(map.next_value::<KeyList>()?.0),
                SetMember::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        found.ok_or_else(|| de::Error::missing_field("keys"))
    }
}

/// A member name of the document.
enum SetMember {
    Keys,
    Other,
}

impl<'de> Deserialize<'de> for SetMember {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = SetMember;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SetMember, E> {
                Ok(if v == "keys" {
                    SetMember::Keys
                } else {
                    SetMember::Other
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// The `keys` array, each entry read, decoded and sorted into usable and skipped keys.
struct KeyList(RawSet);

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(KeyListVisitor)
    }
}

struct KeyListVisitor;

impl<'de> Visitor<'de> for KeyListVisitor {
    type Value = KeyList;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeyList, A::Error> {
        let mut keys = Vec::new();
        let mut skipped = Vec::new();
        let mut entries = 0;
        loop {
            if entries < MAX_KEYS {
                match seq.next_element::<Entry<'de>>()? {
                    None => break,
                    Some(Entry::Key(parts)) => match Jwk::from_raw(parts) {
                        Parsed::Key(k) => keys.push(k),
                        Parsed::Skip(s) => skipped.push(s),
                    },
                    Some(Entry::Malformed(kid)) => skipped.push(SkippedKey {
                        kid,
                        reason: NOT_AN_OBJECT,
                    }),
                }
            } else if seq.next_element::<AnyJson>()?.is_none() {
                break;
            }
            entries += 1;
        }
        Ok(KeyList(RawSet {
            set: JwkSet { keys, skipped },
            entries,
        }))
    }
}

/// One entry of `keys`: its members, or (not an object, or a member of the wrong type) only
/// its `kid` if that was a string.
#[allow(
    clippy::large_enum_variant,
    reason = "lives on the stack for one entry; boxing would add an allocation per key"
)]
enum Entry<'a> {
    Key(KeyParts<'a>),
    Malformed(Option<String>),
}

impl<'de: 'a, 'a> Deserialize<'de> for Entry<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EntryVisitor(PhantomData))
    }
}

struct EntryVisitor<'a>(PhantomData<&'a ()>);

impl<'a> EntryVisitor<'a> {
    fn not_object<E>(self) -> Result<Entry<'a>, E> {
        Ok(Entry::Malformed(None))
    }
}

impl<'de: 'a, 'a> Visitor<'de> for EntryVisitor<'a> {
    type Value = Entry<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Entry<'a>, E> {
        self.not_object()
    }
    fn visit_i64<E>(self, _: i64) -> Result<Entry<'a>, E> {
        self.not_object()
    }
    fn visit_u64<E>(self, _: u64) -> Result<Entry<'a>, E> {
        self.not_object()
    }
    fn visit_f64<E>(self, _: f64) -> Result<Entry<'a>, E> {
        self.not_object()
    }
    fn visit_str<E>(self, _: &str) -> Result<Entry<'a>, E> {
        self.not_object()
    }
    fn visit_unit<E>(self) -> Result<Entry<'a>, E> {
        self.not_object()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Entry<'a>, A::Error> {
        AnyVisitor.visit_seq(seq)?;
        self.not_object()
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entry<'a>, A::Error> {
        // A repeated member keeps its last value, as in a JSON object model.
        let mut kty = Slot::Absent;
        let mut kid = Slot::Absent;
        let mut alg = Slot::Absent;
        let mut use_ = Slot::Absent;
        let mut key_ops = Slot::Absent;
        let mut x5c = Slot::Absent;
        let mut n = Slot::Absent;
        let mut e = Slot::Absent;
        let mut crv = Slot::Absent;
        let mut x = Slot::Absent;
        let mut y = Slot::Absent;
        let mut k = Slot::Absent;
        while let Some(member) = map.next_key::<KeyMember>()? {
            let slot = match member {
                KeyMember::Kty => &mut kty,
                KeyMember::Kid => &mut kid,
                KeyMember::Alg => &mut alg,
                KeyMember::Use => &mut use_,
                KeyMember::N => &mut n,
                KeyMember::E => &mut e,
                KeyMember::Crv => &mut crv,
                KeyMember::X => &mut x,
                KeyMember::Y => &mut y,
                KeyMember::K => &mut k,
                KeyMember::KeyOps => {
                    key_ops = map.next_value::<LenientList>()?.0;
                    continue;
                }
                KeyMember::X5c => {
                    x5c = map.next_value::<LenientList>()?.0;
                    continue;
                }
                KeyMember::Other => {
                    map.next_value::<AnyJson>()?;
                    continue;
                }
            };
            *slot = map.next_value::<LenientStr<'de>>()?.0;
        }
        let bad = [&kty, &kid, &alg, &use_, &n, &e, &crv, &x, &y, &k]
            .iter()
            .any(|s| matches!(s, Slot::Bad))
            || matches!(key_ops, Slot::Bad)
            || matches!(x5c, Slot::Bad);
        let owned = |s: Slot<Cow<'a, str>>| s.into_option().map(Cow::into_owned);
        if bad {
            return Ok(Entry::Malformed(owned(kid)));
        }
        Ok(Entry::Key(KeyParts {
            kty: kty.into_option(),
            kid: owned(kid),
            alg: owned(alg),
            use_: owned(use_),
            key_ops: key_ops.into_option(),
            x5c: x5c.into_option(),
            n: n.into_option(),
            e: e.into_option(),
            crv: crv.into_option(),
            x: x.into_option(),
            y: y.into_option(),
            k: k.into_option(),
        }))
    }
}

/// A member name of a key.
enum KeyMember {
    Kty,
    Kid,
    Alg,
    Use,
    KeyOps,
    X5c,
    N,
    E,
    Crv,
    X,
    Y,
    K,
    Other,
}

impl<'de> Deserialize<'de> for KeyMember {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyMember;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyMember, E> {
                Ok(match v {
                    "kty" => KeyMember::Kty,
                    "kid" => KeyMember::Kid,
                    "alg" => KeyMember::Alg,
                    "use" => KeyMember::Use,
                    "key_ops" => KeyMember::KeyOps,
                    "x5c" => KeyMember::X5c,
                    "n" => KeyMember::N,
                    "e" => KeyMember::E,
                    "crv" => KeyMember::Crv,
                    "x" => KeyMember::X,
                    "y" => KeyMember::Y,
                    "k" => KeyMember::K,
                    _ => KeyMember::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// A key member read leniently: absent (or `null`), a value, or of the wrong type.
enum Slot<T> {
    Absent,
    Val(T),
    Bad,
}

impl<T> Slot<T> {
    fn into_option(self) -> Option<T> {
        match self {
            Slot::Val(v) => Some(v),
            Slot::Absent | Slot::Bad => None,
        }
    }
}

/// A string member, borrowed from the JSON text unless it had escapes. Any other JSON value
/// is consumed (and checked) and reads as [`Slot::Bad`], `null` as [`Slot::Absent`].
struct LenientStr<'a>(Slot<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for LenientStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientStrVisitor(PhantomData))
    }
}

struct LenientStrVisitor<'a>(PhantomData<&'a ()>);

impl<'a> LenientStrVisitor<'a> {
    fn bad<E>(self) -> Result<LenientStr<'a>, E> {
        Ok(LenientStr(Slot::Bad))
    }
}

impl<'de: 'a, 'a> Visitor<'de> for LenientStrVisitor<'a> {
    type Value = LenientStr<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<LenientStr<'a>, E> {
        Ok(LenientStr(Slot::Val(Cow::Borrowed(v))))
    }
    fn visit_str<E>(self, v: &str) -> Result<LenientStr<'a>, E> {
        Ok(LenientStr(Slot::Val(Cow::Owned(v.to_owned()))))
    }
    fn visit_string<E>(self, v: String) -> Result<LenientStr<'a>, E> {
        Ok(LenientStr(Slot::Val(Cow::Owned(v))))
    }
    fn visit_unit<E>(self) -> Result<LenientStr<'a>, E> {
        Ok(LenientStr(Slot::Absent))
    }
    fn visit_bool<E>(self, _: bool) -> Result<LenientStr<'a>, E> {
        self.bad()
    }
    fn visit_i64<E>(self, _: i64) -> Result<LenientStr<'a>, E> {
        self.bad()
    }
    fn visit_u64<E>(self, _: u64) -> Result<LenientStr<'a>, E> {
        self.bad()
    }
    fn visit_f64<E>(self, _: f64) -> Result<LenientStr<'a>, E> {
        self.bad()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<LenientStr<'a>, A::Error> {
        AnyVisitor.visit_seq(seq)?;
        self.bad()
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<LenientStr<'a>, A::Error> {
        AnyVisitor.visit_map(map)?;
        self.bad()
    }
}

/// A list of strings (`key_ops`, `x5c`) read leniently, like [`LenientStr`].
struct LenientList(Slot<Vec<String>>);

impl<'de> Deserialize<'de> for LenientList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientListVisitor)
    }
}

struct LenientListVisitor;

impl LenientListVisitor {
    fn bad<E>(self) -> Result<LenientList, E> {
        Ok(LenientList(Slot::Bad))
    }
}

impl<'de> Visitor<'de> for LenientListVisitor {
    type Value = LenientList;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LenientList, A::Error> {
        let mut list = Vec::new();
        let mut bad = false;
        while let Some(LenientStr(item)) = seq.next_element::<LenientStr<'de>>()? {
            match item {
                Slot::Val(s) => list.push(s.into_owned()),
                // `null` is not a string either.
                Slot::Absent | Slot::Bad => bad = true,
            }
        }
        Ok(LenientList(if bad { Slot::Bad } else { Slot::Val(list) }))
    }
    fn visit_unit<E>(self) -> Result<LenientList, E> {
        Ok(LenientList(Slot::Absent))
    }
    fn visit_bool<E>(self, _: bool) -> Result<LenientList, E> {
        self.bad()
    }
    fn visit_i64<E>(self, _: i64) -> Result<LenientList, E> {
        self.bad()
    }
    fn visit_u64<E>(self, _: u64) -> Result<LenientList, E> {
        self.bad()
    }
    fn visit_f64<E>(self, _: f64) -> Result<LenientList, E> {
        self.bad()
    }
    fn visit_str<E>(self, _: &str) -> Result<LenientList, E> {
        self.bad()
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<LenientList, A::Error> {
        AnyVisitor.visit_map(map)?;
        self.bad()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EC: &str = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"e1","use":"sig"}"#;

    #[test]
    fn set_skips_unknown_and_malformed() {
        let json = format!(
            r#"{{"keys":[{EC},{{"kty":"XYZ","kid":"u"}},{{"kty":"EC","crv":"P-256","x":"AA","y":"AA","kid":"short"}},{{"kty":"OKP","crv":"X25519","x":"AA"}},7,{{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"r"}}]}}"#
        );
        let set = JwkSet::from_slice(json.as_bytes()).unwrap();
        assert_eq!(set.len(), 2);
        assert_eq!(set.skipped().len(), 4);
        assert!(set.contains_kid("e1"));
        assert!(set.contains_kid("r"));
        assert!(!set.contains_kid("u"));
        assert_eq!(set.skipped()[0].kid.as_deref(), Some("u"));
    }

    #[test]
    fn members_read_back_through_the_accessors() {
        let k = Jwk::from_slice(
            br#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"e1","alg":"ES256","use":"sig","x5c":["MIIBAA==","AAAA"]}"#,
        )
        .unwrap();
        assert_eq!(k.kid(), Some("e1"));
        assert_eq!(k.alg(), Some("ES256"));
        assert_eq!(k.key_use(), Some("sig"));
        assert_eq!(k.kty(), "EC");
        assert_eq!(k.x5c(), ["MIIBAA==", "AAAA"]);
        // The base64 export is the PEM's body.
        let pem = k.to_public_key_pem().unwrap();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert_eq!(k.to_public_key_base64().unwrap(), body);
        assert!(
            body.starts_with("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"),
            "{body}"
        );
        let bare = Jwk::from_slice(br#"{"kty":"oct","k":"c2VjcmV0"}"#).unwrap();
        assert_eq!((bare.kid(), bare.alg(), bare.key_use()), (None, None, None));
        assert_eq!(bare.kty(), "oct");
        assert!(bare.x5c().is_empty());
        assert_eq!(bare.to_public_key_base64(), None);
        let rsa = Jwk::from_slice(br#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#).unwrap();
        assert_eq!(rsa.kty(), "RSA");
        let ed = Jwk::from_slice(
            br#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        )
        .unwrap();
        assert_eq!(ed.kty(), "OKP");
    }

    #[test]
    fn a_keys_own_alg_limits_what_it_verifies() {
        let k = Jwk::from_slice(br#"{"kty":"RSA","n":"AQAB","e":"AQAB","alg":"RS384"}"#).unwrap();
        assert!(k.fits(Algorithm::RS384));
        assert!(!k.fits(Algorithm::RS256), "alg RS384 does not verify RS256");
        let set = JwkSet::from_slice(
            br#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","alg":"RS384","kid":"a"}]}"#,
        )
        .unwrap();
        assert_eq!(set.find_kid("a").next().unwrap().alg(), Some("RS384"));
    }

    #[test]
    fn keys_with_empty_or_wrong_sized_material_are_skipped() {
        let reason = |json: &str| match Jwk::from_slice(json.as_bytes()) {
            Err(Error::InvalidKey { reason, .. }) => reason,
            other => panic!("{json}: {other:?}"),
        };
        // A modulus or exponent of zero bytes only (empty once leading zeros go).
        for json in [
            r#"{"kty":"RSA","n":"AA","e":"AQAB"}"#,
            r#"{"kty":"RSA","n":"AQAB","e":"AAA"}"#,
            r#"{"kty":"RSA","n":"","e":"AQAB"}"#,
        ] {
            assert_eq!(reason(json), "RSA key with an empty n or e", "{json}");
        }
        // Ed25519: x of 31 and of 33 bytes.
        for x in ["A".repeat(42), "A".repeat(44)] {
            let json = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}"}}"#);
            assert_eq!(
                reason(&json),
                "Ed25519 key whose x is not 32 bytes",
                "{json}"
            );
        }
        assert_eq!(
            reason(r#"{"kty":"oct","k":""}"#),
            "oct key without a valid k"
        );
    }

    #[test]
    fn set_shape_errors() {
        for bad in ["", "[]", "{}", r#"{"keys":{}}"#, r#"{"keys":[1]"#] {
            assert!(JwkSet::from_slice(bad.as_bytes()).is_err(), "{bad}");
        }
        let many = format!(r#"{{"keys":[{}]}}"#, vec![EC; 101].join(","));
        assert!(JwkSet::from_slice(many.as_bytes()).is_err());
    }

    /// The reader before the one-pass rewrite: `Vec<Value>`, then each key through
    /// `from_value`. Kept here as the reference the new reader must agree with.
    fn reference(json: &[u8]) -> Option<(Vec<Jwk>, Vec<SkippedKey>)> {
        #[derive(Deserialize)]
        struct Set {
            keys: Vec<serde_json::Value>,
        }
        let raw: Set = serde_json::from_slice(json).ok()?;
        if raw.keys.len() > MAX_KEYS {
            return None;
        }
        let (mut keys, mut skipped) = (Vec::new(), Vec::new());
        for v in raw.keys {
            let kid = v.get("kid").and_then(|k| k.as_str()).map(str::to_owned);
            match serde_json::from_value::<RawJwk>(v) {
                Ok(r) => match Jwk::from_raw(r.into()) {
                    Parsed::Key(k) => keys.push(k),
                    Parsed::Skip(s) => skipped.push(s),
                },
                Err(_) => skipped.push(SkippedKey {
                    kid,
                    reason: NOT_AN_OBJECT,
                }),
            }
        }
        Some((keys, skipped))
    }

    fn agrees(json: &str) {
        let new = JwkSet::from_slice(json.as_bytes())
            .ok()
            .map(|s| (s.keys, s.skipped));
        assert_eq!(new, reference(json.as_bytes()), "{json}");
    }

    const RSA: &str =
        r#"{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"r","key_ops":["verify"],"x5c":["MIIBAA=="]}"#;
    const OKP: &str = r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"ed"}"#;

    #[test]
    fn one_pass_reader_agrees_with_the_value_reader() {
        let docs = [
            format!(r#"{{"keys":[{EC},{RSA},{OKP}]}}"#),
            format!(r#" {{ "x" : [1, {{"keys":2}}], "keys" : [ {EC} ] , "y": null }} "#),
            r#"{"keys":[]}"#.to_owned(),
            // Escapes in values and member names, null members, repeated members.
            r#"{"keys":[{"k\u0074y":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"e\/1","alg":null}]}"#.to_owned(),
            r#"{"keys":[{"kid":"a","kty":"XYZ","kid":"b"},{"kid":"a","kid":null,"kty":"oct","k":"c2VjcmV0"}]}"#.to_owned(),
            r#"{"keys":[{"kty":7,"kid":"a"},{"n":5,"kty":"RSA","kid":"a2","kid":"b2"}]}"#.to_owned(),
            // Wrong types anywhere in a key skip it, keeping a string kid.
            r#"{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":3},{"kty":"oct","k":"c2VjcmV0","kid":"ops","key_ops":["verify",1]},{"kty":"oct","k":"c2VjcmV0","kid":"x5c","x5c":"MIIB"},{"kty":"oct","k":"c2VjcmV0","kid":"n","key_ops":[null]},{"kty":"oct","k":{"a":[1]},"kid":"obj"},{"kty":"oct","k":"c2VjcmV0","key_ops":null,"x5c":null,"kid":"nulls"}]}"#.to_owned(),
            r#"{"keys":[null,true,1.5,-3,"s",{}]}"#.to_owned(),
            // EC coordinates of the wrong length or alphabet.
            format!(r#"{{"keys":[{},{},{}]}}"#, EC.replace("f83O", "f83"), EC.replace("f83O", "f83O="), EC.replace("f83O", "f+3O")),
            // Invalid documents.
            r#"{"keys":[1e400]}"#.to_owned(),
            r#"{"keys":[{"kty":"oct","k":"c2VjcmV0","z":1e400}]}"#.to_owned(),
            r#"{"keys":[{"kty":"oct","k":"\ud800"}]}"#.to_owned(),
            r#"{"keys":[],"keys":[]}"#.to_owned(),
            r#"{"keys":null}"#.to_owned(),
            r#"{"keys":[]} x"#.to_owned(),
            r#"{"keys":[{"kty":"oct",}]}"#.to_owned(),
            "nope".to_owned(),
            format!(r#"{{"keys":[{}]}}"#, vec![EC; 100].join(",")),
            format!(r#"{{"keys":[{}]}}"#, vec![EC; 101].join(",")),
            format!(r#"{{"keys":[{}]}}"#, vec!["1"; 150].join(",")),
        ];
        for doc in &docs {
            agrees(doc);
        }
        // Every one-byte mutation and every truncation of a three-key set.
        let doc = format!(r#"{{"keys":[{EC},{RSA},{OKP}],"other":[{{"a":"b"}}]}}"#);
        for i in 0..doc.len() {
            agrees(&doc[..i]);
            for c in [
                '"', '{', '}', ',', ':', '1', 'A', '\\', ' ', 'n', '-', '+', '=', '.',
            ] {
                let mut m = doc.clone();
                m.replace_range(i..=i, &c.to_string());
                if !m.trim_start().starts_with('[') {
                    agrees(&m);
                }
            }
        }
    }

    #[test]
    fn array_forms_are_not_keys() {
        // serde's derived struct reading also accepts `[...]` for an object; a JWKS and its
        // keys are objects only.
        assert!(JwkSet::from_slice(format!("[[{EC}]]").as_bytes()).is_err());
        let set =
            JwkSet::from_slice(br#"{"keys":[["RSA",null,null,null,null,null,"AQAB","AQAB"]]}"#)
                .unwrap();
        assert!(set.is_empty());
        assert_eq!(set.skipped()[0].reason, NOT_AN_OBJECT);
    }

    #[test]
    fn fits_rules() {
        let k = Jwk::from_slice(EC.as_bytes()).unwrap();
        assert!(k.fits(Algorithm::ES256));
        assert!(!k.fits(Algorithm::ES384));
        assert!(!k.fits(Algorithm::RS256));
        assert!(!k.fits(Algorithm::HS256));
        let enc = Jwk::from_slice(EC.replace("\"sig\"", "\"enc\"").as_bytes()).unwrap();
        assert!(!enc.fits(Algorithm::ES256), "use=enc keys never verify");
        let other_alg = Jwk::from_slice(
            EC.replace("\"use\":\"sig\"", "\"alg\":\"ES384\"")
                .as_bytes(),
        )
        .unwrap();
        assert!(!other_alg.fits(Algorithm::ES256));
        let ops = Jwk::from_slice(
            EC.replace("\"use\":\"sig\"", "\"key_ops\":[\"sign\"]")
                .as_bytes(),
        )
        .unwrap();
        assert!(!ops.fits(Algorithm::ES256));
    }

    #[test]
    fn oct_material_is_redacted() {
        let k = Jwk::from_slice(br#"{"kty":"oct","k":"c2VjcmV0"}"#).unwrap();
        assert!(!format!("{k:?}").contains("115"));
        assert!(format!("{k:?}").contains("redacted"));
        assert_eq!(k.to_public_key_pem(), None);
    }
}
