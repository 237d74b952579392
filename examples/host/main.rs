//! A Rust host that drives mikrobot the way the EA does: it replays an account
//! history (a bundled sample, an MT5 Trade History Report or an FTMO MetriX
//! journal) through the compliance engine and prints the report.
//!
//! ```sh
//! cargo run --release --example host
//! cargo run --release --example host -- --report report.xlsx --json
//! cargo run --release --example host -- --state-dir state   # resumes on the next run
//! cargo run --release --example host -- --live --bars eurusd-m1.csv
//! ```

mod args;
mod live;
mod report;
mod strategy;

use args::Args;
use clap::Parser;
use mikrobot::compliance::RuleSet;
use mikrobot::import::{import_bytes, import_file, Import, ImportOptions};
use mikrobot::replay::{replay, replay_in_state_dir, ReplayOptions, RuleChoice};
use report::HostReport;
use std::process::ExitCode;

/// The sample account the host replays without --report, written by
/// `mikrobot::replay::sample`.
const SAMPLE_REPORT: &str = include_str!("sample-report.csv");

/// The name the bundled sample carries in the report.
const SAMPLE_SOURCE: &str = "bundled sample (examples/host/sample-report.csv)";

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(output) => print_output(&output),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Writes the report to standard output. A reader that closed the pipe early (`| head`)
/// ends the run quietly, where `println!` would panic.
fn print_output(output: &str) -> ExitCode {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{output}").and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: writing the report to standard output failed: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<String, String> {
    if args.live {
        return live::run(args);
    }
    let import = load(args)?;
    let options = ReplayOptions {
        rules: rule_choice(&args.rules)?,
        initial_balance: args.initial_balance,
        server_clock: args.server_clock,
    };
    let report = match &args.state_dir {
        Some(dir) => {
            let (replayed, state) =
                replay_in_state_dir(&import, &options, dir).map_err(|error| error.to_string())?;
            let mut report = HostReport::new(replayed);
            report.state = Some(state);
            report
        }
        None => HostReport::new(replay(&import, &options).map_err(|error| error.to_string())?),
    };
    report
        .render(args.json)
        .map_err(|error| format!("cannot write the report as JSON: {error}"))
}

fn load(args: &Args) -> Result<Import, String> {
    let options = ImportOptions {
        server_clock: args.server_clock,
    };
    let imported = match &args.report {
        Some(path) => import_file(path, &options),
        None => import_bytes(SAMPLE_SOURCE, SAMPLE_REPORT.as_bytes(), &options),
    };
    imported.map_err(|error| error.to_string())
}

fn rule_choice(value: &str) -> Result<RuleChoice, String> {
    match value {
        "ftmo-2step" => return Ok(RuleChoice::Ftmo2Step),
        "ftmo-1step" => return Ok(RuleChoice::Ftmo1Step),
        _ => {}
    }
    let text = std::fs::read_to_string(value).map_err(|error| {
        format!(
            "--rules {value:?} is neither ftmo-2step, ftmo-1step nor a readable TOML file \
             ({error}); pass one of the two names or the path of a rule-set file"
        )
    })?;
    let rules = RuleSet::from_toml_str(&text)
        .map_err(|error| format!("rule-set file {value}: {error}; fix the file and run again"))?;
    Ok(RuleChoice::Custom(Box::new(rules)))
}
