//! One guarded account: the compliance engine and, beside it, the subsystems that react to what
//! it decides. A [`Guard`] is the object behind each C ABI handle, and Rust hosts use it directly.
//!
//! ```
//! use mikrobot::config::Config;
//! use mikrobot::guard::Guard;
//!
//! let state = tempfile::tempdir().unwrap();
//! let guard = Guard::open(Config::default(), state.path()).unwrap();
//! // Until a deal history covering the day start is loaded, the floors are unknown.
//! assert!(!guard.decision().may_trade_now());
//! ```

use crate::account::{Deal, OrderIntent, Snapshot, Symbol, TimeMs};
use crate::alerts::{AckOutcome, Channel, OutboxItem};
use crate::compliance::Verdict;
use crate::compliance::{Decision, Engine, EngineEvent, History, PreTrade, Reason, RuleReport};
use crate::config::{Config, ConfigError};
use crate::incident::{Declared, IncidentKind, Watch};
use crate::latency::{LatencyReport, LatencyTracker, Stage};
use crate::queue::{Consumer, PushError, Signal, SignalQueue};
use crate::store::{EnginePersistence, StoreError, WatchPersistence};
use crate::time::ServerClock;
use crate::xpws::XpwsMode;
use std::path::{Path, PathBuf};

mod jobs;

pub use jobs::{layout_of, JobKind, JobState, MaintenanceStatus};

/// Error for a guard that cannot open or a call made out of order.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The state directory cannot be created or used.
    #[error("state directory {path} cannot be used: {source}; pass a writable directory")]
    StateDir {
        /// The directory.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// The journal and state store cannot be opened, or its saved engine state is unreadable.
    #[error("the store in the state directory cannot be used: {0}; restore the newest verified backup or move the directory aside")]
    Store(#[from] StoreError),
    /// A history deal or the end of a history load came without a load in progress.
    #[error("no history load is in progress; begin one before adding deals or finishing it")]
    NoHistoryLoad,
    /// An event time is further ahead of the engine's clock than the tolerance.
    #[error("time {time_ms} is ahead of the account's clock (accepted up to {limit_ms}); pass the terminal's current server time")]
    TimeAhead {
        /// The time given.
        time_ms: TimeMs,
        /// The latest time accepted.
        limit_ms: TimeMs,
    },
    /// A maintenance job was requested while another one runs.
    #[error("a {running} job is running on this guard; poll until it finishes, then try again")]
    MaintenanceBusy {
        /// The kind of the running job.
        running: &'static str,
    },
    /// A backup id that is not a plain directory name.
    #[error("backup id {0:?} is invalid: pass an id as the backup list returns it")]
    InvalidBackupId(String),
    /// No backup with this id in the backup directory.
    #[error("no backup {0:?} in the backup directory; list the backups to see the ids")]
    BackupNotFound(String),
    /// A maintenance job could not start, or the backup directory cannot be listed.
    #[error("{0}")]
    Maintenance(String),
}

/// The account as it stands when a history load finishes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryEnd {
    /// Time of the call.
    pub time_ms: TimeMs,
    /// Balance now.
    pub balance: f64,
    /// Equity now.
    pub equity: f64,
    /// Positions open now.
    pub open_positions: u32,
}

/// A deal history being collected deal by deal, as the EA sends it.
#[derive(Debug)]
struct HistoryLoad {
    covered_from_ms: TimeMs,
    account_start_ms: Option<TimeMs>,
    deals: Vec<Deal>,
}

/// One guarded account.
#[derive(Debug)]
pub struct Guard {
    config: Config,
    state_dir: PathBuf,
    engine: Engine,
    persistence: EnginePersistence,
    watch: Watch,
    watch_saves: WatchPersistence,
    history: Option<HistoryLoad>,
    latest_time_ms: TimeMs,
    panicked: bool,
    signals: SignalQueue<Signal>,
    executor: Consumer<Signal>,
    latency: LatencyTracker,
    jobs: jobs::Jobs,
    #[cfg(any(test, feature = "test-panic"))]
    force_panic: bool,
}

impl Guard {
    /// Opens the guard of one account: validates the configuration, creates the state
    /// directory, opens its journal, and restores the engine from the state saved there
    /// (or starts a new one). Either way the engine stays blocked until a deal history is
    /// loaded, which cross-checks a restored day anchor against the deals.
    ///
    /// # Errors
    ///
    /// [`GuardError::Config`] for an invalid configuration or a saved state that does not
    /// belong to these rules, [`GuardError::StateDir`] when the directory cannot be
    /// created, and [`GuardError::Store`] when the store cannot be opened.
    pub fn open(config: Config, state_dir: &Path) -> Result<Guard, GuardError> {
        config.validate()?;
        std::fs::create_dir_all(state_dir).map_err(|source| GuardError::StateDir {
            path: state_dir.to_owned(),
            source,
        })?;
        let log_dir = state_dir.join(&config.logs.library_dir);
        let level = config.logs.level.parse().unwrap_or(log::LevelFilter::Info);
        match crate::janitor::install_daily_log(&log_dir, level) {
            Ok(outcome) => log::debug!("daily log: {outcome:?}"),
            Err(error) => eprintln!("mikrobot: daily log not installed: {error}"),
        }
        let (persistence, restored) = EnginePersistence::open(state_dir, &config.store)?;
        let engine = match restored {
            Some(saved) => Engine::from_state(config.rules.clone(), saved.value),
            None => Engine::new(config.rules.clone()),
        }
        .map_err(ConfigError::from)?;
        let (signals, executor) =
            SignalQueue::new(config.queue).map_err(|error| ConfigError::Section {
                section: "queue",
                problem: error.to_string(),
            })?;
        let latency =
            LatencyTracker::new(config.latency).map_err(|error| ConfigError::Section {
                section: "latency",
                problem: error.to_string(),
            })?;
        let mut watch = Watch::new(config.watch_config(), state_dir, config.health.sampler);
        let (mut watch_saves, saved_watch) = WatchPersistence::open(&persistence, &config.store)?;
        if let Some(saved) = saved_watch {
            watch.restore(saved.value);
            watch_saves.mark_saved(&watch);
        }
        Ok(Guard {
            config,
            state_dir: state_dir.to_owned(),
            engine,
            persistence,
            watch,
            watch_saves,
            history: None,
            latest_time_ms: 0,
            panicked: false,
            signals,
            executor,
            latency,
            jobs: jobs::Jobs::default(),
            #[cfg(any(test, feature = "test-panic"))]
            force_panic: false,
        })
    }

    /// A producer handle of the account's signal queue, for a strategy thread that pushes
    /// without going through the guard.
    pub fn signal_queue(&self) -> SignalQueue<Signal> {
        self.signals.clone()
    }

    /// Queues a signal for the executor, without blocking.
    ///
    /// # Errors
    ///
    /// [`PushError`] with the signal when its level is full, its priority is out of range
    /// or the queue is closed.
    pub fn push_signal(&self, signal: Signal) -> Result<(), PushError<Signal>> {
        self.signals.push(signal)
    }

    /// Takes the next signal for the executor: the oldest of the highest priority level.
    pub fn pop_signal(&mut self) -> Option<Signal> {
        self.executor.try_pop()
    }

    /// The latency tracker, which records from any thread.
    pub fn latency(&self) -> &LatencyTracker {
        &self.latency
    }

    /// Records one latency sample of `stage`, in microseconds, at event time `at_ms`.
    ///
    /// # Errors
    ///
    /// [`GuardError::TimeAhead`] when `at_ms` is further ahead of the engine's clock than
    /// `safety.max_ahead_ms`. The sample is not recorded: a window slice stamped in the future
    /// would keep later samples out of the recent window.
    pub fn record_latency(
        &self,
        stage: Stage,
        latency_us: u64,
        at_ms: TimeMs,
    ) -> Result<(), GuardError> {
        self.check_not_ahead(at_ms)?;
        self.latency.record(stage, latency_us, at_ms);
        Ok(())
    }

    /// Rejects `time_ms` when it is further ahead of the engine's clock than
    /// `safety.max_ahead_ms`. Before the engine's clock has a time, every time is accepted.
    fn check_not_ahead(&self, time_ms: TimeMs) -> Result<(), GuardError> {
        match self.ahead_limit_ms() {
            Some(limit_ms) if time_ms > limit_ms => {
                Err(GuardError::TimeAhead { time_ms, limit_ms })
            }
            _ => Ok(()),
        }
    }

    /// Both latency stages, cumulative and over the window ending at `now_ms`, for the
    /// health checks and reports.
    pub fn latency_report(&self, now_ms: TimeMs) -> LatencyReport {
        self.latency.report(now_ms)
    }

    /// The configuration the guard was opened with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The state directory.
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// The broker's server clock, which every C ABI time is in.
    pub fn server_clock(&self) -> ServerClock {
        self.config.server.clock
    }

    /// The compliance engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Feeds an account snapshot and returns the decision. Allocates nothing.
    ///
    /// # Panics
    ///
    /// Only in test builds, when [`Guard::force_panic`] armed a forced panic.
    pub fn on_snapshot(&mut self, snapshot: &Snapshot) -> Decision {
        #[cfg(any(test, feature = "test-panic"))]
        if std::mem::take(&mut self.force_panic) {
            panic!("forced panic in the engine (test-panic switch)");
        }
        self.observe_time(snapshot.time_ms);
        self.persistence.journal_snapshot(snapshot);
        self.engine.on_snapshot(snapshot);
        // A breach opens its incident and latches the halt here, before the decision returns.
        self.watch.after_snapshot(&mut self.engine, snapshot);
        self.persist(snapshot.time_ms);
        self.guarded(self.engine.decision())
    }

    /// Feeds a new deal and returns the decision.
    pub fn on_deal(&mut self, deal: &Deal) -> Decision {
        self.observe_time(deal.time_ms);
        self.persistence.journal_deal(deal);
        self.engine.on_deal(deal);
        self.watch.after_engine(&mut self.engine, deal.time_ms);
        self.persist(deal.time_ms);
        self.guarded(self.engine.decision())
    }

    /// Starts collecting a deal history that is complete from `covered_from_ms` on, of an
    /// account that opened with the initial capital at `account_start_ms` when known.
    pub fn begin_history(&mut self, covered_from_ms: TimeMs, account_start_ms: Option<TimeMs>) {
        self.history = Some(HistoryLoad {
            covered_from_ms,
            account_start_ms,
            deals: Vec::new(),
        });
    }

    /// Adds one deal to the history being collected.
    ///
    /// # Errors
    ///
    /// [`GuardError::NoHistoryLoad`] when [`Guard::begin_history`] was not called.
    pub fn add_history_deal(&mut self, deal: Deal) -> Result<(), GuardError> {
        let load = self.history.as_mut().ok_or(GuardError::NoHistoryLoad)?;
        load.deals.push(deal);
        Ok(())
    }

    /// Gives the collected history to the engine, which rebuilds the day anchor from it.
    ///
    /// # Errors
    ///
    /// [`GuardError::NoHistoryLoad`] when [`Guard::begin_history`] was not called.
    pub fn finish_history(&mut self, now: HistoryEnd) -> Result<Decision, GuardError> {
        let load = self.history.take().ok_or(GuardError::NoHistoryLoad)?;
        let history = History {
            deals: &load.deals,
            covered_from_ms: load.covered_from_ms,
            account_start_ms: load.account_start_ms,
            balance: now.balance,
            equity: now.equity,
            open_positions: now.open_positions,
            time_ms: now.time_ms,
        };
        Ok(self.load_history(&history))
    }

    /// Gives a complete deal history to the engine, which rebuilds the day anchor from it.
    pub fn load_history(&mut self, history: &History<'_>) -> Decision {
        self.observe_time(history.time_ms);
        self.engine.load_history(history);
        self.watch.after_engine(&mut self.engine, history.time_ms);
        self.persist(history.time_ms);
        self.guarded(self.engine.decision())
    }

    /// Advances the engine's clock without a snapshot (from a timer), so a stale feed or a day
    /// reset is noticed when no tick arrives.
    pub fn on_time(&mut self, time_ms: TimeMs) -> Decision {
        self.observe_time(time_ms);
        self.engine.on_time(time_ms);
        self.watch.after_engine(&mut self.engine, time_ms);
        self.persist(time_ms);
        self.guarded(self.engine.decision())
    }

    /// Checks an order before it is sent.
    pub fn check_order(&self, intent: &OrderIntent) -> PreTrade {
        let check = self.engine.check_order(intent);
        if (self.panicked || self.jobs.restoring()) && check.allowed {
            return PreTrade {
                allowed: false,
                reason: self.guarded(self.engine.decision()).reason,
                max_volume: 0.0,
                suggested_volume: 0.0,
                ..check
            };
        }
        check
    }

    /// The current decision.
    pub fn decision(&self) -> Decision {
        self.guarded(self.engine.decision())
    }

    /// Each rule's floor, room, status and breach.
    pub fn rules(&self) -> &[RuleReport] {
        self.engine.rules()
    }

    /// The XPWS mode of `symbol` this week.
    pub fn xpws_mode(&self, symbol: &Symbol) -> XpwsMode {
        self.engine.xpws_mode(symbol)
    }

    /// Take profit of `symbol` in multiples of the risk distance (1 normally, 2 in XPWS mode).
    pub fn take_profit_ratio(&self, symbol: &Symbol) -> f64 {
        self.engine.take_profit_ratio(symbol)
    }

    /// Takes the oldest event the engine raised (after the watch reacted to it).
    pub fn pop_event(&mut self) -> Option<EngineEvent> {
        self.watch.pop_event()
    }

    /// Health checks, alerts and incidents of this account.
    pub fn watch(&self) -> &Watch {
        &self.watch
    }

    /// Health checks, alerts and incidents, for acknowledging, resolving and delivery. Call
    /// [`Guard::save_watch`] after a change made through it, so a restart keeps the change.
    pub fn watch_mut(&mut self) -> &mut Watch {
        &mut self.watch
    }

    /// Saves the watch state (through the journal's writer) when it changed since the last save.
    pub fn save_watch(&mut self, time_ms: TimeMs) {
        self.observe_time(time_ms);
        self.watch_saves
            .after(&mut self.persistence, &self.watch, time_ms);
    }

    /// Hands out the most urgent deliverable outbox item on any of `channels` and leases it.
    /// The lease is saved, so a restart does not offer the item again before the lease ends.
    pub fn poll_delivery(&mut self, channels: &[Channel], now_ms: TimeMs) -> Option<OutboxItem> {
        let item = self.watch.alerts_mut().poll_delivery(channels, now_ms);
        if item.is_some() {
            self.save_watch(now_ms);
        }
        item
    }

    /// Records the result of delivering outbox item `id` and saves it, so a restart does not
    /// deliver a delivered item again.
    pub fn acknowledge_delivery(&mut self, id: u64, delivered: bool, now_ms: TimeMs) -> AckOutcome {
        let outcome = self
            .watch
            .alerts_mut()
            .acknowledge_delivery(id, delivered, now_ms);
        self.save_watch(now_ms);
        outcome
    }

    /// Opens an incident of `kind` at `time_ms` and runs its automatic actions; by default
    /// every kind stops trading, and the latched halt is saved before this returns.
    pub fn declare_incident(
        &mut self,
        kind: IncidentKind,
        summary: &str,
        time_ms: TimeMs,
    ) -> Declared {
        self.observe_time(time_ms);
        let declared = self
            .watch
            .declare(&mut self.engine, kind, summary, "", time_ms);
        self.persist(time_ms);
        declared
    }

    /// Blocks trading after a snapshot or deal that could not be converted; see
    /// [`Engine::reject_input`].
    pub fn reject_input(&mut self, reason: Reason) {
        // Only the two input reasons are passed here, and the engine accepts both.
        let _ = self.engine.reject_input(reason);
    }

    /// Blocks trading after a panic was caught in a call on this guard. The block stays until
    /// the guard is closed; the engine also latches [`Reason::PanicCaught`] into its state.
    pub fn latch_panic(&mut self) {
        self.panicked = true;
        // The engine accepts every external latch reason, and the guard's own flag above keeps
        // trading blocked even if it did not.
        let _ = self
            .engine
            .latch_block(Reason::PanicCaught, self.latest_time_ms);
        self.persist(self.latest_time_ms);
    }

    /// The journal and state store of this account.
    pub fn persistence(&self) -> &EnginePersistence {
        &self.persistence
    }

    /// The journal and state store, for the other subsystems' records and states.
    pub fn persistence_mut(&mut self) -> &mut EnginePersistence {
        &mut self.persistence
    }

    /// Saves the final engine state, waits at most the store's flush timeout for the
    /// writer, and closes the guard. Dropping a guard does the same without the report.
    ///
    /// # Errors
    ///
    /// [`GuardError::Store`] when records stayed unsaved.
    ///
    /// NOTE: a backup, restore or janitor job still running is not waited for. Its thread
    /// finishes on its own and nothing reports when it has ended, so a guard reopened on the
    /// same directory at once can meet a restore that is still replacing files.
    pub fn close(mut self) -> Result<crate::store::CloseReport, GuardError> {
        self.save_final();
        Ok(self.persistence.flush()?)
    }

    /// Arms a panic inside the next snapshot call, to test the C ABI panic boundary.
    #[cfg(any(test, feature = "test-panic"))]
    pub fn force_panic(&mut self) {
        self.force_panic = true;
    }

    /// Saves what changed: the engine state, then the watch state.
    fn persist(&mut self, time_ms: TimeMs) {
        self.persistence.after(&mut self.engine, time_ms);
        self.watch_saves
            .after(&mut self.persistence, &self.watch, time_ms);
    }

    fn save_final(&mut self) {
        let time_ms = self.latest_time_ms;
        self.persistence.save_final(&self.engine, time_ms);
        self.watch_saves
            .save_final(&mut self.persistence, &self.watch, time_ms);
    }

    /// Advances the guard's latest time, which stamps the final save and a panic latch. A
    /// time further ahead of the engine's clock than the tolerance counts only up to it.
    fn observe_time(&mut self, time_ms: TimeMs) {
        let time_ms = self
            .ahead_limit_ms()
            .map_or(time_ms, |limit| time_ms.min(limit));
        self.latest_time_ms = self.latest_time_ms.max(time_ms);
    }

    /// The latest event time the engine's clock vouches for, or `None` before it has one.
    fn ahead_limit_ms(&self) -> Option<TimeMs> {
        let tolerance_ms = self.config.rules.safety.max_ahead_ms;
        self.engine
            .clock_ms()
            .map(|clock| clock.saturating_add(tolerance_ms))
    }

    /// Keeps trading blocked after a caught panic and during a restore, whatever the
    /// engine decides meanwhile.
    fn guarded(&self, decision: Decision) -> Decision {
        let reason = if self.panicked {
            Reason::PanicCaught
        } else if self.jobs.restoring() {
            Reason::Halted
        } else {
            return decision;
        };
        if decision.verdict != Verdict::MayTrade {
            return decision;
        }
        Decision {
            verdict: Verdict::Blocked,
            reason,
            time_ms: decision.time_ms,
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // The journal's own drop then waits, bounded by the flush timeout, for the writer.
        self.save_final();
    }
}

/// The guard's outbox for a [`crate::alerts::WebhookDelivery`]; each lease and result is saved.
impl crate::alerts::WebhookOutbox for Guard {
    fn poll_item(&mut self, channels: &[Channel], now_ms: TimeMs) -> Option<OutboxItem> {
        self.poll_delivery(channels, now_ms)
    }

    fn acknowledge_item(&mut self, id: u64, delivered: bool, now_ms: TimeMs) -> AckOutcome {
        self.acknowledge_delivery(id, delivered, now_ms)
    }
}
