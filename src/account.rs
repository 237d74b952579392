//! Account model: the snapshots, deals and order intents that the EA feeds in.
//!
//! Every event carries its own time in milliseconds since the Unix epoch (UTC), so
//! the library never reads a clock on the tick path and works the same in the
//! Strategy Tester, where time is simulated.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Milliseconds since 1970-01-01 00:00:00 UTC.
pub type TimeMs = i64;

/// Capacity in bytes of [`ShortText`]; MT5 symbol names and deal comments fit in 31 characters.
pub const SHORT_TEXT_CAPACITY: usize = 32;

/// A UTF-8 string of at most 32 bytes stored inline, so events stay `Copy` and
/// carrying one allocates nothing.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShortText {
    len: u8,
    bytes: [u8; SHORT_TEXT_CAPACITY],
}

/// Error returned when a text does not fit in a [`ShortText`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "text {text:?} is {len} bytes long, but at most 32 bytes fit; shorten the symbol or comment"
)]
pub struct TextTooLong {
    /// The rejected text.
    pub text: String,
    /// Its length in bytes.
    pub len: usize,
}

impl ShortText {
    /// The empty text.
    pub const EMPTY: ShortText = ShortText {
        len: 0,
        bytes: [0; SHORT_TEXT_CAPACITY],
    };

    /// Copies `text`, or returns an error naming it when it is longer than 32 bytes.
    pub fn new(text: &str) -> Result<Self, TextTooLong> {
        if text.len() > SHORT_TEXT_CAPACITY {
            return Err(TextTooLong {
                text: text.to_owned(),
                len: text.len(),
            });
        }
        let mut bytes = [0; SHORT_TEXT_CAPACITY];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        Ok(ShortText {
            len: text.len() as u8,
            bytes,
        })
    }

    /// Copies as much of `text` as fits, cutting at a character boundary.
    pub fn truncated(text: &str) -> Self {
        let mut end = text.len().min(SHORT_TEXT_CAPACITY);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        // The cut text is at most 32 bytes and ends on a character boundary, so `new`
        // returns `Ok`; the fallback is never taken.
        Self::new(&text[..end]).unwrap_or(Self::EMPTY)
    }

    /// The text as a string slice.
    pub fn as_str(&self) -> &str {
        // Only `new` writes the bytes, and it copies a whole `&str` prefix that ends
        // on a character boundary, so the slice is valid UTF-8.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Default for ShortText {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl fmt::Debug for ShortText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for ShortText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ShortText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ShortText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ShortText::new(&text).map_err(serde::de::Error::custom)
    }
}

/// A symbol name as the broker spells it, suffix included (`EURUSD.Z`).
pub type Symbol = ShortText;

/// The account's balance, equity and margin at one moment, as the EA reads them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Event time.
    pub time_ms: TimeMs,
    /// Closed balance.
    pub balance: f64,
    /// Balance plus the floating profit and swap of open positions.
    pub equity: f64,
    /// Margin in use.
    pub margin: f64,
    /// Free margin.
    pub free_margin: f64,
    /// Whether the terminal is connected to the trade server.
    pub connected: bool,
    /// Number of open positions on the account.
    pub open_positions: u32,
    /// Number of pending orders on the account.
    pub pending_orders: u32,
}

/// MT5 `ENUM_DEAL_TYPE`, with the terminal's numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(i32)]
pub enum DealType {
    Buy = 0,
    Sell = 1,
    Balance = 2,
    Credit = 3,
    Charge = 4,
    Correction = 5,
    Bonus = 6,
    Commission = 7,
    CommissionDaily = 8,
    CommissionMonthly = 9,
    CommissionAgentDaily = 10,
    CommissionAgentMonthly = 11,
    InterestRate = 12,
    BuyCanceled = 13,
    SellCanceled = 14,
    Dividend = 15,
    DividendFranked = 16,
    Tax = 17,
}

impl DealType {
    /// Every deal type, in MT5's order.
    pub const ALL: [DealType; 18] = [
        DealType::Buy,
        DealType::Sell,
        DealType::Balance,
        DealType::Credit,
        DealType::Charge,
        DealType::Correction,
        DealType::Bonus,
        DealType::Commission,
        DealType::CommissionDaily,
        DealType::CommissionMonthly,
        DealType::CommissionAgentDaily,
        DealType::CommissionAgentMonthly,
        DealType::InterestRate,
        DealType::BuyCanceled,
        DealType::SellCanceled,
        DealType::Dividend,
        DealType::DividendFranked,
        DealType::Tax,
    ];

    /// Converts MT5's numeric value, or returns `None` for an unknown one.
    pub fn from_mt5(value: i32) -> Option<Self> {
        Self::ALL.get(usize::try_from(value).ok()?).copied()
    }

    /// Whether the deal is a trade (buy or sell) rather than an account operation.
    pub fn is_trade(self) -> bool {
        matches!(self, DealType::Buy | DealType::Sell)
    }

    /// Whether the deal moves money into or out of the account without being a
    /// trading result: deposits, withdrawals, corrections, credit and bonuses.
    pub fn is_cash_flow(self) -> bool {
        matches!(
            self,
            DealType::Balance | DealType::Credit | DealType::Correction | DealType::Bonus
        )
    }
}

/// MT5 `ENUM_DEAL_ENTRY`, with the terminal's numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(i32)]
pub enum DealEntry {
    In = 0,
    Out = 1,
    InOut = 2,
    OutBy = 3,
}

impl DealEntry {
    /// Converts MT5's numeric value, or returns `None` for an unknown one.
    pub fn from_mt5(value: i32) -> Option<Self> {
        match value {
            0 => Some(DealEntry::In),
            1 => Some(DealEntry::Out),
            2 => Some(DealEntry::InOut),
            3 => Some(DealEntry::OutBy),
            _ => None,
        }
    }

    /// Whether the deal opens (or reverses into) a position.
    pub fn opens(self) -> bool {
        matches!(self, DealEntry::In | DealEntry::InOut)
    }
}

/// One row of the account's deal history.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    /// Execution time.
    pub time_ms: TimeMs,
    /// Deal ticket.
    pub ticket: u64,
    /// Position the deal belongs to (0 for account operations).
    pub position_id: u64,
    /// Order that produced the deal (0 for account operations).
    pub order: u64,
    /// Symbol, empty for account operations.
    pub symbol: Symbol,
    /// Deal type.
    pub deal_type: DealType,
    /// Entry direction.
    pub entry: DealEntry,
    /// Volume in lots.
    pub volume: f64,
    /// Execution price.
    pub price: f64,
    /// Profit in account currency (the amount, for balance-type deals).
    pub profit: f64,
    /// Commission, negative when charged.
    pub commission: f64,
    /// Swap, negative when charged.
    pub swap: f64,
    /// Fee, negative when charged.
    pub fee: f64,
    /// Expert Advisor magic number.
    pub magic: i64,
    /// Broker or EA comment, cut to 32 bytes.
    pub comment: ShortText,
}

impl Deal {
    /// Realised trading result: profit + commission + swap + fee, and zero for cash flows.
    pub fn realised(&self) -> f64 {
        if self.deal_type.is_cash_flow() {
            0.0
        } else {
            self.profit + self.commission + self.swap + self.fee
        }
    }

    /// The amount a cash-flow deal moves the balance by, and zero for every other deal.
    pub fn cash_flow(&self) -> f64 {
        if self.deal_type.is_cash_flow() {
            self.profit + self.commission + self.swap + self.fee
        } else {
            0.0
        }
    }

    /// Total balance change the deal causes.
    pub fn balance_change(&self) -> f64 {
        self.profit + self.commission + self.swap + self.fee
    }
}

/// Trade direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(i32)]
pub enum Side {
    Buy = 0,
    Sell = 1,
}

/// An order the EA wants to send, checked before it goes out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OrderIntent {
    /// Time of the check.
    pub time_ms: TimeMs,
    /// Symbol.
    pub symbol: Symbol,
    /// Direction.
    pub side: Side,
    /// Requested volume in lots.
    pub volume: f64,
    /// Expected entry price.
    pub entry_price: f64,
    /// Stop-loss price, or 0.0 when the order has none.
    pub stop_loss: f64,
    /// Minimum price change of the symbol.
    pub tick_size: f64,
    /// Account-currency value of one tick for one lot.
    pub tick_value: f64,
    /// Round-trip commission per lot, as a positive amount.
    pub commission_per_lot: f64,
}

impl OrderIntent {
    /// Loss in account currency if one lot is stopped out: the stop distance in ticks
    /// times the tick value, plus the commission. `None` when there is no stop.
    pub fn loss_per_lot(&self) -> Option<f64> {
        if self.stop_loss == 0.0 || self.tick_size <= 0.0 {
            return None;
        }
        let ticks = (self.entry_price - self.stop_loss).abs() / self.tick_size;
        Some(ticks * self.tick_value + self.commission_per_lot.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_round_trip() {
        let text = ShortText::new("EURUSD.Z").unwrap();
        assert_eq!(text.as_str(), "EURUSD.Z");
        assert!(ShortText::new(&"x".repeat(33)).is_err());
    }

    #[test]
    fn short_text_truncates_on_char_boundary() {
        let long = format!("{}é", "a".repeat(31));
        assert_eq!(ShortText::truncated(&long).as_str(), "a".repeat(31));
    }

    #[test]
    fn cash_flow_is_never_realised() {
        let mut deal = Deal {
            time_ms: 0,
            ticket: 1,
            position_id: 0,
            order: 0,
            symbol: ShortText::EMPTY,
            deal_type: DealType::Balance,
            entry: DealEntry::In,
            volume: 0.0,
            price: 0.0,
            profit: 2000.0,
            commission: 0.0,
            swap: 0.0,
            fee: 0.0,
            magic: 0,
            comment: ShortText::EMPTY,
        };
        assert_eq!(deal.realised(), 0.0);
        assert_eq!(deal.cash_flow(), 2000.0);
        deal.deal_type = DealType::Sell;
        deal.commission = -7.0;
        assert_eq!(deal.realised(), 1993.0);
    }

    #[test]
    fn deal_type_numbers_match_mt5() {
        for (index, deal_type) in DealType::ALL.iter().enumerate() {
            assert_eq!(*deal_type as i32, index as i32);
            assert_eq!(DealType::from_mt5(index as i32), Some(*deal_type));
        }
        assert_eq!(DealType::from_mt5(18), None);
        assert_eq!(DealType::from_mt5(-1), None);
    }
}
