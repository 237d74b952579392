//! `mikrobot config validate` and `mikrobot config migrate`.

use crate::output::{CliError, Exit};
use crate::state::{StateDir, CONFIG_FILE};
use crate::Context;
use clap::Subcommand;
use mikrobot::backup::{create_backup, BackupKind, BackupReason};
use mikrobot::config::{Config, SCHEMA_VERSION};
use mikrobot::maintenance::migrate::{migrate_file, MigrateError};
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check the configuration file against this build's schema: exit 0 when
    /// valid, 1 when invalid, 3 when missing.
    Validate,
    /// Migrate the configuration to this build's schema version: a configuration
    /// backup first, every value kept, and the original left unchanged when the
    /// migrated file does not validate.
    Migrate,
}

#[derive(Debug, Serialize)]
struct Validation {
    file: String,
    valid: bool,
    schema_version: Option<i64>,
    supported_schema_version: u32,
    error: Option<String>,
}

pub fn run(command: ConfigCommand, context: &Context) -> Result<Exit, CliError> {
    let state = StateDir::open(&context.state_dir)?;
    match command {
        ConfigCommand::Validate => validate(&state, context),
        ConfigCommand::Migrate => migrate(&state, context),
    }
}

fn read_config(state: &StateDir) -> Result<String, CliError> {
    let path = state.config_path();
    std::fs::read_to_string(&path).map_err(|error| {
        CliError::input(
            format!("cannot read the configuration {}: {error}", path.display()),
            format!("create {CONFIG_FILE} in the state directory, or check its permissions"),
        )
    })
}

fn check(text: &str) -> Result<(), String> {
    Config::from_toml_str(text)
        .map(|_| ())
        .map_err(|error| error.to_string())
}

fn validate(state: &StateDir, context: &Context) -> Result<Exit, CliError> {
    let text = read_config(state)?;
    let result = check(&text);
    let found = text.parse::<toml::Table>().ok().and_then(|table| {
        table
            .get("schema_version")
            .and_then(toml::Value::as_integer)
    });
    let validation = Validation {
        file: state.config_path().display().to_string(),
        valid: result.is_ok(),
        schema_version: found,
        supported_schema_version: SCHEMA_VERSION,
        error: result.err(),
    };
    context
        .printer
        .emit(&validation, || match &validation.error {
            None => format!(
                "{} is valid (schema version {SCHEMA_VERSION})\n",
                validation.file
            ),
            Some(error) => {
                let hint =
                    if found.is_some_and(|v| v < i64::from(SCHEMA_VERSION)) || found.is_none() {
                        "run `mikrobot config migrate` to bring it to this build's schema"
                    } else {
                        "fix the value named above and run `mikrobot config validate` again"
                    };
                format!("{} is invalid: {error}\nhint: {hint}\n", validation.file)
            }
        })?;
    Ok(if validation.valid {
        Exit::Ok
    } else {
        Exit::Findings
    })
}

fn migrate(state: &StateDir, context: &Context) -> Result<Exit, CliError> {
    let path = state.config_path();
    let now_ms = chrono::Utc::now().timestamp_millis();
    let backup = || {
        create_backup(
            &state.layout(),
            BackupKind::Configuration,
            BackupReason::Manual,
            now_ms,
        )
        .map(|info| info.id)
        .map_err(|error| error.to_string())
    };
    match migrate_file(&path, backup, check) {
        Ok(report) => {
            context.printer.emit(&report, || {
                if report.steps.is_empty() {
                    return format!(
                        "{} is already at schema version {}; nothing to migrate\n",
                        path.display(),
                        report.to
                    );
                }
                let mut text = format!(
                    "migrated {} from schema version {} to {}\n",
                    path.display(),
                    report.from,
                    report.to
                );
                for step in &report.steps {
                    text.push_str(&format!("  {step}\n"));
                }
                text.push_str(&format!(
                    "  {} values kept; backup {} taken first\n",
                    report.values_checked,
                    report.backup.as_deref().unwrap_or("none")
                ));
                text
            })?;
            Ok(Exit::Ok)
        }
        Err(error @ MigrateError::Read { .. }) => Err(CliError::input(
            error,
            format!("create {CONFIG_FILE} in the state directory, or check its permissions"),
        )),
        Err(
            error @ (MigrateError::Parse { .. }
            | MigrateError::VersionType(_)
            | MigrateError::Newer { .. }
            | MigrateError::NoPath(_)),
        ) => Err(CliError::input(
            error,
            "fix the file or install the matching mikrobot build; the file was not changed",
        )),
        Err(error) => Err(CliError::failed(
            error,
            "fix the value named above in the old file and run `mikrobot config migrate` again; \
             `mikrobot backup list` shows the configuration backup",
        )),
    }
}
