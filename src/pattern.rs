//! Path patterns that choose files (`layercake report --include`):
//! `etc/os-release`, `etc/*.conf`, `app/**`.
//!
//! A pattern is matched against a whole normalised path (no leading `/`):
//! `*` matches any bytes but `/`, `**` matches any bytes (`/` included),
//! `?` one byte but `/`; every other byte matches itself. A leading `/`
//! or `./` in the pattern is ignored. Matching is one dynamic-programming
//! pass, O(pattern × path), so no pattern can make it blow up.

/// One `--include` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Byte(u8),
    One,
    Star,
    Stars,
}

impl Pattern {
    /// Reads a pattern.
    pub fn new(text: &str) -> Pattern {
        let bytes = crate::entry::normalize(text.as_bytes());
        let mut parts = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'*' if bytes.get(i + 1) == Some(&b'*') => {
                    parts.push(Part::Stars);
                    i += 1;
                }
                b'*' => parts.push(Part::Star),
                b'?' => parts.push(Part::One),
                b => parts.push(Part::Byte(b)),
            }
            i += 1;
        }
        Pattern {
            text: text.to_string(),
            parts,
        }
    }

    /// The pattern as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the normalised `path` matches.
    pub fn matches(&self, path: &[u8]) -> bool {
        // can[j]: the parts so far match path[..j]
        let mut can = vec![false; path.len() + 1];
        can[0] = true;
        for part in &self.parts {
            let mut next = vec![false; path.len() + 1];
            match part {
                Part::Star | Part::Stars => {
                    let mut on = false;
                    for j in 0..=path.len() {
                        on |= can[j];
                        next[j] = on;
                        if *part == Part::Star && path.get(j) == Some(&b'/') {
                            on = false;
                        }
                    }
                    // `a/**/b` also matches `a/b`
                }
                Part::One | Part::Byte(_) => {
                    for j in 0..path.len() {
                        let ok = match part {
                            Part::One => path[j] != b'/',
                            Part::Byte(b) => path[j] == *b,
                            _ => false,
                        };
                        next[j + 1] = can[j] && ok;
                    }
                }
            }
            can = next;
        }
        can[path.len()]
    }
}

/// Whether any of `patterns` matches `path`.
pub fn any_matches(patterns: &[Pattern], path: &[u8]) -> bool {
    patterns.iter().any(|p| p.matches(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, path: &str) -> bool {
        Pattern::new(p).matches(path.as_bytes())
    }

    #[test]
    fn patterns_match_as_documented() {
        assert!(m("etc/os-release", "etc/os-release"));
        assert!(m("/etc/os-release", "etc/os-release"));
        assert!(m("./etc/os-release", "etc/os-release"));
        assert!(!m("etc/os-release", "etc/os-release.d"));
        assert!(m("etc/*.conf", "etc/a.conf"));
        assert!(!m("etc/*.conf", "etc/d/a.conf"));
        assert!(m("app/**", "app/x/y/z"));
        assert!(m("app/**", "app/x"));
        assert!(!m("app/**", "application"));
        assert!(m("**/os-release", "usr/lib/os-release"));
        assert!(m("etc/???", "etc/abc"));
        assert!(!m("etc/???", "etc/ab"));
        assert!(m("**", "anything/at/all"));
    }

    #[test]
    fn many_stars_stay_fast() {
        let p = Pattern::new(&"*a".repeat(200));
        let path = "a".repeat(10_000);
        assert!(p.matches(path.as_bytes()));
        assert!(!p.matches(format!("{path}b").as_bytes()));
    }
}
