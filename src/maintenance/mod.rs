//! Maintenance routines: the daily, weekly and monthly runs and their records.
//!
//! The [`Scheduler`] decides which task is due from the event times it is given,
//! never from the wall clock, so a process that was down catches a missed run up
//! once and tests drive it on a virtual clock. Each finished run yields a
//! [`MaintenanceRecord`] for the journal; a run that failed or partly failed
//! carries [`MaintenanceRecord::needs_alert`].

pub mod bundle;
pub mod migrate;
mod record;
pub mod redact;
mod schedule;
mod scheduler;
pub mod tasks;

pub use record::{MaintenanceRecord, RunStatus, TaskOutcome, TaskResult, TaskStatus, Trigger};
pub use schedule::{MaintenanceConfig, ScheduleError};
pub use scheduler::{DueTask, Scheduler, SchedulerState};

use serde::{Deserialize, Serialize};
use std::fmt;

/// The three routines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Routine {
    /// Log rotation, performance summary, health check, backup verification, cleanup.
    Daily,
    /// The weekly review report.
    Weekly,
    /// The monthly audit report.
    Monthly,
}

impl Routine {
    /// The routine's tasks, in the order they run.
    pub fn tasks(self) -> &'static [Task] {
        match self {
            Routine::Daily => &Task::DAILY,
            Routine::Weekly => &[Task::WeeklyReview],
            Routine::Monthly => &[Task::MonthlyAudit],
        }
    }

    /// The snake_case name used in records, metrics and the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Routine::Daily => "daily",
            Routine::Weekly => "weekly",
            Routine::Monthly => "monthly",
        }
    }
}

impl fmt::Display for Routine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One maintenance task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Compresses and deletes old log files (default 00:00).
    LogRotation,
    /// Summarises the previous day's trading and latency (default 00:15).
    PerformanceSummary,
    /// Takes a health reading and compares it with the thresholds (default 00:30).
    HealthCheck,
    /// Verifies the newest backups against their manifests (default 00:45).
    BackupVerification,
    /// Applies backup retention and removes stale temporary files (default 01:00).
    Cleanup,
    /// Writes the weekly review report.
    WeeklyReview,
    /// Writes the monthly audit report.
    MonthlyAudit,
}

impl Task {
    /// The daily routine's tasks, in the order they run.
    pub const DAILY: [Task; 5] = [
        Task::LogRotation,
        Task::PerformanceSummary,
        Task::HealthCheck,
        Task::BackupVerification,
        Task::Cleanup,
    ];

    /// The routine this task belongs to.
    pub fn routine(self) -> Routine {
        match self {
            Task::WeeklyReview => Routine::Weekly,
            Task::MonthlyAudit => Routine::Monthly,
            _ => Routine::Daily,
        }
    }

    /// The snake_case name used in records and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Task::LogRotation => "log_rotation",
            Task::PerformanceSummary => "performance_summary",
            Task::HealthCheck => "health_check",
            Task::BackupVerification => "backup_verification",
            Task::Cleanup => "cleanup",
            Task::WeeklyReview => "weekly_review",
            Task::MonthlyAudit => "monthly_audit",
        }
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
