//! Backups of the state directory: create, verify, list, restore and prune.
//!
//! Three kinds, each with its own schedule and retention (defaults):
//!
//! | kind | how often | kept | contents |
//! | --- | --- | --- | --- |
//! | system | daily | 30 days | configuration, log directories, the database |
//! | trading | hourly | 7 days | the database (deals, signals, alerts), performance logs |
//! | configuration | on change | 90 days | the configuration files |
//!
//! A backup is a directory `backups/<id>/` holding `manifest.json`, its SHA-256 in
//! `manifest.sha256`, and the files under `files/` at their paths relative to the
//! state directory. It is built in a temporary directory beside the others, every
//! file and directory synced, then renamed into place and verified, so a crash
//! leaves either no backup or a complete one. The database is copied with SQLite's
//! online backup API from a read connection, which sees the last commit while the
//! writer goes on.

mod create;
mod manifest;
pub mod paths;
mod restore;
mod retention;
mod verify;

pub use create::{create_backup, create_backup_as, list_backups, next_backup_id};
pub use manifest::{FileEntry, Manifest, MANIFEST_FILE, SEAL_FILE};
pub use restore::{
    restore_backup, NoGuardRunning, RestoreHooks, RestoreReport, RestoreStep, StepOutcome,
    StepReport,
};
pub use retention::{
    due_kinds, plan_retention, prune_backups, schedule_due, PruneReport, RetentionInput,
};
pub use verify::{verify_backup, VerifyIssue, VerifyReport};

use crate::account::TimeMs;
use crate::store::{StoreConfig, StoreError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The three backup kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupKind {
    /// Configuration, logs and data.
    System,
    /// The database and the performance logs.
    Trading,
    /// The configuration files.
    Configuration,
}

impl BackupKind {
    /// Every kind.
    pub const ALL: [BackupKind; 3] = [
        BackupKind::System,
        BackupKind::Trading,
        BackupKind::Configuration,
    ];

    /// Returns the snake_case name used in ids and manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            BackupKind::System => "system",
            BackupKind::Trading => "trading",
            BackupKind::Configuration => "configuration",
        }
    }

    /// Parses a name, or returns `None` for an unknown one.
    pub fn parse(name: &str) -> Option<BackupKind> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// The components a backup of this kind holds.
    pub fn components(self) -> &'static [Component] {
        match self {
            BackupKind::System => &[Component::Config, Component::Logs, Component::Data],
            BackupKind::Trading => &[Component::Data, Component::Performance],
            BackupKind::Configuration => &[Component::Config],
        }
    }
}

/// A part of the state directory that a backup copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// The configuration files.
    Config,
    /// Every file in the log directories.
    Logs,
    /// The database, copied with the online backup API.
    Data,
    /// The files in the performance log directory.
    Performance,
}

/// Why a backup was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupReason {
    /// Its schedule was due.
    Scheduled,
    /// An operator or the EA asked for it.
    Manual,
    /// A restore took it first, to undo the restore with.
    PreRestore,
}

/// Settings of the backups. Every field has a default, so an empty `[backup]`
/// section is valid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupConfig {
    /// Directory of the backups, relative to the state directory.
    pub dir: String,
    /// Configuration files, relative to the state directory; missing ones are skipped.
    pub config_files: Vec<String>,
    /// Log directory whose files count as performance data.
    pub performance_dir: String,
    /// Interval between system backups, in milliseconds.
    pub system_interval_ms: TimeMs,
    /// Interval between trading-data backups, in milliseconds.
    pub trading_interval_ms: TimeMs,
    /// Days a system backup is kept.
    pub system_keep_days: u32,
    /// Days a trading-data backup is kept.
    pub trading_keep_days: u32,
    /// Days a configuration backup is kept.
    pub configuration_keep_days: u32,
    /// Database pages the online backup copies per step.
    pub pages_per_step: i32,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig {
            dir: "backups".to_owned(),
            config_files: vec!["mikrobot.toml".to_owned()],
            performance_dir: "performance_logs".to_owned(),
            system_interval_ms: 86_400_000,
            trading_interval_ms: 3_600_000,
            system_keep_days: 30,
            trading_keep_days: 7,
            configuration_keep_days: 90,
            pages_per_step: 1_024,
        }
    }
}

impl BackupConfig {
    /// Returns the retention of `kind` in milliseconds.
    pub fn keep_ms(&self, kind: BackupKind) -> TimeMs {
        let days = match kind {
            BackupKind::System => self.system_keep_days,
            BackupKind::Trading => self.trading_keep_days,
            BackupKind::Configuration => self.configuration_keep_days,
        };
        TimeMs::from(days) * 86_400_000
    }

    /// Checks the paths and numbers.
    ///
    /// # Errors
    ///
    /// A message naming the field and its value.
    pub fn validate(&self) -> Result<(), String> {
        paths::safe_relative_path(&self.dir)
            .map_err(|error| format!("backup.dir {:?} is invalid: {}", self.dir, error.reason))?;
        for file in &self.config_files {
            paths::safe_relative_path(file).map_err(|error| {
                format!(
                    "backup.config_files entry {file:?} is invalid: {}",
                    error.reason
                )
            })?;
        }
        if self.system_interval_ms <= 0 || self.trading_interval_ms <= 0 {
            return Err(format!(
                "backup intervals must be positive, but system_interval_ms is {} and trading_interval_ms is {}",
                self.system_interval_ms, self.trading_interval_ms
            ));
        }
        if self.pages_per_step <= 0 {
            return Err(format!(
                "backup.pages_per_step is {}, but it must be at least 1",
                self.pages_per_step
            ));
        }
        Ok(())
    }
}

/// Where each component lives inside one state directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// The state directory.
    pub root: PathBuf,
    /// The database file name.
    pub store_file: String,
    /// Configuration files, relative to the root.
    pub config_files: Vec<String>,
    /// Log directories, relative to the root.
    pub log_dirs: Vec<String>,
    /// The performance log directory, relative to the root.
    pub performance_dir: String,
    /// The backup directory, relative to the root.
    pub backup_dir: String,
    /// Store settings for the connections the backup opens.
    pub store: StoreConfig,
    /// Database pages copied per online-backup step.
    pub pages_per_step: i32,
}

impl Layout {
    /// Describes the state directory `root` under the given settings.
    pub fn new(
        root: &Path,
        store: &StoreConfig,
        backup: &BackupConfig,
        log_dirs: &[String],
    ) -> Layout {
        Layout {
            root: root.to_owned(),
            store_file: store.file.clone(),
            config_files: backup.config_files.clone(),
            log_dirs: log_dirs.to_vec(),
            performance_dir: backup.performance_dir.clone(),
            backup_dir: backup.dir.clone(),
            store: store.clone(),
            pages_per_step: backup.pages_per_step,
        }
    }

    /// Returns the path of the database.
    pub fn store_path(&self) -> PathBuf {
        self.root.join(&self.store_file)
    }

    /// Returns the directory that holds the backups.
    pub fn backups_path(&self) -> PathBuf {
        self.root.join(&self.backup_dir)
    }

    /// The component a restored path belongs to, or `None` when the path is outside
    /// every component of this layout (such a path is never restored).
    pub fn component_of(&self, relative: &Path) -> Option<Component> {
        let first = relative.components().next()?.as_os_str().to_str()?;
        if relative == Path::new(&self.store_file) {
            return Some(Component::Data);
        }
        if self
            .config_files
            .iter()
            .any(|file| relative == Path::new(file))
        {
            return Some(Component::Config);
        }
        let in_dir = relative.components().count() > 1;
        if in_dir && first == self.performance_dir {
            return Some(Component::Performance);
        }
        if in_dir && self.log_dirs.iter().any(|dir| dir == first) {
            return Some(Component::Logs);
        }
        None
    }
}

/// One backup on disk, as [`list_backups`] finds it.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupInfo {
    /// The backup's id, also its directory name.
    pub id: String,
    /// Its kind.
    pub kind: BackupKind,
    /// Why it was taken.
    pub reason: BackupReason,
    /// When it was taken (event time of the request).
    pub created_ms: TimeMs,
    /// Total size of its files, in bytes.
    pub total_size: u64,
    /// Number of files.
    pub files: usize,
    /// Its directory.
    pub dir: PathBuf,
}

/// Errors of the backup paths.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// An invalid `[backup]` setting.
    #[error("invalid backup configuration: {0}")]
    Config(String),
    /// A file-system step failed.
    #[error("backup step failed: {message} ({path})")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What failed, with the OS error.
        message: String,
    },
    /// The database could not be read or copied.
    #[error("backup of the database failed: {0}")]
    Store(#[from] StoreError),
    /// No backup with this id.
    #[error("no backup {0:?} in the backup directory; list the backups to see the ids")]
    NotFound(String),
    /// Verification found problems.
    #[error("backup {id} failed verification: {summary}")]
    Verify {
        /// The backup's id.
        id: String,
        /// The first issues found.
        summary: String,
    },
    /// A path in the backup would land outside the target.
    #[error(transparent)]
    Unsafe(#[from] paths::UnsafePath),
    /// A restore step failed; the report lists every step.
    #[error("restore failed at step {step}: {message}")]
    Restore {
        /// The step that failed.
        step: &'static str,
        /// Why.
        message: String,
    },
}

impl BackupError {
    fn io(path: &Path, what: &str, error: std::io::Error) -> BackupError {
        BackupError::Io {
            path: path.to_owned(),
            message: format!("{what}: {error}"),
        }
    }
}
