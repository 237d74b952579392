//! Output of the host: the replay report as text or as one JSON object.

use mikrobot::replay::Report;
use serde::Serialize;

/// The host's output: the library's replay report, flattened so that its
/// fields are the top-level JSON fields. Sections the host adds on top of the
/// replay go beside it.
#[derive(Debug, Serialize)]
pub struct HostReport {
    /// The replay report.
    #[serde(flatten)]
    pub replay: Report,
}

impl HostReport {
    /// Wraps a replay report.
    pub fn new(replay: Report) -> Self {
        HostReport { replay }
    }

    /// Renders the report as text, or as pretty-printed JSON when `json` is set.
    ///
    /// # Errors
    ///
    /// A [`serde_json::Error`] if serialisation fails. serde_json fails only on
    /// shapes such as maps with non-string keys, which the report does not have.
    pub fn render(&self, json: bool) -> Result<String, serde_json::Error> {
        if json {
            serde_json::to_string_pretty(self)
        } else {
            Ok(self.replay.to_string())
        }
    }
}
