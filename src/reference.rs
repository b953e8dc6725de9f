//! Image references: docker's short form (`pyapp:1.0`) and the full one
//! (`docker.io/library/pyapp:1.0`) are one name.

/// The full form of a docker reference: `pyapp:1.0` is
/// `docker.io/library/pyapp:1.0`, `me/app` is `docker.io/me/app:latest`;
/// a name whose first component is a registry (it holds a `.` or a `:`,
/// or is `localhost`) is kept as given, with `:latest` added when it has
/// neither tag nor digest.
pub fn normalize(name: &str) -> String {
    let (first, rest) = match name.split_once('/') {
        Some((f, r)) => (f, Some(r)),
        None => (name, None),
    };
    let registry = rest.is_some() && (first.contains(['.', ':']) || first == "localhost");
    let mut full = match (registry, rest) {
        (true, _) => name.to_string(),
        (false, Some(_)) => format!("docker.io/{name}"),
        (false, None) => format!("docker.io/library/{name}"),
    };
    let last = full.rsplit('/').next().unwrap_or_default();
    if !last.contains(':') && !full.contains('@') {
        full.push_str(":latest");
    }
    full
}

/// Whether two names are one reference (`pyapp:1.0` and
/// `docker.io/library/pyapp:1.0`). A bare tag such as `1.0` is only a tag
/// and equals only itself.
pub fn same(a: &str, b: &str) -> bool {
    a == b || (!is_bare_tag(a) && !is_bare_tag(b) && normalize(a) == normalize(b))
}

/// A ref name that is only a tag (`1.0`, `latest`): no repository.
pub fn is_bare_tag(name: &str) -> bool {
    !name.contains(['/', ':', '@'])
}

/// The tag of a reference (`1.0` of `pyapp:1.0`), if it has one.
pub fn tag_of(name: &str) -> Option<&str> {
    let last = name.rsplit('/').next()?;
    let last = last.split('@').next()?;
    last.split_once(':').map(|(_, t)| t)
}

/// Adds `name` to `names` unless it is already there in some form; a
/// bare tag already there that is `name`'s tag gives way to it.
pub fn add(names: &mut Vec<String>, name: &str) {
    if names.iter().any(|n| same(n, name)) {
        return;
    }
    if let Some(i) = names
        .iter()
        .position(|n| is_bare_tag(n) && Some(n.as_str()) == tag_of(name))
    {
        names[i] = normalize(name);
        return;
    }
    names.push(name.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_full_docker_names_are_one() {
        assert_eq!(normalize("pyapp:1.0"), "docker.io/library/pyapp:1.0");
        assert_eq!(normalize("me/app"), "docker.io/me/app:latest");
        assert_eq!(normalize("example.com/app:2"), "example.com/app:2");
        assert_eq!(normalize("localhost:5000/app"), "localhost:5000/app:latest");
        assert!(same("pyapp:1.0", "docker.io/library/pyapp:1.0"));
        assert!(!same("pyapp:1.0", "example.com/pyapp:1.0"));
        assert!(!same("latest", "docker.io/library/latest:latest"));
        assert_eq!(tag_of("example.com:5000/a/b:v1"), Some("v1"));
        assert_eq!(tag_of("example.com:5000/a/b"), None);
    }

    #[test]
    fn adding_a_name_keeps_one_of_each() {
        let mut names = vec!["docker.io/library/pyapp:1.0".to_string()];
        add(&mut names, "pyapp:1.0");
        assert_eq!(names, ["docker.io/library/pyapp:1.0"]);
        let mut names = vec!["1.0".to_string()];
        add(&mut names, "pyapp:1.0");
        assert_eq!(names, ["docker.io/library/pyapp:1.0"]);
        add(&mut names, "other:2");
        assert_eq!(names, ["docker.io/library/pyapp:1.0", "other:2"]);
    }
}
