//! The deal history the engine rebuilds its anchors from after a start or restart.

use crate::account::{Deal, TimeMs};

/// The account's deal history and its current figures, as the EA reads them at
/// start-up (MT5 `HistorySelect`).
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    /// Deals in time order.
    pub deals: &'a [Deal],
    /// Time from which `deals` lists every deal of the account. Deals before it
    /// may be missing.
    pub covered_from_ms: TimeMs,
    /// When the account opened with the rule set's initial capital, if the caller
    /// knows it. Deals at or before this time (the initial deposit) are part of
    /// the opening and are not applied. The firm day containing it is day one,
    /// whose anchor is the initial capital.
    pub account_start_ms: Option<TimeMs>,
    /// Balance now.
    pub balance: f64,
    /// Equity now.
    pub equity: f64,
    /// Positions open now.
    pub open_positions: u32,
    /// Time of the call.
    pub time_ms: TimeMs,
}

impl History<'_> {
    /// Deals after the account opening (every deal when the opening is unknown).
    pub fn applied_deals(&self) -> impl Iterator<Item = &Deal> {
        let start = self.account_start_ms;
        self.deals
            .iter()
            .filter(move |deal| start.is_none_or(|s| deal.time_ms > s))
    }

    /// Whether the history reaches back to the account opening, so that every
    /// balance since then can be rebuilt.
    pub fn from_account_start(&self) -> bool {
        match self.account_start_ms {
            Some(start) => self.covered_from_ms <= start,
            None => self.covered_from_ms <= 0,
        }
    }

    /// Whether any deal is a NaN or infinite amount.
    pub fn has_invalid_deal(&self) -> bool {
        self.deals
            .iter()
            .any(|deal| !deal.balance_change().is_finite())
    }

    /// The balance just before `time_ms` (deals at `time_ms` excluded), or `None`
    /// when the history does not cover that time. Before the account opening it is
    /// the initial capital.
    pub fn balance_at(&self, time_ms: TimeMs, initial_capital: f64) -> Option<f64> {
        if self.account_start_ms.is_some_and(|start| time_ms <= start) {
            return Some(initial_capital);
        }
        if time_ms < self.covered_from_ms {
            return None;
        }
        let later: f64 = self
            .applied_deals()
            .filter(|deal| deal.time_ms >= time_ms)
            .map(Deal::balance_change)
            .sum();
        Some(self.balance - later)
    }

    /// The day anchor for a firm day starting at `day_start_ms`: the current
    /// balance minus the realised results since the reset, so that the day's cash
    /// flows stay in the anchor. On day one it is the initial capital plus the
    /// cash flows after the opening. `None` when the history does not cover the
    /// day start.
    pub fn day_anchor(&self, day_start_ms: TimeMs, initial_capital: f64) -> Option<f64> {
        if let Some(start) = self.account_start_ms.filter(|s| *s >= day_start_ms) {
            let cash: f64 = self
                .deals
                .iter()
                .filter(|deal| deal.time_ms > start)
                .map(Deal::cash_flow)
                .sum();
            return Some(initial_capital + cash);
        }
        if self.covered_from_ms > day_start_ms {
            return None;
        }
        let realised: f64 = self
            .applied_deals()
            .filter(|deal| deal.time_ms >= day_start_ms)
            .map(Deal::realised)
            .sum();
        Some(self.balance - realised)
    }
}
