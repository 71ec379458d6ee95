//! The pieces of the one-pass parse: string members borrowed from the raw text, lists
//! checked element by element and located in it, and what is kept of each.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

/// A string member while parsing: borrowed from the raw text, or owned when it had
/// escapes (serde_json unescapes into a scratch buffer).
pub(super) struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// A list member while parsing: checked to be an array of strings, element by element,
/// with the errors a `Vec<String>` would give. Only its first and last elements are kept
/// (borrowed; `None` when they had escapes), to locate the array in the raw text.
pub(super) struct StrList<'a> {
    len: usize,
    first: Option<&'a str>,
    last: Option<&'a str>,
}

impl<'de: 'a, 'a> Deserialize<'de> for StrList<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = StrList<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrList<'a>, A::Error> {
                let mut list = StrList {
                    len: 0,
                    first: None,
                    last: None,
                };
                while let Some(IsStr(s)) = seq.next_element::<IsStr<'de>>()? {
                    if list.len == 0 {
                        list.first = s;
                    }
                    list.last = s;
                    list.len += 1;
                }
                Ok(list)
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

/// Where a list member is in the raw JSON.
#[derive(Debug, Clone)]
pub(super) enum ListAt {
    /// `[]`.
    Empty,
    /// The byte range of the array, brackets included.
    Span(Range<usize>),
    /// Not located (its first or last string had escapes): read from `ProviderMetadata::json`.
    Elsewhere,
}

impl ListAt {
    pub(super) fn new(list: &StrList<'_>, raw: &str) -> Self {
        if list.len == 0 {
            return ListAt::Empty;
        }
        Self::locate(list, raw).map_or(ListAt::Elsewhere, ListAt::Span)
    }

    /// From the first string's opening quote back over whitespace to `[`, and from the last
    /// string's closing quote on over whitespace to `]`: nothing else can sit there.
    fn locate(list: &StrList<'_>, raw: &str) -> Option<Range<usize>> {
        let is_ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        let bytes = raw.as_bytes();
        let start = offset_in(list.first?, raw)?;
        let last = list.last?;
        let end = offset_in(last, raw)? + last.len();
        let quote = start.checked_sub(1)?;
        if bytes.get(quote) != Some(&b'"') || bytes.get(end) != Some(&b'"') {
            return None;
        }
        let open = bytes[..quote].iter().rposition(|b| !is_ws(b))?;
        let close = end + 1 + bytes.get(end + 1..)?.iter().position(|b| !is_ws(b))?;
        (bytes[open] == b'[' && bytes[close] == b']').then_some(open..close + 1)
    }
}

/// The offset of `part` in `whole`, when `part` is a slice of it.
fn offset_in(part: &str, whole: &str) -> Option<usize> {
    let start = part.as_ptr().addr().wrapping_sub(whole.as_ptr().addr());
    let span = whole.get(start..start.checked_add(part.len())?)?;
    (span.as_ptr() == part.as_ptr()).then_some(start)
}

/// A string, checked; kept only when borrowed from the raw text (no escapes).
struct IsStr<'a>(Option<&'a str>);

impl<'de: 'a, 'a> Deserialize<'de> for IsStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = IsStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<IsStr<'a>, E> {
                Ok(IsStr(Some(v)))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<IsStr<'a>, E> {
                Ok(IsStr(None))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// A kept string member: a byte range of the raw JSON (the common case: no escapes), or
/// the unescaped text.
#[derive(Debug, Clone)]
pub(super) enum Text {
    Span(Range<usize>),
    Owned(Box<str>),
}

impl Text {
    pub(super) fn new(s: Str<'_>, raw: &str) -> Self {
        match s.0 {
            // `b` was borrowed from `raw` by serde_json, so it has an offset; `offset_in`
            // checks that rather than assuming it.
            Cow::Borrowed(b) => match offset_in(b, raw) {
                Some(start) => Text::Span(start..start + b.len()),
                None => Text::Owned(b.into()),
            },
            Cow::Owned(o) => Text::Owned(o.into_boxed_str()),
        }
    }

    pub(super) fn get<'s>(&'s self, raw: &'s str) -> &'s str {
        match self {
            Text::Span(r) => raw.get(r.clone()).unwrap_or_default(),
            Text::Owned(s) => s,
        }
    }
}
