//! The engine state that must survive a restart, with a version number.

use super::reason::ReasonSet;
use super::rules::{Breach, RuleKind};
use crate::account::{Deal, TimeMs};
use crate::xpws::XpwsState;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The state format this build writes and reads.
pub const STATE_VERSION: u32 = 1;

/// Day records the state holds without allocating; past that, a new day costs one
/// allocation each time the capacity doubles.
const DAY_CAPACITY: usize = 1024;

/// One firm day's trading figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DayRecord {
    /// The firm date.
    pub date: NaiveDate,
    /// Realised result of the day's trade deals.
    pub realised: f64,
    /// Positions opened that day.
    pub opened: u32,
}

/// A pre-breach buffer lock: close everything until the next reset.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BufferLock {
    /// The rule whose buffer was entered.
    pub rule: RuleKind,
    /// Time equity entered the buffer.
    pub time_ms: TimeMs,
    /// Equity at that moment.
    pub equity: f64,
    /// The floor at that moment.
    pub floor: f64,
}

/// Everything the engine must remember across a restart: day anchors, trailing
/// peaks, latched breaches and blocks, trading days, best-day figures and XPWS
/// weeks.
///
/// Serialise it with any serde format; [`EngineState::version`] lets a later
/// build recognise the layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineState {
    /// Format version, [`STATE_VERSION`] for this build.
    pub version: u32,
    /// Initial capital of the rule set the state belongs to.
    pub initial_capital: f64,
    /// The current firm day, once an anchor is known.
    pub day: Option<NaiveDate>,
    /// UTC start of the current firm day.
    pub day_start_ms: TimeMs,
    /// Balance at the day reset, moved by the day's cash flows.
    pub anchor_balance: f64,
    /// Equity at the day reset, moved by the day's cash flows, when known.
    pub anchor_equity: Option<f64>,
    /// Highest equity since the day reset, moved by cash flows, when known.
    pub equity_peak: Option<f64>,
    /// Realised result of today's trade deals.
    pub day_realised: f64,
    /// Reference of a trailing maximum loss floor: the highest end-of-day balance,
    /// closed balance or equity seen (at least the initial capital), moved by cash
    /// flows.
    pub max_loss_peak: f64,
    /// The maximum loss floor in force; it never falls except by a withdrawal. 0.0 when the
    /// rules have no maximum loss.
    pub max_loss_floor: f64,
    /// Cash flows seen since the engine first started, which move every floor.
    pub cash_flow_total: f64,
    /// The latched daily loss breach.
    pub daily_breach: Option<Breach>,
    /// The latched maximum loss breach.
    pub max_breach: Option<Breach>,
    /// The buffer lock until the next reset.
    pub buffer_lock: Option<BufferLock>,
    /// External blocks (halt, caught panic, failed save) and a detected anchor mismatch.
    pub latched: ReasonSet,
    /// Trading figures of every firm day with a trade deal, oldest first.
    pub days: Vec<DayRecord>,
    /// Realised result of every trade deal seen.
    pub total_realised: f64,
    /// When the profit target was first met.
    pub profit_target_met_ms: Option<TimeMs>,
    /// Time of the first history load: deals before it are the account's past,
    /// reflected in the initial capital and the rebuilt anchors.
    pub first_load_ms: Option<TimeMs>,
    /// Time of the latest deal applied.
    pub last_deal_time_ms: TimeMs,
    /// Ticket of the latest deal applied (the highest at that time), so a
    /// reloaded history is not counted twice.
    pub last_deal_ticket: u64,
    /// Time of the latest event applied.
    pub last_time_ms: TimeMs,
    /// XPWS weeks and activations.
    pub xpws: XpwsState,
}

impl EngineState {
    /// A state for a new account with `initial_capital`.
    pub fn new(initial_capital: f64, max_loss_floor: f64) -> EngineState {
        EngineState {
            version: STATE_VERSION,
            initial_capital,
            day: None,
            day_start_ms: 0,
            anchor_balance: initial_capital,
            anchor_equity: None,
            equity_peak: None,
            day_realised: 0.0,
            max_loss_peak: initial_capital,
            max_loss_floor,
            cash_flow_total: 0.0,
            daily_breach: None,
            max_breach: None,
            buffer_lock: None,
            latched: ReasonSet::EMPTY,
            days: Vec::with_capacity(DAY_CAPACITY),
            total_realised: 0.0,
            profit_target_met_ms: None,
            first_load_ms: None,
            last_deal_time_ms: TimeMs::MIN,
            last_deal_ticket: 0,
            last_time_ms: TimeMs::MIN,
            xpws: XpwsState::default(),
        }
    }

    /// Reserves room so the tick path does not allocate (after a restore).
    pub fn reserve(&mut self) {
        self.days
            .reserve(DAY_CAPACITY.saturating_sub(self.days.len()));
        self.xpws.reserve();
    }

    /// Adds a trade deal's result (and whether it opened a position) to the record
    /// of firm date `date`.
    pub fn record_deal(&mut self, date: NaiveDate, realised: f64, opened: bool) {
        self.total_realised += realised;
        let opened = u32::from(opened);
        if let Some(record) = self.days.iter_mut().rev().find(|r| r.date == date) {
            record.realised += realised;
            record.opened += opened;
            return;
        }
        let record = DayRecord {
            date,
            realised,
            opened,
        };
        let at = self.days.partition_point(|r| r.date < date);
        self.days.insert(at, record);
    }

    /// Records `deal` as the latest applied if it is later than the current one.
    pub fn mark_applied(&mut self, deal: &Deal) {
        if (deal.time_ms, deal.ticket) > (self.last_deal_time_ms, self.last_deal_ticket) {
            self.last_deal_time_ms = deal.time_ms;
            self.last_deal_ticket = deal.ticket;
        }
    }

    /// Whether a history deal was applied before, judged by its time and ticket
    /// against the latest deal applied.
    pub fn is_applied(&self, deal: &Deal) -> bool {
        (deal.time_ms, deal.ticket) <= (self.last_deal_time_ms, self.last_deal_ticket)
    }

    /// Firm days on which at least one position was opened.
    pub fn trading_days(&self) -> u32 {
        self.days.iter().filter(|r| r.opened > 0).count() as u32
    }

    /// The day with the largest realised result, if any day had a trade.
    pub fn best_day(&self) -> Option<DayRecord> {
        self.days
            .iter()
            .copied()
            .max_by(|a, b| a.realised.total_cmp(&b.realised))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, day).unwrap()
    }

    #[test]
    fn days_stay_sorted_and_merge() {
        let mut state = EngineState::new(100.0, 90.0);
        state.record_deal(date(5), 10.0, true);
        state.record_deal(date(3), -4.0, false);
        state.record_deal(date(5), 5.0, false);
        assert_eq!(state.days.len(), 2);
        assert_eq!(state.days[0].date, date(3));
        assert_eq!(state.days[1].realised, 15.0);
        assert_eq!(state.trading_days(), 1);
        assert_eq!(state.best_day().unwrap().date, date(5));
        assert_eq!(state.total_realised, 11.0);
    }
}
