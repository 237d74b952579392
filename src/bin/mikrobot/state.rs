//! The state directory: where the configuration, journal and logs sit.

use crate::output::CliError;
use mikrobot::backup::{BackupConfig, Layout};
use mikrobot::store::{StoreConfig, StoreReader};
use serde::de::DeserializeOwned;
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

    /// One section of the configuration, or its defaults when the file or the
    /// section is missing or does not parse; `config validate` reports those cases.
    fn section<T: DeserializeOwned + Default>(&self, name: &str) -> T {
        std::fs::read_to_string(self.config_path())
            .ok()
            .and_then(|text| text.parse::<toml::Table>().ok())
            .and_then(|table| table.get(name).cloned())
            .and_then(|value| value.try_into().ok())
            .unwrap_or_default()
    }

    /// The `[store]` section.
    pub fn store_config(&self) -> StoreConfig {
        self.section("store")
    }

    /// The `[backup]` section.
    pub fn backup_config(&self) -> BackupConfig {
        self.section("backup")
    }

    /// The `[logs]` section.
    pub fn logs_config(&self) -> mikrobot::janitor::LogsConfig {
        self.section("logs")
    }

    /// The `[health]` section.
    pub fn health_config(&self) -> mikrobot::health::HealthConfig {
        self.section("health")
    }

    /// Where the backups find each component.
    pub fn layout(&self) -> Layout {
        let log_dirs: Vec<String> = LOG_DIRS.iter().map(|dir| (*dir).to_owned()).collect();
        Layout::new(
            &self.root,
            &self.store_config(),
            &self.backup_config(),
            &log_dirs,
        )
    }

    /// The configuration and its sections for the maintenance tasks and reports.
    /// A missing file means the defaults; an invalid one is an input error.
    pub fn settings(&self) -> Result<mikrobot::maintenance::tasks::TaskSettings, CliError> {
        let path = self.config_path();
        let (config, text) = match std::fs::read_to_string(&path) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                (mikrobot::config::Config::default(), String::new())
            }
            Err(error) => {
                return Err(CliError::input(
                    format!("cannot read the configuration {}: {error}", path.display()),
                    "check the file's permissions",
                ))
            }
            Ok(text) => {
                let config = mikrobot::config::Config::from_toml_str(&text).map_err(|error| {
                    CliError::input(
                        format!("{}: {error}", path.display()),
                        "run `mikrobot config validate`, fix the file or run `mikrobot config migrate`",
                    )
                })?;
                (config, text)
            }
        };
        Ok(mikrobot::maintenance::tasks::TaskSettings::from_text(
            config, &text,
        ))
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
