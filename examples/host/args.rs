//! Command-line options of the host.

use clap::Parser;
use mikrobot::time::ServerClock;
use std::path::PathBuf;

/// Replays an MT5 or FTMO MetriX account history through mikrobot's compliance
/// engine, the way the EA feeds it, and prints the statistics, cash flows, XPWS
/// activations and rule outcome. Without --report it replays a sample account
/// bundled with the project.
#[derive(Debug, Parser)]
#[command(name = "host", version)]
pub struct Args {
    /// Account history to replay: an MT5 Trade History Report (.xlsx as the
    /// terminal saves it, or its sheet saved as .csv) or an FTMO MetriX trading
    /// journal (.csv). The format is detected from the content.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Initial balance (the rule set's initial capital) in account currency.
    /// Default: the balance before the first trade in the file.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub initial_balance: Option<f64>,

    /// Rule set: ftmo-2step, ftmo-1step, or the path of a TOML rule-set file.
    #[arg(
        long,
        value_name = "ftmo-2step|ftmo-1step|FILE",
        default_value = "ftmo-2step"
    )]
    pub rules: String,

    /// Broker server clock the file's times are in: ny+7 (New York time plus
    /// 7 hours, as FTMO and most FX brokers run) or an IANA zone such as
    /// Europe/Athens.
    #[arg(long, value_name = "ZONE|ny+7", default_value = "ny+7")]
    pub server_clock: ServerClock,

    /// State directory of the guard the replay runs through (journal, saved engine
    /// state, logs). A second run with the same directory resumes from the state the
    /// first one saved: it restores the anchors and feeds only the events after them.
    /// Default: no state directory, and a fresh engine on every run.
    #[arg(long, value_name = "DIR", conflicts_with = "live")]
    pub state_dir: Option<PathBuf>,

    /// Print one JSON object instead of the text report.
    #[arg(long)]
    pub json: bool,

    /// Live mode: replay one-minute bars through a demo strategy, the signal queue and
    /// an executor thread, feeding the engine every bar, and print the verdicts, XPWS
    /// modes, latency percentiles and per-day compliance status.
    #[arg(long, conflicts_with_all = ["report", "json"])]
    pub live: bool,

    /// HistData one-minute bars for --live (`YYYYMMDD HHMMSS;open;high;low;close;volume`,
    /// EST, UTC-5 all year). Default: a short series bundled with the project.
    #[arg(long, value_name = "FILE", requires = "live")]
    pub bars: Option<PathBuf>,
}
