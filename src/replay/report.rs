//! The replay report: statistics, cash flows, XPWS activations and the
//! compliance outcome, as one serialisable value.

use super::watch_report::WatchReport;
use crate::import::{Format, Mt5Results};
use serde::Serialize;

/// Everything a replay found, named as the `--json` output names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The file replayed.
    pub source: String,
    /// The detected file format.
    pub format: Format,
    /// The rule set's name (`ftmo-2step`, ...).
    pub rules: String,
    /// The broker server clock the file's times were read in.
    pub server_clock: String,
    /// The zone the firm judges days in.
    pub firm_zone: String,
    /// The initial balance, which is also the rule set's initial capital.
    pub initial_balance: f64,
    /// Whether the initial balance was inferred from the file's first balance
    /// rather than given.
    pub initial_balance_inferred: bool,
    /// The way equity was judged between deals (`closed_balance_at_deals`).
    pub evaluation: String,
    /// The same, as a sentence.
    pub evaluation_note: String,
    /// Time of the first event (RFC 3339 UTC).
    pub period_start: String,
    /// Time of the last event (RFC 3339 UTC).
    pub period_end: String,
    /// Closed trades.
    pub trades: usize,
    /// Trades with a positive result.
    pub wins: usize,
    /// Trades with a negative result.
    pub losses: usize,
    /// Wins as a percentage of trades.
    pub win_rate: f64,
    /// Sum of the positive results.
    pub gross_profit: f64,
    /// Sum of the negative results.
    pub gross_loss: f64,
    /// Gross profit plus gross loss.
    pub net_profit: f64,
    /// Gross profit over absolute gross loss; `null` without a loss.
    pub profit_factor: Option<f64>,
    /// Net profit per trade.
    pub expected_payoff: f64,
    /// Largest positive result.
    pub largest_win: f64,
    /// Largest negative result.
    pub largest_loss: f64,
    /// Maximal balance drawdown in account currency.
    pub max_balance_drawdown: f64,
    /// The same fall as a percentage of its peak.
    pub max_balance_drawdown_pct: f64,
    /// How far the balance fell below the initial balance.
    pub absolute_balance_drawdown: f64,
    /// Net profit over maximal balance drawdown; `null` without a drawdown.
    pub recovery_factor: Option<f64>,
    /// Sharpe ratio as MT5 computes it.
    pub sharpe_ratio: f64,
    /// Firm days on which a position was opened, over the whole file.
    pub trading_days: usize,
    /// Balance after the last deal.
    pub final_balance: f64,
    /// The most profitable firm day, if any.
    pub best_day: Option<BestDayReport>,
    /// Every cash flow, in time order.
    pub cash_flows: Vec<CashFlowReport>,
    /// XPWS activations and extra profit.
    pub xpws: XpwsReport,
    /// The compliance outcome.
    pub compliance: ComplianceReport,
    /// MT5's own Results section, when the file has one.
    pub mt5_results: Option<Mt5Results>,
    /// The health summary and the `alerts` and `incidents` lists of the watch that ran beside
    /// the engine, as top-level fields.
    #[serde(flatten)]
    pub watch: WatchReport,
}

/// The most profitable firm day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BestDayReport {
    /// The firm day (`YYYY-MM-DD`).
    pub date: String,
    /// Its closed result.
    pub profit: f64,
    /// Its share of the total closed result, in percent.
    pub share_pct: Option<f64>,
}

/// A deposit, withdrawal, credit, bonus or correction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CashFlowReport {
    /// Time (RFC 3339 UTC).
    pub time: String,
    /// Deal type (`balance`, `credit`, ...).
    pub kind: String,
    /// Amount, negative for a withdrawal.
    pub amount: f64,
    /// The deal's comment.
    pub comment: String,
}

/// XPWS activations and the profit earned in XPWS mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct XpwsReport {
    /// Every activation, in time order.
    pub activations: Vec<ActivationReport>,
    /// Realised result of deals executed while their symbol was in XPWS mode.
    pub extra_profit: f64,
}

/// One symbol entering XPWS mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivationReport {
    /// Symbol, broker suffix kept.
    pub symbol: String,
    /// Monday of the firm week (`YYYY-MM-DD`).
    pub week_start: String,
    /// Time of the deal that reached the threshold (RFC 3339 UTC).
    pub time: String,
    /// The symbol's closed result that week, up to and including that deal.
    pub week_profit: f64,
    /// Balance at the start of the week.
    pub week_start_balance: f64,
}

/// The outcome of the rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplianceReport {
    /// `failed` after a hard breach, `passed` when every goal is met without
    /// one, `in_progress` otherwise.
    pub status: String,
    /// The final verdict (`may_trade`, `close_all`, `blocked`).
    pub verdict: String,
    /// The reason for it (`none`, `daily_loss_breached`, ...).
    pub reason: String,
    /// Every breach, in time order.
    pub breaches: Vec<BreachReport>,
    /// Each configured rule at the end of the replay.
    pub rules: Vec<RuleOutcome>,
}

/// A rule breach: the first event at which equity was at or below the floor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreachReport {
    /// The rule (`daily_loss`, `max_loss`, ...).
    pub rule: String,
    /// Time (RFC 3339 UTC).
    pub time: String,
    /// Equity at the breach.
    pub equity: f64,
    /// The floor it fell below.
    pub floor: f64,
    /// Lowest equity seen while the breach stood.
    pub min_equity: f64,
    /// Whether the breach fails the account (hard) or pauses it until the reset.
    pub hard: bool,
}

/// One rule's figures at the end of the replay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleOutcome {
    /// The rule.
    pub rule: String,
    /// `ok`, `warning`, `breached`, `met` or `not_met`.
    pub status: String,
    /// The rule's floor or target.
    pub floor: f64,
    /// The figure compared with it.
    pub value: f64,
    /// Room left before the floor, or still to go to the target.
    pub room: f64,
    /// Share of the limit used, 0 to 1.
    pub used_share: f64,
}

/// Rounds an amount to cents.
pub fn cents(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Rounds a ratio to six decimals, as MT5's Results section shows them.
pub fn ratio(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}
