//! Verdicts, their reasons, and the decision the engine returns on every call.

use crate::account::TimeMs;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What the EA must do now.
///
/// The numbers are part of the C ABI and never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(i32)]
pub enum Verdict {
    /// New orders may go out, each through the pre-trade check.
    MayTrade = 0,
    /// Close every position, delete every pending order and reject new orders.
    CloseAll = 1,
    /// Reject new orders; open positions stay as they are.
    Blocked = 2,
}

impl Verdict {
    /// Rank used to combine verdicts: closing everything outranks blocking new
    /// orders, whatever the ABI numbers are.
    pub fn severity(self) -> u8 {
        match self {
            Verdict::MayTrade => 0,
            Verdict::Blocked => 1,
            Verdict::CloseAll => 2,
        }
    }

    /// The snake_case name used in reports and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::MayTrade => "may_trade",
            Verdict::CloseAll => "close_all",
            Verdict::Blocked => "blocked",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! reasons {
    ($($(#[$doc:meta])* $name:ident = $value:literal, $text:literal, $verdict:ident, $sentence:literal;)*) => {
        /// Why a verdict or a pre-trade rejection was given.
        ///
        /// The numbers are part of the C ABI: they are never renumbered, and a
        /// retired value stays reserved.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(i32)]
        pub enum Reason {
            $($(#[$doc])* $name = $value,)*
        }

        impl Reason {
            /// Every reason, in numeric order.
            pub const ALL: &'static [Reason] = &[$(Reason::$name,)*];

            /// The snake_case name used in logs, alerts and JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Reason::$name => $text,)*
                }
            }

            /// One sentence for an operator: what happened and what the EA does.
            pub fn describe(self) -> &'static str {
                match self {
                    $(Reason::$name => $sentence,)*
                }
            }

            /// The verdict this reason imposes while it is active.
            pub fn verdict(self) -> Verdict {
                match self {
                    $(Reason::$name => Verdict::$verdict,)*
                }
            }
        }
    };
}

reasons! {
    /// Nothing stops trading.
    None = 0, "none", MayTrade, "Trading is allowed.";
    /// Equity fell below the daily loss floor.
    DailyLossBreached = 1, "daily_loss_breached", CloseAll,
        "Equity fell below the daily loss floor: close all positions, delete pending orders and reject new orders.";
    /// Equity fell below the maximum loss floor.
    MaxLossBreached = 2, "max_loss_breached", CloseAll,
        "Equity fell below the maximum loss floor: the account has failed; close all positions and reject new orders.";
    /// Equity came within the safety buffer of the daily loss floor.
    DailyLossBuffer = 3, "daily_loss_buffer", CloseAll,
        "Equity came within the safety buffer of the daily loss floor: close all positions, delete pending orders and reject new orders until the next day reset.";
    /// Equity came within the safety buffer of the maximum loss floor.
    MaxLossBuffer = 4, "max_loss_buffer", CloseAll,
        "Equity came within the safety buffer of the maximum loss floor: close all positions, delete pending orders and reject new orders until the next day reset.";
    /// Equity was NaN, infinite, zero or negative.
    InvalidEquity = 5, "invalid_equity", Blocked,
        "The equity reported is NaN, infinite, zero or negative: new orders are rejected until a valid snapshot arrives.";
    /// Balance was NaN, infinite, zero or negative.
    InvalidBalance = 6, "invalid_balance", Blocked,
        "The balance reported is NaN, infinite, zero or negative: new orders are rejected until a valid snapshot arrives.";
    /// No fresh snapshot within the staleness limit, or the terminal is disconnected.
    StaleData = 7, "stale_data", Blocked,
        "No fresh account snapshot arrived within the staleness limit, or the terminal is disconnected: new orders are rejected until one arrives.";
    /// A snapshot was older than one already seen.
    TimeWentBackwards = 8, "time_went_backwards", Blocked,
        "A snapshot's time is earlier than one already seen: new orders are rejected until time moves forward again.";
    /// The stored day anchor and the one rebuilt from the deal history disagree.
    AnchorMismatch = 9, "anchor_mismatch", Blocked,
        "The stored day-start balance and the one rebuilt from the deal history disagree: new orders are rejected until the next day reset or an operator clears the block.";
    /// No deal history covers the start of the day, so no anchor can be rebuilt.
    NoHistory = 10, "no_history", Blocked,
        "No deal history covers the start of the trading day, so the floors cannot be rebuilt: new orders are rejected until a complete history is loaded.";
    /// An operator or the incident book halted trading.
    Halted = 11, "halted", CloseAll,
        "Trading is halted: close all positions, delete pending orders and reject new orders until an operator lifts the halt.";
    /// A panic was caught at the C ABI boundary.
    PanicCaught = 12, "panic_caught", Blocked,
        "The library caught an internal panic: new orders are rejected until an operator clears the block.";
    /// Durable state could not be written.
    PersistFailed = 13, "persist_failed", Blocked,
        "The engine state could not be saved: new orders are rejected until a save succeeds.";
    /// The order would exceed the maximum number of open positions.
    MaxPositions = 14, "max_positions", MayTrade,
        "The order is rejected because the maximum number of open positions is reached.";
    /// The order risks more than the hard cap per trade.
    RiskAboveCap = 15, "risk_above_cap", MayTrade,
        "The order is rejected because its stop-out would lose more than the hard risk cap per trade.";
    /// The order has no stop loss and the rules require one.
    StopLossRequired = 16, "stop_loss_required", MayTrade,
        "The order is rejected because it has no stop loss and the rules require one.";
    /// The order's volume is above the largest volume the floors allow.
    VolumeAboveMax = 17, "volume_above_max", MayTrade,
        "The order is rejected because its stop-out would take equity into the safety buffer of a loss floor; reduce the volume to the maximum returned.";
    /// The order intent has an invalid field.
    InvalidOrder = 18, "invalid_order", MayTrade,
        "The order is rejected because a field is invalid (volume, prices, tick size or tick value not positive and finite, or the stop on the wrong side).";
    /// A time outside the range the calendar can represent.
    InvalidTime = 19, "invalid_time", Blocked,
        "An event time is outside the representable calendar range: new orders are rejected until a valid event arrives.";
    /// A deal with a NaN or infinite amount.
    InvalidDeal = 20, "invalid_deal", Blocked,
        "A deal carried a NaN or infinite amount: new orders are rejected until the history is reloaded.";
    /// The account the call names is not one the library guards.
    UnknownAccount = 21, "unknown_account", Blocked,
        "The account is not one this library guards: new orders are rejected.";
    /// An event time disagrees with the engine's clock by more than the tolerance.
    ClockMismatch = 22, "clock_mismatch", Blocked,
        "An event time disagrees with the engine's clock by more than the tolerance (a deal stamped after the terminal's time or long before the day reset, or the terminal clock jumping ahead): new orders are rejected until the times agree again or the history is reloaded.";
}

impl Reason {
    /// Converts the ABI number back, or returns `None` for a value no reason has.
    pub fn from_i32(value: i32) -> Option<Reason> {
        Reason::ALL
            .iter()
            .copied()
            .find(|reason| *reason as i32 == value)
    }

    /// Parses the snake_case name.
    pub fn from_name(name: &str) -> Option<Reason> {
        Reason::ALL
            .iter()
            .copied()
            .find(|reason| reason.as_str() == name)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Reason::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown reason {name:?}")))
    }
}

/// The engine's answer: what to do, why, and as of which event time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// What the EA must do.
    pub verdict: Verdict,
    /// The most important active reason, or [`Reason::None`].
    pub reason: Reason,
    /// Time of the event the decision was made on.
    pub time_ms: TimeMs,
}

impl Decision {
    /// A decision that allows trading.
    pub fn may_trade(time_ms: TimeMs) -> Decision {
        Decision {
            verdict: Verdict::MayTrade,
            reason: Reason::None,
            time_ms,
        }
    }

    /// Whether new orders may go out.
    pub fn may_trade_now(&self) -> bool {
        self.verdict == Verdict::MayTrade
    }
}

/// A set of active reasons, one bit per reason number, with a fixed priority for
/// choosing the one a [`Decision`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReasonSet(u64);

/// The order in which active reasons are named: a failed account first, then the
/// reasons that close positions, then those that only block new orders.
const PRIORITY: [Reason; 17] = [
    Reason::MaxLossBreached,
    Reason::DailyLossBreached,
    Reason::Halted,
    Reason::MaxLossBuffer,
    Reason::DailyLossBuffer,
    Reason::PanicCaught,
    Reason::AnchorMismatch,
    Reason::ClockMismatch,
    Reason::NoHistory,
    Reason::InvalidDeal,
    Reason::UnknownAccount,
    Reason::InvalidEquity,
    Reason::InvalidBalance,
    Reason::InvalidTime,
    Reason::TimeWentBackwards,
    Reason::StaleData,
    Reason::PersistFailed,
];

impl ReasonSet {
    /// The empty set.
    pub const EMPTY: ReasonSet = ReasonSet(0);

    /// Adds `reason`.
    pub fn insert(&mut self, reason: Reason) {
        self.0 |= 1 << reason as u32;
    }

    /// Removes `reason`.
    pub fn remove(&mut self, reason: Reason) {
        self.0 &= !(1 << reason as u32);
    }

    /// Whether `reason` is in the set.
    pub fn contains(self, reason: Reason) -> bool {
        self.0 & (1 << reason as u32) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Every reason of `other` added to this set.
    pub fn union(self, other: ReasonSet) -> ReasonSet {
        ReasonSet(self.0 | other.0)
    }

    /// The reasons in the set, in numeric order.
    pub fn iter(self) -> impl Iterator<Item = Reason> {
        Reason::ALL
            .iter()
            .copied()
            .filter(move |reason| self.contains(*reason))
    }

    /// The decision the set imposes at `time_ms`: the highest-priority reason and
    /// its verdict, or a decision that allows trading.
    pub fn decision(self, time_ms: TimeMs) -> Decision {
        PRIORITY
            .iter()
            .copied()
            .find(|reason| self.contains(*reason))
            .map_or(Decision::may_trade(time_ms), |reason| Decision {
                verdict: reason.verdict(),
                reason,
                time_ms,
            })
    }
}

impl Serialize for ReasonSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for ReasonSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let reasons = Vec::<Reason>::deserialize(deserializer)?;
        let mut set = ReasonSet::EMPTY;
        for reason in reasons {
            set.insert(reason);
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_numbers_are_dense_and_unique() {
        for (index, reason) in Reason::ALL.iter().enumerate() {
            assert_eq!(*reason as i32, index as i32);
            assert_eq!(Reason::from_i32(index as i32), Some(*reason));
            assert_eq!(Reason::from_name(reason.as_str()), Some(*reason));
            assert!(reason.describe().ends_with('.'));
        }
    }

    #[test]
    fn reason_numbers_are_fixed() {
        assert_eq!(Reason::DailyLossBreached as i32, 1);
        assert_eq!(Reason::MaxLossBreached as i32, 2);
        assert_eq!(Reason::NoHistory as i32, 10);
        assert_eq!(Reason::InvalidOrder as i32, 18);
        assert_eq!(Reason::UnknownAccount as i32, 21);
        assert_eq!(Reason::ClockMismatch as i32, 22);
    }

    #[test]
    fn every_verdict_reason_has_a_priority() {
        for reason in Reason::ALL {
            if reason.verdict() != Verdict::MayTrade {
                assert!(PRIORITY.contains(reason), "{reason} has no priority");
            }
        }
    }

    #[test]
    fn breach_outranks_data_block() {
        let mut set = ReasonSet::EMPTY;
        set.insert(Reason::StaleData);
        set.insert(Reason::DailyLossBreached);
        let decision = set.decision(5);
        assert_eq!(decision.verdict, Verdict::CloseAll);
        assert_eq!(decision.reason, Reason::DailyLossBreached);
        set.remove(Reason::DailyLossBreached);
        assert_eq!(set.decision(5).reason, Reason::StaleData);
    }

    #[test]
    fn reason_set_serde_round_trip() {
        let mut set = ReasonSet::EMPTY;
        set.insert(Reason::Halted);
        set.insert(Reason::PersistFailed);
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"["halted","persist_failed"]"#);
        assert_eq!(serde_json::from_str::<ReasonSet>(&json).unwrap(), set);
    }
}
