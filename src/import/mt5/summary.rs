//! The label and value cells of a report: the header (`Name:`, `Account:`, ...),
//! the balance block (`Balance:`, `Equity:`, ...) and the Results section.

use super::Section;
use crate::import::error::ImportError;
use crate::import::fields::parse_broker_time;
use crate::import::sheet::{parse_number, Sheet};
use crate::import::{AccountHeader, BalanceBlock, Mt5Results};
use crate::time::ServerClock;
use std::collections::HashSet;

/// A label cell (text ending in `:`) and the value in the next filled cell of its row.
#[derive(Debug, Clone)]
pub(super) struct Label {
    pub label: String,
    pub value: String,
    pub row: usize,
    pub column: usize,
    /// Whether the label is inside the Results section.
    pub in_results: bool,
}

/// Collects every label and value outside the sections' header and data rows.
pub(super) fn labels(sheet: &Sheet, sections: &[Section<'_>]) -> Vec<Label> {
    let results_row = sections
        .iter()
        .find(|section| section.title == "Results")
        .map(|section| section.title_row);
    let mut section_rows = HashSet::new();
    for section in sections {
        section_rows.extend(section.header.map(|header| header.number));
        section_rows.extend(section.data.iter().map(|row| row.number));
    }
    let mut labels = Vec::new();
    for row in sheet
        .rows
        .iter()
        .filter(|row| !section_rows.contains(&row.number))
    {
        let filled: Vec<(usize, &str)> = row.filled().collect();
        for (position, (_, text)) in filled.iter().enumerate() {
            if !text.ends_with(':') {
                continue;
            }
            let Some((value_column, value)) = filled.get(position + 1) else {
                continue;
            };
            if value.ends_with(':') {
                continue;
            }
            labels.push(Label {
                label: text.trim_end_matches(':').trim().to_owned(),
                value: (*value).to_owned(),
                row: row.number,
                column: *value_column,
                in_results: results_row.is_some_and(|start| row.number > start),
            });
        }
    }
    labels
}

fn find<'a>(labels: &'a [Label], name: &str, in_results: bool) -> Option<&'a Label> {
    labels
        .iter()
        .find(|label| label.in_results == in_results && label.label.eq_ignore_ascii_case(name))
}

fn number(sheet: &Sheet, label: &Label) -> Result<f64, ImportError> {
    parse_number(&label.value).ok_or_else(|| {
        sheet.error_at(
            label.row,
            label.column,
            format!(
                "expected a number for {}, found {:?}",
                label.label, label.value
            ),
        )
    })
}

/// Splits a value such as `291.18 (99.68%)`, `99.68% (291.18)` or `4 (44.44%)`
/// into the number before the bracket and the number inside it, `%` signs dropped.
fn pair(sheet: &Sheet, label: &Label) -> Result<(f64, Option<f64>), ImportError> {
    let error = || {
        sheet.error_at(
            label.row,
            label.column,
            format!(
                "expected a number, or a number and one in brackets such as 291.18 (99.68%), \
                 for {}, found {:?}",
                label.label, label.value
            ),
        )
    };
    let text = label.value.replace('%', "");
    let (outer, inner) = match text.split_once('(') {
        Some((outer, inner)) => (outer, Some(inner.trim_end().trim_end_matches(')'))),
        None => (text.as_str(), None),
    };
    let outer = parse_number(outer).ok_or_else(error)?;
    let inner = match inner {
        Some(inner) => Some(parse_number(inner).ok_or_else(error)?),
        None => None,
    };
    Ok((outer, inner))
}

/// Reads the report header. Every field is optional.
pub(super) fn header(
    sheet: &Sheet,
    labels: &[Label],
    clock: ServerClock,
) -> Result<AccountHeader, ImportError> {
    let text = |name: &str| {
        find(labels, name, false)
            .map(|label| label.value.clone())
            .unwrap_or_default()
    };
    let report_time_ms = match find(labels, "Date", false) {
        Some(label) => {
            let local = parse_broker_time(&label.value).ok_or_else(|| {
                sheet.error_at(
                    label.row,
                    label.column,
                    format!(
                        "expected a time such as 2025.05.15 18:14 for Date, found {:?}",
                        label.value
                    ),
                )
            })?;
            Some(
                clock
                    .to_utc_ms(local)
                    .map_err(|error| sheet.error_at(label.row, label.column, error.to_string()))?,
            )
        }
        None => None,
    };
    Ok(AccountHeader {
        name: text("Name"),
        account: text("Account"),
        company: text("Company"),
        report_time_ms,
    })
}

/// Reads the balance block, or `None` when the report has none.
pub(super) fn balance_block(
    sheet: &Sheet,
    labels: &[Label],
) -> Result<Option<BalanceBlock>, ImportError> {
    let value = |name: &str| -> Result<Option<f64>, ImportError> {
        find(labels, name, false)
            .map(|label| number(sheet, label))
            .transpose()
    };
    let block = BalanceBlock {
        balance: value("Balance")?,
        credit: value("Credit Facility")?,
        floating: value("Floating P/L")?,
        equity: value("Equity")?,
        free_margin: value("Free Margin")?,
        margin: value("Margin")?,
        margin_level: value("Margin Level")?,
    };
    Ok((block != BalanceBlock::default()).then_some(block))
}

/// Reads the Results section, or `None` when the report has none.
pub(super) fn results(sheet: &Sheet, labels: &[Label]) -> Result<Option<Mt5Results>, ImportError> {
    let entries: Vec<&Label> = labels.iter().filter(|label| label.in_results).collect();
    if entries.is_empty() {
        return Ok(None);
    }
    let outer = |name: &str| -> Result<Option<f64>, ImportError> {
        find(labels, name, true)
            .map(|label| pair(sheet, label).map(|(outer, _)| outer))
            .transpose()
    };
    let inner = |name: &str| -> Result<Option<f64>, ImportError> {
        Ok(find(labels, name, true)
            .map(|label| pair(sheet, label))
            .transpose()?
            .and_then(|(_, inner)| inner))
    };
    Ok(Some(Mt5Results {
        total_net_profit: outer("Total Net Profit")?,
        gross_profit: outer("Gross Profit")?,
        gross_loss: outer("Gross Loss")?,
        profit_factor: outer("Profit Factor")?,
        expected_payoff: outer("Expected Payoff")?,
        recovery_factor: outer("Recovery Factor")?,
        sharpe_ratio: outer("Sharpe Ratio")?,
        balance_drawdown_absolute: outer("Balance Drawdown Absolute")?,
        balance_drawdown_maximal: outer("Balance Drawdown Maximal")?,
        balance_drawdown_maximal_pct: inner("Balance Drawdown Maximal")?,
        balance_drawdown_relative_pct: outer("Balance Drawdown Relative")?,
        total_trades: outer("Total Trades")?,
        profit_trades: outer("Profit Trades (% of total)")?,
        loss_trades: outer("Loss Trades (% of total)")?,
        largest_profit: outer("Largest profit trade")?,
        largest_loss: outer("Largest loss trade")?,
        entries: entries
            .iter()
            .map(|label| (label.label.clone(), label.value.clone()))
            .collect(),
    }))
}
