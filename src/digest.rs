//! Content digests (`sha256:<hex>`), hashing, and verification results.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256, Sha512};

/// The hash algorithms OCI digests use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// SHA-256: 64 hex digits.
    Sha256,
    /// SHA-512: 128 hex digits.
    Sha512,
}

impl Algorithm {
    /// "sha256" or "sha512", as in a digest's prefix.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha512 => 128,
        }
    }
}

/// A validated content digest such as `sha256:e3b0c442…`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

/// Why a string is not a digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DigestError {
    /// No `algorithm:` prefix (the string given).
    #[error("digest {0:?} has no algorithm prefix, should be like \"sha256:<hex>\"")]
    NoAlgorithm(String),
    /// An algorithm other than sha256 and sha512 (the algorithm given).
    #[error("digest algorithm is {0:?}, should be sha256 or sha512")]
    UnknownAlgorithm(String),
    /// The wrong number of hex digits for the algorithm.
    #[error("digest {digest:?} has {found} hex digits, should have {expected}")]
    BadLength {
        /// The string given.
        digest: String,
        /// Hex digits it has.
        found: usize,
        /// Hex digits the algorithm has.
        expected: usize,
    },
    /// A character that is not lowercase hex (the string given).
    #[error("digest {0:?} holds a character that is not lowercase hex")]
    NotHex(String),
}

impl Digest {
    /// The algorithm the digest names.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The hex part, without the algorithm.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// A short form for display: the first 12 hex digits.
    pub fn short(&self) -> &str {
        &self.hex[..12]
    }

    /// The algorithm and the short form: `sha256:0123456789ab`.
    pub fn labelled_short(&self) -> String {
        format!("{}:{}", self.algorithm.name(), self.short())
    }

    /// The path of this blob inside an OCI image layout.
    pub fn blob_path(&self) -> String {
        format!("blobs/{}/{}", self.algorithm.name(), self.hex)
    }

    /// Parses a bare hex string as a sha256 digest (docker's legacy ids).
    pub fn from_sha256_hex(hex: &str) -> Result<Digest, DigestError> {
        format!("sha256:{hex}").parse()
    }

    /// A sha256 digest computed elsewhere (by [`crate::Sha256x4`]).
    pub fn sha256_from_bytes(bytes: [u8; 32]) -> Digest {
        Digest {
            algorithm: Algorithm::Sha256,
            hex: to_hex(&bytes),
        }
    }

    /// The sha256 digest of `bytes`.
    pub fn sha256_of(bytes: &[u8]) -> Digest {
        let mut h = Hasher::new(Algorithm::Sha256);
        h.update(bytes);
        h.finish()
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Digest, DigestError> {
        let (alg, hex) = s
            .split_once(':')
            .ok_or_else(|| DigestError::NoAlgorithm(s.to_string()))?;
        let algorithm = match alg {
            "sha256" => Algorithm::Sha256,
            "sha512" => Algorithm::Sha512,
            other => return Err(DigestError::UnknownAlgorithm(other.to_string())),
        };
        if hex.len() != algorithm.hex_len() {
            return Err(DigestError::BadLength {
                digest: s.to_string(),
                found: hex.len(),
                expected: algorithm.hex_len(),
            });
        }
        if !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(DigestError::NotHex(s.to_string()));
        }
        Ok(Digest {
            algorithm,
            hex: hex.to_string(),
        })
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.name(), self.hex)
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Digest, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// An incremental hasher for one algorithm.
#[derive(Clone)]
pub enum Hasher {
    /// Hashing with SHA-256.
    Sha256(Sha256),
    /// Hashing with SHA-512.
    Sha512(Box<Sha512>),
}

impl Hasher {
    /// A hasher for `algorithm`, with nothing hashed yet.
    pub fn new(algorithm: Algorithm) -> Hasher {
        match algorithm {
            Algorithm::Sha256 => Hasher::Sha256(Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(Box::new(Sha512::new())),
        }
    }

    /// Hashes `bytes` after what came before.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    /// The digest of everything hashed.
    pub fn finish(self) -> Digest {
        let (algorithm, bytes): (Algorithm, Vec<u8>) = match self {
            Hasher::Sha256(h) => (Algorithm::Sha256, h.finalize().to_vec()),
            Hasher::Sha512(h) => (Algorithm::Sha512, h.finalize().to_vec()),
        };
        Digest {
            algorithm,
            hex: to_hex(&bytes),
        }
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// The outcome of checking one digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Check {
    /// The content hashes to the digest that names it.
    Verified {
        /// The digest, as named and as computed.
        digest: Digest,
    },
    /// The content hashes to something else.
    Mismatch {
        /// The digest that names it.
        expected: Digest,
        /// The digest computed.
        actual: Digest,
    },
    /// The content could not be read whole, so its digest is unknown.
    Unreadable {
        /// The digest that names it.
        expected: Digest,
    },
    /// Nothing to compare against.
    NotChecked {
        /// Why not.
        reason: String,
    },
}

impl Check {
    /// Compares an expected digest (if any) against what was computed (if anything).
    pub fn compare(expected: Option<&Digest>, actual: Option<&Digest>) -> Check {
        match (expected, actual) {
            (Some(e), Some(a)) if e == a => Check::Verified { digest: a.clone() },
            (Some(e), Some(a)) if e.algorithm() != a.algorithm() => Check::NotChecked {
                reason: format!("{} digests are not computed", e.algorithm().name()),
            },
            (Some(e), Some(a)) => Check::Mismatch {
                expected: e.clone(),
                actual: a.clone(),
            },
            (None, _) => Check::NotChecked {
                reason: "no digest to compare against".into(),
            },
            (Some(e), None) => Check::Unreadable {
                expected: e.clone(),
            },
        }
    }

    /// `Some(true)` when verified, `Some(false)` on a mismatch, `None` when
    /// not checked or unreadable.
    pub fn verified(&self) -> Option<bool> {
        match self {
            Check::Verified { .. } => Some(true),
            Check::Mismatch { .. } => Some(false),
            Check::Unreadable { .. } | Check::NotChecked { .. } => None,
        }
    }
}

/// Folds several checks into one verdict: any mismatch is false; any
/// unreadable content leaves it unknown (None); else any verified is true.
pub fn verdict<'a>(checks: impl IntoIterator<Item = &'a Check>) -> Option<bool> {
    let (mut verified, mut unreadable) = (false, false);
    for c in checks {
        match c {
            Check::Mismatch { .. } => return Some(false),
            Check::Verified { .. } => verified = true,
            Check::Unreadable { .. } => unreadable = true,
            Check::NotChecked { .. } => {}
        }
    }
    (verified && !unreadable).then_some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let d: Digest = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            .parse()
            .unwrap();
        assert_eq!(d, Digest::sha256_of(b""));
        assert_eq!(d.short(), "e3b0c44298fc");
        assert_eq!(d.blob_path(), format!("blobs/sha256/{}", d.hex()));
    }

    #[test]
    fn rejects_bad_digests() {
        assert!(matches!(
            "e3b0".parse::<Digest>(),
            Err(DigestError::NoAlgorithm(_))
        ));
        assert!(matches!(
            "md5:abcd".parse::<Digest>(),
            Err(DigestError::UnknownAlgorithm(_))
        ));
        assert!(matches!(
            "sha256:abcd".parse::<Digest>(),
            Err(DigestError::BadLength { found: 4, .. })
        ));
        let upper = format!("sha256:{}", "A".repeat(64));
        assert!(matches!(
            upper.parse::<Digest>(),
            Err(DigestError::NotHex(_))
        ));
    }

    #[test]
    fn checks_fold() {
        let a = Digest::sha256_of(b"a");
        let b = Digest::sha256_of(b"b");
        let ok = Check::compare(Some(&a), Some(&a));
        let bad = Check::compare(Some(&a), Some(&b));
        let none = Check::compare(None, Some(&a));
        assert_eq!(verdict([&ok, &none]), Some(true));
        assert_eq!(verdict([&ok, &bad]), Some(false));
        assert_eq!(verdict([&none]), None);
        let unreadable = Check::compare(Some(&a), None);
        assert_eq!(verdict([&ok, &unreadable]), None);
    }
}
