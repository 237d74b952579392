//! The engine's clock: the event times it accepts as now, and the times it holds back
//! because they disagree with it by more than `safety.max_ahead_ms`.
//!
//! The clock is the latest accepted snapshot, timer or history time, which is the
//! terminal's time. A deal carries the trade server's stamp instead. A deal stamped far
//! ahead of the clock would move the engine into a later day, and a deal of an earlier day
//! arriving long after the reset would move that day's anchor instead of counting today.
//! A snapshot or timer call far ahead of the clock across a day reset is either real time
//! passing (the terminal was asleep) or a broken clock, and nothing but the trade server's
//! stamps can tell which. All of these fail closed with [`Reason::ClockMismatch`](super::Reason::ClockMismatch)
//! and move no anchor, reset or trading-day count.

use super::engine::Engine;
use crate::account::{Deal, Snapshot, TimeMs};

/// A snapshot or timer call that jumped ahead of the clock and waits for confirmation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum HeldJump {
    /// A snapshot, applied in full once confirmed.
    Snapshot(Snapshot),
    /// A timer call.
    Timer(TimeMs),
}

impl HeldJump {
    fn time_ms(&self) -> TimeMs {
        match self {
            HeldJump::Snapshot(snapshot) => snapshot.time_ms,
            HeldJump::Timer(time_ms) => *time_ms,
        }
    }
}

impl Engine {
    /// Returns the engine's clock: the latest snapshot, timer or history time it accepted, or
    /// `None` before any.
    pub fn clock_ms(&self) -> Option<TimeMs> {
        (self.clock_ms != TimeMs::MIN).then_some(self.clock_ms)
    }

    fn tolerance_ms(&self) -> TimeMs {
        self.rules.safety.max_ahead_ms
    }

    /// Latest event time the engine accepts without holding it back.
    fn ahead_limit_ms(&self) -> TimeMs {
        self.clock_ms.saturating_add(self.tolerance_ms())
    }

    /// Whether a snapshot or timer call at `time_ms` is further ahead of the clock than the
    /// tolerance and across a day or week reset. A jump inside the day moves no anchor, so it
    /// is taken as time passing: hosts that feed only a few events a day rely on that. Before
    /// the first history load there is no clock to compare with.
    ///
    /// NOTE: a clock that jumps ahead inside the day and then steps across the reset within
    /// the tolerance crosses it early. The next real snapshot then blocks as going
    /// backwards, and the next deal of the real day as stamped before the reset.
    pub(super) fn is_clock_jump(&self, time_ms: TimeMs) -> bool {
        self.history_loaded
            && time_ms > self.ahead_limit_ms()
            && (time_ms >= self.next_reset_ms || time_ms >= self.next_week_ms)
    }

    /// Whether a snapshot at `time_ms` is earlier than one already seen, or earlier than the
    /// latest accepted event (a deal, timer or history load) by more than the tolerance.
    pub(super) fn is_backwards(&self, time_ms: TimeMs) -> bool {
        if self
            .last_snapshot
            .is_some_and(|last| time_ms < last.time_ms)
        {
            return true;
        }
        self.history_loaded && time_ms.saturating_add(self.tolerance_ms()) < self.state.last_time_ms
    }

    /// Holds back a snapshot that jumped across a reset. The clock, the resets and the
    /// anchors stay where they are.
    ///
    /// NOTE: the held snapshot's equity is not evaluated, because the floors of the day it
    /// claims are not known until it is confirmed. Open positions run under `blocked`, not
    /// `close_all`, until a deal confirms the jump or an input near the old clock replaces it.
    pub(super) fn hold_snapshot(&mut self, snapshot: &Snapshot) {
        self.held_jump = Some(HeldJump::Snapshot(*snapshot));
    }

    /// Moves the clock to an accepted snapshot or timer time.
    pub(super) fn advance_clock(&mut self, time_ms: TimeMs) {
        self.clock_ms = self.clock_ms.max(time_ms);
    }

    /// Checks a deal's time against the clock before it is applied, and returns whether to
    /// apply it.
    ///
    /// A deal stamped further ahead of the clock than the tolerance is rejected, unless it
    /// lies within the tolerance of a held jump, which it confirms: the jump is applied
    /// first. A deal of an earlier firm day stamped further behind the clock than the
    /// tolerance is rejected too, because it would move the day's anchor instead of counting
    /// today. A rejected deal blocks until the next history load, which contains it.
    pub(super) fn admit_deal_time(&mut self, time_ms: TimeMs) -> bool {
        if !self.history_loaded {
            return true;
        }
        let tolerance = self.tolerance_ms();
        let late =
            time_ms < self.state.day_start_ms && time_ms.saturating_add(tolerance) < self.clock_ms;
        if late {
            self.deal_rejected = true;
            return false;
        }
        if time_ms <= self.ahead_limit_ms() {
            return true;
        }
        let confirmed = self
            .held_jump
            .filter(|held| time_ms.abs_diff(held.time_ms()) <= tolerance.unsigned_abs());
        let Some(held) = confirmed else {
            self.deal_rejected = true;
            return false;
        };
        self.held_jump = None;
        match held {
            HeldJump::Snapshot(snapshot) => self.accept_snapshot(&snapshot),
            HeldJump::Timer(time_ms) => self.accept_time(time_ms),
        }
        true
    }

    /// Whether [`Reason::ClockMismatch`](super::Reason::ClockMismatch) blocks: a jump is
    /// held, a rejected deal waits for a history load, or the latest history listed a deal
    /// after its own time.
    pub(super) fn clock_mismatch_active(&self) -> bool {
        self.held_jump.is_some() || self.deal_rejected || self.history_ahead
    }

    /// Returns the time a decision on an input at `time_ms` carries: the input's own time,
    /// or the clock when the input runs ahead of it, so that a broken time never reaches
    /// the alert timers.
    pub(super) fn decision_time(&self, time_ms: TimeMs) -> TimeMs {
        if self.is_clock_jump(time_ms) {
            self.clock_ms
        } else {
            time_ms
        }
    }

    /// Checks a history's deals against its time, and returns whether to load it. A deal
    /// stamped further after the load's time than the tolerance blocks until a consistent
    /// history is loaded.
    pub(super) fn admit_history_times(&mut self, deals: &[Deal], time_ms: TimeMs) -> bool {
        let limit = time_ms.saturating_add(self.tolerance_ms());
        self.history_ahead = deals.iter().any(|deal| deal.time_ms > limit);
        !self.history_ahead
    }

    /// Sets the clock to a loaded history's time, and clears a held jump and a rejected deal,
    /// which the history now accounts for.
    ///
    /// NOTE: the load's own time is taken as given, so a terminal clock that is wrong at
    /// start-up is noticed only when a later deal's stamp disagrees with it.
    pub(super) fn resync_clock(&mut self, time_ms: TimeMs) {
        self.held_jump = None;
        self.deal_rejected = false;
        self.clock_ms = time_ms;
    }
}
