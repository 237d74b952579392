//! `mikrobot audit REPORT`: the replay of an MT5 or MetriX export, as the host
//! example runs it, with an optional HTML page.

use crate::output::{CliError, Exit};
use crate::Context;
use indicatif::{ProgressBar, ProgressStyle};
use mikrobot::compliance::RuleSet;
use mikrobot::import::{import_file, ImportOptions};
use mikrobot::replay::{replay, ReplayOptions, RuleChoice};
use mikrobot::report::audit::{audit_html, equity_chart};
use mikrobot::time::ServerClock;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// The export to replay: an MT5 Trade History Report (.xlsx as the terminal
    /// saves it, or its sheet as .csv) or an FTMO MetriX journal (.csv).
    report: PathBuf,
    /// Also write the audit as a self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Initial balance (the rule set's initial capital), in account currency;
    /// default: the balance before the first trade in the file.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    initial_balance: Option<f64>,
    /// Rule set: ftmo-2step, ftmo-1step, or the path of a TOML rule-set file.
    #[arg(
        long,
        value_name = "ftmo-2step|ftmo-1step|FILE",
        default_value = "ftmo-2step"
    )]
    rules: String,
    /// Broker server clock of the file's times: ny+7 or an IANA zone name.
    #[arg(long, value_name = "ZONE|ny+7", default_value = "ny+7")]
    server_clock: ServerClock,
}

fn rule_choice(value: &str) -> Result<RuleChoice, CliError> {
    match value {
        "ftmo-2step" => return Ok(RuleChoice::Ftmo2Step),
        "ftmo-1step" => return Ok(RuleChoice::Ftmo1Step),
        _ => {}
    }
    let text = std::fs::read_to_string(value).map_err(|error| {
        CliError::input(
            format!(
                "--rules {value:?} is neither ftmo-2step, ftmo-1step nor a readable file: {error}"
            ),
            "pass ftmo-2step, ftmo-1step or the path of a TOML rule-set file",
        )
    })?;
    let rules = RuleSet::from_toml_str(&text).map_err(|error| {
        CliError::input(
            format!("rule-set file {value}: {error}"),
            "fix the file and run again",
        )
    })?;
    Ok(RuleChoice::Custom(Box::new(rules)))
}

fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

pub fn run(args: AuditArgs, context: &Context) -> Result<Exit, CliError> {
    let bar = spinner(&format!("importing {}", args.report.display()));
    let import = import_file(
        &args.report,
        &ImportOptions {
            server_clock: args.server_clock,
        },
    )
    .map_err(|error| {
        CliError::input(
            error,
            "pass an MT5 Trade History Report (.xlsx or .csv) or a MetriX journal",
        )
    })?;
    let options = ReplayOptions {
        rules: rule_choice(&args.rules)?,
        initial_balance: args.initial_balance,
        server_clock: args.server_clock,
    };
    bar.set_message("replaying through the compliance engine");
    let report = replay(&import, &options).map_err(|error| {
        CliError::input(error, "check the file and the options, then run again")
    })?;
    if let Some(path) = &args.html {
        bar.set_message("drawing the HTML page");
        let chart = equity_chart(&import, &options, &report)
            .map_err(|error| CliError::input(error, "check the file and the options"))?;
        mikrobot::metrics::write_atomically(path, audit_html(&report, &chart).as_bytes()).map_err(
            |error| {
                CliError::failed(
                    format!("cannot write {}: {error}", path.display()),
                    "choose a writable path with --html FILE",
                )
            },
        )?;
    }
    bar.finish_and_clear();
    context.printer.emit(&report, || format!("{report}\n"))?;
    if let Some(path) = &args.html {
        if !context.printer.json {
            println!("HTML page written to {}", path.display());
        }
    }
    Ok(Exit::Ok)
}
