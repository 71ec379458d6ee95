//! Values larger than one credential may hold, split over several and reassembled.
//!
//! The entry's own credential (the head) holds either the value itself or, for a split
//! value, a header `oidc-desktop-parts v1 <generation> <count> <sha256>`; the parts are the
//! credentials `<key>.<generation>.<i>`. A save writes the new generation's parts first, then
//! the head, then deletes the old generation's parts, so a reader sees the old or the new
//! value; a part that is missing or does not match the hash makes the value
//! [`Error::Damaged`], never a wrong token.

use super::backend::Vault;
use crate::Error;

const MAGIC: &str = "oidc-desktop-parts v1 ";

/// A split value's head.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Head {
    pub(crate) generation: String,
    pub(crate) count: usize,
    pub(crate) sha256: String,
}

impl Head {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix(MAGIC)?;
        let mut it = rest.split(' ');
        let generation = it.next()?.to_owned();
        let count = it.next()?.parse().ok()?;
        let sha256 = it.next()?.to_owned();
        let valid = it.next().is_none()
            && !generation.is_empty()
            && generation.bytes().all(|b| b.is_ascii_hexdigit())
            && sha256.len() == 64
            && (1..=1_000).contains(&count);
        valid.then_some(Self {
            generation,
            count,
            sha256,
        })
    }

    fn render(&self) -> String {
        format!("{MAGIC}{} {} {}", self.generation, self.count, self.sha256)
    }
}

pub(crate) fn part_name(key: &str, generation: &str, i: usize) -> String {
    format!("{key}.{generation}.{i}")
}

fn sha256_hex(value: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, value.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Splits `value` at character boundaries into parts of at most `limit` bytes.
pub(crate) fn split(value: &str, limit: usize) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let mut end = rest.len().min(limit.max(4));
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        parts.push(&rest[..end]);
        rest = &rest[end..];
    }
    parts
}

pub(crate) fn load(vault: &Vault, key: &str) -> Result<Option<String>, Error> {
    let Some(head) = vault.get(key)? else {
        return Ok(None);
    };
    let Some(h) = Head::parse(&head) else {
        if head.starts_with(MAGIC) {
            return Err(damaged(key, "its header is malformed"));
        }
        return Ok(Some(head));
    };
    let mut value = String::new();
    for i in 0..h.count {
        match vault.get(&part_name(key, &h.generation, i))? {
            Some(p) => value.push_str(&p),
            None => {
                return Err(damaged(
                    key,
                    &format!("part {} of {} is missing", i + 1, h.count),
                ));
            }
        }
    }
    if sha256_hex(&value) != h.sha256 {
        return Err(damaged(key, "its parts do not match their checksum"));
    }
    Ok(Some(value))
}

pub(crate) fn save(vault: &Vault, key: &str, value: &str, limit: usize) -> Result<(), Error> {
    let old = vault.get(key)?.as_deref().and_then(Head::parse);
    if value.len() <= limit && !value.starts_with(MAGIC) {
        vault.set(key, value)?;
    } else {
        let parts = split(value, limit);
        let head = Head {
            generation: crate::file::unpredictable_name()[..12].to_owned(),
            count: parts.len(),
            sha256: sha256_hex(value),
        };
        for (i, p) in parts.iter().enumerate() {
            vault.set(&part_name(key, &head.generation, i), p)?;
        }
        vault.set(key, &head.render())?;
    }
    if let Some(old) = old {
        delete_parts(vault, key, &old);
    }
    Ok(())
}

pub(crate) fn remove(vault: &Vault, key: &str) -> Result<bool, Error> {
    let head = vault.get(key)?;
    if let Some(h) = head.as_deref().and_then(Head::parse) {
        delete_parts(vault, key, &h);
    }
    vault.delete(key)
}

/// Best effort: a part left behind is garbage, never read (no head names its generation).
fn delete_parts(vault: &Vault, key: &str, head: &Head) {
    for i in 0..head.count {
        if let Err(e) = vault.delete(&part_name(key, &head.generation, i)) {
            tracing::warn!("cannot delete an old part of a keyring entry: {e}");
        }
    }
}

fn damaged(key: &str, reason: &str) -> Error {
    Error::Damaged {
        key: key.to_owned(),
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_round_trip_and_refuse_garbage() {
        let h = Head {
            generation: "0a1b2c3d4e5f".into(),
            count: 3,
            sha256: "0".repeat(64),
        };
        assert_eq!(Head::parse(&h.render()), Some(h));
        for bad in [
            "oidc-desktop-parts v1 ",
            "oidc-desktop-parts v1 zz 3 abc",
            "oidc-desktop-parts v1 0a 0 0000000000000000000000000000000000000000000000000000000000000000",
            "oidc-desktop-parts v1 0a 2 00",
            "{\"access_token\":1}",
        ] {
            assert_eq!(Head::parse(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn splitting_keeps_every_character(value in "\\PC{0,400}", limit in 4usize..64) {
            let parts = split(&value, limit);
            proptest::prop_assert_eq!(parts.concat(), value.clone());
            proptest::prop_assert!(parts.iter().all(|p| p.len() <= limit && !p.is_empty()));
        }
    }
}
