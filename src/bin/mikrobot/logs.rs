//! `mikrobot logs rotate`.

use crate::output::{CliError, Exit};
use crate::state::StateDir;
use crate::Context;
use clap::Subcommand;
use mikrobot::janitor::run_janitor;
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum LogsCommand {
    /// Compress log files older than the compression age and delete those older
    /// than the deletion age (defaults 7 and 30 days), never touching a file in use.
    Rotate,
}

pub fn run(command: LogsCommand, context: &Context) -> Result<Exit, CliError> {
    let LogsCommand::Rotate = command;
    let state = StateDir::open(&context.state_dir)?;
    let config = state.logs_config();
    config.validate().map_err(|error| {
        CliError::input(
            format!("invalid [logs] section: {error}"),
            "fix the section and run `mikrobot config validate`",
        )
    })?;
    let bar = indicatif::ProgressBar::new_spinner().with_message("rotating logs");
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let report = run_janitor(
        state.root(),
        &config,
        chrono::Utc::now().timestamp_millis(),
        &[],
    );
    bar.finish_and_clear();
    let paths = |list: &[std::path::PathBuf]| -> Vec<String> {
        list.iter().map(|p| p.display().to_string()).collect()
    };
    let value = json!({
        "compressed": paths(&report.compressed),
        "deleted": paths(&report.deleted),
        "skipped_in_use": paths(&report.skipped_in_use),
        "locked": paths(&report.locked),
        "errors": report.errors.iter().map(|(p, e)| format!("{}: {e}", p.display())).collect::<Vec<_>>(),
        "files_rotated": report.files_rotated(),
        "bytes_saved": report.bytes_saved(),
    });
    context.printer.emit(&value, || {
        let mut text = format!(
            "rotated {} files ({} compressed, {} deleted), saved {} bytes\n",
            report.files_rotated(),
            report.compressed.len(),
            report.deleted.len(),
            report.bytes_saved()
        );
        for (path, error) in &report.errors {
            text.push_str(&format!("  failed: {}: {error}\n", path.display()));
        }
        if !report.locked.is_empty() {
            text.push_str(&format!(
                "  {} files still locked by another process; the next run retries them\n",
                report.locked.len()
            ));
        }
        text
    })?;
    Ok(if report.errors.is_empty() && report.locked.is_empty() {
        Exit::Ok
    } else {
        Exit::Findings
    })
}
