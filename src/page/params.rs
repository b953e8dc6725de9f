//! What the page's URL asks for, and the tabs it can name.

use std::rc::Rc;

use crate::report::Image;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// The views of an image.
pub enum Tab {
    /// The layer cake.
    Cake,
    /// The history, mapped onto layers.
    History,
    /// The config.
    Config,
    /// The manifest, the index and the other documents.
    Manifest,
    /// The files browser.
    Files,
    /// Every digest, checked.
    Verify,
    /// Attestations, SBOMs and signatures about the image.
    Attestations,
    /// The OS and language packages installed.
    Packages,
    /// The comparison with a second image.
    Compare,
}

impl Tab {
    /// Every tab, in the order shown.
    pub const ALL: [Tab; 9] = [
        Tab::Cake,
        Tab::History,
        Tab::Config,
        Tab::Manifest,
        Tab::Files,
        Tab::Verify,
        Tab::Attestations,
        Tab::Packages,
        Tab::Compare,
    ];

    /// The tab's name in URLs and element ids.
    pub fn name(self) -> &'static str {
        match self {
            Tab::Cake => "cake",
            Tab::History => "history",
            Tab::Config => "config",
            Tab::Manifest => "manifest",
            Tab::Files => "files",
            Tab::Verify => "verify",
            Tab::Attestations => "attestations",
            Tab::Packages => "packages",
            Tab::Compare => "compare",
        }
    }

    /// The tab's label.
    pub fn label(self) -> &'static str {
        match self {
            Tab::Cake => "Layer cake",
            Tab::History => "History",
            Tab::Config => "Config",
            Tab::Manifest => "Manifest & index",
            Tab::Files => "Files",
            Tab::Verify => "Verification",
            Tab::Attestations => "Attestations",
            Tab::Packages => "Packages",
            Tab::Compare => "Compare",
        }
    }

    /// The tab a name names.
    pub fn from_name(s: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.name() == s)
    }
}

/// What the page's URL asks for (read from the URL by `web/link.rs`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    /// `src`: the archive to load.
    pub src: Option<String>,
    /// `view`: the tab to show.
    pub view: Option<Tab>,
    /// `image`: an image by its place.
    pub image: Option<usize>,
    /// `tag`: an image by a tag.
    pub tag: Option<String>,
    /// `platform`: an image by platform (`os/arch[/variant]`, or a prefix).
    pub platform: Option<String>,
    /// `layer`: a layer to browse.
    pub layer: Option<usize>,
    /// `path`: a file to open.
    pub path: Option<String>,
    /// `embed`: one compact view, for a frame.
    pub embed: bool,
    /// `theme`: `light` or `dark`.
    pub theme: Option<String>,
    /// The embedding page's origin (`parent` or `origin`), the only target
    /// of the page's messages when set.
    pub parent: Option<String>,
    /// `against`: a second archive to compare the first with, opened once
    /// the first is read.
    pub against: Option<String>,
    /// With `against`, the comparison's view that `view` names (`cake`,
    /// `changes`, `config`, `history`, `packages`; `view` then names no
    /// tab of A).
    pub compare_view: Option<super::CompareView>,
}

impl Params {
    /// Picks the image the link names: by index, else by tag, else by platform.
    pub fn pick_image(&self, images: &[Rc<Image>]) -> Option<usize> {
        if let Some(i) = self.image.filter(|&i| i < images.len()) {
            return Some(i);
        }
        if self.tag.is_none() && self.platform.is_none() {
            return None;
        }
        // `tag=pyapp:1.0` names `docker.io/library/pyapp:1.0` too
        let with_tag = |i: &Image| {
            self.tag
                .as_ref()
                .is_none_or(|t| i.tags.iter().any(|n| crate::reference::same(n, t)))
        };
        let on_platform = |i: &Image| self.platform.as_ref().is_none_or(|p| i.runs_on(p));
        images
            .iter()
            .position(|i| !i.is_artifact() && with_tag(i) && on_platform(i))
    }
}
