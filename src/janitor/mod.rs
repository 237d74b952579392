//! The log janitor, and the library's own daily log files it rotates.
//!
//! For each configured log directory, [`run_janitor`] compresses files older than
//! `compress_after_days` with gzip and deletes files (compressed or not) older than
//! `delete_after_days`, by modification time. It never touches a file in use: the
//! library's current daily log, any path the caller names, and any file another
//! process holds locked (retried a few times, then reported). Compression writes
//! `NAME.gz.tmp` beside the original, checks that it decompresses to the same
//! SHA-256, syncs it, renames it to `NAME.gz` and only then removes the original,
//! so a crash at any step leaves the original, the complete `.gz`, or both.

mod compress;
pub mod daily_log;

pub use compress::gzip_file;
pub use daily_log::{install_daily_log, DailyLogInstall};

use crate::account::TimeMs;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const DAY_MS: TimeMs = 86_400_000;

/// Settings of the logs. Every field has a default, so an empty `[logs]` section is valid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogsConfig {
    /// Log directories the janitor looks after, relative to the state directory.
    pub dirs: Vec<String>,
    /// Age in days after which a file is compressed.
    pub compress_after_days: u32,
    /// Age in days after which a file is deleted.
    pub delete_after_days: u32,
    /// Times a locked file is tried again within one run before it is reported.
    pub lock_retries: u32,
    /// Pause between tries of a locked file, in milliseconds.
    pub retry_delay_ms: u64,
    /// gzip level, 0 (store) to 9 (smallest).
    pub gzip_level: u32,
    /// Directory of the library's own daily log files, relative to the state directory.
    pub library_dir: String,
    /// Lowest level the library logs: error, warn, info, debug or trace.
    pub level: String,
}

impl Default for LogsConfig {
    fn default() -> Self {
        LogsConfig {
            dirs: ["logs", "mt5_logs", "performance_logs", "error_logs"]
                .map(String::from)
                .to_vec(),
            compress_after_days: 7,
            delete_after_days: 30,
            lock_retries: 3,
            retry_delay_ms: 200,
            gzip_level: 6,
            library_dir: "logs".to_owned(),
            level: "info".to_owned(),
        }
    }
}

impl LogsConfig {
    /// Checks the paths, ages and level.
    ///
    /// # Errors
    ///
    /// A message naming the field and its value.
    pub fn validate(&self) -> Result<(), String> {
        for dir in self.dirs.iter().chain(std::iter::once(&self.library_dir)) {
            crate::backup::paths::safe_relative_path(dir)
                .map_err(|error| format!("log directory {dir:?} is invalid: {}", error.reason))?;
        }
        if self.compress_after_days >= self.delete_after_days {
            return Err(format!(
                "logs.compress_after_days ({}) must be less than logs.delete_after_days ({})",
                self.compress_after_days, self.delete_after_days
            ));
        }
        if self.gzip_level > 9 {
            return Err(format!(
                "logs.gzip_level is {}, but it must be 0 to 9",
                self.gzip_level
            ));
        }
        self.level.parse::<log::LevelFilter>().map_err(|_| {
            format!(
                "logs.level {:?} is invalid: use error, warn, info, debug or trace",
                self.level
            )
        })?;
        Ok(())
    }
}

/// What one janitor run did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JanitorReport {
    /// Files compressed.
    pub compressed: Vec<PathBuf>,
    /// Files deleted.
    pub deleted: Vec<PathBuf>,
    /// Files left alone because they are in use by this library.
    pub skipped_in_use: Vec<PathBuf>,
    /// Files still locked by another process after every retry.
    pub locked: Vec<PathBuf>,
    /// Files that failed, with the error.
    pub errors: Vec<(PathBuf, String)>,
    /// Size of the compressed originals, in bytes.
    pub bytes_before: u64,
    /// Size of their `.gz` files, in bytes.
    pub bytes_after: u64,
    /// Size of the deleted files, in bytes.
    pub bytes_deleted: u64,
    /// Incomplete `.gz.tmp` files from an interrupted run, removed.
    pub leftovers_removed: usize,
}

impl JanitorReport {
    /// Files rotated: compressed plus deleted.
    pub fn files_rotated(&self) -> usize {
        self.compressed.len() + self.deleted.len()
    }

    /// Bytes freed by compression and deletion.
    pub fn bytes_saved(&self) -> u64 {
        self.bytes_before.saturating_sub(self.bytes_after) + self.bytes_deleted
    }
}

/// Runs the janitor over every log directory of `config` under `root`, judging ages
/// against `now_ms`. `in_use` names files that must not be touched, beyond the
/// library's own current daily log, which is always skipped.
pub fn run_janitor(
    root: &Path,
    config: &LogsConfig,
    now_ms: TimeMs,
    in_use: &[PathBuf],
) -> JanitorReport {
    let mut report = JanitorReport::default();
    let mut skip: Vec<PathBuf> = in_use.iter().map(|path| canonical(path)).collect();
    skip.extend(daily_log::current_file().map(|path| canonical(&path)));
    let mut locked = Vec::new();
    for dir in &config.dirs {
        let full = root.join(dir);
        let Ok(entries) = std::fs::read_dir(&full) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(metadata) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if !metadata.is_file() {
                continue;
            }
            if skip.contains(&canonical(&path)) {
                report.skipped_in_use.push(path);
                continue;
            }
            let age_ms = now_ms.saturating_sub(modified_ms(&metadata));
            if let Outcome::Locked = tend(&path, &metadata, age_ms, config, &mut report) {
                locked.push(path);
            }
        }
    }
    for attempt in 1..=config.lock_retries {
        if locked.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(config.retry_delay_ms));
        let mut still = Vec::new();
        for path in locked {
            let Ok(metadata) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let age_ms = now_ms.saturating_sub(modified_ms(&metadata));
            if let Outcome::Locked = tend(&path, &metadata, age_ms, config, &mut report) {
                still.push(path);
            }
        }
        log::debug!(
            "janitor retry {attempt}: {} files still locked",
            still.len()
        );
        locked = still;
    }
    for path in &locked {
        log::warn!(
            "log janitor skipped {}: another process holds it locked",
            path.display()
        );
    }
    report.locked = locked;
    log::info!(
        "log janitor: {} compressed, {} deleted, {} bytes saved, {} locked, {} errors",
        report.compressed.len(),
        report.deleted.len(),
        report.bytes_saved(),
        report.locked.len(),
        report.errors.len()
    );
    report
}

enum Outcome {
    Done,
    Locked,
}

/// Compresses or deletes one file as its age requires.
fn tend(
    path: &Path,
    metadata: &std::fs::Metadata,
    age_ms: TimeMs,
    config: &LogsConfig,
    report: &mut JanitorReport,
) -> Outcome {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.ends_with(compress::TEMP_SUFFIX) {
        // A compression that a crash interrupted; its original is still there.
        match crate::store::fsio::remove_file(path) {
            Ok(()) => report.leftovers_removed += 1,
            Err(error) => report.errors.push((path.to_owned(), error.to_string())),
        }
        return Outcome::Done;
    }
    let delete = age_ms > TimeMs::from(config.delete_after_days) * DAY_MS;
    let compress =
        !name.ends_with(".gz") && age_ms > TimeMs::from(config.compress_after_days) * DAY_MS;
    if !delete && !compress {
        return Outcome::Done;
    }
    let result = if delete {
        compress::delete_unlocked(path).inspect(|&deleted| {
            if deleted {
                report.deleted.push(path.to_owned());
                report.bytes_deleted += metadata.len();
            }
        })
    } else {
        compress::gzip_file(path, config.gzip_level).map(|outcome| match outcome {
            Some((before, after)) => {
                report.compressed.push(path.to_owned());
                report.bytes_before += before;
                report.bytes_after += after;
                true
            }
            None => false,
        })
    };
    match result {
        Ok(true) => Outcome::Done,
        Ok(false) => Outcome::Locked,
        Err(error) => {
            log::error!("log janitor failed on {}: {error}", path.display());
            report.errors.push((path.to_owned(), error.to_string()));
            Outcome::Done
        }
    }
}

fn modified_ms(metadata: &std::fs::Metadata) -> TimeMs {
    metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |age| age.as_millis() as TimeMs)
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// Returns the wall clock as UTC milliseconds, for callers outside the tick path
/// that run the janitor on real time.
pub fn wall_clock_ms() -> TimeMs {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as TimeMs)
}
