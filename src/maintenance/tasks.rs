//! The maintenance tasks on one state directory, each calling the module that
//! does the work: the log janitor, the backups, the health probe and the reports.

use super::{DueTask, MaintenanceRecord, Task, TaskOutcome, TaskStatus};
use crate::backup::{list_backups, prune_backups, verify_backup, BackupConfig, BackupKind, Layout};
use crate::config::Config;
use crate::health::HealthConfig;
use crate::janitor::{run_janitor, LogsConfig};
use crate::report::collect::{self, Sources};
use crate::store::{Record, RecordKind, StoreConfig, StoreReader};
use chrono::Duration;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Everything the tasks need from the configuration.
#[derive(Debug, Clone)]
pub struct TaskSettings {
    /// The parsed configuration (rules, firm clock, schedule).
    pub config: Config,
    /// The configuration file's text.
    pub config_text: String,
    /// `[store]`.
    pub store: StoreConfig,
    /// `[backup]`.
    pub backup: BackupConfig,
    /// `[logs]`.
    pub logs: LogsConfig,
    /// `[health]`.
    pub health: HealthConfig,
    /// The account label in reports.
    pub account: String,
}

impl TaskSettings {
    /// Takes the sections from `config`, and `[health]` from the configuration
    /// text, where a missing or unreadable section takes its defaults.
    pub fn from_text(config: Config, config_text: &str) -> TaskSettings {
        let table: toml::Table = config_text.parse().unwrap_or_default();
        fn section<T: serde::de::DeserializeOwned + Default>(table: &toml::Table, name: &str) -> T {
            table
                .get(name)
                .cloned()
                .and_then(|value| value.try_into().ok())
                .unwrap_or_default()
        }
        TaskSettings {
            store: config.store.clone(),
            backup: config.backup.clone(),
            logs: config.logs.clone(),
            config,
            config_text: config_text.to_owned(),
            health: section(&table, "health"),
            account: table
                .get("account")
                .and_then(|a| a.get("login"))
                .map(|login| login.to_string().trim_matches('"').to_owned())
                .unwrap_or_else(|| "account".to_owned()),
        }
    }
}

/// Runs the tasks on the state directory `root`.
#[derive(Debug)]
pub struct StateTasks {
    root: PathBuf,
    settings: TaskSettings,
}

impl StateTasks {
    /// Tasks for the state directory `root`.
    pub fn new(root: &Path, settings: TaskSettings) -> StateTasks {
        StateTasks {
            root: root.to_owned(),
            settings,
        }
    }

    fn layout(&self) -> Layout {
        Layout::new(
            &self.root,
            &self.settings.store,
            &self.settings.backup,
            &self.settings.logs.dirs,
        )
    }

    fn reader(&self) -> Option<StoreReader> {
        StoreReader::open(
            &self.root.join(&self.settings.store.file),
            &self.settings.store,
        )
        .ok()
    }

    /// Runs one task and measures how long it took.
    pub fn run(&self, due: &DueTask) -> TaskOutcome {
        let started = Instant::now();
        let mut outcome = match due.task {
            Task::LogRotation => self.log_rotation(due.started_ms),
            Task::PerformanceSummary => self.performance_summary(due),
            Task::HealthCheck => self.health_check(),
            Task::BackupVerification => self.backup_verification(),
            Task::Cleanup => self.cleanup(due.started_ms),
            Task::WeeklyReview => self.weekly_review(due),
            Task::MonthlyAudit => self.monthly_audit(due),
        };
        outcome.elapsed_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        outcome
    }

    fn log_rotation(&self, now_ms: i64) -> TaskOutcome {
        let report = run_janitor(&self.root, &self.settings.logs, now_ms, &[]);
        let mut outcome = TaskOutcome::ok(
            format!(
                "compressed {} and deleted {} log files, saved {} bytes",
                report.compressed.len(),
                report.deleted.len(),
                report.bytes_saved()
            ),
            0,
        );
        for (path, error) in &report.errors {
            outcome.status = TaskStatus::Failed;
            outcome
                .issues
                .push(format!("rotating {} failed: {error}", path.display()));
        }
        if !report.locked.is_empty() {
            outcome.status = outcome.status.max(TaskStatus::Warning);
            outcome.issues.push(format!(
                "{} log files stayed locked by another process",
                report.locked.len()
            ));
            outcome.recommendations.push(
                "close the program that holds the log files open; the next rotation retries them"
                    .into(),
            );
        }
        outcome
    }

    fn sources<'a>(&'a self, reader: Option<&'a StoreReader>) -> Sources<'a> {
        Sources {
            root: &self.root,
            config: &self.settings.config,
            config_text: &self.settings.config_text,
            reader,
            health: &self.settings.health,
            account: self.settings.account.clone(),
        }
    }

    fn performance_summary(&self, due: &DueTask) -> TaskOutcome {
        let reader = self.reader();
        let day = due.period - Duration::days(1);
        match collect::daily(&self.sources(reader.as_ref()), day) {
            Ok(report) => {
                let path = self.root.join("reports").join(format!("daily-{day}.json"));
                let written = serde_json::to_vec_pretty(&report)
                    .map_err(|e| e.to_string())
                    .and_then(|bytes| write_report(&path, &bytes));
                let mut outcome = TaskOutcome::ok(
                    format!(
                        "{day}: {} trades closed, result {}",
                        report.trades.len(),
                        crate::report::money(report.result)
                    ),
                    0,
                );
                if let Err(error) = written {
                    outcome.status = TaskStatus::Failed;
                    outcome
                        .issues
                        .push(format!("writing {} failed: {error}", path.display()));
                }
                for rule in report
                    .rules
                    .iter()
                    .filter(|r| r.status == "warning" || r.status == "breached")
                {
                    outcome.status = outcome.status.max(TaskStatus::Warning);
                    outcome.issues.push(format!(
                        "{} is {} with {:.1}% of its room used",
                        rule.rule,
                        rule.status,
                        rule.used_share * 100.0
                    ));
                }
                outcome
            }
            Err(error) => TaskOutcome::failed(
                format!("performance summary failed: {error}"),
                "check the journal with `mikrobot diagnose`",
                0,
            ),
        }
    }

    fn health_check(&self) -> TaskOutcome {
        let vitals = collect::sample_vitals(&self.root, &self.settings.health);
        let findings =
            collect::recommendations(&self.settings.health, &vitals, &Default::default());
        let mut outcome = TaskOutcome::ok(
            format!(
                "cpu {}, memory {}, disk {}",
                reading(vitals.cpu_percent.value()),
                reading(vitals.memory_percent.value()),
                reading(vitals.disk_percent.value())
            ),
            0,
        );
        for finding in findings
            .iter()
            .filter(|f| f.severity >= crate::report::Severity::Medium)
        {
            outcome.status = TaskStatus::Warning;
            outcome
                .issues
                .push(format!("{}: {}", finding.area, finding.text));
        }
        let disk_critical = self
            .settings
            .health
            .thresholds
            .disk
            .critical
            .map_or(90.0, |band| band.enter);
        if let Some(disk) = vitals
            .disk_percent
            .value()
            .filter(|disk| *disk >= disk_critical)
        {
            outcome.status = TaskStatus::Failed;
            outcome
                .issues
                .push(format!("disk {disk:.1}% used on the state volume"));
            outcome
                .recommendations
                .push("free space on the state volume: prune old backups and logs".into());
        }
        outcome
    }

    fn backup_verification(&self) -> TaskOutcome {
        let backups = match list_backups(&self.layout()) {
            Ok(backups) => backups,
            Err(error) => {
                return TaskOutcome::failed(
                    error.to_string(),
                    "check the backup directory's permissions",
                    0,
                )
            }
        };
        let mut outcome = TaskOutcome::ok(String::new(), 0);
        let mut verified = 0;
        for kind in BackupKind::ALL {
            let Some(newest) = backups
                .iter()
                .filter(|b| b.kind == kind)
                .max_by_key(|b| b.created_ms)
            else {
                continue;
            };
            match verify_backup(&newest.dir) {
                Ok(report) if report.ok() => verified += 1,
                Ok(report) => {
                    outcome.status = TaskStatus::Failed;
                    outcome.issues.push(format!(
                        "backup {} failed verification: {}",
                        newest.id,
                        report.summary()
                    ));
                    outcome.recommendations.push(format!(
                        "create a new {} backup with `mikrobot backup create {}`",
                        kind.as_str(),
                        kind.as_str()
                    ));
                }
                Err(error) => {
                    outcome.status = TaskStatus::Failed;
                    outcome.issues.push(error.to_string());
                }
            }
        }
        if backups.is_empty() {
            outcome.status = TaskStatus::Warning;
            outcome.issues.push("no backup found".into());
            outcome
                .recommendations
                .push("create one with `mikrobot backup create system`".into());
        }
        outcome.summary = format!(
            "verified the newest backup of {verified} kinds out of {} backups",
            backups.len()
        );
        outcome
    }

    fn cleanup(&self, now_ms: i64) -> TaskOutcome {
        match prune_backups(&self.layout(), &self.settings.backup, now_ms) {
            Ok(report) => {
                let mut outcome = TaskOutcome::ok(
                    format!(
                        "deleted {} expired backups and {} temporary directories, freed {} bytes",
                        report.deleted.len(),
                        report.temporary_removed,
                        report.bytes_freed
                    ),
                    0,
                );
                for id in &report.failed_verification {
                    outcome.status = TaskStatus::Warning;
                    outcome
                        .issues
                        .push(format!("backup {id} failed verification during retention"));
                }
                outcome
            }
            Err(error) => TaskOutcome::failed(
                error.to_string(),
                "check the backup directory's permissions",
                0,
            ),
        }
    }

    fn weekly_review(&self, due: &DueTask) -> TaskOutcome {
        let reader = self.reader();
        let week = due.period - Duration::days(7);
        let vitals = collect::sample_vitals(&self.root, &self.settings.health);
        match collect::weekly(&self.sources(reader.as_ref()), week, &vitals) {
            Ok(report) => self.write_pages(
                &format!("weekly-{week}"),
                &report,
                &report.to_html(),
                format!("weekly review of the week of {week}"),
            ),
            Err(error) => TaskOutcome::failed(
                format!("weekly review failed: {error}"),
                "check the journal with `mikrobot diagnose`",
                0,
            ),
        }
    }

    fn monthly_audit(&self, due: &DueTask) -> TaskOutcome {
        let reader = self.reader();
        let month = due.period - chrono::Months::new(1);
        let vitals = collect::sample_vitals(&self.root, &self.settings.health);
        match collect::monthly(&self.sources(reader.as_ref()), month, &vitals) {
            Ok(audit) => {
                let mut outcome = self.write_pages(
                    &format!("monthly-{}", month.format("%Y-%m")),
                    &audit,
                    &audit.to_html(),
                    format!("monthly audit: {}", audit.assessment.verdict),
                );
                if audit.assessment.severity >= crate::report::Severity::High
                    && outcome.status == TaskStatus::Ok
                {
                    outcome.status = TaskStatus::Warning;
                    outcome
                        .issues
                        .extend(audit.assessment.reasons.iter().cloned());
                }
                outcome
            }
            Err(error) => TaskOutcome::failed(
                format!("monthly audit failed: {error}"),
                "check the journal with `mikrobot diagnose`",
                0,
            ),
        }
    }

    fn write_pages<T: serde::Serialize>(
        &self,
        stem: &str,
        value: &T,
        html: &str,
        summary: String,
    ) -> TaskOutcome {
        let directory = self.root.join("reports");
        let json = serde_json::to_vec_pretty(value).map_err(|e| e.to_string());
        let written = json
            .and_then(|bytes| write_report(&directory.join(format!("{stem}.json")), &bytes))
            .and_then(|()| write_report(&directory.join(format!("{stem}.html")), html.as_bytes()));
        match written {
            Ok(()) => TaskOutcome::ok(format!("{summary}; written to reports/{stem}.html"), 0),
            Err(error) => TaskOutcome::failed(
                format!("writing reports/{stem} failed: {error}"),
                "check free space and permissions of the state directory",
                0,
            ),
        }
    }
}

fn reading(value: Option<f64>) -> String {
    value.map_or_else(|| "unknown".to_owned(), |v| format!("{v:.1}%"))
}

fn write_report(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    crate::metrics::write_atomically(path, bytes).map_err(|e| e.to_string())
}

/// The journal record of a maintenance run.
///
/// # Errors
///
/// A [`serde_json::Error`] only for a non-finite number, which records never hold.
pub fn journal_record(record: &MaintenanceRecord) -> Result<Record, serde_json::Error> {
    Ok(Record::Event {
        kind: RecordKind::Maintenance,
        time_ms: record.ended_ms,
        body: serde_json::to_string(record)?,
    })
}

/// The alert a failed or partly failed run raises, for the alert engine.
pub fn alert_spec(record: &MaintenanceRecord) -> Option<crate::alerts::AlertSpec> {
    if !record.needs_alert() {
        return None;
    }
    let priority = match record.status {
        super::RunStatus::Failed => crate::alerts::Priority::High,
        _ => crate::alerts::Priority::Medium,
    };
    Some(crate::alerts::AlertSpec {
        key: format!("maintenance.{}", record.routine),
        priority,
        category: crate::alerts::Category::Maintenance,
        message: format!(
            "{} maintenance of {} {}",
            record.routine,
            record.date,
            record.status.as_str().replace('_', " ")
        ),
        details: record.issues.join("; "),
        action: if record.recommendations.is_empty() {
            "run `mikrobot maintenance run` by hand and read its output".to_owned()
        } else {
            record.recommendations.join("; ")
        },
    })
}
