//! The daily report: the day's trades and result, rule room used, and alerts.

use super::html::Page;
use super::svg::{drawdown_svg, CurvePoint, EquityChart};
use super::{money, AlertLine, RuleLine};
use crate::account::{Deal, Snapshot, TimeMs};
use crate::time::{rfc3339, FirmClock};
use chrono::NaiveDate;
use serde::Serialize;
use std::fmt::Write as _;

/// One closing deal of the day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TradeLine {
    /// Time (RFC 3339, UTC).
    pub time: String,
    /// Deal ticket.
    pub ticket: u64,
    /// Symbol.
    pub symbol: String,
    /// Volume in lots.
    pub volume: f64,
    /// Price.
    pub price: f64,
    /// Realised result: profit, commission, swap and fee.
    pub result: f64,
}

/// What the daily report is built from.
#[derive(Debug, Clone)]
pub struct DailyInput<'a> {
    /// The firm day to report.
    pub date: NaiveDate,
    /// The firm's day boundary.
    pub clock: FirmClock,
    /// The account label.
    pub account: String,
    /// Deals; those outside the day are ignored.
    pub deals: &'a [Deal],
    /// Snapshots; those outside the day are ignored.
    pub snapshots: &'a [Snapshot],
    /// Each rule's standing at the end of the day.
    pub rules: Vec<RuleLine>,
    /// Alerts raised during the day.
    pub alerts: Vec<AlertLine>,
}

/// The daily report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyReport {
    /// The firm day.
    pub date: NaiveDate,
    /// The firm zone.
    pub zone: String,
    /// The account label.
    pub account: String,
    /// Closing deals (trades) of the day.
    pub trades: Vec<TradeLine>,
    /// Realised result of every trading deal of the day, opening commissions included.
    pub result: f64,
    /// Deposits, withdrawals and other cash flows, which are not profit.
    pub cash_flow: f64,
    /// Balance at the first snapshot of the day.
    pub start_balance: Option<f64>,
    /// Balance at the last snapshot.
    pub end_balance: Option<f64>,
    /// Equity at the last snapshot.
    pub end_equity: Option<f64>,
    /// Lowest equity seen in a snapshot.
    pub min_equity: Option<f64>,
    /// Each rule's floor, room and share used.
    pub rules: Vec<RuleLine>,
    /// Alerts of the day.
    pub alerts: Vec<AlertLine>,
    /// The equity chart, drawn in the HTML page only.
    #[serde(skip)]
    pub chart: EquityChart,
}

impl DailyReport {
    /// Builds the report for `input.date` from the day's deals and snapshots.
    ///
    /// # Errors
    ///
    /// [`crate::time::TimeError`] when the date is out of chrono's range.
    pub fn build(input: DailyInput<'_>) -> Result<Self, crate::time::TimeError> {
        let start = input.clock.day_start_ms(input.date)?;
        let end = input
            .clock
            .day_start_ms(input.date.succ_opt().unwrap_or(input.date))?;
        let within = |time: TimeMs| (start..end).contains(&time);
        let deals: Vec<&Deal> = input.deals.iter().filter(|d| within(d.time_ms)).collect();
        let trades = deals
            .iter()
            .filter(|deal| deal.deal_type.is_trade() && !deal.entry.opens())
            .map(|deal| TradeLine {
                time: rfc3339(deal.time_ms),
                ticket: deal.ticket,
                symbol: deal.symbol.as_str().to_owned(),
                volume: deal.volume,
                price: deal.price,
                result: deal.realised(),
            })
            .collect();
        let result = deals
            .iter()
            .filter(|deal| deal.deal_type.is_trade())
            .map(|deal| deal.realised())
            .sum();
        let cash_flow = deals.iter().map(|deal| deal.cash_flow()).sum();
        let snapshots: Vec<&Snapshot> = input
            .snapshots
            .iter()
            .filter(|s| within(s.time_ms) && s.equity.is_finite())
            .collect();
        let chart = EquityChart {
            points: snapshots
                .iter()
                .map(|s| CurvePoint {
                    time_ms: s.time_ms,
                    balance: s.balance,
                    equity: s.equity,
                })
                .collect(),
            daily_floor: floor_line(&input.rules, "daily_loss", start),
            max_floor: floor_line(&input.rules, "max_loss", start),
            breaches: input
                .rules
                .iter()
                .filter_map(|rule| rule.breach.clone())
                .filter(|breach| within(breach.time_ms))
                .collect(),
        };
        Ok(DailyReport {
            date: input.date,
            zone: input.clock.zone.name().to_owned(),
            account: input.account,
            trades,
            result,
            cash_flow,
            start_balance: snapshots.first().map(|s| s.balance),
            end_balance: snapshots.last().map(|s| s.balance),
            end_equity: snapshots.last().map(|s| s.equity),
            min_equity: snapshots.iter().map(|s| s.equity).reduce(f64::min),
            rules: input.rules,
            alerts: input.alerts,
            chart,
        })
    }

    /// Renders the report as readable text.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "Daily report {} ({}), account {}\n\n",
            self.date, self.zone, self.account
        );
        let _ = writeln!(text, "Trades closed: {}", self.trades.len());
        let _ = writeln!(text, "Result:        {}", money(self.result));
        if self.cash_flow != 0.0 {
            let _ = writeln!(
                text,
                "Cash flow:     {} (not profit)",
                money(self.cash_flow)
            );
        }
        for (name, value) in [
            ("Start balance", self.start_balance),
            ("End balance", self.end_balance),
            ("End equity", self.end_equity),
            ("Lowest equity", self.min_equity),
        ] {
            let shown = value.map_or_else(|| "no snapshot".to_owned(), money);
            let _ = writeln!(text, "{:<15}{shown}", format!("{name}:"));
        }
        text.push_str(&super::rules_text(&self.rules));
        text.push_str(&super::alerts_text(&self.alerts));
        if !self.trades.is_empty() {
            text.push_str("\nTrades:\n");
            for trade in &self.trades {
                let _ = writeln!(
                    text,
                    "  {} #{} {} {} lots at {}: {}",
                    trade.time,
                    trade.ticket,
                    trade.symbol,
                    trade.volume,
                    trade.price,
                    money(trade.result)
                );
            }
        }
        text
    }

    /// Renders the report as a self-contained HTML page.
    pub fn to_html(&self) -> String {
        let mut page = Page::new(&format!(
            "Daily report {} - account {}",
            self.date, self.account
        ));
        let optional = |value: Option<f64>| value.map_or_else(|| "no snapshot".to_owned(), money);
        page.heading("summary", "Summary").facts(
            "summary-table",
            &[
                ("Firm zone".into(), self.zone.clone()),
                ("Trades closed".into(), self.trades.len().to_string()),
                ("Result".into(), money(self.result)),
                ("Cash flow (not profit)".into(), money(self.cash_flow)),
                ("Start balance".into(), optional(self.start_balance)),
                ("End balance".into(), optional(self.end_balance)),
                ("End equity".into(), optional(self.end_equity)),
                ("Lowest equity".into(), optional(self.min_equity)),
            ],
        );
        super::rules_html(&mut page, &self.rules);
        page.heading("charts", "Equity and drawdown")
            .figure(
                &self.chart.to_svg(parse_zone_or_utc(&self.zone)),
                "Balance and equity through the day, with the daily-loss and maximum-loss floors.",
            )
            .figure(
                &drawdown_svg(&self.chart.points, parse_zone_or_utc(&self.zone)),
                "Drawdown from the day's equity peak.",
            );
        let rows: Vec<Vec<String>> = self
            .trades
            .iter()
            .map(|t| {
                vec![
                    t.time.clone(),
                    t.ticket.to_string(),
                    t.symbol.clone(),
                    t.volume.to_string(),
                    t.price.to_string(),
                    money(t.result),
                ]
            })
            .collect();
        page.heading("trades", "Trades").table(
            "trades-table",
            &["time", "ticket", "symbol", "volume", "price", "result"],
            &rows,
        );
        super::alerts_html(&mut page, &self.alerts);
        page.finish()
    }
}

fn parse_zone_or_utc(name: &str) -> chrono_tz::Tz {
    crate::time::parse_zone(name).unwrap_or(chrono_tz::UTC)
}

/// A one-step floor line from the named rule's floor, starting at `start`.
fn floor_line(rules: &[RuleLine], name: &str, start: TimeMs) -> Vec<(TimeMs, f64)> {
    rules
        .iter()
        .filter(|rule| rule.rule == name && rule.floor.is_finite())
        .map(|rule| (start, rule.floor))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{DealEntry, DealType, ShortText};

    fn deal(time_ms: TimeMs, deal_type: DealType, entry: DealEntry, profit: f64) -> Deal {
        Deal {
            time_ms,
            ticket: time_ms as u64,
            position_id: 1,
            order: 1,
            symbol: ShortText::new("EURUSD").unwrap(),
            deal_type,
            entry,
            volume: 0.1,
            price: 1.1,
            profit,
            commission: -0.5,
            swap: 0.0,
            fee: 0.0,
            magic: 0,
            comment: ShortText::EMPTY,
        }
    }

    #[test]
    fn daily_report_counts_only_its_day() {
        let clock = FirmClock::default();
        let date = NaiveDate::from_ymd_opt(2025, 3, 30).unwrap();
        let start = clock.day_start_ms(date).unwrap();
        let deals = [
            deal(start - 1, DealType::Sell, DealEntry::Out, 99.0),
            deal(start + 10, DealType::Buy, DealEntry::In, 0.0),
            deal(start + 20, DealType::Sell, DealEntry::Out, 30.0),
            deal(start + 30, DealType::Balance, DealEntry::In, 500.0),
            deal(start + 23 * 3_600_000, DealType::Sell, DealEntry::Out, 77.0),
        ];
        let report = DailyReport::build(DailyInput {
            date,
            clock,
            account: "1".into(),
            deals: &deals,
            snapshots: &[],
            rules: Vec::new(),
            alerts: Vec::new(),
        })
        .unwrap();
        assert_eq!(
            report.trades.len(),
            1,
            "the 23 h day ends before the last deal"
        );
        assert_eq!(report.result, -0.5 + 29.5);
        assert_eq!(report.cash_flow, 499.5);
        assert!(report.to_text().contains("Trades closed: 1"));
        assert!(report.to_html().contains("id=\"trades-table\""));
    }
}
