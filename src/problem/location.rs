//! Where a problem happened: an entry, an offset, a digest, an image, a
//! layer, as far as each is known.

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

/// Where a problem happened. Every field is optional; fill in what is known.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// A member of the outer archive, or a path inside a layer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// A byte offset: in the outer archive, or in the uncompressed layer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// The digest of the blob concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
    /// Index into the report's images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<usize>,
    /// Index into that image's layers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
}

impl Location {
    /// Names a member of the outer archive, or a path inside a layer.
    pub fn entry(entry: impl Into<String>) -> Location {
        Location {
            entry: Some(entry.into()),
            ..Location::default()
        }
    }

    /// Adds a byte offset.
    pub fn at(mut self, offset: u64) -> Location {
        self.offset = Some(offset);
        self
    }

    /// Names a path inside a layer (raw bytes, shown lossily).
    pub fn entry_path(mut self, raw: &[u8]) -> Location {
        self.entry = Some(String::from_utf8_lossy(raw).into_owned());
        self
    }

    /// Adds the digest of the blob concerned, if known.
    pub fn digest(mut self, digest: Option<&Digest>) -> Location {
        self.digest = digest.cloned();
        self
    }

    /// "entry x, offset 512, digest sha256:…, image 0, layer 1", or None
    /// when nothing is known; `short` abbreviates the digest.
    pub fn describe(&self, short: bool) -> Option<String> {
        let mut at = Vec::new();
        if let Some(e) = &self.entry {
            at.push(format!("entry {e}"));
        }
        if let Some(o) = self.offset {
            at.push(format!("offset {o}"));
        }
        if let Some(d) = &self.digest {
            at.push(match short {
                true => format!("digest {}", d.labelled_short()),
                false => format!("digest {d}"),
            });
        }
        if let Some(i) = self.image {
            at.push(format!("image {i}"));
        }
        if let Some(i) = self.layer {
            at.push(format!("layer {i}"));
        }
        (!at.is_empty()).then(|| at.join(", "))
    }
}
