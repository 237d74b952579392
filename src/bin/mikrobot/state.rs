//! The state directory: where the configuration, journal and logs sit.

use crate::output::CliError;
use mikrobot::store::{StoreConfig, StoreReader};
use std::path::{Path, PathBuf};

/// Name of the configuration file inside the state directory.
pub const CONFIG_FILE: &str = "mikrobot.toml";

/// The log directories the library and the EA write, relative to the state directory.
pub const LOG_DIRS: [&str; 4] = ["logs", "mt5_logs", "performance_logs", "error_logs"];

/// Paths inside one state directory.
#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// Checks that `root` is a directory.
    pub fn open(root: &Path) -> Result<StateDir, CliError> {
        if !root.is_dir() {
            return Err(CliError::input(
                format!("state directory {} not found", root.display()),
                "pass the terminal's state directory with --state-dir DIR or MIKROBOT_STATE_DIR",
            ));
        }
        Ok(StateDir {
            root: root.to_owned(),
        })
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The configuration file.
    pub fn config_path(&self) -> PathBuf {
        self.root.join(CONFIG_FILE)
    }

    /// The `[store]` section of the configuration, or the defaults when the file or
    /// the section is missing or does not parse.
    pub fn store_config(&self) -> StoreConfig {
        let section = std::fs::read_to_string(self.config_path())
            .ok()
            .and_then(|text| text.parse::<toml::Table>().ok())
            .and_then(|table| table.get("store").cloned());
        section
            .and_then(|value| value.try_into().ok())
            .unwrap_or_default()
    }

    /// The journal database.
    pub fn journal_path(&self) -> PathBuf {
        self.root.join(self.store_config().file)
    }

    /// Opens the journal for reading.
    pub fn reader(&self) -> Result<StoreReader, CliError> {
        let path = self.journal_path();
        StoreReader::open(&path, &self.store_config()).map_err(|error| {
            CliError::input(
                format!("cannot open the journal {}: {error}", path.display()),
                "check --state-dir; the journal is created when the EA first starts the library",
            )
        })
    }
}
