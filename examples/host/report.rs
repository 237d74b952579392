//! Output of the host: the replay report as text or as one JSON object.

use mikrobot::replay::{Report, StateReport};
use serde::Serialize;

/// The host's output: the library's replay report, flattened so that its
/// fields are the top-level JSON fields. Sections the host adds on top of the
/// replay go beside it.
#[derive(Debug, Serialize)]
pub struct HostReport {
    /// The replay report.
    #[serde(flatten)]
    pub replay: Report,
    /// The state directory of a `--state-dir` run: what it found there and fed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<StateReport>,
}

impl HostReport {
    /// Wraps a replay report.
    pub fn new(replay: Report) -> Self {
        HostReport {
            replay,
            state: None,
        }
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
            let mut text = self.replay.to_string();
            if let Some(state) = &self.state {
                text.push_str(&format!(
                    "\nState directory {}: {}, {} events fed, {} skipped, day anchor {:.2}\n",
                    state.dir.display(),
                    match &state.resumed_after {
                        Some(time) => format!("resumed after {time}"),
                        None => "new engine".to_owned(),
                    },
                    state.events_fed,
                    state.events_skipped,
                    state.anchor_balance
                ));
            }
            Ok(text)
        }
    }
}
