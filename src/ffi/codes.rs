//! Numeric codes the C structs carry, as header constants. Each set mirrors a `#[repr(i32)]`
//! enum of the crate, and the tests below check that both agree.

/// `MbDecision.verdict`: new orders may go out, each through the pre-trade check.
pub const MB_VERDICT_MAY_TRADE: i32 = 0;
/// `MbDecision.verdict`: close every position, delete pending orders, reject new orders.
pub const MB_VERDICT_CLOSE_ALL: i32 = 1;
/// `MbDecision.verdict`: reject new orders; open positions stay.
pub const MB_VERDICT_BLOCKED: i32 = 2;

/// Reason code: nothing stops trading.
pub const MB_REASON_NONE: i32 = 0;
/// Reason code: equity fell below the daily loss floor.
pub const MB_REASON_DAILY_LOSS_BREACHED: i32 = 1;
/// Reason code: equity fell below the maximum loss floor.
pub const MB_REASON_MAX_LOSS_BREACHED: i32 = 2;
/// Reason code: equity came within the safety buffer of the daily loss floor.
pub const MB_REASON_DAILY_LOSS_BUFFER: i32 = 3;
/// Reason code: equity came within the safety buffer of the maximum loss floor.
pub const MB_REASON_MAX_LOSS_BUFFER: i32 = 4;
/// Reason code: equity was NaN, infinite, zero or negative.
pub const MB_REASON_INVALID_EQUITY: i32 = 5;
/// Reason code: balance was NaN, infinite, zero or negative.
pub const MB_REASON_INVALID_BALANCE: i32 = 6;
/// Reason code: no fresh snapshot within the staleness limit, or the terminal is disconnected.
pub const MB_REASON_STALE_DATA: i32 = 7;
/// Reason code: a snapshot was older than one already seen.
pub const MB_REASON_TIME_WENT_BACKWARDS: i32 = 8;
/// Reason code: the stored day anchor and the one rebuilt from the deal history disagree.
pub const MB_REASON_ANCHOR_MISMATCH: i32 = 9;
/// Reason code: no deal history covers the start of the day, so no anchor can be rebuilt.
pub const MB_REASON_NO_HISTORY: i32 = 10;
/// Reason code: an operator or the incident book halted trading.
pub const MB_REASON_HALTED: i32 = 11;
/// Reason code: a panic was caught at the C ABI boundary.
pub const MB_REASON_PANIC_CAUGHT: i32 = 12;
/// Reason code: durable state could not be written.
pub const MB_REASON_PERSIST_FAILED: i32 = 13;
/// Reason code: the order would exceed the maximum number of open positions.
pub const MB_REASON_MAX_POSITIONS: i32 = 14;
/// Reason code: the order risks more than the hard cap per trade.
pub const MB_REASON_RISK_ABOVE_CAP: i32 = 15;
/// Reason code: the order has no stop loss and the rules require one.
pub const MB_REASON_STOP_LOSS_REQUIRED: i32 = 16;
/// Reason code: the order's volume is above the largest volume the floors allow.
pub const MB_REASON_VOLUME_ABOVE_MAX: i32 = 17;
/// Reason code: the order intent has an invalid field.
pub const MB_REASON_INVALID_ORDER: i32 = 18;
/// Reason code: a time outside the range the calendar can represent.
pub const MB_REASON_INVALID_TIME: i32 = 19;
/// Reason code: a deal with a NaN or infinite amount.
pub const MB_REASON_INVALID_DEAL: i32 = 20;
/// Reason code: the account the call names is not one the library guards.
pub const MB_REASON_UNKNOWN_ACCOUNT: i32 = 21;
/// Reason code: an event time disagrees with the engine's clock by more than the tolerance.
pub const MB_REASON_CLOCK_MISMATCH: i32 = 22;

/// `MbRuleReport.rule`: the daily loss limit.
pub const MB_RULE_DAILY_LOSS: i32 = 0;
/// `MbRuleReport.rule`: the maximum loss limit.
pub const MB_RULE_MAX_LOSS: i32 = 1;
/// `MbRuleReport.rule`: the profit target.
pub const MB_RULE_PROFIT_TARGET: i32 = 2;
/// `MbRuleReport.rule`: the minimum number of trading days.
pub const MB_RULE_MIN_TRADING_DAYS: i32 = 3;
/// `MbRuleReport.rule`: the Best Day Rule.
pub const MB_RULE_BEST_DAY: i32 = 4;

/// `MbRuleReport.status`: a loss limit with less than the warning share used.
pub const MB_RULE_STATUS_OK: i32 = 0;
/// `MbRuleReport.status`: a loss limit with at least the warning share used.
pub const MB_RULE_STATUS_WARNING: i32 = 1;
/// `MbRuleReport.status`: a loss limit crossed, latched until the rule lifts it.
pub const MB_RULE_STATUS_BREACHED: i32 = 2;
/// `MbRuleReport.status`: a goal not reached yet.
pub const MB_RULE_STATUS_NOT_MET: i32 = 3;
/// `MbRuleReport.status`: a goal reached.
pub const MB_RULE_STATUS_MET: i32 = 4;

/// XPWS mode of a symbol: take profit at the normal ratio.
pub const MB_XPWS_NORMAL: i32 = 0;
/// XPWS mode of a symbol: take profit at the XPWS ratio, stop to break-even at 1:1.
pub const MB_XPWS_ACTIVE: i32 = 1;

/// `MbEvent.kind`: a loss limit was crossed.
pub const MB_EVENT_BREACHED: i32 = 1;
/// `MbEvent.kind`: a loss limit reached the warning share of its room.
pub const MB_EVENT_WARNING: i32 = 2;
/// `MbEvent.kind`: equity entered the safety buffer above a floor.
pub const MB_EVENT_BUFFER_ENTERED: i32 = 3;
/// `MbEvent.kind`: a soft breach or buffer lock lifted at a day reset.
pub const MB_EVENT_LIFTED: i32 = 4;
/// `MbEvent.kind`: trading was blocked, or every position must be closed.
pub const MB_EVENT_BLOCKED: i32 = 5;
/// `MbEvent.kind`: trading is allowed again.
pub const MB_EVENT_UNBLOCKED: i32 = 6;
/// `MbEvent.kind`: a new firm day started.
pub const MB_EVENT_DAY_RESET: i32 = 7;
/// `MbEvent.kind`: a goal was met.
pub const MB_EVENT_GOAL_MET: i32 = 8;
/// `MbEvent.kind`: a symbol entered XPWS mode.
pub const MB_EVENT_XPWS_ACTIVATED: i32 = 9;

/// `MbEvent.priority`: log only.
pub const MB_PRIORITY_LOW: i32 = 0;
/// `MbEvent.priority`: batched (mail).
pub const MB_PRIORITY_MEDIUM: i32 = 1;
/// `MbEvent.priority`: sent at once (screen, push, mail, webhook).
pub const MB_PRIORITY_HIGH: i32 = 2;
/// `MbEvent.priority`: sent at once and never dropped.
pub const MB_PRIORITY_CRITICAL: i32 = 3;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compliance::{Reason, RuleKind, RuleStatus, Verdict};
    use crate::xpws::XpwsMode;

    #[test]
    fn verdict_codes_match_enum() {
        assert_eq!(Verdict::MayTrade as i32, MB_VERDICT_MAY_TRADE);
        assert_eq!(Verdict::CloseAll as i32, MB_VERDICT_CLOSE_ALL);
        assert_eq!(Verdict::Blocked as i32, MB_VERDICT_BLOCKED);
    }

    #[test]
    fn reason_codes_match_enum() {
        let codes = [
            ("none", MB_REASON_NONE),
            ("daily_loss_breached", MB_REASON_DAILY_LOSS_BREACHED),
            ("max_loss_breached", MB_REASON_MAX_LOSS_BREACHED),
            ("daily_loss_buffer", MB_REASON_DAILY_LOSS_BUFFER),
            ("max_loss_buffer", MB_REASON_MAX_LOSS_BUFFER),
            ("invalid_equity", MB_REASON_INVALID_EQUITY),
            ("invalid_balance", MB_REASON_INVALID_BALANCE),
            ("stale_data", MB_REASON_STALE_DATA),
            ("time_went_backwards", MB_REASON_TIME_WENT_BACKWARDS),
            ("anchor_mismatch", MB_REASON_ANCHOR_MISMATCH),
            ("no_history", MB_REASON_NO_HISTORY),
            ("halted", MB_REASON_HALTED),
            ("panic_caught", MB_REASON_PANIC_CAUGHT),
            ("persist_failed", MB_REASON_PERSIST_FAILED),
            ("max_positions", MB_REASON_MAX_POSITIONS),
            ("risk_above_cap", MB_REASON_RISK_ABOVE_CAP),
            ("stop_loss_required", MB_REASON_STOP_LOSS_REQUIRED),
            ("volume_above_max", MB_REASON_VOLUME_ABOVE_MAX),
            ("invalid_order", MB_REASON_INVALID_ORDER),
            ("invalid_time", MB_REASON_INVALID_TIME),
            ("invalid_deal", MB_REASON_INVALID_DEAL),
            ("unknown_account", MB_REASON_UNKNOWN_ACCOUNT),
            ("clock_mismatch", MB_REASON_CLOCK_MISMATCH),
        ];
        assert_eq!(
            Reason::ALL.len(),
            codes.len(),
            "every reason has a header constant"
        );
        for (name, code) in codes {
            let reason = Reason::from_i32(code).expect("the code is a reason");
            assert_eq!(reason.as_str(), name);
        }
    }

    #[test]
    fn rule_codes_match_enum() {
        let codes = [
            MB_RULE_DAILY_LOSS,
            MB_RULE_MAX_LOSS,
            MB_RULE_PROFIT_TARGET,
            MB_RULE_MIN_TRADING_DAYS,
            MB_RULE_BEST_DAY,
        ];
        assert_eq!(RuleKind::ALL.len(), codes.len());
        for (rule, code) in RuleKind::ALL.iter().zip(codes) {
            assert_eq!(*rule as i32, code, "{rule}");
        }
    }

    #[test]
    fn rule_status_codes_match_enum() {
        assert_eq!(RuleStatus::Ok as i32, MB_RULE_STATUS_OK);
        assert_eq!(RuleStatus::Warning as i32, MB_RULE_STATUS_WARNING);
        assert_eq!(RuleStatus::Breached as i32, MB_RULE_STATUS_BREACHED);
        assert_eq!(RuleStatus::NotMet as i32, MB_RULE_STATUS_NOT_MET);
        assert_eq!(RuleStatus::Met as i32, MB_RULE_STATUS_MET);
    }

    #[test]
    fn xpws_codes_match_enum() {
        assert_eq!(XpwsMode::Normal as i32, MB_XPWS_NORMAL);
        assert_eq!(XpwsMode::Active as i32, MB_XPWS_ACTIVE);
    }
}
