//! The audit page of a replayed MT5 or MetriX export: the replay report's figures,
//! and the equity curve with both loss floors and the breaches.

use super::html::Page;
use super::svg::{drawdown_svg, BreachMark, CurvePoint, EquityChart};
use super::{money, RuleLine};
use crate::compliance::{Engine, RuleKind};
use crate::import::Import;
use crate::replay::{self, Event, EventStream, ReplayError, ReplayOptions, Report, RuleChoice};
use crate::time::parse_zone;
use chrono::DateTime;

/// Replays `import` once more, step by step, to draw the curve: the balance and
/// equity of every snapshot, and each loss floor as the engine had it after every
/// event. The breach marks come from `report`, so the page shows the replay's own
/// figures.
///
/// # Errors
///
/// The [`ReplayError`]s of [`crate::replay::replay`].
pub fn equity_chart(
    import: &Import,
    options: &ReplayOptions,
    report: &Report,
) -> Result<EquityChart, ReplayError> {
    // NOTE: this mirrors the precedence `replay::replay` uses for the initial
    // balance and the rule set; the audit test checks that the breaches seen here
    // are the report's.
    let initial_balance = match (options.initial_balance, import.inferred_initial_balance()) {
        (Some(balance), _) | (None, Some(balance)) => balance,
        (None, None) => match &options.rules {
            RuleChoice::Custom(rules) => rules.initial_capital,
            _ => {
                return Err(ReplayError::NoInitialBalance {
                    source_name: import.source.clone(),
                })
            }
        },
    };
    let rules = replay::rule_set(&options.rules, initial_balance);
    let stream = EventStream::from_import(import, initial_balance);
    let mut engine = Engine::new(rules)?;
    engine.load_history(&stream.history());
    let mut chart = EquityChart {
        points: vec![CurvePoint {
            time_ms: stream.start_ms,
            balance: stream.initial_balance,
            equity: stream.initial_balance,
        }],
        ..EquityChart::default()
    };
    record_floors(&mut chart, &engine, stream.start_ms);
    for event in &stream.events {
        match event {
            Event::Deal(deal) => {
                engine.on_deal(deal);
            }
            Event::Snapshot(snapshot) => {
                engine.on_snapshot(snapshot);
                chart.points.push(CurvePoint {
                    time_ms: snapshot.time_ms,
                    balance: snapshot.balance,
                    equity: snapshot.equity,
                });
            }
        }
        while engine.pop_event().is_some() {}
        record_floors(&mut chart, &engine, event.time_ms());
    }
    chart.breaches = breach_marks(report);
    Ok(chart)
}

/// Appends each loss floor to its step line when it changed.
fn record_floors(chart: &mut EquityChart, engine: &Engine, time_ms: i64) {
    for (rule, line) in [
        (RuleKind::DailyLoss, &mut chart.daily_floor),
        (RuleKind::MaxLoss, &mut chart.max_floor),
    ] {
        let Some(report) = engine.report(rule) else {
            continue;
        };
        if report.floor.is_finite() && line.last().is_none_or(|(_, floor)| *floor != report.floor) {
            line.push((time_ms, report.floor));
        }
    }
}

/// The report's breaches as chart marks.
pub fn breach_marks(report: &Report) -> Vec<BreachMark> {
    report
        .compliance
        .breaches
        .iter()
        .filter_map(|breach| {
            let time = DateTime::parse_from_rfc3339(&breach.time).ok()?;
            Some(BreachMark {
                time_ms: time.timestamp_millis(),
                rule: breach.rule.clone(),
                equity: breach.equity,
                floor: breach.floor,
            })
        })
        .collect()
}

fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |value| format!("{value:.6}"))
}

/// Renders the audit page of `report` with `chart`.
pub fn audit_html(report: &Report, chart: &EquityChart) -> String {
    let zone = parse_zone(&report.firm_zone).unwrap_or(chrono_tz::UTC);
    let mut page = Page::new(&format!("Audit of {}", report.source));
    page.paragraph(&format!(
        "{} replayed against {}, server clock {}, firm days in {}.",
        report.format.describe(),
        report.rules,
        report.server_clock,
        report.firm_zone
    ))
    .paragraph(&format!("Note: {}.", report.evaluation_note));
    page.heading("compliance", "Compliance").facts(
        "compliance-table",
        &[
            ("Status".into(), report.compliance.status.clone()),
            ("Verdict".into(), report.compliance.verdict.clone()),
            ("Reason".into(), report.compliance.reason.clone()),
            (
                "Breaches".into(),
                report.compliance.breaches.len().to_string(),
            ),
        ],
    );
    page.heading("charts", "Equity, floors and drawdown")
        .figure(
            &chart.to_svg(zone),
            "Balance and equity at every deal, the daily-loss and maximum-loss floors as the \
             engine had them, and each breach circled in red.",
        )
        .figure(
            &drawdown_svg(&chart.points, zone),
            "Drawdown from the equity peak.",
        );
    let breaches: Vec<Vec<String>> = report
        .compliance
        .breaches
        .iter()
        .map(|b| {
            let kind = if b.hard { "hard" } else { "soft" };
            vec![
                b.rule.clone(),
                b.time.clone(),
                money(b.equity),
                money(b.floor),
                money(b.min_equity),
                kind.to_owned(),
            ]
        })
        .collect();
    page.heading("breaches", "Breaches").table(
        "breaches-table",
        &["rule", "time", "equity", "floor", "lowest equity", "kind"],
        &breaches,
    );
    let rules: Vec<RuleLine> = report
        .compliance
        .rules
        .iter()
        .map(|rule| RuleLine {
            rule: rule.rule.clone(),
            floor: rule.floor,
            room: rule.room,
            used_share: rule.used_share,
            status: rule.status.clone(),
            breach: None,
        })
        .collect();
    super::rules_html(&mut page, &rules);
    statistics_html(&mut page, report);
    activity_html(&mut page, report);
    page.finish()
}

fn statistics_html(page: &mut Page, report: &Report) {
    let rows = vec![
        (
            "Period".to_owned(),
            format!("{} to {}", report.period_start, report.period_end),
        ),
        ("Initial balance".into(), money(report.initial_balance)),
        ("Final balance".into(), money(report.final_balance)),
        ("Trades".into(), report.trades.to_string()),
        ("Wins".into(), report.wins.to_string()),
        ("Losses".into(), report.losses.to_string()),
        ("Win rate".into(), format!("{:.2}%", report.win_rate)),
        ("Gross profit".into(), money(report.gross_profit)),
        ("Gross loss".into(), money(report.gross_loss)),
        ("Net profit".into(), money(report.net_profit)),
        ("Profit factor".into(), ratio(report.profit_factor)),
        (
            "Expected payoff".into(),
            format!("{:.6}", report.expected_payoff),
        ),
        ("Sharpe ratio".into(), format!("{:.6}", report.sharpe_ratio)),
        ("Recovery factor".into(), ratio(report.recovery_factor)),
        ("Largest win".into(), money(report.largest_win)),
        ("Largest loss".into(), money(report.largest_loss)),
        (
            "Maximal balance drawdown".into(),
            money(report.max_balance_drawdown),
        ),
        (
            "Maximal balance drawdown %".into(),
            format!("{:.2}%", report.max_balance_drawdown_pct),
        ),
        ("Trading days".into(), report.trading_days.to_string()),
    ];
    page.heading("statistics", "Trading statistics")
        .facts("statistics-table", &rows);
}

fn activity_html(page: &mut Page, report: &Report) {
    let flows: Vec<Vec<String>> = report
        .cash_flows
        .iter()
        .map(|f| {
            vec![
                f.time.clone(),
                f.kind.clone(),
                money(f.amount),
                f.comment.clone(),
            ]
        })
        .collect();
    page.heading("cash-flows", "Cash flows (not profit)").table(
        "cash-flows-table",
        &["time", "kind", "amount", "comment"],
        &flows,
    );
    let activations: Vec<Vec<String>> = report
        .xpws
        .activations
        .iter()
        .map(|a| {
            vec![
                a.symbol.clone(),
                a.week_start.clone(),
                a.time.clone(),
                money(a.week_profit),
                money(a.week_start_balance),
            ]
        })
        .collect();
    page.heading("xpws", "XPWS activations")
        .paragraph(&format!(
            "Extra profit in XPWS mode: {}",
            money(report.xpws.extra_profit)
        ))
        .table(
            "xpws-table",
            &[
                "symbol",
                "week",
                "time",
                "week profit",
                "week start balance",
            ],
            &activations,
        );
}
