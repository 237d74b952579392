//! The scheduler: which task is due at a given event time, with catch-up after downtime.

use super::record::{MaintenanceRecord, RunStatus, TaskOutcome, TaskResult, TaskStatus, Trigger};
use super::schedule::{MaintenanceConfig, ScheduleError};
use super::{Routine, Task};
use crate::account::TimeMs;
use chrono::{Duration, Months, NaiveDate};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A task that started more than this long after its time makes the run a catch-up.
const LATE_AFTER_MS: i64 = 15 * 60 * 1000;

/// At most this many missed periods are listed in one record.
const MISSED_LISTED: usize = 62;

/// The version of [`SchedulerState`]'s layout.
pub const SCHEDULER_STATE_VERSION: u32 = 1;

/// A task the scheduler hands to the runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueTask {
    /// The routine it belongs to.
    pub routine: Routine,
    /// The task.
    pub task: Task,
    /// The local date of the run's period (see [`MaintenanceRecord::date`]).
    pub period: NaiveDate,
    /// When the schedule had it due (UTC ms).
    pub scheduled_ms: TimeMs,
    /// The event time at which it starts (UTC ms).
    pub started_ms: TimeMs,
}

/// A run whose tasks have not all had their time yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct OpenRun {
    date: NaiveDate,
    missed: Vec<NaiveDate>,
    tasks: Vec<TaskResult>,
    issues: Vec<String>,
    recommendations: Vec<String>,
}

/// What the scheduler persists between restarts, so a restart neither repeats a
/// run nor forgets one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchedulerState {
    /// Layout version, [`SCHEDULER_STATE_VERSION`].
    pub version: u32,
    /// Runs due before this time (the first start) are not caught up.
    pub since_ms: TimeMs,
    /// The latest period each routine started.
    last: BTreeMap<Routine, NaiveDate>,
    /// Runs still in progress.
    open: BTreeMap<Routine, OpenRun>,
}

impl SchedulerState {
    /// A fresh state for a process first started at `since_ms`.
    pub fn new(since_ms: TimeMs) -> Self {
        SchedulerState {
            version: SCHEDULER_STATE_VERSION,
            since_ms,
            last: BTreeMap::new(),
            open: BTreeMap::new(),
        }
    }

    /// The latest period `routine` started, if any.
    pub fn last_period(&self, routine: Routine) -> Option<NaiveDate> {
        self.last.get(&routine).copied()
    }
}

/// Decides which maintenance tasks are due from the event times it is given.
#[derive(Debug, Clone)]
pub struct Scheduler {
    zone: Tz,
    config: MaintenanceConfig,
    state: SchedulerState,
}

impl Scheduler {
    /// A scheduler for the firm zone `zone`, resuming from `state`.
    ///
    /// # Errors
    ///
    /// The [`MaintenanceConfig::validate`] errors.
    pub fn new(
        zone: Tz,
        config: MaintenanceConfig,
        state: SchedulerState,
    ) -> Result<Self, ScheduleError> {
        config.validate()?;
        Ok(Scheduler {
            zone,
            config,
            state,
        })
    }

    /// The state to persist after each poll.
    pub fn state(&self) -> &SchedulerState {
        &self.state
    }

    /// Runs every task due at `now_ms` through `run_task`, in order, and returns
    /// the records of the runs that finished.
    ///
    /// A run whose time passed while the process was down runs once, late, and
    /// lists the periods it skipped in [`MaintenanceRecord::missed`]. A daily run
    /// interrupted by downtime that lasted into the next day's run is closed with
    /// its remaining tasks [`TaskStatus::Skipped`].
    ///
    /// # Errors
    ///
    /// [`ScheduleError::Time`] when `now_ms` is out of chrono's range.
    pub fn poll(
        &mut self,
        now_ms: TimeMs,
        mut run_task: impl FnMut(&DueTask) -> TaskOutcome,
    ) -> Result<Vec<MaintenanceRecord>, ScheduleError> {
        let mut records = Vec::new();
        let mut cursor = now_ms;
        for routine in [Routine::Daily, Routine::Weekly, Routine::Monthly] {
            let period = self.config.latest_period(self.zone, routine, now_ms)?;
            if let Some(record) = self.close_stale(routine, period, now_ms) {
                records.push(record);
            }
            if self.config.start_ms(self.zone, routine, period)? < self.state.since_ms {
                continue;
            }
            if !self.state.open.contains_key(&routine) {
                if self.state.last_period(routine) >= Some(period) {
                    continue;
                }
                let missed = self.missed_periods(routine, period)?;
                self.state.last.insert(routine, period);
                let run = OpenRun {
                    date: period,
                    missed,
                    tasks: Vec::new(),
                    issues: Vec::new(),
                    recommendations: Vec::new(),
                };
                self.state.open.insert(routine, run);
            }
            cursor = self.run_due(routine, now_ms, cursor, &mut run_task)?;
            if let Some(record) = self.finish_if_done(routine) {
                records.push(record);
            }
        }
        Ok(records)
    }

    /// Runs every task of `routine` at once, outside the schedule, for the period
    /// that contains `now_ms`. The schedule's own state is left alone.
    ///
    /// # Errors
    ///
    /// [`ScheduleError::Time`] when `now_ms` is out of chrono's range.
    pub fn run_now(
        &self,
        routine: Routine,
        now_ms: TimeMs,
        mut run_task: impl FnMut(&DueTask) -> TaskOutcome,
    ) -> Result<MaintenanceRecord, ScheduleError> {
        let period = self.config.latest_period(self.zone, routine, now_ms)?;
        let mut run = OpenRun {
            date: period,
            missed: Vec::new(),
            tasks: Vec::new(),
            issues: Vec::new(),
            recommendations: Vec::new(),
        };
        let mut cursor = now_ms;
        for &task in routine.tasks() {
            let due = DueTask {
                routine,
                task,
                period,
                scheduled_ms: now_ms,
                started_ms: cursor,
            };
            cursor = record_outcome(&mut run, &due, run_task(&due));
        }
        Ok(into_record(routine, run, Trigger::Manual))
    }

    fn run_due(
        &mut self,
        routine: Routine,
        now_ms: TimeMs,
        mut cursor: TimeMs,
        run_task: &mut impl FnMut(&DueTask) -> TaskOutcome,
    ) -> Result<TimeMs, ScheduleError> {
        let Some(run) = self.state.open.get_mut(&routine) else {
            return Ok(cursor);
        };
        for &task in &routine.tasks()[run.tasks.len()..] {
            let scheduled_ms = self.config.task_ms(self.zone, task, run.date)?;
            if scheduled_ms > now_ms {
                break;
            }
            let due = DueTask {
                routine,
                task,
                period: run.date,
                scheduled_ms,
                started_ms: cursor,
            };
            cursor = record_outcome(run, &due, run_task(&due));
        }
        Ok(cursor)
    }

    fn finish_if_done(&mut self, routine: Routine) -> Option<MaintenanceRecord> {
        let run = self.state.open.get(&routine)?;
        if run.tasks.len() < routine.tasks().len() {
            return None;
        }
        let run = self.state.open.remove(&routine)?;
        let trigger = trigger_of(&run);
        Some(into_record(routine, run, trigger))
    }

    /// Closes a run of an earlier period than `period`: its remaining tasks never
    /// had their turn because the process was down past the next run's start.
    fn close_stale(
        &mut self,
        routine: Routine,
        period: NaiveDate,
        now_ms: TimeMs,
    ) -> Option<MaintenanceRecord> {
        if self.state.open.get(&routine)?.date >= period {
            return None;
        }
        let mut run = self.state.open.remove(&routine)?;
        let done = run.tasks.len();
        for &task in &routine.tasks()[done..] {
            let scheduled_ms = self
                .config
                .task_ms(self.zone, task, run.date)
                .unwrap_or(now_ms);
            run.tasks.push(TaskResult {
                task,
                scheduled_ms,
                started_ms: now_ms,
                ended_ms: now_ms,
                status: TaskStatus::Skipped,
                summary: "skipped: the process was down at the task's time".to_owned(),
            });
        }
        run.issues.push(format!(
            "the {routine} run of {} stopped after {done} of {} tasks because the process was down",
            run.date,
            routine.tasks().len()
        ));
        run.recommendations.push(
            "find out why the terminal was down; the next run covers the skipped tasks".to_owned(),
        );
        let trigger = trigger_of(&run);
        Some(into_record(routine, run, trigger))
    }

    /// The periods of `routine` after the last one started and before `period`,
    /// whose time fell after the first start.
    fn missed_periods(
        &self,
        routine: Routine,
        period: NaiveDate,
    ) -> Result<Vec<NaiveDate>, ScheduleError> {
        let Some(last) = self.state.last_period(routine) else {
            return Ok(Vec::new());
        };
        let mut missed = Vec::new();
        let mut next = step(routine, last);
        while next < period && missed.len() < MISSED_LISTED {
            if self.config.start_ms(self.zone, routine, next)? >= self.state.since_ms {
                missed.push(next);
            }
            next = step(routine, next);
        }
        Ok(missed)
    }
}

fn step(routine: Routine, period: NaiveDate) -> NaiveDate {
    match routine {
        Routine::Daily => period + Duration::days(1),
        Routine::Weekly => period + Duration::days(7),
        Routine::Monthly => period + Months::new(1),
    }
}

/// Adds one task's outcome to `run` and returns the time it ended.
fn record_outcome(run: &mut OpenRun, due: &DueTask, outcome: TaskOutcome) -> TimeMs {
    let ended_ms = due.started_ms + outcome.elapsed_ms.max(0);
    run.tasks.push(TaskResult {
        task: due.task,
        scheduled_ms: due.scheduled_ms,
        started_ms: due.started_ms,
        ended_ms,
        status: outcome.status,
        summary: outcome.summary,
    });
    run.issues.extend(outcome.issues);
    run.recommendations.extend(outcome.recommendations);
    ended_ms
}

fn trigger_of(run: &OpenRun) -> Trigger {
    let late = run
        .tasks
        .iter()
        .any(|task| task.started_ms - task.scheduled_ms > LATE_AFTER_MS);
    if late || !run.missed.is_empty() {
        Trigger::CatchUp
    } else {
        Trigger::Schedule
    }
}

fn into_record(routine: Routine, mut run: OpenRun, trigger: Trigger) -> MaintenanceRecord {
    let started_ms = run.tasks.first().map_or(0, |task| task.started_ms);
    let ended_ms = run.tasks.last().map_or(started_ms, |task| task.ended_ms);
    if !run.missed.is_empty() {
        run.issues.push(format!(
            "{} earlier {routine} run(s) were missed while the process was down; this run caught up once",
            run.missed.len()
        ));
    }
    MaintenanceRecord {
        routine,
        date: run.date,
        trigger,
        started_ms,
        ended_ms,
        duration_ms: ended_ms - started_ms,
        status: RunStatus::from_tasks(run.tasks.iter().map(|task| task.status)),
        tasks: run.tasks,
        issues: run.issues,
        recommendations: run.recommendations,
        missed: run.missed,
    }
}
