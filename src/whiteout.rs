//! OCI whiteouts: `.wh.<name>` removes a path of the layers below, and
//! `.wh..wh..opq` hides everything below in its directory.

use serde::{Deserialize, Serialize};

const PREFIX: &[u8] = b".wh.";
const OPAQUE: &[u8] = b".wh..wh..opq";

/// What a whiteout marker does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Whiteout {
    /// Removes this path (and all below it) from the lower layers.
    Remove,
    /// Hides the lower layers' contents of this directory.
    Opaque,
}

/// Classifies a normalised path. Returns the whiteout kind and the path it
/// acts on (the removed path, or the opaque directory; "" is the root).
pub fn classify(path: &[u8]) -> Option<(Whiteout, Vec<u8>)> {
    let (dir, name) = match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&path[..0], path),
    };
    if name == OPAQUE {
        return Some((Whiteout::Opaque, dir.to_vec()));
    }
    let target = name.strip_prefix(PREFIX)?;
    if target.is_empty() || target.starts_with(PREFIX) {
        // ".wh." alone, or another ".wh..wh." meta marker: nothing to remove
        return None;
    }
    let mut removed = Vec::with_capacity(path.len());
    if !dir.is_empty() {
        removed.extend_from_slice(dir);
        removed.push(b'/');
    }
    removed.extend_from_slice(target);
    Some((Whiteout::Remove, removed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies() {
        assert_eq!(
            classify(b"etc/.wh.passwd"),
            Some((Whiteout::Remove, b"etc/passwd".to_vec()))
        );
        assert_eq!(
            classify(b".wh.tmp"),
            Some((Whiteout::Remove, b"tmp".to_vec()))
        );
        assert_eq!(
            classify(b"etc/app.d/.wh..wh..opq"),
            Some((Whiteout::Opaque, b"etc/app.d".to_vec()))
        );
        assert_eq!(classify(b".wh..wh..opq"), Some((Whiteout::Opaque, vec![])));
        assert_eq!(classify(b"etc/passwd"), None);
        assert_eq!(classify(b"etc/x.wh.y"), None);
        assert_eq!(classify(b"etc/.wh..wh.plnk"), None);
    }
}
