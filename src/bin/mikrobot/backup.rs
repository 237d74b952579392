//! `mikrobot backup create|verify|list|restore|prune`.

use crate::output::{CliError, Exit};
use crate::state::StateDir;
use crate::Context;
use clap::Subcommand;
use indicatif::ProgressBar;
use mikrobot::backup::{
    create_backup, list_backups, prune_backups, restore_backup, verify_backup, BackupInfo,
    BackupKind, BackupReason, RestoreHooks, StepOutcome,
};
use mikrobot::config::Config;
use serde_json::{json, Value};
use std::path::Path;

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Create and verify a backup of KIND: system (configuration, logs, data),
    /// trading (data and performance logs) or configuration.
    Create {
        /// system, trading or configuration.
        #[arg(default_value = "system")]
        kind: String,
    },
    /// Verify backups against their manifests: the one with ID, or every backup.
    Verify {
        /// The backup's id; all backups when left out.
        id: Option<String>,
    },
    /// List the backups, oldest first.
    List,
    /// Restore the backup ID: verify it, take a pre-restore backup, replace the
    /// configuration and data, validate, and roll back on any failure.
    Restore {
        /// The backup's id, as `backup list` prints it.
        id: String,
        /// Confirms that the terminal (and so the EA) is stopped; the command line
        /// cannot stop trading itself.
        #[arg(long)]
        terminal_stopped: bool,
    },
    /// Delete backups past their retention, always keeping the newest verified
    /// backup of each kind.
    Prune,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn info_json(info: &BackupInfo) -> Value {
    json!({
        "id": info.id,
        "kind": info.kind.as_str(),
        "reason": info.reason,
        "created": mikrobot::time::rfc3339(info.created_ms),
        "files": info.files,
        "total_size": info.total_size,
        "dir": info.dir.display().to_string(),
    })
}

fn backup_error(error: impl std::fmt::Display) -> CliError {
    CliError::failed(
        error,
        "check free space and permissions in the state directory",
    )
}

pub fn run(command: BackupCommand, context: &Context) -> Result<Exit, CliError> {
    let state = StateDir::open(&context.state_dir)?;
    let layout = state.layout();
    match command {
        BackupCommand::Create { kind } => {
            let kind = BackupKind::parse(&kind).ok_or_else(|| {
                CliError::input(
                    format!("backup kind {kind:?} is unknown"),
                    "use system, trading or configuration",
                )
            })?;
            let bar = ProgressBar::new_spinner()
                .with_message(format!("creating a {} backup", kind.as_str()));
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            let info = create_backup(&layout, kind, BackupReason::Manual, now_ms())
                .map_err(backup_error)?;
            bar.finish_and_clear();
            let value = info_json(&info);
            context.printer.emit(&value, || {
                format!(
                    "created and verified backup {} ({} files, {} bytes)\n",
                    info.id, info.files, info.total_size
                )
            })?;
            Ok(Exit::Ok)
        }
        BackupCommand::List => {
            let backups = list_backups(&layout).map_err(backup_error)?;
            let values: Vec<Value> = backups.iter().map(info_json).collect();
            context.printer.emit(&values, || {
                if backups.is_empty() {
                    return "no backups; create one with `mikrobot backup create`\n".to_owned();
                }
                backups
                    .iter()
                    .map(|b| {
                        format!(
                            "{}  {:<13} {}  {} files  {} bytes\n",
                            b.id,
                            b.kind.as_str(),
                            mikrobot::time::rfc3339(b.created_ms),
                            b.files,
                            b.total_size
                        )
                    })
                    .collect()
            })?;
            Ok(Exit::Ok)
        }
        BackupCommand::Verify { id } => verify(&layout, id, context),
        BackupCommand::Restore {
            id,
            terminal_stopped,
        } => restore(&state, &layout, &id, terminal_stopped, context),
        BackupCommand::Prune => {
            let report =
                prune_backups(&layout, &state.backup_config(), now_ms()).map_err(backup_error)?;
            let value = json!({
                "deleted": report.deleted,
                "protected": report.protected,
                "failed_verification": report.failed_verification,
                "temporary_removed": report.temporary_removed,
                "bytes_freed": report.bytes_freed,
            });
            context.printer.emit(&value, || {
                format!(
                    "deleted {} backups, kept {} newest verified, freed {} bytes\n",
                    report.deleted.len(),
                    report.protected.len(),
                    report.bytes_freed
                )
            })?;
            Ok(if report.failed_verification.is_empty() {
                Exit::Ok
            } else {
                Exit::Findings
            })
        }
    }
}

fn verify(
    layout: &mikrobot::backup::Layout,
    id: Option<String>,
    context: &Context,
) -> Result<Exit, CliError> {
    let backups = list_backups(layout).map_err(backup_error)?;
    let selected: Vec<&BackupInfo> = match &id {
        Some(id) => vec![backups.iter().find(|b| &b.id == id).ok_or_else(|| {
            CliError::input(
                format!("no backup {id:?}"),
                "list the ids with `mikrobot backup list`",
            )
        })?],
        None => backups.iter().collect(),
    };
    let bar = ProgressBar::new(selected.len() as u64);
    let mut results = Vec::new();
    for info in &selected {
        let report = verify_backup(&info.dir).map_err(backup_error)?;
        results.push(json!({
            "id": info.id,
            "ok": report.ok(),
            "files_checked": report.files_checked,
            "bytes_checked": report.bytes_checked,
            "issues": report.issues.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }));
        bar.inc(1);
    }
    bar.finish_and_clear();
    let failed = results.iter().filter(|r| r["ok"] == false).count();
    let value = Value::Array(results);
    context.printer.emit(&value, || {
        let mut text = String::new();
        for result in value.as_array().into_iter().flatten() {
            let verdict = if result["ok"] == true {
                "ok".to_owned()
            } else {
                format!("FAILED: {}", result["issues"])
            };
            text.push_str(&format!(
                "{}  {}\n",
                result["id"].as_str().unwrap_or_default(),
                verdict
            ));
        }
        if text.is_empty() {
            text.push_str("no backups to verify\n");
        }
        text
    })?;
    Ok(if failed == 0 {
        Exit::Ok
    } else {
        Exit::Findings
    })
}

/// Restore hooks for the command line: it cannot stop the EA, so the operator
/// confirms the terminal is stopped, and the restored configuration must validate.
struct CommandLineHooks {
    terminal_stopped: bool,
}

impl RestoreHooks for CommandLineHooks {
    fn stop_trading(&mut self) -> Result<String, String> {
        if self.terminal_stopped {
            Ok("the operator confirmed the terminal is stopped".to_owned())
        } else {
            Err("the terminal may still be running; stop it and pass --terminal-stopped".to_owned())
        }
    }

    fn validate(&mut self, root: &Path) -> Result<String, String> {
        let path = root.join(crate::state::CONFIG_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::from_toml_str(&text)
                .map(|_| "the restored configuration is valid".to_owned())
                .map_err(|error| format!("the restored configuration is invalid: {error}")),
            Err(_) => Ok("no configuration file to validate".to_owned()),
        }
    }

    fn restart_trading(&mut self) -> Result<String, String> {
        Ok("start the terminal again; the EA reopens the state directory".to_owned())
    }
}

fn restore(
    state: &StateDir,
    layout: &mikrobot::backup::Layout,
    id: &str,
    terminal_stopped: bool,
    context: &Context,
) -> Result<Exit, CliError> {
    let _ = state;
    let mut hooks = CommandLineHooks { terminal_stopped };
    let report = restore_backup(layout, id, &mut hooks, now_ms());
    let steps: Vec<Value> = report
        .steps
        .iter()
        .map(|step| {
            let (ok, detail) = match &step.outcome {
                StepOutcome::Done(detail) => (true, detail.clone()),
                StepOutcome::Failed(reason) => (false, reason.clone()),
            };
            json!({ "step": step.step.as_str(), "ok": ok, "detail": detail, "duration_ms": step.duration_ms })
        })
        .collect();
    let value = json!({
        "backup_id": report.backup_id,
        "pre_restore_backup": report.pre_restore_backup,
        "restored_files": report.restored_files,
        "rolled_back": report.rolled_back,
        "failure": report.failure,
        "steps": steps,
    });
    context.printer.emit(&value, || {
        let mut text = String::new();
        for step in &steps {
            let mark = if step["ok"] == true { "ok" } else { "FAILED" };
            text.push_str(&format!(
                "  {:<20} {mark:<6} {}\n",
                step["step"].as_str().unwrap_or_default(),
                step["detail"].as_str().unwrap_or_default()
            ));
        }
        match &report.failure {
            None => text.push_str(&format!(
                "restored {} files from {}\n",
                report.restored_files, report.backup_id
            )),
            Some(failure) => text.push_str(&format!("restore failed: {failure}\n")),
        }
        text
    })?;
    match &report.failure {
        None => Ok(Exit::Ok),
        Some(failure)
            if report
                .steps
                .iter()
                .all(|s| !matches!(s.step, mikrobot::backup::RestoreStep::Replace)) =>
        {
            // The pre-restore backup is taken before trading stops, so it may already exist.
            let hint = match &report.pre_restore_backup {
                Some(pre) => format!(
                    "fix the cause above; no configuration or data file was replaced, \
                     and the pre-restore backup {pre} stays in backups/"
                ),
                None => "fix the cause above; nothing in the state directory was changed".into(),
            };
            Err(CliError::input(
                format!("restore of {id} did not start: {failure}"),
                hint,
            ))
        }
        Some(failure) => Err(CliError::failed(
            format!("restore of {id} failed: {failure}"),
            "the replacement was rolled back; read the steps above",
        )),
    }
}
