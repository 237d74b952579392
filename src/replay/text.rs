//! The report as text for a terminal.

use super::report::Report;
use std::fmt;

fn optional(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |value| format!("{value:.6}"))
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inferred = if self.initial_balance_inferred {
            " (inferred from the first balance in the file)"
        } else {
            ""
        };
        writeln!(f, "Replay of {} ({})", self.source, self.format.describe())?;
        writeln!(
            f,
            "  rules {}, server clock {}, firm days in {}",
            self.rules, self.server_clock, self.firm_zone
        )?;
        writeln!(f, "  period {} to {}", self.period_start, self.period_end)?;
        writeln!(f, "  initial balance {:.2}{inferred}", self.initial_balance)?;
        writeln!(f, "  note: {}", self.evaluation_note)?;
        writeln!(f)?;
        self.write_statistics(f)?;
        writeln!(f)?;
        self.write_cash_flows(f)?;
        writeln!(f)?;
        self.write_xpws(f)?;
        writeln!(f)?;
        self.write_compliance(f)?;
        writeln!(f)?;
        write!(f, "{}", self.watch)
    }
}

impl Report {
    fn write_statistics(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Trading statistics (closed trades)")?;
        writeln!(
            f,
            "  trades {}  wins {} ({:.2}%)  losses {}  trading days {}",
            self.trades, self.wins, self.win_rate, self.losses, self.trading_days
        )?;
        writeln!(
            f,
            "  net profit {:.2}  gross profit {:.2}  gross loss {:.2}",
            self.net_profit, self.gross_profit, self.gross_loss
        )?;
        writeln!(
            f,
            "  profit factor {}  expected payoff {:.6}  recovery factor {}  Sharpe ratio {:.6}",
            optional(self.profit_factor),
            self.expected_payoff,
            optional(self.recovery_factor),
            self.sharpe_ratio
        )?;
        writeln!(
            f,
            "  largest win {:.2}  largest loss {:.2}",
            self.largest_win, self.largest_loss
        )?;
        writeln!(
            f,
            "  balance drawdown maximal {:.2} ({:.2}%)  absolute {:.2}",
            self.max_balance_drawdown,
            self.max_balance_drawdown_pct,
            self.absolute_balance_drawdown
        )?;
        if let Some(best) = &self.best_day {
            let share = best
                .share_pct
                .map_or_else(String::new, |share| format!(", {share:.1}% of the total"));
            writeln!(f, "  best day {} with {:.2}{share}", best.date, best.profit)?;
        }
        writeln!(f, "  final balance {:.2}", self.final_balance)
    }

    fn write_cash_flows(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Cash flows (never counted as profit)")?;
        if self.cash_flows.is_empty() {
            writeln!(f, "  none")?;
        }
        for flow in &self.cash_flows {
            writeln!(
                f,
                "  {}  {:<10} {:>12.2}  {}",
                flow.time, flow.kind, flow.amount, flow.comment
            )?;
        }
        Ok(())
    }

    fn write_xpws(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "XPWS activations (weekly profit mode)")?;
        if self.xpws.activations.is_empty() {
            writeln!(f, "  none")?;
        }
        for activation in &self.xpws.activations {
            writeln!(
                f,
                "  {:<12} week of {}  at {}  week profit {:.2} on {:.2}",
                activation.symbol,
                activation.week_start,
                activation.time,
                activation.week_profit,
                activation.week_start_balance
            )?;
        }
        writeln!(
            f,
            "  extra profit in XPWS mode {:.2}",
            self.xpws.extra_profit
        )
    }

    fn write_compliance(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let compliance = &self.compliance;
        writeln!(
            f,
            "Compliance: {}  (final verdict {}, reason {})",
            compliance.status, compliance.verdict, compliance.reason
        )?;
        for rule in &compliance.rules {
            writeln!(
                f,
                "  {:<17} {:<9} floor or target {:>12.2}  value {:>12.2}  room {:>12.2}",
                rule.rule, rule.status, rule.floor, rule.value, rule.room
            )?;
        }
        self.write_best_day_rule(f)?;
        if compliance.breaches.is_empty() {
            writeln!(f, "  no breach")?;
        }
        for breach in &compliance.breaches {
            let kind = if breach.hard { "hard" } else { "soft" };
            writeln!(
                f,
                "  breach {:<11} at {}  equity {:.2} below floor {:.2} ({kind}, lowest {:.2})",
                breach.rule, breach.time, breach.equity, breach.floor, breach.min_equity
            )?;
        }
        Ok(())
    }

    /// Writes the Best Day Rule as a sentence, when the rule set has one.
    fn write_best_day_rule(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(rule) = self
            .compliance
            .rules
            .iter()
            .find(|rule| rule.rule == "best_day")
        else {
            return Ok(());
        };
        let status = rule.status.replace('_', " ");
        match &self.best_day {
            Some(best) => {
                let share = best
                    .share_pct
                    .map_or_else(String::new, |share| format!(", {share:.1}% of the total"));
                writeln!(
                    f,
                    "  Best Day Rule {status}: best day {} made {:.2}{share}; the rule allows at most {:.2}",
                    best.date, best.profit, rule.floor
                )
            }
            None => writeln!(f, "  Best Day Rule {status}: no profitable day yet"),
        }
    }
}
