//! Layer Cake: look inside saved container images.
//!
//! The core reads `docker save`, `podman save` and OCI image-layout archives
//! from any [`std::io::Read`] (and [`std::io::Seek`] where the source allows
//! it), and reports what it finds as events to a [`Sink`].

pub mod archive;
pub mod config;
pub mod decompress;
pub mod detect;
pub mod digest;
pub mod dissect;
pub mod docker;
pub mod entry;
pub mod headers;
pub mod image;
pub mod layer;
pub mod limits;
pub mod media_type;
pub mod oci;
pub mod problem;
pub mod report;
pub mod share;
pub mod source;
pub mod tree;
pub mod whiteout;

pub use dissect::{dissect, dissect_stream, Blob, Dissection, Event, Options, Quiet, Sink};
pub use problem::{Error, Problem, Severity};
pub use report::Report;
pub use share::Share;
pub mod contents;
pub mod listing;
pub mod message;
pub mod sample;
pub mod session;

#[cfg(target_arch = "wasm32")]
pub mod web;
