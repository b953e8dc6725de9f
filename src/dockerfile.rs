//! A Dockerfile reconstructed from an image's history: what each build
//! step's `created_by` says, as the instruction that would make it.
//!
//! - the classic builder's `/bin/sh -c #(nop) INSTR …` is that instruction,
//!   and its other `/bin/sh -c CMD` steps are `RUN CMD`;
//! - BuildKit's `RUN |N ARG=… /bin/sh -c CMD # buildkit`, `RUN /bin/sh -c
//!   CMD # buildkit`, `COPY … # buildkit` and `ADD … # buildkit` are those
//!   instructions (the build args are named in a comment);
//! - kaniko writes instructions as they are (`RUN …`, `COPY …`);
//! - a copy whose source is only a digest (`ADD file:<digest> in /`,
//!   `COPY dir:<digest> in /app`), a step with no command, and a tool's
//!   own step (`umoci config`) cannot be recovered: they become comments
//!   that name the layer they made.
//!
//! It is a pure function of the history and the layers; the page and
//! `layercake inspect --dockerfile` show the same text.

use crate::report::Image;

/// Instructions a Dockerfile may hold.
const INSTRUCTIONS: [&str; 18] = [
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
];

/// What one history step becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An instruction, as it would be written.
    Instruction(String),
    /// A step that cannot be recovered, with what its history says.
    Lost(String),
}

fn strip_buildkit(s: &str) -> &str {
    s.trim_end()
        .strip_suffix("# buildkit")
        .unwrap_or(s)
        .trim_end()
}

/// `|2 A=1 B=2 rest` → (["A=1", "B=2"], "rest"), when `s` starts so.
fn build_args(s: &str) -> Option<(Vec<&str>, &str)> {
    let rest = s.strip_prefix('|')?;
    let (n, mut rest) = rest.split_once(' ')?;
    let n: usize = n.parse().ok()?;
    let mut args = Vec::new();
    for _ in 0..n.min(1024) {
        let (arg, after) = rest.split_once(' ').unwrap_or((rest, ""));
        if !arg.contains('=') {
            return None;
        }
        args.push(arg);
        rest = after;
    }
    Some((args, rest))
}

/// Whether `s` starts with a Dockerfile instruction word.
fn is_instruction(s: &str) -> bool {
    let word = s.split_whitespace().next().unwrap_or("");
    INSTRUCTIONS.iter().any(|i| word.eq_ignore_ascii_case(i))
}

/// A copy whose source the history names only by digest.
fn is_lost_copy(s: &str) -> bool {
    let mut words = s.split_whitespace();
    let (Some(instr), Some(src)) = (words.next(), words.next()) else {
        return false;
    };
    matches!(instr, "ADD" | "COPY")
        && ["file:", "dir:", "multi:"]
            .iter()
            .any(|p| src.starts_with(p))
        && words.next() == Some("in")
}

/// A shell command as a RUN instruction (lines joined with `\`).
fn run(cmd: &str, args: &[&str]) -> String {
    let cmd = cmd.trim().replace('\n', " \\\n    ");
    if args.is_empty() {
        format!("RUN {cmd}")
    } else {
        format!("# build args: {}\nRUN {cmd}", args.join(" "))
    }
}

/// Reads one step's `created_by`.
pub fn step(created_by: &str) -> Step {
    let s = strip_buildkit(created_by.trim());
    if s.is_empty() {
        return Step::Lost("(no command recorded)".into());
    }
    // umoci's own steps: `RUN rm /bin/vi (umoci insert --whiteout)` is no shell line
    if s.ends_with(')') && s.contains(" (umoci ") || s.starts_with("umoci ") {
        return Step::Lost(s.to_string());
    }
    let instruction = |i: &str| {
        let i = i.trim();
        if is_lost_copy(i) {
            Step::Lost(i.to_string())
        } else {
            Step::Instruction(i.to_string())
        }
    };
    // BuildKit: RUN |N ARG=… /bin/sh -c CMD, RUN /bin/sh -c CMD
    if let Some(rest) = s.strip_prefix("RUN ") {
        let (args, rest) = build_args(rest).unwrap_or((Vec::new(), rest));
        if let Some(cmd) = rest.strip_prefix("/bin/sh -c ") {
            return Step::Instruction(run(cmd, &args));
        }
        return Step::Instruction(run(rest, &args));
    }
    // the classic builder, buildah: [|N ARG=…] /bin/sh -c [#(nop) ]…
    let (args, rest) = build_args(s).unwrap_or((Vec::new(), s));
    if let Some(cmd) = rest.strip_prefix("/bin/sh -c ") {
        if let Some(nop) = cmd.trim_start().strip_prefix("#(nop)") {
            return instruction(nop);
        }
        return Step::Instruction(run(cmd, &args));
    }
    if is_instruction(s) {
        return instruction(s);
    }
    Step::Lost(s.to_string())
}

/// The Dockerfile the image's history describes, `FROM scratch` first
/// (the history holds the base image's steps too).
pub fn dockerfile(image: &Image) -> String {
    let mut out = String::from(
        "# Reconstructed from the image's history by layercake; commented steps cannot be recovered.\nFROM scratch\n",
    );
    for h in image.history.iter() {
        let by = h.created_by.as_deref().unwrap_or("");
        match step(by) {
            Step::Instruction(i) => {
                out.push_str(&i);
                out.push('\n');
            }
            Step::Lost(what) => {
                let layer = match h.layer.and_then(|l| Some((l, image.layers.get(l)?))) {
                    Some((l, layer)) => match &layer.digest {
                        Some(d) => format!("layer {l} ({d})"),
                        None => format!("layer {l}"),
                    },
                    None if h.empty_layer => "no layer".to_string(),
                    None => "a layer".to_string(),
                };
                let what = what.replace('\n', " ");
                out.push_str(&format!("# {layer}: {what}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(s: &str) -> Step {
        Step::Instruction(s.into())
    }

    #[test]
    fn classic_builder_steps() {
        assert_eq!(step("/bin/sh -c #(nop)  CMD [\"sh\"]"), i("CMD [\"sh\"]"));
        assert_eq!(step("/bin/sh -c #(nop) WORKDIR /app"), i("WORKDIR /app"));
        assert_eq!(
            step("/bin/sh -c #(nop) ADD file:6fef7a4ab2de57c43 in / "),
            Step::Lost("ADD file:6fef7a4ab2de57c43 in /".into())
        );
        assert_eq!(
            step("/bin/sh -c #(nop) COPY dir:abc in /app "),
            Step::Lost("COPY dir:abc in /app".into())
        );
        assert_eq!(step("/bin/sh -c apk add curl"), i("RUN apk add curl"));
        assert_eq!(
            step("|1 V=2 /bin/sh -c echo $V"),
            i("# build args: V=2\nRUN echo $V")
        );
    }

    #[test]
    fn buildkit_steps() {
        assert_eq!(
            step("RUN |2 A=1 B=x /bin/sh -c make all # buildkit"),
            i("# build args: A=1 B=x\nRUN make all")
        );
        assert_eq!(step("RUN /bin/sh -c true # buildkit"), i("RUN true"));
        assert_eq!(step("COPY app /app # buildkit"), i("COPY app /app"));
        assert_eq!(step("ADD x.tar / # buildkit"), i("ADD x.tar /"));
        assert_eq!(step("ENV A=1"), i("ENV A=1"));
    }

    #[test]
    fn other_tools_and_odd_steps() {
        // kaniko writes instructions as they are
        assert_eq!(step("COPY hello.txt /app/"), i("COPY hello.txt /app/"));
        assert_eq!(step("RUN echo hi"), i("RUN echo hi"));
        assert_eq!(step("umoci config"), Step::Lost("umoci config".into()));
        assert_eq!(
            step("RUN rm /bin/vi (umoci insert --whiteout)"),
            Step::Lost("RUN rm /bin/vi (umoci insert --whiteout)".into())
        );
        assert_eq!(step(""), Step::Lost("(no command recorded)".into()));
        assert_eq!(step("/bin/sh -c a\nb"), i("RUN a \\\n    b"));
        // a build-arg count that lies is not trusted
        assert_eq!(
            step("|9 A=1 /bin/sh -c x"),
            Step::Lost("|9 A=1 /bin/sh -c x".into())
        );
    }
}
