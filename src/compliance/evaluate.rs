//! Rule evaluation on the tick path: day and week resets, deals, loss limits and
//! goals. Nothing here allocates, and time-zone work happens only at a reset or
//! for a deal that arrives after the reset of its own day.

use super::config::{BreachKind, DailyAnchor, MaxLossMode, RuleSet};
use super::engine::Engine;
use super::events::EngineEvent;
use super::reason::Reason;
use super::rules::{Breach, RuleKind, RuleReport, RuleStatus};
use super::state::BufferLock;
use crate::account::{Deal, TimeMs};
use chrono::Duration;

/// Computes the maximum loss floor of a new account: the initial capital minus the
/// amount.
///
/// Without a maximum loss rule it is 0.0, which no check reads. It must stay finite, because
/// JSON has no infinity: serde_json writes one as `null`, and the saved state would then fail
/// to load after a restart.
pub(super) fn static_max_floor(rules: &RuleSet) -> f64 {
    let capital = rules.initial_capital;
    rules
        .max_loss
        .map_or(0.0, |max| capital - max.amount.resolve(capital, capital))
}

impl Engine {
    /// Crosses the day and week resets that `time_ms` has passed.
    pub(super) fn cross_resets(&mut self, time_ms: TimeMs) {
        if time_ms >= self.next_reset_ms {
            self.roll_day(time_ms);
        }
        if time_ms >= self.next_week_ms {
            self.roll_week(time_ms);
        }
    }

    /// Starts the firm day containing `time_ms`, anchored on the balance (and the
    /// equity) known just before it, and lifts what lifts at a reset.
    pub(super) fn roll_day(&mut self, time_ms: TimeMs) {
        let clock = self.rules.clock;
        let (Ok(day), Ok(next)) = (clock.day_of(time_ms), clock.next_reset_ms(time_ms)) else {
            self.transient.insert(Reason::InvalidTime);
            return;
        };
        let Ok(day_start) = clock.day_start_ms(day) else {
            self.transient.insert(Reason::InvalidTime);
            return;
        };
        self.transient.remove(Reason::InvalidTime);
        let end_of_day_balance = self.balance;
        if self.max_mode() == Some(MaxLossMode::TrailingEndOfDay) {
            self.raise_max_loss_peak(end_of_day_balance);
        }
        self.lift_at_reset(day_start);
        let state = &mut self.state;
        state.day = Some(day);
        state.day_start_ms = day_start;
        state.anchor_balance = end_of_day_balance;
        state.anchor_equity = self.last_snapshot.map(|_| self.equity);
        state.equity_peak = state
            .anchor_equity
            .map(|equity| equity.max(end_of_day_balance));
        state.day_realised = 0.0;
        self.anchor_missing = false;
        self.next_reset_ms = next;
        self.events.push(EngineEvent::DayReset {
            time_ms,
            day,
            anchor: end_of_day_balance,
        });
    }

    /// Lifts soft breaches, the buffer lock and an anchor mismatch at a reset.
    pub(super) fn lift_at_reset(&mut self, reset_ms: TimeMs) {
        let state = &mut self.state;
        // A breach or lock stamped at or after the reset belongs to the new day: a restore
        // can carry one into an engine whose saved day ended before it.
        if state
            .daily_breach
            .is_some_and(|b| !b.hard && b.time_ms < reset_ms)
        {
            state.daily_breach = None;
            self.events.push(EngineEvent::Lifted {
                rule: RuleKind::DailyLoss,
                time_ms: reset_ms,
            });
        }
        if state
            .max_breach
            .is_some_and(|b| !b.hard && b.time_ms < reset_ms)
        {
            state.max_breach = None;
            self.events.push(EngineEvent::Lifted {
                rule: RuleKind::MaxLoss,
                time_ms: reset_ms,
            });
        }
        if let Some(lock) = state.buffer_lock.filter(|lock| lock.time_ms < reset_ms) {
            state.buffer_lock = None;
            self.events.push(EngineEvent::Lifted {
                rule: lock.rule,
                time_ms: reset_ms,
            });
        }
        state.latched.remove(Reason::AnchorMismatch);
    }

    /// Starts the firm week containing `time_ms`, with the balance known just
    /// before it as the week-start balance.
    pub(super) fn roll_week(&mut self, time_ms: TimeMs) {
        let clock = self.rules.clock;
        let Ok(week) = clock.week_of(time_ms) else {
            self.transient.insert(Reason::InvalidTime);
            return;
        };
        let next_week = week.checked_add_signed(Duration::days(7));
        let (Ok(start), Some(Ok(next))) = (
            clock.day_start_ms(week),
            next_week.map(|monday| clock.day_start_ms(monday)),
        ) else {
            self.transient.insert(Reason::InvalidTime);
            return;
        };
        self.week_start_ms = start;
        self.next_week_ms = next;
        self.state.xpws.start_week(week, Some(self.balance));
    }

    /// Applies a deal that has not been applied before.
    pub(super) fn apply_deal(&mut self, deal: &Deal) {
        self.balance += deal.balance_change();
        self.state.mark_applied(deal);
        self.state.last_time_ms = self.state.last_time_ms.max(deal.time_ms);
        if deal.deal_type.is_cash_flow() {
            self.shift_by_cash_flow(deal.cash_flow());
            return;
        }
        let realised = deal.realised();
        let opened = deal.deal_type.is_trade() && deal.entry.opens();
        let date = if deal.time_ms >= self.state.day_start_ms {
            self.state.day_realised += realised;
            self.state.day
        } else {
            // A deal of an earlier day delivered after the reset: its result
            // belongs in the balance the day started from.
            self.state.anchor_balance += realised;
            self.rules.clock.day_of(deal.time_ms).ok()
        };
        if let Some(date) = date {
            self.state.record_deal(date, realised, opened);
        }
        if self.max_mode() == Some(MaxLossMode::TrailingBalance) {
            self.raise_max_loss_peak(self.balance);
        }
        if deal.time_ms >= self.week_start_ms {
            if let Some(activation) = self.state.xpws.on_deal(deal, &self.rules.xpws) {
                self.events.push(EngineEvent::XpwsActivated(activation));
            }
        }
        self.update_day_goals(deal.time_ms);
    }

    /// Moves every anchor and floor by a deposit or withdrawal, which is neither
    /// profit nor loss.
    pub(super) fn shift_by_cash_flow(&mut self, amount: f64) {
        let state = &mut self.state;
        state.anchor_balance += amount;
        state.anchor_equity = state.anchor_equity.map(|equity| equity + amount);
        state.equity_peak = state.equity_peak.map(|peak| peak + amount);
        state.max_loss_peak += amount;
        state.max_loss_floor += amount;
        state.cash_flow_total += amount;
        self.equity += amount;
    }

    pub(super) fn max_mode(&self) -> Option<MaxLossMode> {
        self.rules.max_loss.map(|max| max.mode)
    }

    /// Raises the trailing maximum loss reference to `value` if it is higher, and
    /// the floor with it (up to the lock, never down).
    pub(super) fn raise_max_loss_peak(&mut self, value: f64) {
        let Some(max) = self.rules.max_loss else {
            return;
        };
        if value <= self.state.max_loss_peak {
            return;
        }
        self.state.max_loss_peak = value;
        let capital = self.rules.initial_capital;
        let mut floor = value - max.amount.resolve(capital, value);
        if let Some(offset) = max.lock_offset {
            floor = floor.min(capital + offset + self.state.cash_flow_total);
        }
        self.state.max_loss_floor = self.state.max_loss_floor.max(floor);
    }

    /// Returns the daily floor's reference now, or `None` when it is not known (an
    /// equity-based anchor after a restart during the day).
    pub(super) fn daily_anchor(&self, anchor: DailyAnchor) -> Option<f64> {
        let state = &self.state;
        match anchor {
            DailyAnchor::Balance => Some(state.anchor_balance),
            DailyAnchor::Equity => state.anchor_equity,
            DailyAnchor::Higher => state
                .anchor_equity
                .map(|equity| equity.max(state.anchor_balance)),
            DailyAnchor::EquityPeak => state.equity_peak,
        }
    }

    /// Evaluates the loss limits on the current equity and, when the open position
    /// count is known (a snapshot), the profit target on the current balance.
    ///
    /// Only a snapshot (`open_positions` is `Some`) latches a breach or a buffer
    /// lock: after a deal alone the equity is the last snapshot's, moved by cash
    /// flows, and may be out of date, so a deal only refreshes the figures.
    pub(super) fn evaluate(&mut self, time_ms: TimeMs, open_positions: Option<u32>) {
        let latch = open_positions.is_some();
        let equity = self.equity;
        let capital = self.rules.initial_capital;
        if self.max_mode() == Some(MaxLossMode::TrailingEquity) {
            self.raise_max_loss_peak(equity);
        }
        if let Some(daily) = self.rules.daily_loss {
            if daily.anchor == DailyAnchor::EquityPeak {
                self.state.equity_peak = self.state.equity_peak.map(|peak| peak.max(equity));
            }
            match self.daily_anchor(daily.anchor) {
                Some(anchor) => {
                    self.anchor_missing = false;
                    let amount = daily.amount.resolve(capital, anchor);
                    let hard = daily.breach == BreachKind::Hard;
                    let floor = anchor - amount;
                    self.check_limit(RuleKind::DailyLoss, floor, amount, hard, latch, time_ms);
                }
                None => self.anchor_missing = true,
            }
        }
        if let Some(max) = self.rules.max_loss {
            let amount = max.amount.resolve(capital, self.state.max_loss_peak);
            let hard = max.breach == BreachKind::Hard;
            let floor = self.state.max_loss_floor;
            self.check_limit(RuleKind::MaxLoss, floor, amount, hard, latch, time_ms);
        }
        if let Some(open) = open_positions {
            self.update_profit_target(time_ms, open);
        }
    }

    /// Compares equity with one loss floor: latches a breach (with the real equity)
    /// and a buffer lock when `latch` is set, and reports the room and status.
    fn check_limit(
        &mut self,
        rule: RuleKind,
        floor: f64,
        amount: f64,
        hard: bool,
        latch: bool,
        time: TimeMs,
    ) {
        let equity = self.equity;
        let room = equity - floor;
        let used_share = if amount > 0.0 {
            ((amount - room) / amount).max(0.0)
        } else {
            0.0
        };
        let slot = match rule {
            RuleKind::MaxLoss => &mut self.state.max_breach,
            _ => &mut self.state.daily_breach,
        };
        match slot {
            Some(breach) if latch => breach.observe(time, equity),
            None if latch && equity < floor => {
                let breach = Breach::new(time, equity, floor, hard);
                *slot = Some(breach);
                self.events.push(EngineEvent::Breached { rule, breach });
            }
            _ => {}
        }
        let breach = *slot;
        let buffer = self.rules.buffer_amount();
        let in_buffer = equity <= floor + buffer;
        if latch && breach.is_none() && in_buffer && self.state.buffer_lock.is_none() {
            self.state.buffer_lock = Some(BufferLock {
                rule,
                time_ms: time,
                equity,
                floor,
            });
            self.events.push(EngineEvent::BufferEntered {
                rule,
                time_ms: time,
                equity,
                floor,
            });
        }
        let status = if breach.is_some() {
            RuleStatus::Breached
        } else if used_share >= self.rules.safety.warning_share {
            RuleStatus::Warning
        } else {
            RuleStatus::Ok
        };
        let report = RuleReport {
            rule,
            floor,
            value: equity,
            room,
            used_share,
            status,
            breach,
        };
        let previous = self.set_report(report);
        if latch && status == RuleStatus::Warning && previous != Some(RuleStatus::Warning) {
            self.events.push(EngineEvent::Warning {
                rule,
                time_ms: time,
                equity,
                floor,
                used_share,
            });
        }
    }

    /// Stores a report and returns the status it replaced.
    pub(super) fn set_report(&mut self, report: RuleReport) -> Option<RuleStatus> {
        let slot = self.reports[..self.report_count]
            .iter_mut()
            .find(|r| r.rule == report.rule)?;
        let previous = slot.status;
        *slot = report;
        Some(previous)
    }

    /// Stores a goal's report, with an event the first time it is met.
    fn set_goal(
        &mut self,
        rule: RuleKind,
        goal: f64,
        value: f64,
        progress: f64,
        met: bool,
        time: TimeMs,
    ) {
        let status = if met {
            RuleStatus::Met
        } else {
            RuleStatus::NotMet
        };
        let report = RuleReport {
            rule,
            floor: goal,
            value,
            room: goal - value,
            used_share: progress,
            status,
            breach: None,
        };
        if self.set_report(report) == Some(RuleStatus::NotMet) && met {
            self.events.push(EngineEvent::GoalMet {
                rule,
                time_ms: time,
            });
        }
    }

    /// Updates the profit target: closed balance at C plus the target (and the cash
    /// flows), with every position closed. Once met it stays met.
    fn update_profit_target(&mut self, time: TimeMs, open_positions: u32) {
        let Some(percent) = self.rules.profit_target_percent else {
            return;
        };
        let capital = self.rules.initial_capital;
        let base = capital + self.state.cash_flow_total;
        let target = base + capital * percent / 100.0;
        let balance = self.balance;
        if self.state.profit_target_met_ms.is_none() && balance >= target && open_positions == 0 {
            self.state.profit_target_met_ms = Some(time);
        }
        let met = self.state.profit_target_met_ms.is_some();
        let progress = (balance - base) / (target - base);
        self.set_goal(RuleKind::ProfitTarget, target, balance, progress, met, time);
    }

    /// Updates the goals that depend on the day records: trading days and the best
    /// day.
    pub(super) fn update_day_goals(&mut self, time: TimeMs) {
        if let Some(required) = self.rules.min_trading_days {
            let days = self.state.trading_days();
            let progress = days as f64 / required.max(1) as f64;
            let met = days >= required;
            self.set_goal(
                RuleKind::MinTradingDays,
                required as f64,
                days as f64,
                progress,
                met,
                time,
            );
        }
        if let Some(rule) = self.rules.best_day {
            let total = self.state.total_realised;
            let best = self.state.best_day().map_or(0.0, |day| day.realised);
            let allowed = total.max(0.0) * rule.max_share_percent / 100.0;
            let share = if total > 0.0 { best / total } else { 0.0 };
            let met = total > 0.0 && best <= allowed;
            self.set_goal(RuleKind::BestDay, allowed, best, share, met, time);
        }
    }
}
