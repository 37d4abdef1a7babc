//! `summary.md`: the run in a form that fits a pull-request comment (GitHub caps a comment
//! at 65,536 characters; we stay under `MAX_CHARS`).

use crate::model::{Finding, Report};
use std::fmt::Write as _;

/// The longest summary written; the findings table is cut to fit.
pub const MAX_CHARS: usize = 60_000;

/// Text from code or a model made safe for a Markdown table cell: no line breaks, no
/// pipes, no HTML.
pub fn cell(s: &str, max: usize) -> String {
    let mut one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > max {
        one_line = one_line.chars().take(max).collect::<String>() + "…";
    }
    one_line
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('`', "'")
}

fn status_mark(f: &Finding) -> &'static str {
    match f.shown_status() {
        "confirmed" => "**confirmed**",
        other => other,
    }
}

/// The Markdown summary of a report.
pub fn to_markdown(report: &Report) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let open = report
        .findings
        .iter()
        .filter(|f| f.suppression.is_none() && !f.is_question())
        .count();
    let against_baseline =
        report.findings.iter().any(|f| f.baseline.is_some()) || !report.fixed.is_empty();
    if against_baseline {
        let _ = writeln!(
            out,
            "## vouch: {} new finding{}, {} fixed, {} preexisting\n",
            s.new,
            if s.new == 1 { "" } else { "s" },
            report.fixed.len(),
            s.preexisting
        );
    } else {
        let _ = writeln!(
            out,
            "## vouch: {open} finding{} ({} confirmed, {} unconfirmed, {} refuted{})\n",
            if open == 1 { "" } else { "s" },
            s.confirmed,
            s.unconfirmed,
            s.refuted,
            if s.suppressed > 0 {
                format!("; {} suppressed", s.suppressed)
            } else {
                String::new()
            }
        );
    }
    if s.questions > 0 {
        let _ = writeln!(
            out,
            "{} question{} about intent: the broken clause belongs to a spec the model was unsure of (its callers and docs told too little), so it is for the author to answer and fails no run.\n",
            s.questions,
            if s.questions == 1 { "" } else { "s" }
        );
    }
    if report.run.replayed {
        let _ = writeln!(
            out,
            "> Replayed: every model reply in this report was recorded earlier (model `{}`) and read back from the run store; no model was asked during this run.\n",
            cell(&report.run.model, 80)
        );
    }
    // Functions, not findings: a function may break several clauses.
    let broken: std::collections::BTreeSet<&str> = report
        .findings
        .iter()
        .map(|f| f.function_id.as_str())
        .collect();
    let _ = writeln!(
        out,
        "Audited `{}`: {} functions in {} files. {} checked: {} verified, {} with findings, {} unknown.\n",
        cell(&report.run.root, 200),
        s.functions,
        s.files,
        s.checked,
        s.verified,
        broken.len(),
        s.unknown
    );
    if s.clauses > 0 {
        let _ = writeln!(
            out,
            "{} of the {} clauses of their specs were stated formally; {}\n",
            s.formal_clauses,
            s.clauses,
            if report.run.solver {
                format!(
                    "Z3 decided {} step{}.",
                    s.z3_decided,
                    if s.z3_decided == 1 { "" } else { "s" }
                )
            } else {
                "Z3 was off (`--no-solver`): the model judged every step.".to_string()
            }
        );
    }
    if s.tests_not_checked > 0 {
        let _ = writeln!(
            out,
            "{} test functions were not checked against specs of their own (`--check-tests` checks them); their calls shaped the specs of the functions they call.\n",
            s.tests_not_checked
        );
    }
    for k in &report.run.skipped {
        let _ = writeln!(
            out,
            "> Stage `{}` did not run: {}\n",
            cell(&k.stage, 40),
            cell(&k.reason, 300)
        );
    }
    if let Some(b) = &report.run.budget_spent {
        let _ = writeln!(
            out,
            "> The {} budget ran out: some functions were not checked.\n",
            cell(b, 60)
        );
    }
    if report.run.replay_misses > 0 {
        let _ = writeln!(
            out,
            "> {} model requests had no recorded reply to replay: the functions they were for are unknown.\n",
            report.run.replay_misses
        );
    }
    if !report.findings.is_empty() {
        let _ = writeln!(
            out,
            "| id | status | kind | function | location | broken clause |\n|---|---|---|---|---|---|"
        );
        // New findings first: they are what a pull request is about.
        let mut ordered: Vec<&Finding> = report.findings.iter().collect();
        ordered.sort_by_key(|f| f.baseline != Some(crate::model::BaselineState::New));
        for (rows, f) in ordered.into_iter().enumerate() {
            let status = match f.baseline {
                Some(crate::model::BaselineState::New) => format!("new, {}", status_mark(f)),
                Some(crate::model::BaselineState::Unchanged) => {
                    format!("preexisting, {}", status_mark(f))
                }
                None => status_mark(f).to_string(),
            };
            let row = format!(
                "| {} | {} | {} | `{}` | `{}:{}` | {} |\n",
                f.id,
                status,
                f.kind.name(),
                cell(&f.function, 80),
                cell(&f.file, 120),
                f.line,
                cell(&f.clause.text, 160)
            );
            if out.len() + row.len() > MAX_CHARS - 2_000 {
                let _ = writeln!(
                    out,
                    "\n… and {} more in `findings.json`.",
                    report.findings.len() - rows
                );
                break;
            }
            out.push_str(&row);
        }
        out.push('\n');
    }
    if !report.fixed.is_empty() {
        let _ = writeln!(out, "Fixed (in the baseline, no longer found):\n");
        for x in report.fixed.iter().take(100) {
            let _ = writeln!(
                out,
                "- {} `{}`: {}",
                x.id,
                cell(&x.function_id, 120),
                cell(&x.clause, 160)
            );
        }
        if report.fixed.len() > 100 {
            let _ = writeln!(out, "- … and {} more", report.fixed.len() - 100);
        }
        out.push('\n');
    }
    if !report.unknowns.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} function{} not decided</summary>\n",
            report.unknowns.len(),
            if report.unknowns.len() == 1 { "" } else { "s" }
        );
        for u in report.unknowns.iter().take(50) {
            let line = format!(
                "- `{}` (`{}:{}`, {}): {}\n",
                cell(&u.function, 80),
                cell(&u.file, 120),
                u.line,
                u.stage,
                cell(&u.reason, 200)
            );
            if out.len() + line.len() > MAX_CHARS - 1_000 {
                break;
            }
            out.push_str(&line);
        }
        if report.unknowns.len() > 50 {
            let _ = writeln!(out, "- … and {} more", report.unknowns.len() - 50);
        }
        out.push_str("\n</details>\n\n");
    }
    for d in report.diagnostics.iter().take(20) {
        let _ = writeln!(out, "- warning: {}", cell(d, 300));
    }
    for u in report.unused_suppressions.iter().take(20) {
        let _ = writeln!(
            out,
            "- unused suppression `vouch-ignore[{}]` at `{}:{}`",
            cell(&u.kind, 40),
            cell(&u.file, 120),
            u.line
        );
    }
    let u = &report.run.usage;
    let _ = writeln!(
        out,
        "\n<sub>vouch {} · model `{}` · Z3 {} · {} model calls, {} from the cache, {} prompt + {} completion tokens{}</sub>",
        cell(&report.run.version, 40),
        cell(&report.run.model, 80),
        if report.run.solver { "on" } else { "off" },
        u.calls,
        u.cache_hits,
        u.prompt_tokens,
        u.completion_tokens,
        if u.cost_usd > 0.0 {
            format!(", about ${:.2}", u.cost_usd)
        } else {
            String::new()
        }
    );
    out
}
