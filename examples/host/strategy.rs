//! The demo strategy of the live mode: a moving-average crossover on one-minute closes.
//!
//! It opens in the direction of the cross with a stop a fixed distance away and a take
//! profit at the engine's ratio times that distance (1:1, or 1:2 in XPWS mode), and it
//! closes on the opposite cross. Priorities: a stop or take-profit exit is the most
//! urgent (3), a close on the opposite cross next (2), and an entry last (1).

use mikrobot::account::Side;
use mikrobot::bars::Bar;

/// Fast and slow moving-average lengths in bars.
const FAST: usize = 8;
const SLOW: usize = 34;
/// Stop distance in price units (15 pips on EURUSD).
pub const STOP_DISTANCE: f64 = 0.0015;

/// Priority of an exit at the stop loss or take profit.
pub const PRIORITY_PROTECTIVE_EXIT: u8 = 3;
/// Priority of a close on the opposite cross.
pub const PRIORITY_CLOSE: u8 = 2;
/// Priority of an entry.
pub const PRIORITY_ENTRY: u8 = 1;

/// Order the strategy requests at this bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Intent {
    /// Open a position.
    Open {
        side: Side,
        stop_loss: f64,
        take_profit: f64,
    },
    /// Close the open position at `price`.
    Close { price: f64, priority: u8 },
}

/// An open position as the strategy tracks it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    pub side: Side,
    pub entry: f64,
    pub stop_loss: f64,
    pub take_profit: f64,
}

/// The crossover state: the last `SLOW` closes in a ring.
#[derive(Debug)]
pub struct Crossover {
    closes: [f64; SLOW],
    seen: usize,
    previous_fast_above: Option<bool>,
}

impl Crossover {
    pub fn new() -> Self {
        Crossover {
            closes: [0.0; SLOW],
            seen: 0,
            previous_fast_above: None,
        }
    }

    /// Feeds one bar and returns what to do, given the open position and the engine's
    /// take-profit ratio for the symbol.
    pub fn on_bar(
        &mut self,
        bar: &Bar,
        position: Option<Position>,
        take_profit_ratio: f64,
    ) -> Option<Intent> {
        if let Some(exit) = position.and_then(|position| protective_exit(bar, position)) {
            self.push(bar.close);
            return Some(exit);
        }
        self.push(bar.close);
        if self.seen < SLOW {
            return None;
        }
        let fast_above = self.average(FAST) > self.average(SLOW);
        let crossed = self
            .previous_fast_above
            .is_some_and(|before| before != fast_above);
        self.previous_fast_above = Some(fast_above);
        if !crossed {
            return None;
        }
        let side = if fast_above { Side::Buy } else { Side::Sell };
        match position {
            Some(open) if open.side != side => Some(Intent::Close {
                price: bar.close,
                priority: PRIORITY_CLOSE,
            }),
            Some(_) => None,
            None => {
                let distance = STOP_DISTANCE;
                let (stop_loss, take_profit) = match side {
                    Side::Buy => (
                        bar.close - distance,
                        bar.close + distance * take_profit_ratio,
                    ),
                    Side::Sell => (
                        bar.close + distance,
                        bar.close - distance * take_profit_ratio,
                    ),
                };
                Some(Intent::Open {
                    side,
                    stop_loss,
                    take_profit,
                })
            }
        }
    }

    fn push(&mut self, close: f64) {
        self.closes[self.seen % SLOW] = close;
        self.seen += 1;
    }

    /// Mean of the last `length` closes.
    fn average(&self, length: usize) -> f64 {
        let sum: f64 = (1..=length)
            .map(|back| self.closes[(self.seen - back) % SLOW])
            .sum();
        sum / length as f64
    }
}

/// Returns an exit when the bar reached the stop loss or take profit. The stop wins when
/// the bar touched both, and the fill is at the level, because the demo has no slippage.
fn protective_exit(bar: &Bar, position: Position) -> Option<Intent> {
    let (stop_hit, target_hit) = match position.side {
        Side::Buy => (
            bar.low <= position.stop_loss,
            bar.high >= position.take_profit,
        ),
        Side::Sell => (
            bar.high >= position.stop_loss,
            bar.low <= position.take_profit,
        ),
    };
    let price = if stop_hit {
        position.stop_loss
    } else if target_hit {
        position.take_profit
    } else {
        return None;
    };
    Some(Intent::Close {
        price,
        priority: PRIORITY_PROTECTIVE_EXIT,
    })
}
