//! Replay of an imported account history through the compliance engine, fed the
//! way the EA feeds it: the history first (`Engine::load_history`), then every
//! deal and snapshot in time order. The result is a [`Report`] with the trading
//! statistics, the cash flows, the XPWS activations and the compliance outcome.
//!
//! Real exports have no prices between deals, so the replay evaluates the rules
//! on the closed balance at every deal, and the report states it.

mod events;
mod report;
mod resume;
pub mod sample;
mod text;
mod watch_report;

pub use events::{Evaluation, Event, EventStream};
pub use report::{
    cents, ratio, ActivationReport, BestDayReport, BreachReport, CashFlowReport, ComplianceReport,
    Report, RuleOutcome, XpwsReport,
};
pub use resume::{replay_in_state_dir, StateReport};
pub use watch_report::{ActionReport, AlertReport, EscalationReport, IncidentReport, WatchReport};

use crate::account::{Deal, TimeMs};
use crate::compliance::{
    ConfigError, Decision, Engine, EngineEvent, RuleKind, RuleReport, RuleSet, RuleStatus,
};
use crate::import::Import;
use crate::incident::{Watch, WatchConfig};
use crate::stats;
use crate::time::{rfc3339, ServerClock};

/// The rule set a replay evaluates against.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleChoice {
    /// FTMO 2-Step (Challenge phase).
    Ftmo2Step,
    /// FTMO 1-Step.
    Ftmo1Step,
    /// A rule set from a TOML file; its initial capital is replaced by the
    /// replay's initial balance.
    Custom(Box<RuleSet>),
}

/// How to replay an import.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayOptions {
    /// The rule set.
    pub rules: RuleChoice,
    /// The initial balance; `None` infers it from the file's first balance.
    pub initial_balance: Option<f64>,
    /// The server clock the file was read with, for the report.
    pub server_clock: ServerClock,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            rules: RuleChoice::Ftmo2Step,
            initial_balance: None,
            server_clock: ServerClock::NewYorkPlus7,
        }
    }
}

/// Error for an import that cannot be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The file has no balance to infer the initial balance from.
    #[error("{source_name}: the file has no balance column to infer the initial balance from; pass it with --initial-balance N")]
    NoInitialBalance {
        /// The file.
        source_name: String,
    },
    /// The initial balance is not a positive finite amount.
    #[error(
        "initial balance {0} is invalid; pass a positive amount such as --initial-balance 100000"
    )]
    InvalidInitialBalance(f64),
    /// The rule set is invalid.
    #[error("invalid rule set: {0}")]
    Rules(#[from] ConfigError),
    /// The state directory of a replay cannot be opened or closed.
    #[error("state directory {dir}: {message}")]
    State {
        /// The directory.
        dir: std::path::PathBuf,
        /// What failed.
        message: String,
    },
}

/// Replays `import` and builds its report.
///
/// # Errors
///
/// [`ReplayError::NoInitialBalance`] when no initial balance is given and the
/// file has none, [`ReplayError::InvalidInitialBalance`] for a zero, negative or
/// non-finite one, and [`ReplayError::Rules`] for an invalid rule set.
pub fn replay(import: &Import, options: &ReplayOptions) -> Result<Report, ReplayError> {
    let (initial_balance, inferred) = initial_balance(import, options)?;
    let rules = rule_set(&options.rules, initial_balance);
    let stream = EventStream::from_import(import, initial_balance);
    let mut engine = Engine::new(rules.clone())?;
    let mut collected = Collected {
        breaches: Vec::new(),
        last_decision: None,
        watch: replay_watch(),
    };
    feed(&mut engine, &stream, &mut collected);
    Ok(build_report(
        import, options, &rules, &stream, &engine, &collected, inferred,
    ))
}

/// The watch a replay runs beside the engine, as the guard does: default health, alert and
/// incident settings, and no vitals sampler, because the machine's vitals are unrelated to a
/// replayed account.
fn replay_watch() -> Watch {
    Watch::new(WatchConfig::default(), std::path::Path::new("."), false)
}

fn initial_balance(import: &Import, options: &ReplayOptions) -> Result<(f64, bool), ReplayError> {
    let (balance, inferred) = match options.initial_balance {
        Some(balance) => (balance, false),
        None => match import.inferred_initial_balance() {
            Some(balance) => (balance, true),
            None => match &options.rules {
                RuleChoice::Custom(rules) => (rules.initial_capital, false),
                _ => {
                    return Err(ReplayError::NoInitialBalance {
                        source_name: import.source.clone(),
                    })
                }
            },
        },
    };
    if !balance.is_finite() || balance <= 0.0 {
        return Err(ReplayError::InvalidInitialBalance(balance));
    }
    Ok((balance, inferred))
}

/// Returns the rule set a replay runs: the chosen rules with `initial_balance` as the initial
/// capital.
///
/// An export has one clock, the trade server's, and events only at its deals, days apart. So
/// no terminal clock can disagree with the deals, and the clock tolerance
/// (`safety.max_ahead_ms`) spans every time instead of making each gap between deals a clock
/// jump.
pub fn rule_set(choice: &RuleChoice, initial_balance: f64) -> RuleSet {
    let mut rules = match choice {
        RuleChoice::Ftmo2Step => RuleSet::ftmo_2step(initial_balance),
        RuleChoice::Ftmo1Step => RuleSet::ftmo_1step(initial_balance),
        RuleChoice::Custom(rules) => (**rules).clone().with_initial_capital(initial_balance),
    };
    rules.safety.max_ahead_ms = TimeMs::MAX;
    rules
}

/// Breaches and the last decision, taken from the engine while the events were fed.
#[derive(Debug)]
struct Collected {
    breaches: Vec<(RuleKind, crate::compliance::Breach)>,
    last_decision: Option<Decision>,
    /// Health checks, alerts and incidents, fed after every engine call.
    watch: Watch,
}

/// Loads the opening as the history, then feeds every event. The engine's
/// events are taken after each call, so its fixed-size ring does not fill up.
fn feed(engine: &mut Engine, stream: &EventStream, collected: &mut Collected) {
    engine.load_history(&stream.history());
    collected.watch.after_engine(engine, stream.start_ms);
    drain(engine, collected);
    for event in &stream.events {
        run_timers_before(&mut collected.watch, event.time_ms());
        match event {
            Event::Deal(deal) => {
                engine.on_deal(deal);
                collected.watch.after_engine(engine, deal.time_ms);
            }
            Event::Snapshot(snapshot) => {
                engine.on_snapshot(snapshot);
                collected.watch.after_snapshot(engine, snapshot);
            }
        }
        drain(engine, collected);
    }
}

/// Runs the watch's timers (escalations, deferred notices, digests, incident deadlines) at
/// each time they fall due before `time_ms`, so that a replay with hours between deals
/// stamps each escalation with its own time rather than the next deal's.
fn run_timers_before(watch: &mut Watch, time_ms: crate::account::TimeMs) {
    let mut last = None;
    loop {
        let deadline = watch
            .incidents()
            .open_incidents()
            .iter()
            .filter(|incident| !incident.deadline_missed && incident.responded.is_none())
            .map(|incident| incident.respond_by_ms + 1)
            .min();
        let due = [watch.alerts().next_due_ms(), deadline]
            .into_iter()
            .flatten()
            .min();
        match due {
            // A timer that did not move after it ran would repeat forever; the guard is cheap.
            Some(due) if due < time_ms && last.is_none_or(|last| due > last) => {
                watch.tick(due);
                last = Some(due);
            }
            _ => return,
        }
    }
}

/// Takes the engine's events after the watch reacted to them, and the decision that follows.
fn drain(engine: &Engine, collected: &mut Collected) {
    collected.last_decision = Some(engine.decision());
    while let Some(event) = collected.watch.pop_event() {
        if let EngineEvent::Breached { rule, breach } = event {
            collected.breaches.push((rule, breach));
        }
    }
}

fn build_report(
    import: &Import,
    options: &ReplayOptions,
    rules: &RuleSet,
    stream: &EventStream,
    engine: &Engine,
    collected: &Collected,
    inferred: bool,
) -> Report {
    let deals: Vec<Deal> = import.deals.iter().map(|row| row.deal).collect();
    let base = balance_before_deals(stream);
    let figures = stats::compute(&deals, base);
    let trades = stats::closed_trades(&deals, base);
    let trading_days = stats::trading_days(import.position_open_times(), &rules.clock).len();
    let best_day = stats::best_day(&trades, &rules.clock).map(|best| BestDayReport {
        date: best.date.to_string(),
        profit: cents(best.profit),
        share_pct: best.share_pct.map(cents),
    });
    let decision = engine.decision();
    Report {
        source: import.source.clone(),
        format: import.format,
        rules: rules.name.clone(),
        server_clock: options.server_clock.to_string(),
        firm_zone: rules.clock.zone.name().to_owned(),
        initial_balance: cents(stream.initial_balance),
        initial_balance_inferred: inferred,
        evaluation: stream.evaluation.as_str().to_owned(),
        evaluation_note: stream.evaluation.describe().to_owned(),
        period_start: rfc3339(
            deals
                .first()
                .map(|deal| deal.time_ms)
                .unwrap_or(stream.start_ms),
        ),
        period_end: rfc3339(stream.end_ms()),
        trades: figures.trades,
        wins: figures.wins,
        losses: figures.losses,
        win_rate: cents(figures.win_rate),
        gross_profit: cents(figures.gross_profit),
        gross_loss: cents(figures.gross_loss),
        net_profit: cents(figures.net_profit),
        profit_factor: figures.profit_factor.map(ratio),
        expected_payoff: ratio(figures.expected_payoff),
        largest_win: cents(figures.largest_win),
        largest_loss: cents(figures.largest_loss),
        max_balance_drawdown: cents(figures.max_balance_drawdown),
        max_balance_drawdown_pct: cents(figures.max_balance_drawdown_pct),
        absolute_balance_drawdown: cents(figures.absolute_balance_drawdown),
        recovery_factor: figures.recovery_factor.map(ratio),
        sharpe_ratio: ratio(figures.sharpe_ratio),
        trading_days,
        final_balance: cents(figures.final_balance),
        best_day,
        cash_flows: cash_flows(&deals),
        xpws: xpws_report(engine),
        compliance: compliance_report(engine, collected, decision),
        mt5_results: import.results.clone(),
        watch: WatchReport::of(&collected.watch),
    }
}

/// Computes the balance before the file's first deal: the initial balance less
/// the opening cash flows, which the statistics walk through themselves.
fn balance_before_deals(stream: &EventStream) -> f64 {
    let opening: f64 = stream.opening_deals.iter().map(Deal::balance_change).sum();
    stream.initial_balance - opening
}

fn cash_flows(deals: &[Deal]) -> Vec<CashFlowReport> {
    deals
        .iter()
        .filter(|deal| deal.deal_type.is_cash_flow())
        .map(|deal| CashFlowReport {
            time: rfc3339(deal.time_ms),
            kind: serde_json::to_value(deal.deal_type)
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default(),
            amount: cents(deal.cash_flow()),
            comment: deal.comment.as_str().to_owned(),
        })
        .collect()
}

fn xpws_report(engine: &Engine) -> XpwsReport {
    let state = engine.xpws();
    XpwsReport {
        activations: state
            .activations
            .iter()
            .map(|activation| ActivationReport {
                symbol: activation.symbol.as_str().to_owned(),
                week_start: activation.week_start.to_string(),
                time: rfc3339(activation.time_ms),
                week_profit: cents(activation.week_profit),
                week_start_balance: cents(activation.week_start_balance),
            })
            .collect(),
        extra_profit: cents(state.extra_profit_total),
    }
}

fn compliance_report(
    engine: &Engine,
    collected: &Collected,
    decision: Decision,
) -> ComplianceReport {
    let reports = engine.rules();
    let state = engine.state();
    let mut breaches: Vec<BreachReport> = collected
        .breaches
        .iter()
        .map(|(rule, breach)| {
            // The event carries the figures at the breach. The engine's latch of the same
            // breach has since followed the lowest equity, so it supplies `min_equity`.
            let latched = match rule {
                RuleKind::DailyLoss => state.daily_breach,
                RuleKind::MaxLoss => state.max_breach,
                _ => None,
            };
            let breach = latched
                .filter(|latched| latched.time_ms == breach.time_ms)
                .unwrap_or(*breach);
            (rule, breach)
        })
        .map(|(rule, breach)| BreachReport {
            rule: rule.as_str().to_owned(),
            time: rfc3339(breach.time_ms),
            equity: cents(breach.equity),
            floor: cents(breach.floor),
            min_equity: cents(breach.min_equity),
            hard: breach.hard,
        })
        .collect();
    breaches.sort_by(|a, b| a.time.cmp(&b.time));
    ComplianceReport {
        status: status(reports, collected).to_owned(),
        verdict: decision.verdict.as_str().to_owned(),
        reason: decision.reason.as_str().to_owned(),
        breaches,
        rules: reports.iter().map(rule_outcome).collect(),
    }
}

/// `failed` after any hard breach; `passed` when every goal rule (profit target,
/// minimum trading days, best day) is met; `in_progress` otherwise.
fn status(reports: &[RuleReport], collected: &Collected) -> &'static str {
    if collected.breaches.iter().any(|(_, breach)| breach.hard) {
        return "failed";
    }
    let goals: Vec<&RuleReport> = reports
        .iter()
        .filter(|report| !report.rule.is_loss_limit())
        .collect();
    let all_met = !goals.is_empty() && goals.iter().all(|report| report.status == RuleStatus::Met);
    if all_met {
        "passed"
    } else {
        "in_progress"
    }
}

fn rule_outcome(report: &RuleReport) -> RuleOutcome {
    RuleOutcome {
        rule: report.rule.as_str().to_owned(),
        status: report.status.as_str().to_owned(),
        floor: cents(report.floor),
        value: cents(report.value),
        room: cents(report.room),
        used_share: ratio(report.used_share),
    }
}

#[cfg(test)]
mod tests;
