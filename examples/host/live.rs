//! The live mode: replays one-minute bars as if they arrived from the terminal.
//!
//! The main thread is the EA. For every bar it runs the demo strategy, sends the
//! signals through the signal queue and feeds the engine every deal. It also feeds two
//! snapshots with the floating profit: at the bar's worst price for the open position,
//! then at its close. An executor thread takes the signals and fills them at the bar's
//! price. Signal latency (created to taken) and execution latency (order sent to
//! result received) are measured on a monotonic clock and recorded at the bar's time.

use crate::args::Args;
use crate::strategy::{Crossover, Intent, Position, PRIORITY_ENTRY, PRIORITY_PROTECTIVE_EXIT};
use chrono::NaiveDate;
use mikrobot::account::{
    Deal, DealEntry, DealType, OrderIntent, ShortText, Side, Snapshot, Symbol, TimeMs,
};
use mikrobot::bars::{parse_histdata, sample_histdata, Bar, BarSeries};
use mikrobot::compliance::{Engine, History, RuleKind, RuleSet, Verdict};
use mikrobot::incident::{Watch, WatchConfig};
use mikrobot::latency::{LatencyReport, LatencyTracker, Stage, StageSummary};
use mikrobot::queue::{Consumer, PopError, QueueConfig, Signal, SignalQueue};
use mikrobot::replay::WatchReport;
use mikrobot::xpws::XpwsMode;
use std::fmt::Write as _;
use std::sync::Arc;
use std::thread;
use std::time::Instant;

/// EURUSD: 0.00001 price per tick, 1 USD per tick per lot, 7 USD commission per lot
/// round trip, charged half on entry and half on exit.
const TICK_SIZE: f64 = 0.00001;
const TICK_VALUE: f64 = 1.0;
const COMMISSION_PER_LOT: f64 = 7.0;
const CONTRACT_SIZE: f64 = 100_000.0;

/// Length of one bar.
const BAR_MS: TimeMs = 60_000;

/// Period of the timer calls fed between bars that are more than a minute apart. It
/// must stay under `safety.max_ahead_ms` (60 s by default), as the EA's timer does.
const TIMER_PERIOD_MS: TimeMs = 30_000;

/// A filled order, sent back from the executor.
#[derive(Debug, Clone, Copy)]
struct Fill {
    signal: Signal,
    /// When the executor sent the order, on the monotonic clock.
    sent_us: i64,
}

/// Figures of one firm day.
#[derive(Debug, Clone)]
struct DayStatus {
    date: NaiveDate,
    bars: usize,
    closed_trades: u32,
    profit: f64,
    min_equity: f64,
    end_balance: f64,
    daily_floor: f64,
    daily_room: f64,
    verdict: Verdict,
    reason: &'static str,
}

/// Counts of what the engine decided over the run.
#[derive(Debug, Default)]
struct Tally {
    may_trade: usize,
    close_all: usize,
    blocked: usize,
    reasons: Vec<&'static str>,
    rejected_orders: u32,
    forced_closes: u32,
    engine_events: usize,
}

pub fn run(args: &Args) -> Result<String, String> {
    let (source, series) = load_bars(args)?;
    if series.bars.is_empty() {
        return Err(format!(
            "{source} contains no bars; pass a HistData one-minute file"
        ));
    }
    let rules = rule_set(args)?;
    let session = Session::start(
        rules,
        args.initial_balance.unwrap_or(100_000.0),
        &series.bars[0],
    )?;
    let outcome = session.replay(&series.bars)?;
    Ok(outcome.render(&source, &series))
}

fn load_bars(args: &Args) -> Result<(String, BarSeries), String> {
    let (source, text) = match &args.bars {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|error| {
                format!(
                    "cannot read --bars {}: {error}; pass a readable HistData file",
                    path.display()
                )
            })?;
            (path.display().to_string(), text)
        }
        None => (
            "bundled sample bars (mikrobot::bars::sample_histdata)".to_owned(),
            sample_histdata(),
        ),
    };
    let series = parse_histdata(&text).map_err(|error| format!("{source}: {error}"))?;
    Ok((source, series))
}

fn rule_set(args: &Args) -> Result<RuleSet, String> {
    let capital = args.initial_balance.unwrap_or(100_000.0);
    match args.rules.as_str() {
        "ftmo-2step" => Ok(RuleSet::ftmo_2step(capital)),
        "ftmo-1step" => Ok(RuleSet::ftmo_1step(capital)),
        path => {
            let text = std::fs::read_to_string(path).map_err(|error| {
                format!("--rules {path:?} is neither ftmo-2step, ftmo-1step nor a readable TOML file ({error})")
            })?;
            RuleSet::from_toml_str(&text).map_err(|error| format!("rule-set file {path}: {error}"))
        }
    }
}

/// The EA side of the run: engine, account, strategy and the queue's producer end.
struct Session {
    engine: Engine,
    /// Health checks, alerts and incidents, fed after every engine call as the guard does.
    watch: Watch,
    symbol: Symbol,
    balance: f64,
    position: Option<(Position, f64)>,
    strategy: Crossover,
    queue: SignalQueue<Signal>,
    fills: crossbeam_channel::Receiver<Fill>,
    executor: thread::JoinHandle<()>,
    latency: Arc<LatencyTracker>,
    clock: Instant,
    next_id: u64,
    ticket: u64,
    days: Vec<DayStatus>,
    tally: Tally,
}

/// Results of a finished run, for the printed report.
struct Outcome {
    days: Vec<DayStatus>,
    tally: Tally,
    latency: LatencyReport,
    xpws: XpwsMode,
    activations: usize,
    extra_profit: f64,
    final_balance: f64,
    final_verdict: Verdict,
    final_reason: &'static str,
    signals: u64,
    watch: WatchReport,
}

impl Session {
    fn start(rules: RuleSet, capital: f64, first: &Bar) -> Result<Session, String> {
        let mut engine = Engine::new(rules).map_err(|error| error.to_string())?;
        let opened_ms = first.time_ms - 1;
        engine.load_history(&History {
            deals: &[],
            covered_from_ms: opened_ms,
            account_start_ms: Some(opened_ms),
            balance: capital,
            equity: capital,
            open_positions: 0,
            time_ms: opened_ms,
        });
        // No vitals sampler: the demo reports the account's checks, not this machine's.
        let mut watch = Watch::new(WatchConfig::default(), std::path::Path::new("."), false);
        watch.after_engine(&mut engine, opened_ms);
        let latency =
            Arc::new(LatencyTracker::new(Default::default()).map_err(|error| error.to_string())?);
        let (queue, consumer) =
            SignalQueue::new(QueueConfig::default()).map_err(|error| error.to_string())?;
        let (fill_sender, fills) = crossbeam_channel::unbounded();
        let clock = Instant::now();
        let executor = {
            let latency = Arc::clone(&latency);
            thread::spawn(move || execute(consumer, &latency, clock, fill_sender))
        };
        Ok(Session {
            engine,
            watch,
            symbol: ShortText::new("EURUSD").expect("fits"),
            balance: capital,
            position: None,
            strategy: Crossover::new(),
            queue,
            fills,
            executor,
            latency,
            clock,
            next_id: 1,
            ticket: 1,
            days: Vec::new(),
            tally: Tally::default(),
        })
    }

    fn now_us(&self) -> i64 {
        self.clock.elapsed().as_micros() as i64
    }

    fn replay(mut self, bars: &[Bar]) -> Result<Outcome, String> {
        let firm_clock = self.engine.rule_set().clock;
        let mut current_day: Option<NaiveDate> = None;
        let mut previous: Option<&Bar> = None;
        for bar in bars {
            if let Some(previous) = previous {
                self.run_timer_through_gap(previous, bar);
            }
            previous = Some(bar);
            let date = firm_clock
                .day_of(bar.time_ms)
                .map_err(|error| error.to_string())?;
            if current_day != Some(date) {
                current_day = Some(date);
                self.days.push(self.new_day(date));
            }
            self.on_bar(bar)?;
        }
        self.queue.close();
        self.executor
            .join()
            .map_err(|_| "the executor thread panicked".to_owned())?;
        let last_ms = bars.last().map_or(0, |bar| bar.time_ms + 59_999);
        let decision = self.engine.decision();
        let xpws = self.engine.xpws();
        Ok(Outcome {
            latency: self.latency.report(last_ms),
            xpws: self.engine.xpws_mode(&self.symbol),
            activations: xpws.activations.len(),
            extra_profit: xpws.extra_profit_total,
            final_balance: self.balance,
            final_verdict: decision.verdict,
            final_reason: decision.reason.as_str(),
            signals: self.next_id - 1,
            watch: WatchReport::of(&self.watch),
            days: self.days,
            tally: self.tally,
        })
    }

    fn new_day(&self, date: NaiveDate) -> DayStatus {
        DayStatus {
            date,
            bars: 0,
            closed_trades: 0,
            profit: 0.0,
            min_equity: f64::INFINITY,
            end_balance: self.balance,
            daily_floor: 0.0,
            daily_room: 0.0,
            verdict: Verdict::MayTrade,
            reason: "none",
        }
    }

    /// Feeds the EA's timer calls through the missing minutes between two bars, as
    /// `MikrobotGuard.mq5` does from `OnTimer`. Without them the first snapshot after a
    /// weekend would jump the clock across a day reset by more than
    /// `safety.max_ahead_ms`, and the engine would block with `clock_mismatch` for the
    /// rest of the run. Inside the gap the data is stale, so the engine blocks with
    /// `stale_data` until the next bar's snapshot.
    fn run_timer_through_gap(&mut self, previous: &Bar, bar: &Bar) {
        if bar.time_ms - previous.time_ms <= BAR_MS {
            return;
        }
        let next_snapshot_ms = bar.time_ms + BAR_MS - 2;
        let mut time_ms = previous.time_ms + BAR_MS - 1 + TIMER_PERIOD_MS;
        while time_ms < next_snapshot_ms {
            self.engine.on_time(time_ms);
            self.watch.after_engine(&mut self.engine, time_ms);
            time_ms += TIMER_PERIOD_MS;
        }
    }

    fn on_bar(&mut self, bar: &Bar) -> Result<(), String> {
        let time_ms = bar.time_ms + 59_999;
        // The worst price of the minute for the open position first, then the close.
        if let Some((position, _)) = self.position {
            let worst = match position.side {
                Side::Buy => bar.low,
                Side::Sell => bar.high,
            };
            self.snapshot(time_ms - 1, worst);
        }
        let decision = self.snapshot(time_ms, bar.close);
        if decision.verdict == Verdict::CloseAll && self.position.is_some() {
            self.tally.forced_closes += 1;
            let close = Intent::Close {
                price: bar.close,
                priority: PRIORITY_PROTECTIVE_EXIT,
            };
            self.act(close, bar, time_ms)?;
        }
        let ratio = self.engine.take_profit_ratio(&self.symbol);
        let open = self.position.map(|(position, _)| position);
        if let Some(intent) = self.strategy.on_bar(bar, open, ratio) {
            self.act(intent, bar, time_ms)?;
            self.snapshot(time_ms, bar.close);
        }
        self.count_decision(bar);
        Ok(())
    }

    /// Feeds a snapshot with the floating profit at `price`.
    fn snapshot(&mut self, time_ms: TimeMs, price: f64) -> mikrobot::compliance::Decision {
        let floating = self.position.map_or(0.0, |(position, volume)| {
            profit(position.side, position.entry, price, volume)
        });
        let equity = self.balance + floating;
        let open = u32::from(self.position.is_some());
        let snapshot = Snapshot {
            time_ms,
            balance: self.balance,
            equity,
            margin: 0.0,
            free_margin: equity,
            connected: true,
            open_positions: open,
            pending_orders: 0,
        };
        self.engine.on_snapshot(&snapshot);
        // A breach opens its incident and latches the halt here, before the decision is read.
        self.watch.after_snapshot(&mut self.engine, &snapshot);
        let decision = self.engine.decision();
        if let Some(day) = self.days.last_mut() {
            day.min_equity = day.min_equity.min(equity);
        }
        decision
    }

    fn count_decision(&mut self, bar: &Bar) {
        let decision = self.engine.decision();
        match decision.verdict {
            Verdict::MayTrade => self.tally.may_trade += 1,
            Verdict::CloseAll => self.tally.close_all += 1,
            Verdict::Blocked => self.tally.blocked += 1,
        }
        let reason = decision.reason.as_str();
        if decision.verdict != Verdict::MayTrade && !self.tally.reasons.contains(&reason) {
            self.tally.reasons.push(reason);
        }
        while self.watch.pop_event().is_some() {
            self.tally.engine_events += 1;
        }
        let daily = self.engine.report(RuleKind::DailyLoss).copied();
        let balance = self.balance;
        if let Some(day) = self.days.last_mut() {
            day.bars += 1;
            day.end_balance = balance;
            day.verdict = decision.verdict;
            day.reason = reason;
            if let Some(report) = daily {
                day.daily_floor = report.floor;
                day.daily_room = report.room;
            }
        }
        let _ = bar;
    }

    /// Sends the intent through the queue as a signal and applies the fill.
    fn act(&mut self, intent: Intent, bar: &Bar, time_ms: TimeMs) -> Result<(), String> {
        let (side, priority, volume, price, stop_loss, take_profit) = match intent {
            Intent::Open {
                side,
                stop_loss,
                take_profit,
            } => {
                let Some(volume) = self.size(side, bar.close, stop_loss, time_ms) else {
                    self.tally.rejected_orders += 1;
                    return Ok(());
                };
                (
                    side,
                    PRIORITY_ENTRY,
                    volume,
                    bar.close,
                    stop_loss,
                    take_profit,
                )
            }
            Intent::Close { price, priority } => {
                let Some((position, volume)) = self.position else {
                    return Ok(());
                };
                let side = match position.side {
                    Side::Buy => Side::Sell,
                    Side::Sell => Side::Buy,
                };
                (side, priority, volume, price, 0.0, 0.0)
            }
        };
        let signal = Signal {
            id: self.next_id,
            time_ms,
            created_us: self.now_us(),
            symbol: self.symbol,
            side,
            priority,
            volume,
            price,
            stop_loss,
            take_profit,
        };
        self.next_id += 1;
        let mut pending = signal;
        while let Err(error) = self.queue.push(pending) {
            pending = error.into_inner();
            thread::yield_now();
        }
        let fill = self
            .fills
            .recv()
            .map_err(|_| "the executor thread stopped".to_owned())?;
        self.latency.record(
            Stage::Execution,
            (self.now_us() - fill.sent_us).max(0) as u64,
            time_ms,
        );
        self.apply(fill.signal, intent);
        Ok(())
    }

    /// Returns the volume for an entry: the engine's suggestion at its configured risk per
    /// trade, within the floors, in steps of 0.01 lot. `None` when the engine rejects it.
    fn size(&self, side: Side, entry: f64, stop_loss: f64, time_ms: TimeMs) -> Option<f64> {
        let check = self.engine.check_order(&OrderIntent {
            time_ms,
            symbol: self.symbol,
            side,
            volume: 0.01,
            entry_price: entry,
            stop_loss,
            tick_size: TICK_SIZE,
            tick_value: TICK_VALUE,
            commission_per_lot: COMMISSION_PER_LOT,
        });
        let volume = (check.suggested_volume.min(check.max_volume) * 100.0).floor() / 100.0;
        (check.allowed && volume >= 0.01).then_some(volume)
    }

    fn apply(&mut self, fill: Signal, intent: Intent) {
        let commission = -COMMISSION_PER_LOT / 2.0 * fill.volume;
        let (entry, realised) = match (intent, self.position) {
            (
                Intent::Open {
                    side,
                    stop_loss,
                    take_profit,
                },
                _,
            ) => {
                let position = Position {
                    side,
                    entry: fill.price,
                    stop_loss,
                    take_profit,
                };
                self.position = Some((position, fill.volume));
                (DealEntry::In, 0.0)
            }
            (Intent::Close { .. }, Some((position, volume))) => {
                self.position = None;
                if let Some(day) = self.days.last_mut() {
                    day.closed_trades += 1;
                }
                (
                    DealEntry::Out,
                    profit(position.side, position.entry, fill.price, volume),
                )
            }
            (Intent::Close { .. }, None) => return,
        };
        self.balance += realised + commission;
        if let Some(day) = self.days.last_mut() {
            day.profit += realised + commission;
        }
        let deal = Deal {
            time_ms: fill.time_ms,
            ticket: self.ticket,
            position_id: 1 + self.ticket / 2,
            order: self.ticket,
            symbol: fill.symbol,
            deal_type: match fill.side {
                Side::Buy => DealType::Buy,
                Side::Sell => DealType::Sell,
            },
            entry,
            volume: fill.volume,
            price: fill.price,
            profit: realised,
            commission,
            swap: 0.0,
            fee: 0.0,
            magic: 20_170_301,
            comment: ShortText::truncated("mikrobot live demo"),
        };
        self.ticket += 1;
        self.engine.on_deal(&deal);
        self.watch.record_execution(deal.time_ms, true);
        self.watch.after_engine(&mut self.engine, deal.time_ms);
    }
}

/// Profit of `volume` lots opened at `entry` and valued at `price`.
fn profit(side: Side, entry: f64, price: f64, volume: f64) -> f64 {
    let direction = match side {
        Side::Buy => 1.0,
        Side::Sell => -1.0,
    };
    (price - entry) * direction * CONTRACT_SIZE * volume
}

/// Runs the executor thread: takes each signal, records its signal latency, and fills
/// it at the signal's price.
fn execute(
    mut consumer: Consumer<Signal>,
    latency: &LatencyTracker,
    clock: Instant,
    fills: crossbeam_channel::Sender<Fill>,
) {
    let mut recorder = latency.recorder();
    loop {
        let signal = match consumer.pop_wait(None) {
            Ok(signal) => signal,
            Err(PopError::Closed | PopError::Timeout) => return,
        };
        let taken_us = clock.elapsed().as_micros() as i64;
        let waited = (taken_us - signal.created_us).max(0) as u64;
        match recorder.as_mut() {
            Some(recorder) => recorder.record(Stage::Signal, waited, signal.time_ms),
            None => latency.record(Stage::Signal, waited, signal.time_ms),
        }
        let sent_us = clock.elapsed().as_micros() as i64;
        if fills.send(Fill { signal, sent_us }).is_err() {
            return;
        }
    }
}

impl Outcome {
    fn render(&self, source: &str, series: &BarSeries) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Live replay of {source}");
        let _ = writeln!(
            out,
            "{} bars, {} gaps ({} missing minutes), {} signals through the queue",
            series.bars.len(),
            series.gaps,
            series.missing_minutes,
            self.signals
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Compliance verdicts per bar: may_trade {}, close_all {}, blocked {}",
            self.tally.may_trade, self.tally.close_all, self.tally.blocked
        );
        if !self.tally.reasons.is_empty() {
            let _ = writeln!(out, "Reasons seen: {}", self.tally.reasons.join(", "));
        }
        let _ = writeln!(
            out,
            "Final verdict: {} ({}); balance {:.2}; orders rejected by the pre-trade check {}; forced closes {}; engine events {}",
            self.final_verdict, self.final_reason, self.final_balance, self.tally.rejected_orders, self.tally.forced_closes, self.tally.engine_events
        );
        let mode = match self.xpws {
            XpwsMode::Normal => "normal",
            XpwsMode::Active => "active",
        };
        let _ = writeln!(
            out,
            "XPWS: EURUSD {mode}; activations {}, extra profit {:.2}",
            self.activations, self.extra_profit
        );
        let _ = writeln!(out);
        let _ = writeln!(out, "Per-day compliance status (firm day):");
        let _ = writeln!(
            out,
            "  {:<10} {:>5} {:>6} {:>10} {:>12} {:>12} {:>12} {:>10}  verdict",
            "date", "bars", "trades", "profit", "min equity", "end balance", "daily floor", "room"
        );
        for day in &self.days {
            let _ = writeln!(
                out,
                "  {:<10} {:>5} {:>6} {:>10.2} {:>12.2} {:>12.2} {:>12.2} {:>10.2}  {} ({})",
                day.date,
                day.bars,
                day.closed_trades,
                day.profit,
                day.min_equity,
                day.end_balance,
                day.daily_floor,
                day.daily_room,
                day.verdict,
                day.reason
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "Latency (microseconds, measured on this machine):");
        let _ = writeln!(
            out,
            "  {:<22} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8}",
            "stage", "count", "p50", "p90", "p99", "p99.9", "max", "mean", "<target"
        );
        for (name, summary) in [
            ("signal, cumulative", &self.latency.signal.cumulative),
            ("signal, window", &self.latency.signal.window),
            ("execution, cumulative", &self.latency.execution.cumulative),
            ("execution, window", &self.latency.execution.window),
        ] {
            latency_row(&mut out, name, summary);
        }
        let _ = writeln!(out);
        let _ = write!(out, "{}", self.watch);
        out
    }
}

fn latency_row(out: &mut String, name: &str, summary: &StageSummary) {
    let _ = writeln!(
        out,
        "  {:<22} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9.1} {:>7.1}%",
        name,
        summary.count,
        summary.p50_us,
        summary.p90_us,
        summary.p99_us,
        summary.p999_us,
        summary.max_us,
        summary.mean_us,
        summary.under_target_share * 100.0
    );
}
