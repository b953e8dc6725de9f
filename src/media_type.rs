//! Media types: which name a filesystem layer, which a runnable image's
//! config, and what each means in a few words. The bytes decide what a
//! blob is; a media type is only a hint, and every rule about one is here.

/// True for media types that name a filesystem layer (a rootfs diff, in
/// any compression, distributable or foreign); false for artifact blobs,
/// configs and empty descriptors.
pub fn is_layer(media_type: &str) -> bool {
    media_type.contains("image.rootfs.diff")
        || media_type.contains("image.layer.")
        || media_type.contains("foreign.diff")
}

/// Config media types that describe a runnable image.
pub fn is_image_config(media_type: &str) -> bool {
    matches!(
        media_type,
        "application/vnd.oci.image.config.v1+json"
            | "application/vnd.docker.container.image.v1+json"
    )
}

/// The empty descriptor's media type (`{}`), which artifacts give as
/// their config.
pub fn is_empty(media_type: &str) -> bool {
    media_type == "application/vnd.oci.empty.v1+json"
}

/// What a media type means, in a few words.
pub fn explain(media_type: &str) -> Option<&'static str> {
    Some(match media_type {
        "application/vnd.oci.image.index.v1+json" => {
            "OCI image index: a list of manifests, often one per platform"
        }
        "application/vnd.docker.distribution.manifest.list.v2+json" => {
            "Docker manifest list: one manifest per platform"
        }
        "application/vnd.oci.image.manifest.v1+json" => {
            "OCI image manifest: a config plus an ordered list of layers"
        }
        "application/vnd.docker.distribution.manifest.v2+json" => {
            "Docker image manifest (schema 2)"
        }
        "application/vnd.oci.image.config.v1+json" => {
            "OCI image config: how to run the image, and its history"
        }
        "application/vnd.docker.container.image.v1+json" => "Docker image config",
        "application/vnd.oci.image.layer.v1.tar" => "An uncompressed layer tarball",
        "application/vnd.oci.image.layer.v1.tar+gzip"
        | "application/vnd.docker.image.rootfs.diff.tar.gzip" => "A gzip-compressed layer tarball",
        "application/vnd.oci.image.layer.v1.tar+zstd" => "A zstd-compressed layer tarball",
        "application/vnd.oci.empty.v1+json" => "An empty descriptor ({}), used by artifacts",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip" => {
            "A foreign (non-distributable) layer"
        }
        "application/vnd.in-toto+json" => {
            "An in-toto statement: a predicate (provenance, SBOM) about an image"
        }
        "application/vnd.dsse.envelope.v1+json" => {
            "A DSSE envelope: a signed in-toto statement (cosign attestation)"
        }
        "application/vnd.dev.cosign.simplesigning.v1+json" => {
            "A cosign signature payload (signed claims about an image digest)"
        }
        _ => return None,
    })
}
