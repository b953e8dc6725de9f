//! Writes the hostile archives of tests/hostile.rs (a)–(f) and (m)–(o) to a directory,
//! for `scripts/bench-hostile.sh`:
//!
//! ```sh
//! cargo run --release --example hostile -- /tmp/hostile
//! ```
//!
//! The builders are the tests' own (`tests/common/build.rs`).

#[path = "../tests/common/build.rs"]
mod build;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The archives, in the order of the table in tests/hostile.rs.
pub const NAMES: [&str; 9] = [
    "a-index-dag-40x2.tar",
    "b-index-chain-20000.tar",
    "c-pax-paths-32768-components.tar",
    "d-gzip-4GiB-padding.tar.gz",
    "e-gzip-layer-1GiB-pax.tar",
    "f-manifest-3000x-4MiB-config.tar",
    "m-gzip-60000-tiny-members.tar.gz",
    "n-60-images-of-1000-tiny-layers.tar",
    "o-gzip-layer-1000000-unsafe-names.tar",
];

fn write(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    std::fs::write(dir.join(name), bytes)
}

fn main() -> io::Result<()> {
    let dir = PathBuf::from(
        std::env::args_os()
            .nth(1)
            .unwrap_or_else(|| "hostile".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let only: Vec<String> = std::env::args().skip(2).collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| name.starts_with(o.as_str()));
    for name in NAMES {
        if !wanted(name) {
            continue;
        }
        match &name[..1] {
            "a" => write(&dir, name, &build::oci_nested(40, 2))?,
            "b" => write(&dir, name, &build::oci_index_chain(20_000))?,
            "c" => write(&dir, name, &build::docker_deep_paths(4, 32_768))?,
            "d" => {
                let mut out = BufWriter::new(File::create(dir.join(name))?);
                io::copy(&mut build::padded_gzip_docker_save(4 << 30), &mut out)?;
                out.flush()?;
            }
            "e" => write(&dir, name, &build::docker_huge_pax(1 << 30))?,
            "f" => write(
                &dir,
                name,
                &build::docker_many_entries_one_config(3_000, 4 << 20),
            )?,
            "n" => write(&dir, name, &build::docker_many_tiny_layers(60, 1000))?,
            "o" => write(&dir, name, &build::docker_unsafe_names(1_000_000))?,
            // gzipped, so that the page reads it in one pass
            _ => write(
                &dir,
                name,
                &build::gzip(&build::docker_many_tiny_members(60_000)),
            )?,
        }
        eprintln!("wrote {}", dir.join(name).display());
    }
    Ok(())
}
