use super::*;

#[test]
fn codes_serialise_as_their_stable_names() {
    for fault in [
        Fault::NotATar { found: "x".into() },
        Fault::DiffIdCount {
            found: 1,
            expected: 2,
        },
        Fault::NoEndOfArchive,
        Fault::UnsafeName {
            name: "../x".into(),
            why: "climbs",
        },
    ] {
        let code = fault.code();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, format!("\"{}\"", code.as_str()));
        assert_eq!(serde_json::from_str::<Code>(&json).unwrap(), code);
    }
    assert_eq!(Fault::NotATar { found: "x".into() }.code(), "not_a_tar");
}

#[test]
fn messages_say_found_and_expected() {
    let p = Problem::new(
        Fault::HistoryMismatch {
            found: 3,
            expected: 2,
        },
        Location::entry("manifest.json").at(512),
    );
    assert_eq!(p.severity, Severity::Warning);
    assert!(p.message.contains("has 3"));
    assert!(p.message.contains("should have 2"));
    assert!(p.to_line().contains("entry manifest.json, offset 512"));
}
