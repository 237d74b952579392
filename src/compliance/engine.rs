//! The engine: one account's rule state, fed snapshots and deals.

use super::clock::HeldJump;
use super::config::{ConfigError, RuleSet};
use super::events::{EngineEvent, EventRing};
use super::reason::{Decision, Reason, ReasonSet, Verdict};
use super::rules::{RuleKind, RuleReport};
use super::state::{EngineState, STATE_VERSION};
use crate::account::{Deal, Snapshot, Symbol, TimeMs};
use crate::xpws::{XpwsMode, XpwsState};

/// Tickets remembered to recognise a deal delivered twice.
const RECENT_TICKETS: usize = 64;

/// Reasons an operator or the host may lift with [`Engine::clear_block`].
const CLEARABLE: [Reason; 4] = [
    Reason::Halted,
    Reason::PanicCaught,
    Reason::PersistFailed,
    Reason::AnchorMismatch,
];

/// Reasons the host may latch with [`Engine::latch_block`].
const LATCHABLE: [Reason; 4] = [
    Reason::Halted,
    Reason::PanicCaught,
    Reason::PersistFailed,
    Reason::UnknownAccount,
];

/// Error for a block that [`Engine::latch_block`] or [`Engine::clear_block`]
/// does not handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// The reason is not an external block.
    #[error("reason {0} cannot be latched from outside the engine; use halted, panic_caught, persist_failed or unknown_account")]
    NotLatchable(Reason),
    /// The reason lifts only by its rule (a breach, or a buffer lock at the reset).
    #[error("reason {0} cannot be cleared by an operator; it lifts only as its rule says")]
    NotClearable(Reason),
}

/// One account's compliance engine.
///
/// Feed it [`Engine::load_history`] once at start-up, then every snapshot and
/// deal in event-time order. Each call returns the [`Decision`] the EA obeys.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(super) rules: RuleSet,
    pub(super) state: EngineState,
    pub(super) reports: [RuleReport; 5],
    pub(super) report_count: usize,
    pub(super) events: EventRing,
    /// Blocks that come from the data rather than the rules; not persisted.
    pub(super) transient: ReasonSet,
    pub(super) decision: Decision,
    pub(super) next_reset_ms: TimeMs,
    pub(super) next_week_ms: TimeMs,
    pub(super) last_snapshot: Option<Snapshot>,
    /// Balance as of the latest event (a snapshot, moved by later deals).
    pub(super) balance: f64,
    /// Equity as of the latest snapshot, moved by later cash flows.
    pub(super) equity: f64,
    pub(super) recent_tickets: [u64; RECENT_TICKETS],
    pub(super) recent_next: usize,
    /// Highest ticket of the loaded history; such deals are already applied.
    pub(super) history_ticket: u64,
    /// UTC start of the current firm week.
    pub(super) week_start_ms: TimeMs,
    /// Whether a history has rebuilt the anchors.
    pub(super) history_loaded: bool,
    /// Whether the daily anchor is unknown (an equity-based anchor after a restart
    /// during the day); it blocks trading until the next reset.
    pub(super) anchor_missing: bool,
    /// Latest accepted snapshot, timer or history time; `TimeMs::MIN` before any.
    pub(super) clock_ms: TimeMs,
    /// A snapshot or timer call that jumped ahead of the clock, waiting for confirmation.
    pub(super) held_jump: Option<HeldJump>,
    /// Whether a deal whose stamp disagreed with the clock was rejected since the last
    /// history load.
    pub(super) deal_rejected: bool,
    /// Whether the latest history load listed a deal stamped too far after its own time.
    pub(super) history_ahead: bool,
}

impl Engine {
    /// Creates an engine for a new account. It starts blocked with
    /// [`Reason::NoHistory`] until [`Engine::load_history`] rebuilds the day anchor.
    ///
    /// # Errors
    ///
    /// The errors of [`RuleSet::validate`].
    pub fn new(rules: RuleSet) -> Result<Engine, ConfigError> {
        rules.validate()?;
        let floor = super::evaluate::static_max_floor(&rules);
        let state = EngineState::new(rules.initial_capital, floor);
        Ok(Engine::assemble(rules, state))
    }

    /// Restores an engine from a saved state. It starts blocked with
    /// [`Reason::NoHistory`]; [`Engine::load_history`] cross-checks the stored day
    /// anchor against the deal history and blocks with [`Reason::AnchorMismatch`]
    /// when they disagree.
    ///
    /// # Errors
    ///
    /// The errors of [`RuleSet::validate`], [`ConfigError::StateVersion`] for a
    /// state of another version, and [`ConfigError::StateMismatch`] for a state
    /// saved with another initial capital.
    pub fn from_state(rules: RuleSet, mut state: EngineState) -> Result<Engine, ConfigError> {
        rules.validate()?;
        if state.version != STATE_VERSION {
            return Err(ConfigError::StateVersion {
                found: state.version,
                supported: STATE_VERSION,
            });
        }
        if state.initial_capital != rules.initial_capital {
            return Err(ConfigError::StateMismatch {
                found: state.initial_capital,
                expected: rules.initial_capital,
            });
        }
        state.reserve();
        Ok(Engine::assemble(rules, state))
    }

    fn assemble(rules: RuleSet, state: EngineState) -> Engine {
        let mut reports = [RuleReport::empty(RuleKind::DailyLoss); 5];
        let mut report_count = 0;
        for rule in RuleKind::ALL {
            let configured = match rule {
                RuleKind::DailyLoss => rules.daily_loss.is_some(),
                RuleKind::MaxLoss => rules.max_loss.is_some(),
                RuleKind::ProfitTarget => rules.profit_target_percent.is_some(),
                RuleKind::MinTradingDays => rules.min_trading_days.is_some(),
                RuleKind::BestDay => rules.best_day.is_some(),
            };
            if configured {
                reports[report_count] = RuleReport::empty(rule);
                report_count += 1;
            }
        }
        let transient = ReasonSet::EMPTY;
        let balance = state.anchor_balance;
        let mut engine = Engine {
            rules,
            state,
            reports,
            report_count,
            events: EventRing::default(),
            transient,
            decision: Decision::may_trade(0),
            next_reset_ms: TimeMs::MIN,
            next_week_ms: TimeMs::MIN,
            last_snapshot: None,
            balance,
            equity: balance,
            recent_tickets: [0; RECENT_TICKETS],
            recent_next: 0,
            history_ticket: 0,
            week_start_ms: TimeMs::MIN,
            history_loaded: false,
            anchor_missing: false,
            clock_ms: TimeMs::MIN,
            held_jump: None,
            deal_rejected: false,
            history_ahead: false,
        };
        engine.decision = engine.active_reasons().decision(0);
        engine
    }

    /// Returns the rule set.
    pub fn rule_set(&self) -> &RuleSet {
        &self.rules
    }

    /// Returns the state to save, which [`Engine::from_state`] restores.
    pub fn state(&self) -> &EngineState {
        &self.state
    }

    /// Returns the latest decision.
    pub fn decision(&self) -> Decision {
        self.decision
    }

    /// Returns one report per configured rule, in [`RuleKind`] order.
    pub fn rules(&self) -> &[RuleReport] {
        &self.reports[..self.report_count]
    }

    /// Returns the report of `rule`, if it is configured.
    pub fn report(&self, rule: RuleKind) -> Option<&RuleReport> {
        self.rules().iter().find(|report| report.rule == rule)
    }

    /// Takes the oldest waiting event.
    pub fn pop_event(&mut self) -> Option<EngineEvent> {
        self.events.pop()
    }

    /// Returns how many events were overwritten because the ring was full before
    /// they were taken.
    pub fn events_overwritten(&self) -> u64 {
        self.events.overwritten()
    }

    /// XPWS mode of `symbol` this week.
    pub fn xpws_mode(&self, symbol: &Symbol) -> XpwsMode {
        self.state.xpws.mode(symbol)
    }

    /// Take profit for `symbol` in multiples of the risk distance (1.0 normally,
    /// 2.0 in XPWS mode with the default configuration).
    pub fn take_profit_ratio(&self, symbol: &Symbol) -> f64 {
        self.state.xpws.reward_ratio(symbol, &self.rules.xpws)
    }

    /// XPWS figures: the week per symbol, activations and extra profit.
    pub fn xpws(&self) -> &XpwsState {
        &self.state.xpws
    }

    /// Evaluates one account snapshot. Allocates nothing, and does time-zone work
    /// only when the snapshot crosses a day or week reset.
    ///
    /// A snapshot earlier than the previous one, or earlier than the latest accepted event by
    /// more than `safety.max_ahead_ms`, blocks with [`Reason::TimeWentBackwards`]. One further
    /// ahead of the clock than that and across a day or week reset is held back, and blocks
    /// with [`Reason::ClockMismatch`]. It stays held until a deal stamped near it confirms it,
    /// an input near the old clock replaces it, or a history load sets the clock.
    pub fn on_snapshot(&mut self, snapshot: &Snapshot) -> Decision {
        let time = snapshot.time_ms;
        if self.is_backwards(time) {
            self.transient.insert(Reason::TimeWentBackwards);
            return self.refresh(time);
        }
        self.transient.remove(Reason::TimeWentBackwards);
        if self.is_clock_jump(time) {
            self.hold_snapshot(snapshot);
            return self.refresh(self.clock_ms);
        }
        self.held_jump = None;
        self.accept_snapshot(snapshot);
        self.refresh(time)
    }

    /// Applies a snapshot whose time the clock accepts.
    pub(super) fn accept_snapshot(&mut self, snapshot: &Snapshot) {
        let time = snapshot.time_ms;
        let balance_ok = snapshot.balance.is_finite() && snapshot.balance > 0.0;
        let equity_ok = snapshot.equity.is_finite() && snapshot.equity > 0.0;
        self.set_transient(Reason::InvalidBalance, !balance_ok);
        self.set_transient(Reason::InvalidEquity, !equity_ok);
        if !balance_ok || !equity_ok {
            return;
        }
        self.set_transient(Reason::StaleData, !snapshot.connected);
        if self.history_loaded {
            self.cross_resets(time);
        }
        self.last_snapshot = Some(*snapshot);
        self.advance_clock(time);
        self.balance = snapshot.balance;
        self.equity = snapshot.equity;
        if self.history_loaded {
            self.state.last_time_ms = self.state.last_time_ms.max(time);
            self.evaluate(time, Some(snapshot.open_positions));
        }
    }

    /// Applies one deal: moves the anchors by cash flows, adds realised results to
    /// the day and the week, and re-evaluates the goals. A deal already applied
    /// (same ticket) is ignored.
    ///
    /// A deal stamped further ahead of the clock than `safety.max_ahead_ms` is not applied: it
    /// would move the engine into a later day and file the real day's later losses under an
    /// earlier one. Nor is a deal of an earlier day stamped further behind the clock than
    /// that, which would move the day's anchor. Both block with [`Reason::ClockMismatch`]
    /// until the next history load.
    pub fn on_deal(&mut self, deal: &Deal) -> Decision {
        let time = deal.time_ms;
        if !deal.balance_change().is_finite() || !deal.volume.is_finite() {
            self.transient.insert(Reason::InvalidDeal);
            return self.refresh(self.decision_time(time));
        }
        if !self.admit_deal_time(time) {
            return self.refresh(self.clock_ms);
        }
        if self.is_duplicate(deal.ticket) {
            return self.decision;
        }
        if !self.history_loaded {
            // Without an anchor there is nothing to move yet; the history loaded
            // later contains this deal.
            return self.refresh(time);
        }
        self.cross_resets(time);
        self.apply_deal(deal);
        self.evaluate(self.state.last_time_ms.max(time), None);
        self.refresh(time)
    }

    /// Checks the data is fresh at `time_ms` (the EA's timer) and crosses any
    /// reset due by then. A call further ahead of the clock than `safety.max_ahead_ms` and
    /// across a reset is held back as a snapshot is.
    pub fn on_time(&mut self, time_ms: TimeMs) -> Decision {
        let stale = self
            .last_snapshot
            .is_none_or(|s| time_ms.saturating_sub(s.time_ms) > self.rules.safety.stale_after_ms);
        if stale && self.history_loaded {
            self.transient.insert(Reason::StaleData);
        }
        if self.is_clock_jump(time_ms) {
            self.held_jump = Some(HeldJump::Timer(time_ms));
            return self.refresh(self.clock_ms);
        }
        self.held_jump = None;
        self.accept_time(time_ms);
        self.refresh(time_ms)
    }

    /// Moves the clock to a timer call whose time the clock accepts, crossing the resets due.
    pub(super) fn accept_time(&mut self, time_ms: TimeMs) {
        if !self.history_loaded {
            return;
        }
        self.advance_clock(time_ms);
        if time_ms >= self.state.last_time_ms {
            self.cross_resets(time_ms);
            self.evaluate(time_ms, None);
        }
    }

    /// Latches an external block (an incident halt, a caught panic, a failed
    /// save). It is part of the saved state.
    ///
    /// # Errors
    ///
    /// [`BlockError::NotLatchable`] for a reason the rules own.
    pub fn latch_block(&mut self, reason: Reason, time_ms: TimeMs) -> Result<Decision, BlockError> {
        if !LATCHABLE.contains(&reason) {
            return Err(BlockError::NotLatchable(reason));
        }
        self.state.latched.insert(reason);
        Ok(self.refresh(time_ms))
    }

    /// Blocks trading after an input the caller could not even convert into an event (a
    /// snapshot or deal with a malformed field), so rejected input fails closed. A rejected
    /// snapshot blocks as [`Reason::InvalidEquity`] until the next valid snapshot; a rejected
    /// deal blocks as [`Reason::InvalidDeal`] until the next history load, because the anchor
    /// may have missed it.
    ///
    /// # Errors
    ///
    /// [`BlockError::NotLatchable`] for any other reason.
    pub fn reject_input(&mut self, reason: Reason) -> Result<Decision, BlockError> {
        if !matches!(reason, Reason::InvalidEquity | Reason::InvalidDeal) {
            return Err(BlockError::NotLatchable(reason));
        }
        self.transient.insert(reason);
        Ok(self.refresh(self.state.last_time_ms))
    }

    /// Lifts an external block or a detected anchor mismatch.
    ///
    /// # Errors
    ///
    /// [`BlockError::NotClearable`] for a breach, a buffer lock or a data block,
    /// which lift only by their rule.
    pub fn clear_block(&mut self, reason: Reason, time_ms: TimeMs) -> Result<Decision, BlockError> {
        if !CLEARABLE.contains(&reason) && reason != Reason::UnknownAccount {
            return Err(BlockError::NotClearable(reason));
        }
        self.state.latched.remove(reason);
        Ok(self.refresh(time_ms))
    }

    pub(super) fn set_transient(&mut self, reason: Reason, active: bool) {
        if active {
            self.transient.insert(reason);
        } else {
            self.transient.remove(reason);
        }
    }

    fn is_duplicate(&mut self, ticket: u64) -> bool {
        if ticket == 0 {
            return false;
        }
        if ticket <= self.history_ticket || self.recent_tickets.contains(&ticket) {
            return true;
        }
        self.recent_tickets[self.recent_next] = ticket;
        self.recent_next = (self.recent_next + 1) % RECENT_TICKETS;
        false
    }

    /// Collects every reason active now: the rules' latches, external latches and
    /// data blocks.
    pub(super) fn active_reasons(&self) -> ReasonSet {
        let mut set = self.transient.union(self.state.latched);
        if !self.history_loaded || self.anchor_missing {
            set.insert(Reason::NoHistory);
        }
        if self.clock_mismatch_active() {
            set.insert(Reason::ClockMismatch);
        }
        if self.state.daily_breach.is_some() {
            set.insert(Reason::DailyLossBreached);
        }
        if self.state.max_breach.is_some() {
            set.insert(Reason::MaxLossBreached);
        }
        if let Some(lock) = &self.state.buffer_lock {
            set.insert(match lock.rule {
                RuleKind::MaxLoss => Reason::MaxLossBuffer,
                _ => Reason::DailyLossBuffer,
            });
        }
        set
    }

    /// Recomputes the decision at `time_ms` and queues an event when it changed.
    pub(super) fn refresh(&mut self, time_ms: TimeMs) -> Decision {
        let next = self.active_reasons().decision(time_ms);
        if let Some(event) = EngineEvent::for_change(self.decision, next) {
            self.events.push(event);
        }
        self.decision = next;
        next
    }

    /// Returns whether new orders may go out now.
    pub fn may_trade(&self) -> bool {
        self.decision.verdict == Verdict::MayTrade
    }
}
