//! Structure-aware: correctly signed ID tokens with arbitrary claims and headers, so that
//! the claim checks are reached (random bytes never get past the signature).

use arbitrary::{Arbitrary, Unstructured};
use oidc_core::FixedClock;
use oidc_jose::{Algorithm, HashedValue, IdTokenValidator, ValidationContext};
use serde_json::Value;

use crate::token::provider_key;

const NOW: i64 = 1_800_000_000;
const LEEWAY: i64 = oidc_jose::DEFAULT_LEEWAY_SECS;
const ISSUER: &str = "https://op.example";
const CLIENT: &str = "client-1";
const NONCE: &str = "n-0S6_WzA2Mj";
const ACCESS_TOKEN: &str = "access-token-1";
const CODE: &str = "code-1";

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    Iss,
    Sub,
    Aud,
    Azp,
    Exp,
    Iat,
    Nbf,
    Nonce,
    AuthTime,
    AtHash,
    CHash,
    Tid,
    Email,
}

impl Name {
    fn as_str(self) -> &'static str {
        match self {
            Name::Iss => "iss",
            Name::Sub => "sub",
            Name::Aud => "aud",
            Name::Azp => "azp",
            Name::Exp => "exp",
            Name::Iat => "iat",
            Name::Nbf => "nbf",
            Name::Nonce => "nonce",
            Name::AuthTime => "auth_time",
            Name::AtHash => "at_hash",
            Name::CHash => "c_hash",
            Name::Tid => "tid",
            Name::Email => "email",
        }
    }

    /// The value a valid token has for this claim.
    fn expected(self) -> String {
        match self {
            Name::Iss => ISSUER.to_owned(),
            Name::Sub => "alice".to_owned(),
            Name::Aud | Name::Azp => CLIENT.to_owned(),
            Name::Nonce => NONCE.to_owned(),
            Name::AtHash => {
                oidc_jose::claim_hash(Algorithm::EdDSA, ACCESS_TOKEN).unwrap_or_default()
            }
            Name::CHash => oidc_jose::claim_hash(Algorithm::EdDSA, CODE).unwrap_or_default(),
            _ => "x".to_owned(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Text {
    Expected,
    /// The expected value with a change: a case, a trailing character, a prefix.
    Near(u8),
    Empty,
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Json {
    Str(Text),
    /// Seconds from now.
    Time(i32),
    Float(f64),
    Int(i64),
    Bool(bool),
    Null,
    Array(Vec<Text>),
    /// Raw JSON text, valid or not.
    Verbatim(String),
}

/// A change to the valid claims set every input starts from.
#[derive(Arbitrary, Debug)]
enum Edit {
    /// Replaces the member's value (appends the member when absent).
    Set(Name, Json),
    Remove(Name),
    /// Appends a second member of the same name (JSON allows it; RFC 7519 §4 says the
    /// last one counts or the token is refused).
    Repeat(Name, Json),
}

#[derive(Arbitrary, Debug)]
enum Typ {
    Absent,
    Jwt,
    AtJwt,
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum HeaderAlg {
    /// The key's algorithm.
    Key,
    Es256,
    Hs256,
    None,
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Signature {
    Valid,
    Empty,
    Flipped(u8),
}

#[derive(Arbitrary, Debug)]
struct Input {
    edits: Vec<Edit>,
    alg: HeaderAlg,
    typ: Typ,
    kid: Option<Text>,
    crit: bool,
    signature: Signature,
    nonce: bool,
    max_age: Option<u16>,
    require_auth_time: bool,
    access_token: Option<bool>,
    code: Option<bool>,
}

fn text(name: Name, t: &Text) -> String {
    match t {
        Text::Expected => name.expected(),
        Text::Near(k) => {
            let e = name.expected();
            match k % 4 {
                0 => e.to_uppercase(),
                1 => format!("{e}/"),
                2 => format!(" {e}"),
                _ => e.chars().rev().collect(),
            }
        }
        Text::Empty => String::new(),
        Text::Raw(s) => s.clone(),
    }
}

fn json(name: Name, v: &Json) -> String {
    match v {
        Json::Str(t) => Value::from(text(name, t)).to_string(),
        Json::Time(d) => (NOW + i64::from(*d)).to_string(),
        Json::Float(f) => Value::from(*f).to_string(),
        Json::Int(i) => i.to_string(),
        Json::Bool(b) => b.to_string(),
        Json::Null => "null".to_owned(),
        Json::Array(items) => {
            Value::from(items.iter().map(|t| text(name, t)).collect::<Vec<_>>()).to_string()
        }
        Json::Verbatim(s) => s.clone(),
    }
}

/// Builds the token, validates it, and checks every accepted token against an independent
/// reading of its claims (the lexically last member wins, as RFC 7519 §4 allows).
pub fn id_token(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let (key, keys) = provider_key();
    let payload = payload(&input.edits);
    let alg = match &input.alg {
        HeaderAlg::Key => "EdDSA".to_owned(),
        HeaderAlg::Es256 => "ES256".to_owned(),
        HeaderAlg::Hs256 => "HS256".to_owned(),
        HeaderAlg::None => "none".to_owned(),
        HeaderAlg::Raw(s) => s.clone(),
    };
    let mut header = serde_json::Map::new();
    header.insert("alg".into(), alg.into());
    match &input.typ {
        Typ::Absent => {}
        Typ::Jwt => drop(header.insert("typ".into(), "JWT".into())),
        Typ::AtJwt => drop(header.insert("typ".into(), "at+jwt".into())),
        Typ::Raw(s) => drop(header.insert("typ".into(), s.clone().into())),
    }
    if let Some(kid) = &input.kid {
        let kid = match kid {
            Text::Expected => "fuzz".to_owned(),
            other => text(Name::Sub, other),
        };
        header.insert("kid".into(), kid.into());
    }
    if input.crit {
        header.insert("crit".into(), Value::from(vec!["exp"]));
    }
    let header = Value::Object(header).to_string();
    let Ok(mut token) = key.sign_with_header(header.as_bytes(), payload.as_bytes()) else {
        return;
    };
    match input.signature {
        Signature::Valid => {}
        Signature::Empty => {
            if let Some(dot) = token.rfind('.') {
                token.truncate(dot + 1);
            }
        }
        Signature::Flipped(i) => {
            let dot = token.rfind('.').unwrap_or(0);
            let at = dot + 1 + usize::from(i) % (token.len() - dot - 1).max(1);
            if let Some(c) = token.get(at..=at) {
                let swapped = if c == "A" { "B" } else { "A" };
                token.replace_range(at..=at, swapped);
            }
        }
    }
    let validator =
        IdTokenValidator::new(ISSUER, CLIENT).algorithms([Algorithm::EdDSA, Algorithm::RS256]);
    let ctx = ValidationContext {
        nonce: input.nonce.then_some(NONCE),
        access_token: input.access_token.map(|required| HashedValue {
            value: ACCESS_TOKEN,
            required,
        }),
        code: input.code.map(|required| HashedValue {
            value: CODE,
            required,
        }),
        max_age: input.max_age.map(u64::from),
        require_auth_time: input.require_auth_time,
        ..Default::default()
    };
    let Ok(validated) = validator.validate(&token, keys, &ctx, &FixedClock::new(NOW)) else {
        return;
    };
    check_accepted(&header, &payload, &ctx, &validated);
}

/// The valid claims set (an empty input keeps it), then the edits.
fn payload(edits: &[Edit]) -> String {
    let hash = |v| oidc_jose::claim_hash(Algorithm::EdDSA, v).unwrap_or_default();
    let mut members: Vec<(Name, String)> = vec![
        (Name::Iss, Value::from(ISSUER).to_string()),
        (Name::Sub, "\"alice\"".to_owned()),
        (Name::Aud, Value::from(CLIENT).to_string()),
        (Name::Exp, (NOW + 600).to_string()),
        (Name::Iat, (NOW - 10).to_string()),
        (Name::AuthTime, (NOW - 100).to_string()),
        (Name::Nonce, Value::from(NONCE).to_string()),
        (Name::AtHash, Value::from(hash(ACCESS_TOKEN)).to_string()),
        (Name::CHash, Value::from(hash(CODE)).to_string()),
    ];
    for edit in edits {
        match edit {
            Edit::Set(name, v) => match members.iter_mut().find(|(n, _)| n == name) {
                Some(m) => m.1 = json(*name, v),
                None => members.push((*name, json(*name, v))),
            },
            Edit::Remove(name) => members.retain(|(n, _)| n != name),
            Edit::Repeat(name, v) => members.push((*name, json(*name, v))),
        }
    }
    let body: Vec<String> = members
        .iter()
        .map(|(n, v)| format!("{:?}:{v}", n.as_str()))
        .collect();
    format!("{{{}}}", body.join(","))
}

fn number(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_f64().map(|f| f.floor() as i64))
}

fn check_accepted(
    header: &str,
    payload: &str,
    ctx: &ValidationContext<'_>,
    t: &oidc_jose::ValidatedIdToken,
) {
    let h: Value = serde_json::from_str(header).unwrap_or_default();
    assert_eq!(h["alg"], "EdDSA", "accepted alg {}", h["alg"]);
    if let Some(typ) = h["typ"].as_str() {
        assert!(
            !typ.to_ascii_lowercase().trim().ends_with("+jwt"),
            "accepted typ {typ}"
        );
    }
    let v: Value = serde_json::from_str(payload)
        .unwrap_or_else(|e| panic!("accepted claims that are no JSON ({e}): {payload}"));
    let get = |n: &str| v.get(n).filter(|x| !x.is_null());
    assert_eq!(
        get("iss").and_then(Value::as_str),
        Some(ISSUER),
        "{payload}"
    );
    assert!(
        get("sub").and_then(Value::as_str).is_some(),
        "no sub: {payload}"
    );
    let aud: Vec<&str> = match get("aud") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().unwrap_or_else(|| panic!("aud member {x}")))
            .collect(),
        other => panic!("accepted aud {other:?}"),
    };
    assert!(
        aud.contains(&CLIENT) && aud.iter().all(|a| *a == CLIENT),
        "aud {aud:?}"
    );
    match get("azp") {
        Some(azp) => assert_eq!(azp.as_str(), Some(CLIENT)),
        None => assert!(aud.len() <= 1, "several audiences without azp"),
    }
    let exp = get("exp")
        .and_then(number)
        .unwrap_or_else(|| panic!("no exp: {payload}"));
    assert!(NOW < exp.saturating_add(LEEWAY), "expired: {exp}");
    let iat = get("iat")
        .and_then(number)
        .unwrap_or_else(|| panic!("no iat: {payload}"));
    assert!(iat > 0 && iat <= NOW + LEEWAY, "iat {iat}");
    if let Some(nbf) = get("nbf") {
        let nbf = number(nbf).unwrap_or_else(|| panic!("nbf {nbf}"));
        assert!(nbf <= NOW + LEEWAY, "not yet valid: {nbf}");
    }
    if ctx.nonce.is_some() {
        assert_eq!(get("nonce").and_then(Value::as_str), Some(NONCE));
    }
    if ctx.max_age.is_some() || ctx.require_auth_time {
        let at = get("auth_time")
            .and_then(number)
            .unwrap_or_else(|| panic!("no auth_time"));
        if let Some(m) = ctx.max_age {
            assert!(
                NOW <= at + i64::try_from(m).unwrap_or(i64::MAX) + LEEWAY,
                "auth_time {at}"
            );
        }
    }
    for (name, value, secret) in [
        ("at_hash", ctx.access_token, ACCESS_TOKEN),
        ("c_hash", ctx.code, CODE),
    ] {
        let Some(hv) = value else { continue };
        match get(name) {
            Some(found) => assert_eq!(
                found.as_str(),
                oidc_jose::claim_hash(Algorithm::EdDSA, secret).as_deref()
            ),
            None => assert!(!hv.required, "{name} required but absent"),
        }
    }
    assert_eq!(t.claims.iss.as_deref(), Some(ISSUER));
    assert_eq!(t.claims.sub.as_deref(), get("sub").and_then(Value::as_str));
    // The validated view holds the same required members as plain values.
    assert_eq!(t.claims.issuer(), ISSUER);
    assert_eq!(Some(t.claims.subject()), get("sub").and_then(Value::as_str));
    assert!(!t.claims.audiences().is_empty());
}
