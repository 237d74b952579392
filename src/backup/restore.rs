//! Restore: verify, take a pre-restore backup, stop trading, restore, validate,
//! restart trading, and report every step.
//!
//! Files are first copied into `.restore-staging/` in the state directory and
//! checked against their hashes. Each one then replaces its target by rename,
//! the replaced file moving to `.restore-old/`; the database's `-wal` and `-shm`
//! files move with it, so SQLite cannot replay a stale WAL into the restored
//! database. When a step fails, every rename is undone in reverse order and the
//! previous state is back. Nothing is written before every path has been checked.
//!
//! NOTE: a crash (rather than a reported failure) during the renames leaves the
//! replaced files in `.restore-old/`; the pre-restore backup is the way back.

use super::create::read_manifest;
use super::manifest::{Manifest, FILES_DIR};
use super::paths::{check_target, safe_relative_path, UnsafePath};
use super::{create_backup, verify_backup, BackupKind, BackupReason, Component, Layout};
use crate::account::TimeMs;
use crate::store::{fsio, StoreReader};
use std::path::{Path, PathBuf};
use std::time::Instant;

const STAGING_DIR: &str = ".restore-staging";
const OLD_DIR: &str = ".restore-old";

/// What the owner of the state directory does around a restore. A running guard
/// implements it to latch a trading block and close its journal, to open the
/// restored store and cross-check the engine's anchors, and to reopen and resume.
pub trait RestoreHooks {
    /// Stops trading and closes every handle on the state directory's files.
    ///
    /// # Errors
    ///
    /// A message saying why trading could not be stopped; the restore then stops.
    fn stop_trading(&mut self) -> Result<String, String>;

    /// Checks the restored state directory beyond the database's integrity check:
    /// the engine restores from it and its anchors match the journaled deals.
    ///
    /// # Errors
    ///
    /// A message naming the inconsistency; the restore is then rolled back.
    fn validate(&mut self, root: &Path) -> Result<String, String>;

    /// Reopens the state directory and resumes trading (also after a rollback).
    ///
    /// # Errors
    ///
    /// A message saying why trading stays stopped.
    fn restart_trading(&mut self) -> Result<String, String>;
}

/// Hooks for a state directory that no guard has open, such as a restore from the
/// command line: there is no trading to stop, and validation is the database check.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoGuardRunning;

impl RestoreHooks for NoGuardRunning {
    fn stop_trading(&mut self) -> Result<String, String> {
        Ok("no guard has this state directory open".to_owned())
    }

    fn validate(&mut self, _root: &Path) -> Result<String, String> {
        Ok("database integrity checked; no engine to cross-check".to_owned())
    }

    fn restart_trading(&mut self) -> Result<String, String> {
        Ok("no guard to restart".to_owned())
    }
}

/// A step of a restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreStep {
    /// Recompute the backup's hashes.
    Verify,
    /// Check every path against the target before writing anything.
    CheckPaths,
    /// Back up the current state first.
    PreRestoreBackup,
    /// Stop trading and release the files.
    StopTrading,
    /// Copy the files beside their targets and check their hashes.
    Stage,
    /// Replace configuration and data by rename.
    Replace,
    /// Integrity check, engine open, anchors consistent.
    Validate,
    /// Undo the replacements after a failure.
    Rollback,
    /// Reopen and resume trading.
    RestartTrading,
    /// Remove the staging and replaced files.
    Cleanup,
}

impl RestoreStep {
    /// Returns the step's snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RestoreStep::Verify => "verify",
            RestoreStep::CheckPaths => "check_paths",
            RestoreStep::PreRestoreBackup => "pre_restore_backup",
            RestoreStep::StopTrading => "stop_trading",
            RestoreStep::Stage => "stage",
            RestoreStep::Replace => "replace",
            RestoreStep::Validate => "validate",
            RestoreStep::Rollback => "rollback",
            RestoreStep::RestartTrading => "restart_trading",
            RestoreStep::Cleanup => "cleanup",
        }
    }
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// It succeeded, with a detail line.
    Done(String),
    /// It failed, with the reason.
    Failed(String),
}

/// One step of a restore report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReport {
    /// The step.
    pub step: RestoreStep,
    /// How it ended.
    pub outcome: StepOutcome,
    /// Wall time the step took, in milliseconds.
    pub duration_ms: u64,
}

/// The report of one restore: every step in order and the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// The backup restored from.
    pub backup_id: String,
    /// The backup taken of the previous state, when one was taken.
    pub pre_restore_backup: Option<String>,
    /// The steps run, in order.
    pub steps: Vec<StepReport>,
    /// Files put in place (0 after a rollback).
    pub restored_files: usize,
    /// Whether the replacements were undone.
    pub rolled_back: bool,
    /// Why the restore failed, or `None` when it succeeded.
    pub failure: Option<String>,
}

impl RestoreReport {
    /// Whether the restore succeeded.
    pub fn ok(&self) -> bool {
        self.failure.is_none()
    }

    fn run<T>(
        &mut self,
        step: RestoreStep,
        action: impl FnOnce() -> Result<(T, String), String>,
    ) -> Option<T> {
        let started = Instant::now();
        let result = action();
        let duration_ms = started.elapsed().as_millis() as u64;
        let (value, outcome) = match result {
            Ok((value, detail)) => (Some(value), StepOutcome::Done(detail)),
            Err(message) => {
                log::error!(
                    "restore of {} failed at {}: {message}",
                    self.backup_id,
                    step.as_str()
                );
                if self.failure.is_none() {
                    self.failure = Some(format!("{}: {message}", step.as_str()));
                }
                (None, StepOutcome::Failed(message))
            }
        };
        self.steps.push(StepReport {
            step,
            outcome,
            duration_ms,
        });
        value
    }
}

/// One file to restore.
struct Planned {
    relative: PathBuf,
    sha256: String,
    is_data: bool,
}

/// A rename done during the replacement, undone in reverse on rollback.
struct Move {
    from: PathBuf,
    to: PathBuf,
}

/// Restores backup `id` into the state directory of `layout`, calling `hooks`
/// around the file replacement. `time_ms` stamps the pre-restore backup.
///
/// Any failure before the replacement leaves the state directory untouched; a
/// failure during or after it undoes the replacement. The report lists every step.
pub fn restore_backup(
    layout: &Layout,
    id: &str,
    hooks: &mut dyn RestoreHooks,
    time_ms: TimeMs,
) -> RestoreReport {
    let mut report = RestoreReport {
        backup_id: id.to_owned(),
        pre_restore_backup: None,
        steps: Vec::new(),
        restored_files: 0,
        rolled_back: false,
        failure: None,
    };
    let dir = layout.backups_path().join(id);
    let Some(manifest) = report.run(RestoreStep::Verify, || verify_step(&dir)) else {
        return report;
    };
    let Some(plan) = report.run(RestoreStep::CheckPaths, || {
        check_paths(layout, &manifest).map_err(|e| e.to_string())
    }) else {
        return report;
    };
    let Some(pre) = report.run(RestoreStep::PreRestoreBackup, || {
        let info = create_backup(
            layout,
            BackupKind::System,
            BackupReason::PreRestore,
            time_ms,
        )
        .map_err(|e| e.to_string())?;
        let detail = format!("{} ({} files)", info.id, info.files);
        Ok((info.id, detail))
    }) else {
        return report;
    };
    report.pre_restore_backup = Some(pre);
    if report
        .run(RestoreStep::StopTrading, || {
            hooks.stop_trading().map(|detail| ((), detail))
        })
        .is_none()
    {
        return report;
    }
    let staging = layout.root.join(STAGING_DIR);
    let old = layout.root.join(OLD_DIR);
    let mut moves = Vec::new();
    let staged = report
        .run(RestoreStep::Stage, || {
            stage(&dir, &staging, &plan).map(|()| ((), format!("{} files staged", plan.len())))
        })
        .is_some();
    let replaced = staged
        && report
            .run(RestoreStep::Replace, || {
                replace(layout, &staging, &old, &plan, &mut moves)
                    .map(|()| ((), format!("{} files replaced", plan.len())))
            })
            .is_some();
    let valid = replaced
        && report
            .run(RestoreStep::Validate, || validate(layout, &plan, hooks))
            .is_some();
    if valid {
        report.restored_files = plan.len();
    } else if !moves.is_empty() {
        report.rolled_back = report
            .run(RestoreStep::Rollback, || {
                rollback(&moves).map(|()| ((), format!("{} renames undone", moves.len())))
            })
            .is_some();
    }
    report.run(RestoreStep::RestartTrading, || {
        hooks.restart_trading().map(|detail| ((), detail))
    });
    report.run(RestoreStep::Cleanup, || {
        for path in [&staging, &old] {
            if path.exists() {
                fsio::remove_dir_all(path)
                    .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
            }
        }
        Ok(((), "staging and replaced files removed".to_owned()))
    });
    if report.ok() {
        log::info!("restored backup {id}: {} files", report.restored_files);
    }
    report
}

fn verify_step(dir: &Path) -> Result<(Manifest, String), String> {
    if !dir.is_dir() {
        return Err(format!("no backup at {}", dir.display()));
    }
    let verify = verify_backup(dir).map_err(|e| e.to_string())?;
    if !verify.ok() {
        return Err(verify.summary());
    }
    let manifest = read_manifest(dir)?;
    let detail = format!(
        "{} files, {} bytes hashed",
        verify.files_checked, verify.bytes_checked
    );
    Ok((manifest, detail))
}

/// Checks every path of the manifest, and the staging directories, against the
/// target; returns the files to restore.
fn check_paths(layout: &Layout, manifest: &Manifest) -> Result<(Vec<Planned>, String), UnsafePath> {
    for dir in [STAGING_DIR, OLD_DIR] {
        check_target(&layout.root, Path::new(dir))?;
    }
    let mut plan = Vec::new();
    for entry in &manifest.files {
        let relative = safe_relative_path(&entry.path)?;
        let component = layout.component_of(&relative).ok_or_else(|| UnsafePath {
            path: entry.path.clone(),
            reason: "the path is outside every component of this state directory",
        })?;
        let matches = component == entry.component
            || matches!(
                (component, entry.component),
                (Component::Performance, Component::Logs)
            );
        if !matches {
            return Err(UnsafePath {
                path: entry.path.clone(),
                reason: "the path does not belong to the component the manifest names",
            });
        }
        check_target(&layout.root, &relative)?;
        plan.push(Planned {
            relative,
            sha256: entry.sha256.clone(),
            is_data: component == Component::Data,
        });
    }
    let detail = format!("{} paths inside {}", plan.len(), layout.root.display());
    Ok((plan, detail))
}

fn stage(backup: &Path, staging: &Path, plan: &[Planned]) -> Result<(), String> {
    if staging.exists() {
        fsio::remove_dir_all(staging)
            .map_err(|e| format!("cannot clear {}: {e}", staging.display()))?;
    }
    fsio::create_dir_all(staging)
        .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
    for file in plan {
        let source = backup.join(FILES_DIR).join(&file.relative);
        let target = staging.join(&file.relative);
        if let Some(parent) = target.parent() {
            fsio::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let (_, digest) = fsio::copy_synced(&source, &target)
            .map_err(|e| format!("cannot stage {}: {e}", file.relative.display()))?;
        if hex::encode(digest) != file.sha256 {
            return Err(format!(
                "{} changed after verification",
                file.relative.display()
            ));
        }
    }
    fsio::sync_dir(staging).map_err(|e| format!("cannot sync {}: {e}", staging.display()))
}

fn replace(
    layout: &Layout,
    staging: &Path,
    old: &Path,
    plan: &[Planned],
    moves: &mut Vec<Move>,
) -> Result<(), String> {
    if old.exists() {
        fsio::remove_dir_all(old).map_err(|e| format!("cannot clear {}: {e}", old.display()))?;
    }
    fsio::create_dir_all(old).map_err(|e| format!("cannot create {}: {e}", old.display()))?;
    for file in plan {
        let target = layout.root.join(&file.relative);
        let mut displaced = vec![file.relative.clone()];
        if file.is_data {
            for suffix in ["-wal", "-shm", "-journal"] {
                let mut name = file.relative.clone().into_os_string();
                name.push(suffix);
                displaced.push(PathBuf::from(name));
            }
        }
        for relative in displaced {
            let current = layout.root.join(&relative);
            if std::fs::symlink_metadata(&current).is_ok() {
                let aside = old.join(&relative);
                if let Some(parent) = aside.parent() {
                    fsio::create_dir_all(parent)
                        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
                }
                move_file(&current, &aside, moves)?;
            }
        }
        if let Some(parent) = target.parent() {
            fsio::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        move_file(&staging.join(&file.relative), &target, moves)?;
        if let Some(parent) = target.parent() {
            fsio::sync_dir(parent).map_err(|e| format!("cannot sync {}: {e}", parent.display()))?;
        }
    }
    Ok(())
}

fn move_file(from: &Path, to: &Path, moves: &mut Vec<Move>) -> Result<(), String> {
    fsio::rename(from, to)
        .map_err(|e| format!("cannot move {} to {}: {e}", from.display(), to.display()))?;
    moves.push(Move {
        from: from.to_owned(),
        to: to.to_owned(),
    });
    Ok(())
}

fn validate(
    layout: &Layout,
    plan: &[Planned],
    hooks: &mut dyn RestoreHooks,
) -> Result<((), String), String> {
    let mut detail = String::new();
    if plan.iter().any(|file| file.is_data) {
        let reader =
            StoreReader::open(&layout.store_path(), &layout.store).map_err(|e| e.to_string())?;
        reader.integrity_check().map_err(|e| e.to_string())?;
        let last = reader.last_seq().map_err(|e| e.to_string())?;
        detail.push_str(&format!("integrity ok, journal at sequence {last}; "));
    }
    detail.push_str(&hooks.validate(&layout.root)?);
    Ok(((), detail))
}

fn rollback(moves: &[Move]) -> Result<(), String> {
    let mut failures = Vec::new();
    for step in moves.iter().rev() {
        if let Err(error) = fsio::rename(&step.to, &step.from) {
            failures.push(format!(
                "{} back to {}: {error}",
                step.to.display(),
                step.from.display()
            ));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} renames could not be undone ({}); restore the pre-restore backup",
            failures.len(),
            failures.join("; ")
        ))
    }
}
