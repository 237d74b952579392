//! Engine events and the fixed-capacity ring they wait in until the alert engine
//! and the journal take them.

use super::reason::{Decision, Reason, Verdict};
use super::rules::{Breach, RuleKind};
use crate::account::TimeMs;
use crate::xpws::XpwsActivation;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Capacity of the event ring; past it the oldest event is overwritten.
pub const EVENT_CAPACITY: usize = 256;

/// Something the engine decided or noticed, with the event time it happened at.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EngineEvent {
    /// A loss limit was crossed.
    Breached {
        /// The rule.
        rule: RuleKind,
        /// Time, real equity and floor of the breach.
        breach: Breach,
    },
    /// A loss limit reached the warning share of its room.
    Warning {
        /// The rule.
        rule: RuleKind,
        /// Event time.
        time_ms: TimeMs,
        /// Equity at that moment.
        equity: f64,
        /// The floor.
        floor: f64,
        /// Share of the limit used.
        used_share: f64,
    },
    /// Equity entered the pre-breach buffer of a loss limit: close everything
    /// until the next reset.
    BufferEntered {
        /// The rule.
        rule: RuleKind,
        /// Event time.
        time_ms: TimeMs,
        /// Equity at that moment.
        equity: f64,
        /// The floor.
        floor: f64,
    },
    /// A soft breach or a buffer lock lifted at a day reset.
    Lifted {
        /// The rule.
        rule: RuleKind,
        /// Time of the reset.
        time_ms: TimeMs,
    },
    /// The decision changed to one that does not allow trading (or to another
    /// such reason).
    Blocked {
        /// Event time.
        time_ms: TimeMs,
        /// The new verdict.
        verdict: Verdict,
        /// Its reason.
        reason: Reason,
    },
    /// Trading is allowed again.
    Unblocked {
        /// Event time.
        time_ms: TimeMs,
        /// The reason that blocked trading before.
        previous: Reason,
    },
    /// A new firm day started.
    DayReset {
        /// Time of the event that crossed the reset.
        time_ms: TimeMs,
        /// The new firm date.
        day: NaiveDate,
        /// The day anchor.
        anchor: f64,
    },
    /// A goal (profit target, trading days, best day) was met.
    GoalMet {
        /// The rule.
        rule: RuleKind,
        /// Event time.
        time_ms: TimeMs,
    },
    /// A symbol entered XPWS mode.
    XpwsActivated(XpwsActivation),
}

impl EngineEvent {
    /// Returns the event time.
    pub fn time_ms(&self) -> TimeMs {
        match self {
            EngineEvent::Breached { breach, .. } => breach.time_ms,
            EngineEvent::Warning { time_ms, .. }
            | EngineEvent::BufferEntered { time_ms, .. }
            | EngineEvent::Lifted { time_ms, .. }
            | EngineEvent::Blocked { time_ms, .. }
            | EngineEvent::Unblocked { time_ms, .. }
            | EngineEvent::DayReset { time_ms, .. }
            | EngineEvent::GoalMet { time_ms, .. } => *time_ms,
            EngineEvent::XpwsActivated(activation) => activation.time_ms,
        }
    }

    /// Builds the event for a decision that moves from `from` to `to`, or `None`
    /// when it did not change.
    pub fn for_change(from: Decision, to: Decision) -> Option<EngineEvent> {
        if from.verdict == to.verdict && from.reason == to.reason {
            return None;
        }
        Some(match to.verdict {
            Verdict::MayTrade => EngineEvent::Unblocked {
                time_ms: to.time_ms,
                previous: from.reason,
            },
            verdict => EngineEvent::Blocked {
                time_ms: to.time_ms,
                verdict,
                reason: to.reason,
            },
        })
    }
}

/// A ring of [`EVENT_CAPACITY`] events allocated once. When it is full, a new
/// event overwrites the oldest and the overwrite is counted.
#[derive(Debug, Clone)]
pub struct EventRing {
    slots: Box<[Option<EngineEvent>]>,
    head: usize,
    len: usize,
    overwritten: u64,
}

impl Default for EventRing {
    fn default() -> Self {
        EventRing {
            slots: vec![None; EVENT_CAPACITY].into_boxed_slice(),
            head: 0,
            len: 0,
            overwritten: 0,
        }
    }
}

impl EventRing {
    /// Adds an event, overwriting the oldest when full.
    pub fn push(&mut self, event: EngineEvent) {
        let capacity = self.slots.len();
        let tail = (self.head + self.len) % capacity;
        self.slots[tail] = Some(event);
        if self.len == capacity {
            self.head = (self.head + 1) % capacity;
            self.overwritten += 1;
        } else {
            self.len += 1;
        }
    }

    /// Takes the oldest event.
    pub fn pop(&mut self) -> Option<EngineEvent> {
        if self.len == 0 {
            return None;
        }
        let event = self.slots[self.head].take();
        self.head = (self.head + 1) % self.slots.len();
        self.len -= 1;
        event
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no event is waiting.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Events lost to overwriting since the engine started.
    pub fn overwritten(&self) -> u64 {
        self.overwritten
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reset(time_ms: TimeMs) -> EngineEvent {
        EngineEvent::DayReset {
            time_ms,
            day: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            anchor: 1.0,
        }
    }

    #[test]
    fn ring_keeps_order() {
        let mut ring = EventRing::default();
        ring.push(reset(1));
        ring.push(reset(2));
        assert_eq!(ring.pop().map(|e| e.time_ms()), Some(1));
        assert_eq!(ring.pop().map(|e| e.time_ms()), Some(2));
        assert!(ring.pop().is_none());
    }

    #[test]
    fn full_ring_overwrites_oldest() {
        let mut ring = EventRing::default();
        for time in 0..EVENT_CAPACITY as i64 + 3 {
            ring.push(reset(time));
        }
        assert_eq!(ring.len(), EVENT_CAPACITY);
        assert_eq!(ring.overwritten(), 3);
        assert_eq!(ring.pop().map(|e| e.time_ms()), Some(3));
    }
}
