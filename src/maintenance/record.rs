//! The record each maintenance run leaves in the journal.

use super::{Routine, Task};
use crate::account::TimeMs;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How one task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// The task ran and found nothing to report.
    Ok,
    /// The task ran and found issues an operator should look at.
    Warning,
    /// The task could not do its work.
    Failed,
    /// The task did not run, because the process was down at its time and the
    /// next day's run had already begun.
    Skipped,
}

/// What a task runner returns for one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskOutcome {
    /// How the task ended.
    pub status: TaskStatus,
    /// One line on what the task did, such as "rotated 3 files, saved 1.2 MB".
    pub summary: String,
    /// Problems found, each a sentence.
    pub issues: Vec<String>,
    /// What an operator should do about them.
    pub recommendations: Vec<String>,
    /// Time the task took, in milliseconds.
    pub elapsed_ms: i64,
}

impl TaskOutcome {
    /// An outcome with no issues.
    pub fn ok(summary: impl Into<String>, elapsed_ms: i64) -> Self {
        TaskOutcome {
            status: TaskStatus::Ok,
            summary: summary.into(),
            issues: Vec::new(),
            recommendations: Vec::new(),
            elapsed_ms,
        }
    }

    /// A failed outcome whose issue is `error`.
    pub fn failed(error: impl Into<String>, action: impl Into<String>, elapsed_ms: i64) -> Self {
        let error = error.into();
        TaskOutcome {
            status: TaskStatus::Failed,
            summary: error.clone(),
            issues: vec![error],
            recommendations: vec![action.into()],
            elapsed_ms,
        }
    }
}

/// One task as it ran within a maintenance run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    /// The task.
    pub task: Task,
    /// When the schedule had it due (UTC ms).
    pub scheduled_ms: TimeMs,
    /// When it started (UTC ms).
    pub started_ms: TimeMs,
    /// When it ended (UTC ms).
    pub ended_ms: TimeMs,
    /// How it ended.
    pub status: TaskStatus,
    /// One line on what it did.
    pub summary: String,
}

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The schedule, on time.
    Schedule,
    /// The schedule, after downtime: at least one task started past its time.
    CatchUp,
    /// An operator, through `mikrobot maintenance run`.
    Manual,
}

/// The overall result of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every task ran and found nothing to report.
    Success,
    /// Every task ran, and some found issues.
    Warning,
    /// Some tasks failed or were skipped.
    PartlyFailed,
    /// Every task failed or was skipped.
    Failed,
}

impl RunStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Success => "success",
            RunStatus::Warning => "warning",
            RunStatus::PartlyFailed => "partly_failed",
            RunStatus::Failed => "failed",
        }
    }

    /// Derives the run's status from its tasks' statuses.
    pub fn from_tasks(statuses: impl IntoIterator<Item = TaskStatus>) -> RunStatus {
        let (mut total, mut bad, mut warned) = (0, 0, false);
        for status in statuses {
            total += 1;
            match status {
                TaskStatus::Failed | TaskStatus::Skipped => bad += 1,
                TaskStatus::Warning => warned = true,
                TaskStatus::Ok => {}
            }
        }
        match bad {
            0 if warned => RunStatus::Warning,
            0 => RunStatus::Success,
            bad if bad == total => RunStatus::Failed,
            _ => RunStatus::PartlyFailed,
        }
    }
}

/// The journal record of one maintenance run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaintenanceRecord {
    /// The routine.
    pub routine: Routine,
    /// The local date in the firm's zone of the run's period: the day for the
    /// daily routine, the review day for the weekly one, the audit day for the
    /// monthly one.
    pub date: NaiveDate,
    /// What started the run.
    pub trigger: Trigger,
    /// When the first task started (UTC ms).
    pub started_ms: TimeMs,
    /// When the last task ended (UTC ms).
    pub ended_ms: TimeMs,
    /// `ended_ms - started_ms`. The daily tasks are spread over an hour, so this
    /// is the span of the run, not the time spent working.
    pub duration_ms: i64,
    /// Each task, in the order it ran.
    pub tasks: Vec<TaskResult>,
    /// Problems found, each a sentence.
    pub issues: Vec<String>,
    /// What an operator should do.
    pub recommendations: Vec<String>,
    /// Earlier periods of this routine that never ran because the process was
    /// down; the run catches up once instead of repeating them.
    pub missed: Vec<NaiveDate>,
    /// The overall result.
    pub status: RunStatus,
}

impl MaintenanceRecord {
    /// Whether the run failed or partly failed, so an alert should be raised.
    pub fn needs_alert(&self) -> bool {
        matches!(self.status, RunStatus::PartlyFailed | RunStatus::Failed)
    }

    /// The tasks that completed (ran, with or without issues).
    pub fn tasks_completed(&self) -> impl Iterator<Item = Task> + '_ {
        self.tasks
            .iter()
            .filter(|result| matches!(result.status, TaskStatus::Ok | TaskStatus::Warning))
            .map(|result| result.task)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_status_from_task_statuses() {
        use TaskStatus::*;
        assert_eq!(RunStatus::from_tasks([Ok, Ok]), RunStatus::Success);
        assert_eq!(RunStatus::from_tasks([Ok, Warning]), RunStatus::Warning);
        assert_eq!(RunStatus::from_tasks([Ok, Failed]), RunStatus::PartlyFailed);
        assert_eq!(
            RunStatus::from_tasks([Skipped, Ok]),
            RunStatus::PartlyFailed
        );
        assert_eq!(RunStatus::from_tasks([Failed, Skipped]), RunStatus::Failed);
    }
}
