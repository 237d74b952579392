//! `mikrobot`: the operators' command for a guarded terminal's state directory.
//!
//! Exit codes: 0 ok, 1 the command found a problem, 2 invalid command line,
//! 3 an input is missing or unreadable, 4 the operation failed part-way.

mod alerts;
mod audit;
mod backup;
mod config;
mod diagnose;
mod health;
mod logs;
mod maintenance;
mod output;
mod report;
mod state;
mod version;

use clap::{Parser, Subcommand};
use output::{CliError, Exit, Printer};
use std::path::PathBuf;
use std::process::ExitCode;

/// Operations command for mikrobot: audits, health, reports, backups, logs,
/// maintenance, diagnostics and configuration of a terminal's state directory.
#[derive(Debug, Parser)]
#[command(name = "mikrobot", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 ok, 1 problem found, 2 invalid command line, \
    3 input missing or unreadable, 4 operation failed part-way."
)]
struct Cli {
    /// The terminal's state directory (configuration, journal, backups, logs).
    #[arg(long, global = true, env = "MIKROBOT_STATE_DIR", default_value = ".")]
    state_dir: PathBuf,
    /// Print results as JSON on stdout, and errors as JSON on stderr.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the crate, C ABI and configuration schema versions.
    Version,
    /// Replay an MT5 or FTMO MetriX export through the compliance engine, as the
    /// host example does, and print the report; --html also writes a page with the
    /// equity curve, both loss floors and the breaches.
    Audit(audit::AuditArgs),
    /// Take a health reading: CPU, memory and disk of this machine, the journal's
    /// integrity, and recommendations from the bottleneck rules (exit 1 unless ok).
    Health,
    /// Print a daily, weekly or monthly report from the journal.
    Report(report::ReportArgs),
    /// Backups of the state directory.
    Backup {
        #[command(subcommand)]
        command: backup::BackupCommand,
    },
    /// Log files.
    Logs {
        #[command(subcommand)]
        command: logs::LogsCommand,
    },
    /// Maintenance routines.
    Maintenance {
        #[command(subcommand)]
        command: maintenance::MaintenanceCommand,
    },
    /// Write a support bundle (.tar.gz): version, configuration with every secret
    /// redacted, uptime, resource use, recent logs, journal summary, recent
    /// maintenance runs, alerts and incidents, and the metrics file.
    Diagnose(diagnose::DiagnoseArgs),
    /// Configuration schema: validate and migrate.
    Config {
        #[command(subcommand)]
        command: config::ConfigCommand,
    },
    /// Alert delivery.
    Alerts {
        #[command(subcommand)]
        command: alerts::AlertsCommand,
    },
}

/// Everything a command needs from the command line.
#[derive(Debug)]
pub struct Context {
    /// The state directory.
    pub state_dir: PathBuf,
    /// How to print.
    pub printer: Printer,
}

fn run(cli: Cli, context: &Context) -> Result<Exit, CliError> {
    match cli.command {
        Command::Version => version::run(context),
        Command::Audit(args) => audit::run(args, context),
        Command::Health => health::run(context),
        Command::Report(args) => report::run(args, context),
        Command::Backup { command } => backup::run(command, context),
        Command::Logs { command } => logs::run(command, context),
        Command::Maintenance { command } => maintenance::run(command, context),
        Command::Diagnose(args) => diagnose::run(args, context),
        Command::Config { command } => config::run(command, context),
        Command::Alerts { command } => alerts::run(command, context),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let context = Context {
        state_dir: cli.state_dir.clone(),
        printer: Printer { json: cli.json },
    };
    match run(cli, &context) {
        Ok(exit) => exit.into(),
        Err(error) => {
            context.printer.error(&error);
            error.exit.into()
        }
    }
}
