//! Start-up and restart: rebuilding the anchors, trailing peaks, day records and
//! the XPWS week from the deal history, and cross-checking a restored state.

use super::config::MaxLossMode;
use super::engine::Engine;
use super::events::EngineEvent;
use super::history::History;
use super::reason::{Decision, Reason};
use super::state::EngineState;
use crate::account::{Deal, Snapshot, TimeMs};
use chrono::{Duration, NaiveDate};

impl Engine {
    /// Rebuilds the day anchor and everything else the rules need from the deal
    /// history, cross-checks a restored state, and evaluates the current figures.
    ///
    /// The day anchor is the current balance minus the realised results since the
    /// last reset (cash flows stay in it), or the initial capital on day one. The
    /// engine stays blocked with [`Reason::NoHistory`] when the history does not
    /// cover the day start (or, for a trailing maximum loss, the days the floor
    /// trails over) or gives an account opening after the call. It blocks with
    /// [`Reason::AnchorMismatch`] when a restored anchor for the same day disagrees
    /// with the rebuilt one, and uses the higher of the two meanwhile. It never takes
    /// the current balance as the day's start.
    pub fn load_history(&mut self, history: &History) -> Decision {
        let time = history.time_ms;
        let balance_ok = history.balance.is_finite() && history.balance > 0.0;
        let equity_ok = history.equity.is_finite() && history.equity > 0.0;
        self.set_transient(Reason::InvalidBalance, !balance_ok);
        self.set_transient(Reason::InvalidEquity, !equity_ok);
        self.set_transient(Reason::InvalidDeal, history.has_invalid_deal());
        if !balance_ok || !equity_ok || history.has_invalid_deal() {
            return self.refresh(time);
        }
        let Some(calendar) = Calendar::at(self, time) else {
            self.transient.insert(Reason::InvalidTime);
            return self.refresh(time);
        };
        self.transient.remove(Reason::InvalidTime);
        if !self.admit_history_times(history.deals, time) {
            return self.refresh(time);
        }
        let tolerance = self.rules.safety.max_ahead_ms;
        let backwards = time.saturating_add(tolerance) < self.state.last_time_ms;
        self.set_transient(Reason::TimeWentBackwards, backwards);
        if backwards {
            // The terminal's clock went back since the events the state already holds, so the
            // day this load would rebuild is not the day the engine is in.
            return self.refresh(time);
        }
        if history.account_start_ms.is_some_and(|start| start > time) {
            // An opening after the call cannot be real, and taking it would make today day
            // one, anchored on the initial capital whatever was lost since the reset.
            self.history_loaded = false;
            return self.refresh(time);
        }
        let capital = self.rules.initial_capital;
        let Some(rebuilt) = history.day_anchor(calendar.day_start, capital) else {
            self.history_loaded = false;
            return self.refresh(time);
        };
        let fresh = self.state.day.is_none();
        if !self.rebuild_max_loss(history, &calendar, fresh) {
            self.history_loaded = false;
            return self.refresh(time);
        }
        self.set_day_anchor(history, &calendar, rebuilt, fresh);
        let mut deals: Vec<&Deal> = history.applied_deals().collect();
        deals.sort_by_key(|deal| (deal.time_ms, deal.ticket));
        self.apply_missed_deals(&deals, fresh);
        self.rebuild_week(history, &deals, &calendar);
        for deal in &deals {
            self.state.mark_applied(deal);
        }
        self.history_ticket = deals.iter().map(|deal| deal.ticket).max().unwrap_or(0);
        self.state.first_load_ms.get_or_insert(time);
        self.state.day_realised = deals
            .iter()
            .filter(|deal| deal.time_ms >= calendar.day_start)
            .map(|deal| deal.realised())
            .sum();
        self.next_reset_ms = calendar.next_reset;
        self.balance = history.balance;
        self.equity = history.equity;
        self.last_snapshot = Some(Snapshot {
            time_ms: time,
            balance: history.balance,
            equity: history.equity,
            margin: 0.0,
            free_margin: 0.0,
            connected: true,
            open_positions: history.open_positions,
            pending_orders: 0,
        });
        self.state.last_time_ms = self.state.last_time_ms.max(time);
        self.resync_clock(time);
        self.history_loaded = true;
        self.evaluate(time, Some(history.open_positions));
        self.update_day_goals(time);
        self.refresh(time)
    }

    /// Takes over the breaches, the buffer lock and the external blocks that `live` latched
    /// and this engine lacks, so replacing a running engine with one restored from an older
    /// backup lifts nothing. A failed save is not taken over, because it belongs to the
    /// store the restore replaced, nor an anchor mismatch, which the next history load
    /// checks again. A soft breach or lock from before this engine's next reset still lifts
    /// there.
    ///
    /// NOTE: a trailing maximum loss peak that `live` reached after the backup is not taken
    /// over. Its cash flows since the backup cannot be distinguished from its trading, and the
    /// history load raises the peak again from the closed balances only.
    pub fn keep_latches_of(&mut self, live: &EngineState) -> Decision {
        let state = &mut self.state;
        if state.daily_breach.is_none() {
            state.daily_breach = live.daily_breach;
        }
        if state.max_breach.is_none() {
            state.max_breach = live.max_breach;
        }
        if state.buffer_lock.is_none() {
            state.buffer_lock = live.buffer_lock;
        }
        for reason in live.latched.iter() {
            if !matches!(reason, Reason::PersistFailed | Reason::AnchorMismatch) {
                state.latched.insert(reason);
            }
        }
        let time_ms = self.state.last_time_ms.max(live.last_time_ms);
        self.refresh(time_ms)
    }

    /// Sets today's anchor from the rebuilt value, or cross-checks a restored one.
    fn set_day_anchor(
        &mut self,
        history: &History,
        calendar: &Calendar,
        rebuilt: f64,
        fresh: bool,
    ) {
        if self.state.day == Some(calendar.day) {
            let stored = self.state.anchor_balance;
            if (stored - rebuilt).abs() > self.rules.safety.anchor_tolerance {
                self.state.latched.insert(Reason::AnchorMismatch);
                self.state.anchor_balance = stored.max(rebuilt);
            }
            return;
        }
        if !fresh {
            // The stored day ended while the engine was down.
            self.lift_at_reset(calendar.day_start);
        }
        let day_one = history
            .account_start_ms
            .is_some_and(|start| start >= calendar.day_start);
        let state = &mut self.state;
        state.day = Some(calendar.day);
        state.day_start_ms = calendar.day_start;
        state.anchor_balance = rebuilt;
        state.anchor_equity = day_one.then_some(rebuilt);
        state.equity_peak = state.anchor_equity;
        self.events.push(EngineEvent::DayReset {
            time_ms: history.time_ms,
            day: calendar.day,
            anchor: rebuilt,
        });
    }

    /// Raises a trailing maximum loss floor over the days the engine did not see.
    /// Returns `false` when the history does not reach back far enough, so the
    /// floor cannot be rebuilt and trading must stay blocked.
    fn rebuild_max_loss(&mut self, history: &History, calendar: &Calendar, fresh: bool) -> bool {
        let Some(mode) = self.max_mode() else {
            return true;
        };
        if mode == MaxLossMode::Static || self.state.day == Some(calendar.day) {
            return true;
        }
        let capital = self.rules.initial_capital;
        let has_trades = history
            .applied_deals()
            .any(|deal| deal.deal_type.is_trade());
        let from = if fresh {
            if !has_trades {
                return true;
            }
            if !history.from_account_start() || mode == MaxLossMode::TrailingEquity {
                // NOTE: an equity peak cannot be rebuilt from deals, so a fresh engine
                // with a trailing-equity floor needs a saved state once trading began.
                return false;
            }
            history
                .account_start_ms
                .unwrap_or_else(|| history.deals.first().map_or(0, |deal| deal.time_ms))
        } else {
            self.state.day_start_ms
        };
        if history.covered_from_ms > from && !history.from_account_start() {
            return false;
        }
        match mode {
            MaxLossMode::TrailingEndOfDay => {
                let clock = self.rules.clock;
                let Ok(mut date) = clock.day_of(from) else {
                    return false;
                };
                while date < calendar.day {
                    let Some(next) = date.succ_opt() else {
                        return false;
                    };
                    date = next;
                    let Ok(reset) = clock.day_start_ms(date) else {
                        return false;
                    };
                    if let Some(balance) = history.balance_at(reset, capital) {
                        self.raise_max_loss_peak(balance);
                    }
                }
            }
            MaxLossMode::TrailingBalance | MaxLossMode::TrailingEquity => {
                // A closed balance is a lower bound of the equity peak at that moment.
                let times: Vec<TimeMs> = history
                    .applied_deals()
                    .filter(|deal| deal.time_ms >= from)
                    .map(|deal| deal.time_ms)
                    .collect();
                for time in times {
                    if let Some(balance) = history.balance_at(time + 1, capital) {
                        self.raise_max_loss_peak(balance);
                    }
                }
            }
            MaxLossMode::Static => {}
        }
        true
    }

    /// Adds the deals not applied before to the day records, and moves the floors
    /// by the cash flows a restored engine missed.
    ///
    /// NOTE: a fresh engine takes the initial capital as the account's capital, so
    /// the cash flows before its first load do not move the maximum loss floor.
    fn apply_missed_deals(&mut self, deals: &[&Deal], fresh: bool) {
        let first_load = self.state.first_load_ms.unwrap_or(TimeMs::MAX);
        for deal in deals {
            if !fresh && self.state.is_applied(deal) {
                continue;
            }
            if deal.deal_type.is_cash_flow() {
                if !fresh && deal.time_ms > first_load {
                    let amount = deal.cash_flow();
                    self.state.max_loss_peak += amount;
                    self.state.max_loss_floor += amount;
                    self.state.cash_flow_total += amount;
                }
                continue;
            }
            let Ok(date) = self.rules.clock.day_of(deal.time_ms) else {
                continue;
            };
            let opened = deal.deal_type.is_trade() && deal.entry.opens();
            self.state.record_deal(date, deal.realised(), opened);
        }
    }

    /// Rebuilds the XPWS week: a new week starts from the history's balance at the
    /// Monday reset; a restored week adds the deals it missed.
    fn rebuild_week(&mut self, history: &History, deals: &[&Deal], calendar: &Calendar) {
        let capital = self.rules.initial_capital;
        let restored = self.state.xpws.week_start == Some(calendar.week);
        if !restored {
            let balance = history.balance_at(calendar.week_start, capital);
            self.state.xpws.start_week(calendar.week, balance);
        }
        self.week_start_ms = calendar.week_start;
        self.next_week_ms = calendar.next_week;
        for deal in deals {
            if deal.time_ms < calendar.week_start || (restored && self.state.is_applied(deal)) {
                continue;
            }
            if let Some(activation) = self.state.xpws.on_deal(deal, &self.rules.xpws) {
                self.events.push(EngineEvent::XpwsActivated(activation));
            }
        }
    }
}

/// The firm day and week that contain a time.
struct Calendar {
    day: NaiveDate,
    day_start: TimeMs,
    next_reset: TimeMs,
    week: NaiveDate,
    week_start: TimeMs,
    next_week: TimeMs,
}

impl Calendar {
    fn at(engine: &Engine, time: TimeMs) -> Option<Calendar> {
        let clock = engine.rules.clock;
        let day = clock.day_of(time).ok()?;
        let week = clock.week_of(time).ok()?;
        Some(Calendar {
            day,
            day_start: clock.day_start_ms(day).ok()?,
            next_reset: clock.next_reset_ms(time).ok()?,
            week,
            week_start: clock.day_start_ms(week).ok()?,
            next_week: clock
                .day_start_ms(week.checked_add_signed(Duration::days(7))?)
                .ok()?,
        })
    }
}
