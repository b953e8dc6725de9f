//! What changes the page's state: the workers' news and the reader's
//! choices, and which of the workers' news may wait to be dispatched
//! together.

use super::*;
use crate::message::{Answer, Update};

#[derive(Debug, Clone, PartialEq)]
/// What changes the state: the workers' news and the reader's choices.
pub enum Action {
    /// The page's URL parameters, at start.
    Link(Params),
    /// A file is being opened (from a URL when `src` is set).
    Open {
        /// The file's name.
        name: String,
        /// Its size, when known.
        size: Option<u64>,
        /// Its URL, when named by `?src=`.
        src: Option<String>,
        /// When (ms).
        now: f64,
    },
    /// Bytes fetched of a URL the server would not serve in ranges.
    Fetched {
        /// Bytes fetched.
        read: u64,
        /// Bytes in all, when known.
        total: Option<u64>,
        /// When (ms).
        now: f64,
    },
    /// How the gathering worker's dissection goes, and when (ms).
    Update(Update, f64),
    /// Progress from helper worker `i`, reading a share of the layers.
    Helper(usize, Update),
    /// These queries were asked of the gathering worker, with these numbers.
    Asked(Vec<(u32, Query)>),
    /// An answer to the query with this number.
    Answer(u32, Answer),
    /// Shows another image.
    SelectImage(usize),
    /// Browses a layer, or the merged tree.
    SelectLayer(Option<usize>),
    /// Shows a tab.
    SelectTab(Tab),
    /// A layer's files: the Files tab, showing that layer.
    BrowseLayer(usize),
    /// Orders the files tree.
    Sort(Sort),
    /// Shows only these changes.
    Marks(Marks),
    /// The search typed.
    Query(String),
    /// Opens or closes a directory of the files tree.
    Toggle(String),
    /// Shows a file's contents.
    OpenFile(String),
    /// Closes the file shown.
    CloseFile,
    /// The reader asked for the whole file shown.
    DownloadFile,
    /// Nothing can be read: why.
    Failed(String),
    /// The gathering worker died; every worker is ended.
    Crashed(String),
    /// The reader pressed Stop; every worker is ended.
    Stopped,
    /// Bytes of a download received so far.
    Receiving(u64),
    /// The reader asked for a report file of what is open, at this time
    /// (RFC 3339).
    SaveReport(String),
    /// A download was offered to the reader.
    Saved,
    /// A download could not be offered: why.
    SaveFailed(String),
    /// The SBOM package search typed (the Attestations view).
    PackageQuery(String),
    /// A second image is being opened, to compare the open one with (from
    /// its URL when `src` is set).
    Compare {
        /// Its file name.
        name: String,
        /// Its URL, when named by `?against=`.
        src: Option<String>,
    },
    /// Shows a view of the comparison.
    CompareView(CompareView),
    /// Shows only these file changes.
    ChangeFilter(crate::against::ChangeFilter),
    /// The search typed in the Changes view.
    ChangeSearch(String),
    /// Closes the comparison (the Compare tab then offers to open another).
    CloseCompare,
    /// These actions, in order: what the workers said within one frame.
    Batch(Vec<Action>),
}

impl Action {
    /// Whether the workers say this often enough (per layer, member,
    /// problem, or piece read) that it may wait a frame to be dispatched
    /// with others like it.
    pub fn is_frequent(&self) -> bool {
        match self {
            Action::Helper(..) | Action::Fetched { .. } | Action::Receiving(_) => true,
            Action::Update(u, _) => matches!(
                u,
                Update::MemberRead { .. }
                    | Update::LayerStarted { .. }
                    | Update::Progress { .. }
                    | Update::LayerDone { .. }
                    | Update::Problem { .. }
                    | Update::CompareProgress { .. }
            ),
            _ => false,
        }
    }
}
