//! `mikrobot report daily|weekly|monthly [--date]`.

use crate::output::{CliError, Exit};
use crate::state::StateDir;
use crate::Context;
use chrono::{Datelike, Duration, NaiveDate};
use clap::{Args, Subcommand};
use mikrobot::report::collect::{self, Sources};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    kind: ReportKind,
    /// The day to report (YYYY-MM-DD, a firm day); the week or month containing it
    /// for weekly and monthly. Default: the last complete day, week or month.
    #[arg(long, global = true, value_name = "YYYY-MM-DD")]
    date: Option<NaiveDate>,
    /// Also write the report as a self-contained HTML page to FILE.
    #[arg(long, global = true, value_name = "FILE")]
    html: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Subcommand)]
enum ReportKind {
    /// Trades, result, rule room used and alerts of one firm day.
    Daily,
    /// Trading, system and XPWS figures of one firm week, with recommendations.
    Weekly,
    /// The monthly audit with an overall assessment.
    Monthly,
}

pub fn run(args: ReportArgs, context: &Context) -> Result<Exit, CliError> {
    let state = StateDir::open(&context.state_dir)?;
    let settings = state.settings()?;
    let reader = state.reader().ok();
    let sources = Sources {
        root: state.root(),
        config: &settings.config,
        config_text: &settings.config_text,
        reader: reader.as_ref(),
        health: &settings.health,
        account: settings.account.clone(),
    };
    let clock = settings.config.rules.clock;
    let today = clock
        .day_of(chrono::Utc::now().timestamp_millis())
        .map_err(|error| CliError::failed(error, "check the system clock"))?;
    let failed = |error: collect::CollectError| {
        CliError::input(error, "check the journal with `mikrobot diagnose`")
    };
    let (json, text, html) = match args.kind {
        ReportKind::Daily => {
            let date = args.date.unwrap_or(today - Duration::days(1));
            let report = collect::daily(&sources, date).map_err(failed)?;
            (to_json(&report)?, report.to_text(), report.to_html())
        }
        ReportKind::Weekly => {
            let day = args.date.unwrap_or(today - Duration::days(7));
            let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
            let vitals = collect::sample_vitals(state.root(), &settings.health);
            let report = collect::weekly(&sources, monday, &vitals).map_err(failed)?;
            (to_json(&report)?, report.to_text(), report.to_html())
        }
        ReportKind::Monthly => {
            let day = args
                .date
                .unwrap_or_else(|| today.with_day(1).unwrap_or(today) - chrono::Months::new(1));
            let vitals = collect::sample_vitals(state.root(), &settings.health);
            let audit = collect::monthly(&sources, day, &vitals).map_err(failed)?;
            (to_json(&audit)?, audit.to_text(), audit.to_html())
        }
    };
    if let Some(path) = &args.html {
        mikrobot::metrics::write_atomically(path, html.as_bytes()).map_err(|error| {
            CliError::failed(
                format!("cannot write {}: {error}", path.display()),
                "choose a writable path with --html FILE",
            )
        })?;
    }
    context.printer.emit(&json, || text)?;
    Ok(Exit::Ok)
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, CliError> {
    serde_json::to_value(value).map_err(|error| {
        CliError::failed(
            format!("JSON output failed: {error}"),
            "report this as a bug",
        )
    })
}
