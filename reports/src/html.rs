//! `index.html`: one self-contained static page (no network, no server), templated with
//! minijinja with HTML autoescaping. The table is rendered here; a finding's details are
//! built in the page from the embedded findings with `textContent` only, so nothing from
//! the audited code or a model is ever parsed as HTML.

use crate::model::{Kind, Report};
use minijinja::value::{Serde, Value};
use minijinja::{Environment, context};
use serde::Serialize;

const TEMPLATE: &str = include_str!("../templates/report.html");

#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    #[error("cannot render the HTML report: {0}")]
    Template(#[from] minijinja::Error),
    #[error("cannot serialize the findings: {0}")]
    Json(#[from] serde_json::Error),
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    kind: &'static str,
    shown_status: &'static str,
    function: &'a str,
    file: &'a str,
    line: u32,
    clause: &'a crate::model::ClauseRef,
}

/// JSON that is safe inside a `<script>` element: no `<`, `>` or `&` survives as such
/// (each becomes a `\u` escape, which JSON.parse reads back), so `</script>` cannot
/// close the element.
pub fn script_json<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    let text = serde_json::to_string(value)?;
    Ok(text
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029"))
}

/// The HTML report of a run.
pub fn to_html(report: &Report) -> Result<String, HtmlError> {
    let mut env = Environment::new();
    // The name's `.html` turns on HTML autoescaping for every `{{ }}`.
    env.add_template("report.html", TEMPLATE)?;
    let rows: Vec<Row<'_>> = report
        .findings
        .iter()
        .map(|f| Row {
            id: &f.id,
            kind: f.kind.name(),
            shown_status: f.shown_status(),
            function: &f.function,
            file: &f.file,
            line: f.line,
            clause: &f.clause,
        })
        .collect();
    let data = serde_json::json!({ "findings": report.findings });
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
    let html = env.get_template("report.html")?.render(context! {
        run => Value::from(Serde(&report.run)),
        summary => Value::from(Serde(&report.summary)),
        findings => Value::from(Serde(&rows)),
        unknowns => Value::from(Serde(&report.unknowns)),
        diagnostics => Value::from(Serde(&report.diagnostics)),
        kinds => Value::from(Serde(&kinds)),
        data_json => script_json(&data)?,
    })?;
    Ok(html)
}
