//! PAX extended header records (`x` local, `g` global), as the tar
//! reader ([`crate::headers`]) applies them: the few keys the core uses,
//! and PAX numbers.

/// The PAX keys the core uses; other keys are read past.
const PAX_KEYS: [&[u8]; 6] = [b"path", b"linkpath", b"size", b"uid", b"gid", b"mtime"];

/// A member's PAX records (or the archive's global ones): only the keys
/// the core uses are kept.
#[derive(Default, Clone)]
pub(crate) struct Records {
    values: Vec<(&'static [u8], Vec<u8>)>,
    /// Whether any record was set, kept or not.
    pub(crate) any: bool,
}

impl Records {
    /// Sets `key` (if it is one the core uses) to `value`.
    pub(crate) fn set(&mut self, key: &[u8], value: &[u8]) {
        self.any = true;
        let Some(k) = PAX_KEYS.iter().find(|k| **k == key) else {
            return;
        };
        match self.values.iter_mut().find(|(kk, _)| kk == k) {
            Some((_, v)) => *v = value.to_vec(),
            None => self.values.push((k, value.to_vec())),
        }
    }

    /// The value of `key`, if set.
    pub(crate) fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.values
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_slice())
    }

    /// Sets every record of a PAX extended header's content.
    pub(crate) fn parse(&mut self, data: &[u8]) {
        for ext in tar::PaxExtensions::new(data).flatten() {
            self.set(ext.key_bytes(), ext.value_bytes());
        }
    }
}

/// Parses a PAX number such as "3000000" or "-315619200.25", flooring
/// fractions (so -1.5 is -2, one and a half seconds before the epoch).
pub(crate) fn parse_int(v: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(v).ok()?;
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let n: i64 = whole.parse().ok()?;
    if whole.starts_with('-') && frac.bytes().any(|b| b != b'0') {
        return n.checked_sub(1);
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_negative_fractions() {
        assert_eq!(parse_int(b"-1.5"), Some(-2));
        assert_eq!(parse_int(b"-315619200.25"), Some(-315619201));
        assert_eq!(parse_int(b"3000000"), Some(3000000));
        assert_eq!(parse_int(b"1.0"), Some(1));
        assert_eq!(parse_int(b"x"), None);
    }
}
