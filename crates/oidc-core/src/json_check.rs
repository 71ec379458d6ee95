//! A JSON value read in full and thrown away: the strictness of a `serde_json::Value` parse
//! (numbers in range, valid escapes) without building one.
//!
//! serde's derived structs skip unknown members with `deserialize_ignored_any`, which does not
//! read numbers; text they accept can still be refused by a `Value` parse. Where both parses
//! meet the same bytes (a typed view now, a `Value` of the same document later), reading the
//! members the typed view skips as [`AnyJson`] makes them agree.
//!
//! ```
//! use oidc_core::json_check::AnyJson;
//! assert!(serde_json::from_str::<AnyJson>(r#"{"a":[1,"x",null]}"#).is_ok());
//! // Ignored by `IgnoredAny`, refused by a `Value` parse, and so here:
//! assert!(serde_json::from_str::<serde::de::IgnoredAny>(r#"{"a":1e400}"#).is_ok());
//! assert!(serde_json::from_str::<AnyJson>(r#"{"a":1e400}"#).is_err());
//! ```

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Any JSON value; deserializing it checks the value, keeping nothing.
pub struct AnyJson;

impl<'de> Deserialize<'de> for AnyJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AnyVisitor)
    }
}

/// The visitor behind [`AnyJson`], for callers that already hold a map or sequence.
pub struct AnyVisitor;

impl<'de> Visitor<'de> for AnyVisitor {
    type Value = AnyJson;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_unit<E: de::Error>(self) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_none<E: de::Error>(self) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<AnyJson, D::Error> {
        AnyJson::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AnyJson, A::Error> {
        while seq.next_element::<AnyJson>()?.is_some() {}
        Ok(AnyJson)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyJson, A::Error> {
        while map.next_entry::<AnyJson, AnyJson>()?.is_some() {}
        Ok(AnyJson)
    }
}

#[cfg(test)]
mod tests {
    use super::AnyJson;

    #[test]
    fn agrees_with_a_value_parse() {
        for text in [
            r#"{"a":1,"b":[true,null,"x\u00e9"],"c":{"d":-1.5e3}}"#,
            r#"{"a":1e400}"#,
            r#"{"a":-9999e9999999999000}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":[1,2,]}"#,
            r#"{"a":18446744073709551616}"#,
            "[]",
            "",
        ] {
            let value = serde_json::from_str::<serde_json::Value>(text).is_ok();
            let any = serde_json::from_str::<AnyJson>(text).is_ok();
            assert_eq!(any, value, "{text}");
        }
    }
}
