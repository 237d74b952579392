//! Maintenance jobs of one guard: backup, verify, restore and the log janitor, each on
//! its own thread so no call on the guard waits on the disk.
//!
//! A guard runs at most one job at a time. Starting one decides everything that must
//! be known at once (the backup id, the trading block of a restore) and spawns the
//! thread; [`Guard::poll_maintenance`] reports it running until the thread has ended,
//! then collects its result without waiting. A restore moves the guard's journal to
//! its thread, which closes it before the files are replaced and reopens the restored
//! store afterwards. The next poll installs the restored store and engine. Trading
//! stays blocked from the start of a restore until then, and the restored engine
//! stays blocked until a deal history is loaded, which cross-checks its anchors.

use super::{Guard, GuardError};
use crate::account::TimeMs;
use crate::backup::{
    create_backup_as, list_backups, next_backup_id, restore_backup, verify_backup, BackupInfo,
    BackupKind, BackupReason, Layout, RestoreHooks, RestoreReport, StepOutcome,
};
use crate::compliance::{Engine, EngineState};
use crate::config::Config;
use crate::janitor::JanitorReport;
use crate::store::{EnginePersistence, Journal, StoreReader, ENGINE_STATE_KEY};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

/// The kind of a maintenance job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A backup of the state directory.
    Backup,
    /// Verification of one backup.
    Verify,
    /// A restore from one backup.
    Restore,
    /// A janitor run over the log directories.
    Janitor,
}

impl JobKind {
    /// Returns the snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Backup => "backup",
            JobKind::Verify => "verify",
            JobKind::Restore => "restore",
            JobKind::Janitor => "janitor",
        }
    }
}

/// The state of the latest job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JobState {
    /// No job was started on this guard.
    #[default]
    Idle,
    /// The job's thread is still working.
    Running,
    /// The job finished and did what it was asked.
    Succeeded,
    /// The job finished with a failure, which its report names.
    Failed,
}

/// The latest maintenance job of a guard and its result, once finished.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MaintenanceStatus {
    /// The job's kind, `None` before the first job.
    pub kind: Option<JobKind>,
    /// Its state.
    pub state: JobState,
    /// The backup the job took, verified or restored from.
    pub backup_id: String,
    /// Backup: its size. Verify: the bytes hashed. Janitor: the bytes saved.
    pub bytes: u64,
    /// Backup: its files. Verify: the files hashed. Restore: the files put in place.
    /// Janitor: the files compressed.
    pub files: u64,
    /// Janitor: the files deleted.
    pub deleted: u64,
    /// Janitor: the files still locked by another process after every retry.
    pub locked: u64,
    /// Verify: the issues found. Restore: the steps that failed. Janitor: the files
    /// that failed.
    pub issues: u64,
    /// Restore: the steps run.
    pub steps: u64,
    /// The result in text, one line per restore step.
    pub report: String,
}

/// The store and engine a restore reopened, for the guard to install.
struct Reopened {
    persistence: EnginePersistence,
    engine: Engine,
}

enum Outcome {
    Backup(Result<BackupInfo, String>),
    Verify(Result<crate::backup::VerifyReport, String>),
    Restore(Box<(RestoreReport, Result<Reopened, String>)>),
    Janitor(JanitorReport),
}

struct Running {
    kind: JobKind,
    backup_id: String,
    thread: JoinHandle<Outcome>,
}

/// The job slot of one guard.
#[derive(Default)]
pub(super) struct Jobs {
    running: Option<Running>,
    last: MaintenanceStatus,
    /// The ids of the latest backup list, for callers that read them one by one.
    listed: Vec<String>,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs")
            .field("running", &self.running.as_ref().map(|job| job.kind))
            .field("last", &self.last)
            .finish()
    }
}

impl Jobs {
    /// Returns whether a restore is running, which blocks trading.
    pub(super) fn restoring(&self) -> bool {
        self.running
            .as_ref()
            .is_some_and(|job| job.kind == JobKind::Restore)
    }
}

/// Returns the layout of the guard's state directory under its configuration.
pub fn layout_of(config: &Config, state_dir: &Path) -> Layout {
    Layout::new(state_dir, &config.store, &config.backup, &config.logs.dirs)
}

impl Guard {
    /// Starts a backup of `kind` on its own thread and returns its id at once; the
    /// backup is listed once [`Guard::poll_maintenance`] reports it succeeded.
    /// `time_ms` (UTC) stamps the backup and its id.
    ///
    /// # Errors
    ///
    /// [`GuardError::MaintenanceBusy`] while another job runs,
    /// [`GuardError::TimeAhead`] for a time further ahead of the engine's clock than
    /// `safety.max_ahead_ms` (retention would keep such a backup as the newest), and
    /// [`GuardError::Maintenance`] when the thread cannot start.
    pub fn start_backup(
        &mut self,
        kind: BackupKind,
        time_ms: TimeMs,
    ) -> Result<String, GuardError> {
        self.check_idle()?;
        self.check_not_ahead(time_ms)?;
        let layout = layout_of(&self.config, &self.state_dir);
        let id = next_backup_id(&layout, kind, time_ms);
        let job_id = id.clone();
        self.spawn_job(JobKind::Backup, id.clone(), move || {
            Outcome::Backup(
                create_backup_as(&layout, kind, BackupReason::Manual, time_ms, &job_id)
                    .map_err(|error| error.to_string()),
            )
        })?;
        Ok(id)
    }

    /// Starts verifying backup `id` on its own thread: every hash is recomputed.
    ///
    /// # Errors
    ///
    /// [`GuardError::MaintenanceBusy`] while another job runs,
    /// [`GuardError::InvalidBackupId`] for an id that is not a plain directory name,
    /// [`GuardError::BackupNotFound`] when no backup has it, and
    /// [`GuardError::Maintenance`] when the thread cannot start.
    pub fn start_verify(&mut self, id: &str) -> Result<(), GuardError> {
        self.check_idle()?;
        let dir = self.backup_dir(id)?;
        if !dir.is_dir() {
            return Err(GuardError::BackupNotFound(id.to_owned()));
        }
        self.spawn_job(JobKind::Verify, id.to_owned(), move || {
            Outcome::Verify(verify_backup(&dir).map_err(|error| error.to_string()))
        })
    }

    /// Starts restoring backup `id` on its own thread. Trading is blocked from this call
    /// on. The journal moves to the restore thread, which closes it before replacing the
    /// files and reopens the restored store afterwards (or the old one after a rollback).
    /// The next [`Guard::poll_maintenance`] after the thread ends installs that store and
    /// its engine, which stays blocked until a deal history is loaded. `time_ms` (UTC)
    /// stamps the pre-restore backup.
    ///
    /// # Errors
    ///
    /// [`GuardError::MaintenanceBusy`] while another job runs,
    /// [`GuardError::InvalidBackupId`] for an id that is not a plain directory name,
    /// [`GuardError::BackupNotFound`] when no backup has it, [`GuardError::TimeAhead`] for a
    /// time further ahead of the engine's clock than `safety.max_ahead_ms`, and
    /// [`GuardError::Maintenance`] when the thread cannot start.
    pub fn start_restore(&mut self, id: &str, time_ms: TimeMs) -> Result<(), GuardError> {
        self.check_idle()?;
        self.check_not_ahead(time_ms)?;
        let dir = self.backup_dir(id)?;
        if !dir.is_dir() {
            return Err(GuardError::BackupNotFound(id.to_owned()));
        }
        self.persistence
            .save_final(&self.engine, self.latest_time_ms);
        let journal = self.persistence.detach_journal();
        let mut hooks = GuardHooks {
            journal: Some(journal),
            config: self.config.clone(),
            state_dir: self.state_dir.clone(),
            reopened: None,
        };
        let layout = layout_of(&self.config, &self.state_dir);
        let restore_id = id.to_owned();
        let started = self.spawn_job(JobKind::Restore, id.to_owned(), move || {
            let report = restore_backup(&layout, &restore_id, &mut hooks, time_ms);
            let reopened = match hooks.reopened.take() {
                Some(reopened) => Ok(reopened),
                // The restore stopped before its restart step: reopen what is there.
                None => hooks.close_journal().and_then(|_| hooks.reopen()),
            };
            Outcome::Restore(Box::new((report, reopened)))
        });
        if started.is_err() {
            // The journal went with the thread that never started.
            self.latch_persist_failed();
        }
        started
    }

    /// Starts a janitor run over the configured log directories on its own thread,
    /// judging file ages against `now_ms` (UTC).
    ///
    /// # Errors
    ///
    /// [`GuardError::MaintenanceBusy`] while another job runs,
    /// [`GuardError::TimeAhead`] for a time further ahead of the engine's clock than
    /// `safety.max_ahead_ms` (every log would look old enough to delete), and
    /// [`GuardError::Maintenance`] when the thread cannot start.
    pub fn start_janitor(&mut self, now_ms: TimeMs) -> Result<(), GuardError> {
        self.check_idle()?;
        self.check_not_ahead(now_ms)?;
        let root = self.state_dir.clone();
        let logs = self.config.logs.clone();
        let in_use = vec![self.persistence.journal().path().to_owned()];
        self.spawn_job(JobKind::Janitor, String::new(), move || {
            Outcome::Janitor(crate::janitor::run_janitor(&root, &logs, now_ms, &in_use))
        })
    }

    /// Returns the latest job and, once its thread has ended, its result. Never waits:
    /// a finished thread is joined, and a restore's reopened store and engine replace
    /// the guard's.
    pub fn poll_maintenance(&mut self) -> &MaintenanceStatus {
        let finished = self
            .jobs
            .running
            .as_ref()
            .is_some_and(|job| job.thread.is_finished());
        if finished {
            if let Some(job) = self.jobs.running.take() {
                let status = self.finish_job(job);
                self.jobs.last = status;
            }
        }
        &self.jobs.last
    }

    /// Lists the backups in the state directory, oldest first, and keeps their ids for
    /// [`Guard::listed_backup_id`]. Reads only each backup's manifest, not its files.
    ///
    /// # Errors
    ///
    /// [`GuardError::Maintenance`] when the backup directory cannot be listed.
    pub fn list_backups(&mut self) -> Result<Vec<BackupInfo>, GuardError> {
        let listed = list_backups(&layout_of(&self.config, &self.state_dir))
            .map_err(|error| GuardError::Maintenance(error.to_string()))?;
        self.jobs.listed = listed.iter().map(|info| info.id.clone()).collect();
        Ok(listed)
    }

    /// Returns the id of backup `index` in the latest [`Guard::list_backups`], if any.
    pub fn listed_backup_id(&self, index: usize) -> Option<&str> {
        self.jobs.listed.get(index).map(String::as_str)
    }

    /// Blocks new trades while the guard has only its detached journal.
    fn latch_persist_failed(&mut self) {
        // PersistFailed is a latchable reason, so this cannot fail.
        let _ = self.engine.latch_block(
            crate::compliance::Reason::PersistFailed,
            self.latest_time_ms,
        );
    }

    fn check_idle(&mut self) -> Result<(), GuardError> {
        self.poll_maintenance();
        match &self.jobs.running {
            Some(job) => Err(GuardError::MaintenanceBusy {
                running: job.kind.as_str(),
            }),
            None => Ok(()),
        }
    }

    fn backup_dir(&self, id: &str) -> Result<PathBuf, GuardError> {
        let plain = !id.is_empty()
            && id != "."
            && id != ".."
            && !id.starts_with('.')
            && !id.contains(['/', '\\', ':', '\0']);
        if !plain {
            return Err(GuardError::InvalidBackupId(id.to_owned()));
        }
        Ok(layout_of(&self.config, &self.state_dir)
            .backups_path()
            .join(id))
    }

    fn spawn_job(
        &mut self,
        kind: JobKind,
        backup_id: String,
        work: impl FnOnce() -> Outcome + Send + 'static,
    ) -> Result<(), GuardError> {
        let thread = std::thread::Builder::new()
            .name(format!("mikrobot-{}", kind.as_str()))
            .spawn(work)
            .map_err(|error| {
                GuardError::Maintenance(format!(
                    "cannot start the {} thread: {error}",
                    kind.as_str()
                ))
            })?;
        log::info!("maintenance job {} started {backup_id}", kind.as_str());
        self.jobs.running = Some(Running {
            kind,
            backup_id: backup_id.clone(),
            thread,
        });
        self.jobs.last = MaintenanceStatus {
            kind: Some(kind),
            state: JobState::Running,
            backup_id,
            ..MaintenanceStatus::default()
        };
        Ok(())
    }

    fn finish_job(&mut self, job: Running) -> MaintenanceStatus {
        let mut status = MaintenanceStatus {
            kind: Some(job.kind),
            state: JobState::Failed,
            backup_id: job.backup_id,
            ..MaintenanceStatus::default()
        };
        let outcome = match job.thread.join() {
            Ok(outcome) => outcome,
            Err(_) => {
                // A restore's thread owned the journal; without it nothing is saved, so
                // new trades stay blocked.
                if job.kind == JobKind::Restore {
                    self.latch_persist_failed();
                }
                status.report = format!("the {} thread panicked", job.kind.as_str());
                log::error!("maintenance job {}", status.report);
                return status;
            }
        };
        match outcome {
            Outcome::Backup(result) => backup_status(&mut status, result),
            Outcome::Verify(result) => verify_status(&mut status, result),
            Outcome::Restore(restored) => {
                let (report, reopened) = *restored;
                restore_status(&mut status, &report);
                match reopened {
                    Ok(reopened) => {
                        // NOTE: only the engine state is reloaded; the alert and incident
                        // state restored beside it is read at the next open of the guard.
                        self.persistence = reopened.persistence;
                        if report.restored_files > 0 {
                            // The backup may predate a breach or halt this engine latched
                            // since; a restore must not lift it.
                            let mut restored = reopened.engine;
                            restored.keep_latches_of(self.engine.state());
                            self.engine = restored;
                            self.persist(self.latest_time_ms);
                        } else {
                            // Nothing was replaced, or the replacement was rolled back: the
                            // files are the ones this engine saved, so it keeps its history.
                            let _ = self.engine.clear_block(
                                crate::compliance::Reason::PersistFailed,
                                self.latest_time_ms,
                            );
                        }
                    }
                    Err(error) => {
                        self.latch_persist_failed();
                        status.state = JobState::Failed;
                        let _ = writeln!(status.report, "reopen: failed: {error}");
                    }
                }
            }
            Outcome::Janitor(report) => janitor_status(&mut status, &report),
        }
        log::info!(
            "maintenance job {} {:?}: {}",
            job.kind.as_str(),
            status.state,
            status.report.lines().next().unwrap_or("")
        );
        status
    }
}

fn backup_status(status: &mut MaintenanceStatus, result: Result<BackupInfo, String>) {
    match result {
        Ok(info) => {
            status.state = JobState::Succeeded;
            status.bytes = info.total_size;
            status.files = info.files as u64;
            status.report = format!(
                "backup {}: {} files, {} bytes, verified",
                info.id, info.files, info.total_size
            );
        }
        Err(error) => status.report = error,
    }
}

fn verify_status(
    status: &mut MaintenanceStatus,
    result: Result<crate::backup::VerifyReport, String>,
) {
    match result {
        Ok(report) => {
            status.bytes = report.bytes_checked;
            status.files = report.files_checked as u64;
            status.issues = report.issues.len() as u64;
            if report.ok() {
                status.state = JobState::Succeeded;
                status.report = format!(
                    "backup {} verified: {} files, {} bytes hashed",
                    status.backup_id, report.files_checked, report.bytes_checked
                );
            } else {
                status.report = report.summary();
            }
        }
        Err(error) => status.report = error,
    }
}

fn restore_status(status: &mut MaintenanceStatus, report: &RestoreReport) {
    status.files = report.restored_files as u64;
    status.steps = report.steps.len() as u64;
    for step in &report.steps {
        let (word, detail) = match &step.outcome {
            StepOutcome::Done(detail) => ("done", detail),
            StepOutcome::Failed(reason) => {
                status.issues += 1;
                ("failed", reason)
            }
        };
        let _ = writeln!(
            status.report,
            "{}: {word} ({} ms): {detail}",
            step.step.as_str(),
            step.duration_ms
        );
    }
    if report.ok() {
        status.state = JobState::Succeeded;
    }
}

fn janitor_status(status: &mut MaintenanceStatus, report: &JanitorReport) {
    status.state = if report.errors.is_empty() {
        JobState::Succeeded
    } else {
        JobState::Failed
    };
    status.bytes = report.bytes_saved();
    status.files = report.compressed.len() as u64;
    status.deleted = report.deleted.len() as u64;
    status.locked = report.locked.len() as u64;
    status.issues = report.errors.len() as u64;
    status.report = format!(
        "janitor: {} compressed, {} deleted, {} locked, {} failed, {} bytes saved",
        report.compressed.len(),
        report.deleted.len(),
        report.locked.len(),
        report.errors.len(),
        report.bytes_saved()
    );
    for (path, error) in &report.errors {
        let _ = write!(status.report, "\n{}: {error}", path.display());
    }
}

/// The restore hooks of a running guard, on the restore thread.
struct GuardHooks {
    journal: Option<Journal>,
    config: Config,
    state_dir: PathBuf,
    reopened: Option<Reopened>,
}

impl GuardHooks {
    fn close_journal(&mut self) -> Result<String, String> {
        let Some(journal) = self.journal.take() else {
            return Ok("the journal is already closed".to_owned());
        };
        let timeout = Duration::from_millis(self.config.store.flush_timeout_ms);
        journal
            .close(timeout)
            .map(|report| {
                format!(
                    "trading blocked; journal closed at sequence {}",
                    report.acked_seq
                )
            })
            .map_err(|error| error.to_string())
    }

    fn reopen(&mut self) -> Result<Reopened, String> {
        let (persistence, restored) = EnginePersistence::open(&self.state_dir, &self.config.store)
            .map_err(|error| error.to_string())?;
        let engine = match restored {
            Some(saved) => Engine::from_state(self.config.rules.clone(), saved.value),
            None => Engine::new(self.config.rules.clone()),
        }
        .map_err(|error| error.to_string())?;
        Ok(Reopened {
            persistence,
            engine,
        })
    }
}

impl RestoreHooks for GuardHooks {
    fn stop_trading(&mut self) -> Result<String, String> {
        self.close_journal()
    }

    fn validate(&mut self, root: &Path) -> Result<String, String> {
        let path = root.join(&self.config.store.file);
        let reader = StoreReader::open(&path, &self.config.store).map_err(|e| e.to_string())?;
        let Some(saved) = reader
            .load_state::<EngineState>(ENGINE_STATE_KEY)
            .map_err(|e| e.to_string())?
        else {
            return Ok("the restored store has no engine state; a new engine starts".to_owned());
        };
        let anchor = saved.value.anchor_balance;
        Engine::from_state(self.config.rules.clone(), saved.value)
            .map_err(|error| format!("the restored engine state does not open: {error}"))?;
        Ok(format!(
            "engine state of sequence {} opens (day anchor {anchor}); the next history load \
             cross-checks it against the deals",
            saved.seq
        ))
    }

    fn restart_trading(&mut self) -> Result<String, String> {
        let reopened = self.reopen()?;
        self.reopened = Some(reopened);
        Ok("store reopened; trading resumes after the next history load".to_owned())
    }
}
