//! `mikrobot maintenance run daily|weekly|monthly`.

use crate::output::{CliError, Exit};
use crate::state::StateDir;
use crate::Context;
use clap::{Subcommand, ValueEnum};
use mikrobot::maintenance::tasks::{alert_spec, journal_record, StateTasks};
use mikrobot::maintenance::{MaintenanceRecord, Routine, Scheduler, SchedulerState};
use mikrobot::store::{Journal, Record, RecordKind};
use std::time::Duration;

#[derive(Debug, Subcommand)]
pub enum MaintenanceCommand {
    /// Run every task of a routine now, write its record to the journal, and
    /// journal an alert when it failed or partly failed (exit code 1).
    Run {
        /// daily (log rotation, performance summary, health check, backup
        /// verification, cleanup), weekly (the review) or monthly (the audit).
        routine: RoutineArg,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoutineArg {
    Daily,
    Weekly,
    Monthly,
}

pub fn run(command: MaintenanceCommand, context: &Context) -> Result<Exit, CliError> {
    let MaintenanceCommand::Run { routine } = command;
    let routine = match routine {
        RoutineArg::Daily => Routine::Daily,
        RoutineArg::Weekly => Routine::Weekly,
        RoutineArg::Monthly => Routine::Monthly,
    };
    let state = StateDir::open(&context.state_dir)?;
    let settings = state.settings()?;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let scheduler = Scheduler::new(
        settings.config.rules.clock.zone,
        settings.config.maintenance.clone(),
        SchedulerState::new(now_ms),
    )
    .map_err(|error| CliError::input(error, "fix the [maintenance] section"))?;
    let store = settings.store.clone();
    let tasks = StateTasks::new(state.root(), settings);
    let bar = indicatif::ProgressBar::new(routine.tasks().len() as u64);
    let record = scheduler
        .run_now(routine, now_ms, |due| {
            bar.set_message(due.task.as_str());
            let outcome = tasks.run(due);
            bar.inc(1);
            outcome
        })
        .map_err(|error| CliError::failed(error, "check the system clock"))?;
    bar.finish_and_clear();
    journal(&state.journal_path(), &store, &record)?;
    context.printer.emit(&record, || text(&record))?;
    Ok(if record.needs_alert() {
        Exit::Findings
    } else {
        Exit::Ok
    })
}

fn journal(
    path: &std::path::Path,
    store: &mikrobot::store::StoreConfig,
    record: &MaintenanceRecord,
) -> Result<(), CliError> {
    let failed = |error: String| {
        CliError::failed(
            format!("the run finished but its record was not journaled: {error}"),
            "check the journal with `mikrobot diagnose`",
        )
    };
    let mut journal = Journal::open(path, store).map_err(|e| failed(e.to_string()))?;
    let entry = journal_record(record).map_err(|e| failed(e.to_string()))?;
    let mut last = journal.append(entry).map_err(|e| failed(e.to_string()))?;
    if let Some(spec) = alert_spec(record) {
        let body = serde_json::json!({
            "time_ms": record.ended_ms,
            "key": spec.key,
            "priority": spec.priority,
            "category": spec.category,
            "message": spec.message,
            "details": spec.details,
            "action": spec.action,
            "state": "open",
        });
        last = journal
            .append(Record::Event {
                kind: RecordKind::Alert,
                time_ms: record.ended_ms,
                body: body.to_string(),
            })
            .map_err(|e| failed(e.to_string()))?;
    }
    if !journal.wait_acked(last, Duration::from_secs(10)) {
        return Err(failed(
            "the journal writer did not acknowledge within 10 s".to_owned(),
        ));
    }
    journal
        .close(Duration::from_secs(10))
        .map_err(|e| failed(e.to_string()))?;
    Ok(())
}

fn text(record: &MaintenanceRecord) -> String {
    let mut text = format!(
        "{} maintenance of {}: {} in {} ms\n",
        record.routine,
        record.date,
        record.status.as_str(),
        record.duration_ms
    );
    for task in &record.tasks {
        text.push_str(&format!(
            "  {:<20} {:<8} {}\n",
            task.task.as_str(),
            format!("{:?}", task.status).to_lowercase(),
            task.summary
        ));
    }
    for issue in &record.issues {
        text.push_str(&format!("  issue: {issue}\n"));
    }
    for recommendation in &record.recommendations {
        text.push_str(&format!("  do: {recommendation}\n"));
    }
    text
}
