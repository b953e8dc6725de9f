//! Every limit in src/limits.rs is listed in the README with its value, so
//! the two cannot drift apart.

use std::fs;

fn shown(value: &str) -> String {
    if let Some((n, shift)) = value.split_once(" << ") {
        let unit = match shift {
            "10" => "KiB",
            "20" => "MiB",
            "30" => "GiB",
            other => panic!("unexpected shift {other} in limits.rs"),
        };
        return format!("{n} {unit}");
    }
    value.replace('_', ",")
}

#[test]
fn every_limit_is_in_the_readme_with_its_value() {
    let root = env!("CARGO_MANIFEST_DIR");
    let limits = fs::read_to_string(format!("{root}/src/limits.rs")).unwrap();
    let readme = fs::read_to_string(format!("{root}/README.md")).unwrap();
    let mut seen = 0;
    for line in limits.lines() {
        let Some(rest) = line.strip_prefix("pub const ") else {
            continue;
        };
        let (name, rest) = rest.split_once(':').unwrap();
        let value = rest.split_once('=').unwrap().1.trim().trim_end_matches(';');
        let row = format!("| `{name}` | {} |", shown(value));
        assert!(
            readme.contains(&row),
            "README's Limits table lacks the row {row:?} for src/limits.rs"
        );
        seen += 1;
    }
    assert!(seen >= 10, "found only {seen} limits in src/limits.rs");
}
