//! SARIF 2.1.0 (serde-sarif): one run, a rule per finding kind with help text,
//! `partialFingerprints`, the reasoning steps as `codeFlows`, level and precision from the
//! status, suppressed findings kept and marked, questions about intent as `review`
//! results, trimmed to GitHub code scanning's limits.

use crate::model::{Finding, Kind, Report, Status};
use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, CodeFlow, Invocation, Location, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingDescriptor,
    Result as SarifResult, ResultKind, ResultLevel, Run, Sarif, Suppression, ThreadFlow,
    ThreadFlowLocation, Tool, ToolComponent,
};
use std::collections::BTreeMap;

/// GitHub code scanning rejects a run with more results than this.
pub const MAX_RESULTS: usize = 25_000;
/// ... and a result with more thread-flow locations than this.
pub const MAX_FLOW_LOCATIONS: usize = 10_000;
/// ... and a result with more locations than this.
pub const MAX_LOCATIONS: usize = 1_000;
/// The largest upload GitHub accepts (after gzip; we bound the plain size, which is stricter).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The key of our fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "vouchFingerprint/v1";

/// The SARIF log of a report, and what had to be left out to stay within GitHub's limits.
pub fn to_sarif(report: &Report) -> (Sarif, Vec<String>) {
    let mut trimmed = Vec::new();
    let mut findings: Vec<&Finding> = report.findings.iter().collect();
    if findings.len() > MAX_RESULTS {
        // Keep the surest: confirmed before unconfirmed before refuted.
        // (Questions after the findings.)
        findings.sort_by_key(|f| {
            let sureness = match f.status {
                Status::Confirmed => 0,
                Status::Unconfirmed => 1,
                Status::Refuted => 2,
            };
            (f.is_question(), sureness)
        });
        trimmed.push(format!(
            "{} findings, more than GitHub's {MAX_RESULTS} results per run: the {} least sure were left out of the SARIF file (findings.json has all)",
            findings.len(),
            findings.len() - MAX_RESULTS
        ));
        findings.truncate(MAX_RESULTS);
    }
    let rules: Vec<ReportingDescriptor> = Kind::ALL.iter().map(|&k| rule(k)).collect();
    let results: Vec<SarifResult> = findings.iter().map(|f| result(f, &mut trimmed)).collect();
    let notifications: Vec<Notification> = trimmed
        .iter()
        .chain(&report.diagnostics)
        .map(|t| {
            Notification::builder()
                .message(text(t))
                .level(json!("warning"))
                .build()
        })
        .chain(report.unknowns.iter().map(|u| {
            Notification::builder()
                .message(text(&format!(
                    "{} was not decided ({}): {}",
                    u.function, u.stage, u.reason
                )))
                .level(json!("note"))
                .locations(vec![location(&u.file, u.line, None, None)])
                .build()
        }))
        .collect();
    let mut invocation = Invocation::builder().execution_successful(true).build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let driver = ToolComponent::builder()
        .name(report.run.tool.clone())
        .version(report.run.version.clone())
        .semantic_version(report.run.version.clone())
        .rules(rules)
        .build();
    let mut run_props = BTreeMap::new();
    run_props.insert("model".to_string(), json!(report.run.model));
    run_props.insert("prompts".to_string(), json!(report.run.prompts));
    run_props.insert("summary".to_string(), json!(report.summary));
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .column_kind(json!("utf16CodeUnits"))
        .original_uri_base_ids(BTreeMap::from([(
            "%SRCROOT%".to_string(),
            ArtifactLocation {
                description: Some(text("the audited tree")),
                ..Default::default()
            },
        )]))
        .properties(PropertyBag {
            additional_properties: run_props,
            ..Default::default()
        })
        .build();
    let sarif = Sarif::builder()
        .schema(serde_sarif::sarif::SCHEMA_URL)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    (sarif, trimmed)
}

/// The SARIF file's text, checked against the size limit.
pub fn to_sarif_string(report: &Report) -> (String, Vec<String>) {
    let (sarif, mut notes) = to_sarif(report);
    let text = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    if text.len() > MAX_BYTES {
        notes.push(format!(
            "report.sarif is {} bytes; GitHub accepts at most {MAX_BYTES} bytes gzipped, so it may be refused",
            text.len()
        ));
    }
    (text, notes)
}

fn text(s: &str) -> Message {
    Message {
        text: Some(s.to_string()),
        ..Default::default()
    }
}

fn multiformat(s: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder()
        .text(s.to_string())
        .markdown(s.to_string())
        .build()
}

fn rule(kind: Kind) -> ReportingDescriptor {
    let mut props = BTreeMap::new();
    props.insert("tags".to_string(), json!(["correctness", "vouch"]));
    props.insert("precision".to_string(), json!("medium"));
    props.insert("problem.severity".to_string(), json!("warning"));
    ReportingDescriptor::builder()
        .id(kind.rule_id())
        .name(match kind {
            Kind::Postcondition => "BrokenPostcondition",
            Kind::ErrorContract => "BrokenErrorContract",
            Kind::CallPrecondition => "UnestablishedCallPrecondition",
        })
        .short_description(multiformat(kind.short()))
        .full_description(multiformat(kind.help()))
        .help(multiformat(kind.help()))
        .properties(PropertyBag {
            additional_properties: props,
            ..Default::default()
        })
        .build()
}

/// `%SRCROOT%`-relative URI of a file path: forward slashes, the few characters a URI
/// reference cannot hold percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b'+' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out.trim_start_matches("./").to_string()
}

fn location(file: &str, start: u32, end: Option<u32>, message: Option<&str>) -> Location {
    Location {
        physical_location: Some(PhysicalLocation {
            artifact_location: Some(ArtifactLocation {
                uri: Some(uri(file)),
                uri_base_id: Some("%SRCROOT%".into()),
                ..Default::default()
            }),
            region: Some(Region {
                start_line: Some(i64::from(start.max(1))),
                end_line: end.map(|e| i64::from(e.max(start.max(1)))),
                ..Default::default()
            }),
            ..Default::default()
        }),
        message: message.map(text),
        ..Default::default()
    }
}

fn result(f: &Finding, trimmed: &mut Vec<String>) -> SarifResult {
    let level = match f.status {
        Status::Confirmed => ResultLevel::Error,
        Status::Unconfirmed => ResultLevel::Warning,
        Status::Refuted => ResultLevel::Note,
    };
    let precision = match (f.status, f.decided_by) {
        (Status::Confirmed, _) => "very-high",
        (Status::Unconfirmed, crate::model::DecidedBy::Z3) => "high",
        (Status::Unconfirmed, crate::model::DecidedBy::Model) => "medium",
        (Status::Refuted, _) => "low",
    };
    let mut message = format!(
        "`{}` breaks its {} \"{}\"",
        f.function, f.clause.section, f.clause.text
    );
    if !f.explanation.is_empty() {
        message.push_str(": ");
        message.push_str(&f.explanation);
    }
    if !f.clause.also_breaks.is_empty() {
        let also: Vec<String> = f
            .clause
            .also_breaks
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect();
        message.push_str(&format!(
            "; through this call it also breaks {}",
            also.join(", ")
        ));
    }
    if !f.expected_by.is_empty() {
        message.push_str(&format!(
            " (expected by {} call site{})",
            f.expected_by.len(),
            if f.expected_by.len() == 1 { "" } else { "s" }
        ));
    }
    let mut steps: Vec<ThreadFlowLocation> = f
        .steps
        .iter()
        .map(|s| ThreadFlowLocation {
            location: Some(location(
                &f.file,
                s.start_line,
                Some(s.end_line),
                Some(&s.text),
            )),
            ..Default::default()
        })
        .collect();
    if steps.len() > MAX_FLOW_LOCATIONS {
        trimmed.push(format!(
            "{}: {} reasoning steps, more than GitHub's {MAX_FLOW_LOCATIONS}; the rest were left out",
            f.id,
            steps.len()
        ));
        steps.truncate(MAX_FLOW_LOCATIONS);
    }
    let mut related: Vec<Location> = f
        .expected_by
        .iter()
        .map(|c| {
            location(
                &c.file,
                c.line,
                None,
                Some(&format!("{} expects this", c.caller)),
            )
        })
        .collect();
    if related.len() > MAX_LOCATIONS {
        trimmed.push(format!(
            "{}: {} caller sites, more than GitHub's {MAX_LOCATIONS} locations; the rest were left out",
            f.id,
            related.len()
        ));
        related.truncate(MAX_LOCATIONS);
    }
    let mut props: BTreeMap<String, Value> = BTreeMap::new();
    props.insert("status".into(), json!(f.status.name()));
    props.insert("precision".into(), json!(precision));
    props.insert("decidedBy".into(), json!(f.decided_by));
    props.insert("function".into(), json!(f.function));
    props.insert("findingId".into(), json!(f.id));
    if !f.counterexample.is_empty() {
        props.insert("counterexample".into(), json!(f.counterexample));
    }
    if let Some(q) = &f.question {
        props.insert("question".into(), json!(q));
    }
    let mut r = SarifResult::builder()
        .rule_id(f.rule.clone())
        .rule_index(Kind::ALL.iter().position(|k| *k == f.kind).unwrap_or(0) as i64)
        .level(level)
        .message(text(&message))
        .locations(vec![location(&f.file, f.line, None, None)])
        .partial_fingerprints(BTreeMap::from([(
            FINGERPRINT_KEY.to_string(),
            f.fingerprint.clone(),
        )]))
        .properties(PropertyBag {
            additional_properties: props,
            ..Default::default()
        })
        .build();
    if !steps.is_empty() {
        r.code_flows = Some(vec![
            CodeFlow::builder()
                .message(text(
                    "vouch's forward reasoning over the body, block by block",
                ))
                .thread_flows(vec![ThreadFlow::builder().locations(steps).build()])
                .build(),
        ]);
    }
    if !related.is_empty() {
        r.related_locations = Some(related);
    }
    if let Some(b) = f.baseline {
        r.baseline_state = Some(json!(match b {
            crate::model::BaselineState::New => "new",
            crate::model::BaselineState::Unchanged => "unchanged",
        }));
    }
    if f.is_question() {
        // A question about intent is for a person to review, not a failure: SARIF's
        // kind `review`, whose level must then be `none`.
        r.kind = Some(ResultKind::Review);
        r.level = Some(ResultLevel::None);
    }
    if let Some(s) = &f.suppression {
        r.suppressions = Some(vec![
            Suppression::builder()
                .kind(json!("inSource"))
                .justification(s.reason.clone())
                .location(location(&s.file, s.line, None, None))
                .build(),
        ]);
    }
    r
}
