//! The pre-trade check: allow or reject an order intent, and the largest volume
//! whose stop-out keeps equity above every loss floor with the safety buffer.

use super::engine::Engine;
use super::reason::Reason;
use crate::account::{OrderIntent, Side};
use serde::{Deserialize, Serialize};

/// Relative slack when comparing a risk with its limit, so that an order sized
/// exactly at [`PreTrade::max_volume`] passes despite rounding.
const RISK_SLACK: f64 = 1e-9;

/// The result of a pre-trade check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PreTrade {
    /// Whether the order may go out as requested.
    pub allowed: bool,
    /// Why it was rejected, or [`Reason::None`].
    pub reason: Reason,
    /// Largest volume in lots whose stop-out stays within the hard risk cap and
    /// keeps equity above every floor plus the safety buffer; 0.0 when nothing is
    /// allowed. Round it down to the symbol's volume step. For an order without a
    /// stop (allowed only when the rules do not require one) it is the requested
    /// volume, because no stop-out loss can be computed.
    pub max_volume: f64,
    /// Volume at the configured risk per trade (0.55% of balance by default),
    /// also kept inside the floors.
    pub suggested_volume: f64,
    /// Stop-out loss of the requested volume in account currency, including
    /// commission; 0.0 when the order has no stop.
    pub risk: f64,
}

impl PreTrade {
    fn reject(reason: Reason) -> PreTrade {
        PreTrade {
            allowed: false,
            reason,
            max_volume: 0.0,
            suggested_volume: 0.0,
            risk: 0.0,
        }
    }
}

impl Engine {
    /// Checks an order intent against the current decision, the data's freshness,
    /// the position count, the stop-loss rule, the hard risk cap and the room to
    /// every loss floor. Allocates nothing.
    pub fn check_order(&self, order: &OrderIntent) -> PreTrade {
        if !self.decision.may_trade_now() {
            return PreTrade::reject(self.decision.reason);
        }
        let Some(last) = self.last_snapshot else {
            return PreTrade::reject(Reason::NoHistory);
        };
        if order.time_ms < last.time_ms {
            return PreTrade::reject(Reason::TimeWentBackwards);
        }
        if order.time_ms.saturating_sub(last.time_ms) > self.rules.safety.stale_after_ms
            || order.time_ms >= self.next_reset_ms
        {
            return PreTrade::reject(Reason::StaleData);
        }
        if !order_fields_valid(order) {
            return PreTrade::reject(Reason::InvalidOrder);
        }
        if last.open_positions >= self.rules.risk.max_open_positions {
            return PreTrade::reject(Reason::MaxPositions);
        }
        let Some(loss_per_lot) = order.loss_per_lot() else {
            if self.rules.risk.stop_loss_required {
                return PreTrade::reject(Reason::StopLossRequired);
            }
            return PreTrade {
                allowed: true,
                reason: Reason::None,
                max_volume: order.volume,
                suggested_volume: order.volume,
                risk: 0.0,
            };
        };
        if !stop_on_loss_side(order) || loss_per_lot <= 0.0 {
            return PreTrade::reject(Reason::InvalidOrder);
        }
        self.size_order(order, loss_per_lot)
    }

    /// Compares the order's stop-out loss with the hard cap and the room left.
    fn size_order(&self, order: &OrderIntent, loss_per_lot: f64) -> PreTrade {
        let balance = self.balance;
        let room = self.room_to_floors();
        let risk_limits = &self.rules.risk;
        let cap = balance * risk_limits.max_risk_per_trade_percent / 100.0;
        let budget = balance * risk_limits.risk_per_trade_percent / 100.0;
        let max_risk = room.min(cap).max(0.0);
        let risk = order.volume * loss_per_lot;
        let mut check = PreTrade {
            allowed: true,
            reason: Reason::None,
            max_volume: max_risk / loss_per_lot,
            suggested_volume: room.min(budget).max(0.0) / loss_per_lot,
            risk,
        };
        let slack = 1.0 + RISK_SLACK;
        if risk > room * slack || room <= 0.0 {
            check.allowed = false;
            check.reason = Reason::VolumeAboveMax;
        } else if risk > cap * slack {
            check.allowed = false;
            check.reason = Reason::RiskAboveCap;
        }
        check
    }

    /// Returns the smallest distance from equity to a loss floor plus the safety
    /// buffer.
    pub fn room_to_floors(&self) -> f64 {
        // NOTE: the stop-out risk of positions already open is not subtracted,
        // because snapshots carry no stops; the buffer verdict covers them.
        let buffer = self.rules.buffer_amount();
        self.rules()
            .iter()
            .filter(|report| report.rule.is_loss_limit())
            .map(|report| self.equity - report.floor - buffer)
            .fold(f64::INFINITY, f64::min)
    }
}

fn order_fields_valid(order: &OrderIntent) -> bool {
    let positive = |value: f64| value.is_finite() && value > 0.0;
    positive(order.volume)
        && positive(order.entry_price)
        && positive(order.tick_size)
        && positive(order.tick_value)
        && order.commission_per_lot.is_finite()
        && order.stop_loss.is_finite()
        && order.stop_loss >= 0.0
}

fn stop_on_loss_side(order: &OrderIntent) -> bool {
    match order.side {
        Side::Buy => order.stop_loss < order.entry_price,
        Side::Sell => order.stop_loss > order.entry_price,
    }
}
