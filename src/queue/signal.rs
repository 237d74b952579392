//! The trade signal that strategies send to the executor.

use crate::account::{Side, Symbol, TimeMs};
use serde::{Deserialize, Serialize};

/// A value that carries its own priority level; higher levels are served first.
pub trait Prioritized: Copy + Send {
    /// The priority level, from 0 (lowest) to the queue's `levels - 1` (highest).
    fn priority(&self) -> u8;
}

/// A trade signal: what to trade, at which prices, how urgently, and when it was made.
///
/// The signal is `Copy` and fixed-size, so passing one through the queue allocates
/// nothing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// Identifier chosen by the producer.
    pub id: u64,
    /// Event time of the tick or bar that produced the signal, which the latency
    /// window is driven by.
    pub time_ms: TimeMs,
    /// Creation time in microseconds on the producer's clock. The executor measures
    /// the signal latency against the same clock.
    pub created_us: i64,
    /// Symbol to trade.
    pub symbol: Symbol,
    /// Direction.
    pub side: Side,
    /// Priority level; higher levels are served first.
    pub priority: u8,
    /// Volume in lots.
    pub volume: f64,
    /// Entry price; 0 for a market order.
    pub price: f64,
    /// Stop-loss price; 0 when none is set.
    pub stop_loss: f64,
    /// Take-profit price; 0 when none is set.
    pub take_profit: f64,
}

impl Prioritized for Signal {
    #[inline]
    fn priority(&self) -> u8 {
        self.priority
    }
}
