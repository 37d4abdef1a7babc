//! `vouch audit`: the whole pipeline over a tree, written as a report directory
//! (`findings.json`, `report.sarif`, `index.html`, `summary.md`, `tests/`), with the
//! findings on stdout and an exit code a CI job can act on.

use crate::check::{CheckFlags, NO_SPEC, check_all, to_check};
use crate::confirm::{ConfirmFlags, confirm_findings};
use crate::specs::{ModelFlags, Prepared, connect, prepare, specify};
use crate::{EXIT_PARTIAL, FileArgs, Output};
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use vouch_frontend::{FnIdx, Program};
use vouch_hoare::{CheckResult, Verdict};
use vouch_llm::Cache;
use vouch_reports as reports;
use vouch_reports::{Finding, Kind, Report, Status};
use vouch_specgen::Spec;
use vouch_specgen::spec::Section;

/// Exit code when findings at or above `--fail-on` remain.
const EXIT_FINDINGS: u8 = 1;
/// The most source lines a finding carries for the viewer.
const SOURCE_LINES: usize = 400;
/// The most source bytes a finding carries for the viewer.
const SOURCE_BYTES: usize = 64 * 1024;

#[derive(clap::Args)]
pub struct AuditArgs {
    #[command(flatten)]
    files: FileArgs,
    /// Write the report into DIR [default: ROOT/.vouch/report]
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    #[command(flatten)]
    pipeline: PipelineFlags,
    /// Exit 1 when a finding at least this sure is not suppressed
    #[arg(long, value_enum, default_value_t = FailOn::Confirmed)]
    fail_on: FailOn,
    /// Exit 0 whatever was found or left undecided (errors still exit 2)
    #[arg(long)]
    exit_zero: bool,
}

/// The flags of every command that runs the whole pipeline (`audit`, `ci`, `eval`).
#[derive(clap::Args)]
pub(crate) struct PipelineFlags {
    #[command(flatten)]
    pub model: ModelFlags,
    /// Most estimated prompt tokens in one spec request [default: 6000, or specgen.max_prompt_tokens]
    #[arg(long, value_name = "TOKENS")]
    pub max_prompt_tokens: Option<usize>,
    #[command(flatten)]
    pub checking: CheckFlags,
    #[command(flatten)]
    pub confirming: ConfirmFlags,
    /// Also write the model replies and test results this run used to FILE (a `vouch
    /// cache export` file holding exactly this run's recording, without what earlier
    /// runs left in the store): to commit a recording that replays, and nothing else
    #[arg(long, value_name = "FILE")]
    pub export_used: Option<std::path::PathBuf>,
    /// A broken clause of a spec the model wrote with less confidence than this (0 to
    /// 1; its callers and docs told too little) is reported as a question about the
    /// function's intent, not as a finding: it is tested but fails no run. 0 makes every
    /// broken clause a finding [default: 0.6, or report.min_spec_confidence]
    #[arg(long, value_name = "C", value_parser = confidence)]
    pub min_spec_confidence: Option<f64>,
    /// Print nothing on stderr but errors
    #[arg(short, long)]
    pub quiet: bool,
}

/// Below this confidence a spec is the model's guess (its prompt asks for a low value
/// when the callers tell little): a coin toss, or little better.
pub(crate) const DEFAULT_MIN_SPEC_CONFIDENCE: f64 = 0.6;

fn confidence(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(c) if (0.0..=1.0).contains(&c) => Ok(c),
        _ => Err(format!(
            "{s:?} is not a confidence: give a number from 0 to 1"
        )),
    }
}

impl PipelineFlags {
    /// Reads the configuration and the tree under `files`, builds the call graph and
    /// opens the run store.
    pub(crate) fn prepare(&self, files: &FileArgs) -> Result<(Prepared, Cache)> {
        prepare(files, &self.model, self.max_prompt_tokens)
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum FailOn {
    /// Only findings a generated test confirmed
    Confirmed,
    /// Confirmed and unconfirmed findings
    Unconfirmed,
}

impl FailOn {
    pub(crate) fn status(self) -> Status {
        match self {
            FailOn::Confirmed => Status::Confirmed,
            FailOn::Unconfirmed => Status::Unconfirmed,
        }
    }
}

pub fn run(args: AuditArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let (prepared, cache) = args.pipeline.prepare(&args.files)?;
    let (_, out_dir) = root_and_report_dir(&prepared, &args.files, args.output.as_deref());
    let timings = vec![("parse and call graph", started.elapsed().as_secs_f64())];
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let report = runtime.block_on(audit_tree(
        &prepared,
        cache,
        &args.files,
        &args.pipeline,
        None,
        timings,
    ))?;
    let usage_calls = report.run.usage.calls;
    let mut report = report;
    write_dir(&out_dir, &mut report)?;
    print_findings(&report, &out_dir)?;
    if !args.pipeline.quiet {
        let s = &report.summary;
        eprintln!(
            "vouch audit: {} findings ({} confirmed, {} unconfirmed, {} refuted, {} suppressed), {} verified, {} unknown; {} model calls; report in {}",
            s.violated,
            s.confirmed,
            s.unconfirmed,
            s.refuted,
            s.suppressed,
            s.verified,
            s.unknown,
            usage_calls,
            out_dir.display()
        );
        for d in &report.diagnostics {
            eprintln!("warning: {d}");
        }
    }
    Ok(exit_code(
        report.failing(args.fail_on.status()),
        &report,
        args.exit_zero,
    ))
}

/// The audited root, and the report directory: `output`, or `ROOT/.vouch/report`.
pub(crate) fn root_and_report_dir(
    prepared: &Prepared,
    files: &FileArgs,
    output: Option<&Path>,
) -> (PathBuf, PathBuf) {
    let root = prepared
        .options
        .root_dir
        .clone()
        .unwrap_or_else(|| files.path.clone());
    let out_dir = output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.join(".vouch").join("report"));
    (root, out_dir)
}

/// 1 when `failing` findings remain, else 3 when the run was partial, else 0; always 0
/// with `exit_zero`.
pub(crate) fn exit_code(failing: usize, report: &Report, exit_zero: bool) -> ExitCode {
    if exit_zero {
        ExitCode::SUCCESS
    } else if failing > 0 {
        ExitCode::from(EXIT_FINDINGS)
    } else if report.summary.unknown > 0
        || report.run.budget_spent.is_some()
        || report.run.replay_misses > 0
    {
        ExitCode::from(EXIT_PARTIAL)
    } else {
        ExitCode::SUCCESS
    }
}

/// Specs of the tree and checks of `targets` (every function for `None`; the walk adds
/// the callers their specs need), as a report.
pub(crate) async fn audit_tree(
    prepared: &Prepared,
    cache: Cache,
    files: &FileArgs,
    flags: &PipelineFlags,
    targets: Option<&[FnIdx]>,
    mut timings: Vec<(&'static str, f64)>,
) -> Result<Report> {
    let PipelineFlags {
        checking,
        confirming,
        quiet,
        ..
    } = flags;
    let quiet = *quiet;
    let connected = connect(prepared.llm.clone(), cache, quiet).await?;
    let client = Arc::new(connected.client);
    let t = Instant::now();
    // The functions that share a type with a target are specified too: a type's
    // invariants are derived from all of them (unchanged ones come from the store).
    let spec_targets = targets.map(|t| crate::check::with_type_mates(&prepared.program, t));
    let (specs, _) = specify(prepared, &client, spec_targets.as_deref(), quiet).await;
    timings.push(("specgen", t.elapsed().as_secs_f64()));
    let t = Instant::now();
    let (chosen, tests) = to_check(&prepared.program, &specs, targets, checking);
    let results = check_all(prepared, &client, &specs, chosen, checking, quiet).await;
    timings.push(("hoare", t.elapsed().as_secs_f64()));
    let by_id = crate::check::specs_by_id(&specs);
    let mut report = build(
        &prepared.program,
        &by_id,
        results,
        reports::RunInfo::default(),
    );
    report.summary.tests_not_checked = tests;
    let min_confidence = flags
        .min_spec_confidence
        .or(prepared.report.min_spec_confidence)
        .unwrap_or(DEFAULT_MIN_SPEC_CONFIDENCE);
    mark_questions(&mut report, &by_id, min_confidence);
    let t = Instant::now();
    confirm_findings(prepared, &client, &by_id, &mut report, confirming, quiet).await;
    timings.push(("testgen", t.elapsed().as_secs_f64()));
    let usage = client.usage();
    let model = client.model().to_string();
    let replay_misses = client.cache().replay_misses();
    if let Some(dest) = &flags.export_used {
        let n = client
            .cache()
            .export_used(dest)
            .with_context(|| format!("cannot write this run's recording to {}", dest.display()))?;
        if !quiet {
            eprintln!("wrote the {n} replies this run used to {}", dest.display());
        }
    }
    if let Some(local) = connected.local {
        local.stop().await;
    }
    let skipped = std::mem::take(&mut report.run.skipped);
    report.run = run_info(files, !checking.no_solver, model, &usage, &timings);
    report.run.skipped = skipped;
    report.run.replay_misses = replay_misses;
    report.run.replayed = client.cache().mode() == vouch_llm::CacheMode::Replay;
    if replay_misses > 0 && !quiet {
        eprintln!(
            "warning: {replay_misses} model requests had no recorded reply to replay (--cache replay); the functions they were for are unknown"
        );
    }
    report.finalize();
    Ok(report)
}

pub(crate) fn run_info(
    files: &FileArgs,
    solver: bool,
    model: String,
    usage: &vouch_llm::UsageReport,
    timings: &[(&str, f64)],
) -> reports::RunInfo {
    let conv = |u: &vouch_llm::Usage| reports::Usage {
        calls: u.calls,
        cache_hits: u.cache_hits,
        prompt_tokens: u.prompt_tokens,
        completion_tokens: u.completion_tokens,
        replayed_prompt_tokens: u.replayed_prompt_tokens,
        replayed_completion_tokens: u.replayed_completion_tokens,
        cost_usd: u.cost_usd,
    };
    let mut prompts = vouch_specgen::prompt::prompt_ids();
    prompts.extend(vouch_hoare::prompt_ids());
    prompts.extend(vouch_testgen::prompt_ids());
    reports::RunInfo {
        tool: "vouch".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        root: files.path.display().to_string(),
        model,
        prompts,
        solver,
        usage: conv(&usage.total),
        usage_by_stage: usage
            .by_stage
            .iter()
            .map(|(k, v)| (k.clone(), conv(v)))
            .collect(),
        budget_spent: usage.budget_spent.map(|b| b.to_string()),
        replay_misses: 0,
        replayed: false,
        timings: timings
            .iter()
            .map(|(stage, seconds)| reports::Timing {
                stage: (*stage).to_string(),
                seconds: *seconds,
            })
            .collect(),
        skipped: Vec::new(),
    }
}

/// The report of a run: a finding per violated function, an unknown per undecided one,
/// inline suppressions applied. `by_id` are the specs by function id.
pub(crate) fn build(
    program: &Program,
    by_id: &HashMap<String, Spec>,
    results: Vec<CheckResult>,
    run: reports::RunInfo,
) -> Report {
    let mut report = Report {
        schema_version: reports::SCHEMA_VERSION,
        run,
        summary: reports::Summary {
            files: program.files.len(),
            functions: program.functions.len(),
            checked: results.len(),
            ..reports::Summary::default()
        },
        findings: Vec::new(),
        unknowns: Vec::new(),
        unused_suppressions: Vec::new(),
        fixed: Vec::new(),
        diagnostics: Vec::new(),
    };
    for r in results {
        let func = program.function(r.function);
        let file = &program.file(func.file).path;
        report.summary.z3_decided += r.z3_decided;
        if let Some(spec) = by_id.get(&r.id) {
            for (_, c) in spec.clauses() {
                report.summary.clauses += 1;
                report.summary.formal_clauses += usize::from(c.formal.is_some());
            }
        }
        match r.verdict {
            Verdict::Verified => report.summary.verified += 1,
            Verdict::Unknown { reason } => {
                let (stage, reason) = match reason.strip_prefix(NO_SPEC) {
                    Some(rest) => ("specgen", rest.to_string()),
                    None => ("hoare", reason),
                };
                report.unknowns.push(reports::Unknown {
                    function: func.qualified_name.clone(),
                    function_id: func.id.to_string(),
                    file: file.clone(),
                    line: func.span.start_line,
                    stage: stage.into(),
                    reason,
                });
            }
            Verdict::Violated { violations, steps } => {
                let spec = by_id.get(func.id.as_str());
                for v in violations {
                    let finding = finding(program, func, spec, v, &steps, &r.notes);
                    report.findings.push(finding);
                }
            }
        }
    }
    let mut suppressions = Vec::new();
    for f in &program.files {
        if f.text.contains("vouch-ignore[") {
            let (found, diags) = reports::suppress::scan(&f.path, &f.text);
            suppressions.extend(found);
            report.diagnostics.extend(diags);
        }
    }
    reports::suppress::apply(&mut report, suppressions);
    for u in &report.unused_suppressions {
        report.diagnostics.push(format!(
            "{}:{}: vouch-ignore[{}] matches no finding; remove it",
            u.file, u.line, u.kind
        ));
    }
    report.finalize();
    report
}

/// The finding of one broken clause of `func`.
fn finding(
    program: &Program,
    func: &vouch_frontend::Function,
    spec: Option<&Spec>,
    v: vouch_hoare::Violation,
    steps: &[vouch_hoare::Step],
    notes: &[String],
) -> Finding {
    let file = &program.file(func.file).path;
    let kind = match v.section {
        Section::Error => Kind::ErrorContract,
        Section::Precondition => Kind::CallPrecondition,
        _ => Kind::Postcondition,
    };
    let (start, end) = (func.span.start_line, func.span.end_line);
    let line = v
        .evidence_lines
        .iter()
        .copied()
        .find(|l| (start..=end).contains(l))
        .unwrap_or(start);
    let fp = reports::fingerprint(&kind.rule_id(), func.id.as_str(), &v.clause);
    // The function's notes that are about this clause or about no clause.
    let notes = notes
        .iter()
        .filter(|n| clause_of_note(n).is_none_or(|id| id == v.id))
        .cloned()
        .collect();
    Finding {
        id: reports::finding_id(&fp),
        fingerprint: fp,
        rule: kind.rule_id(),
        kind,
        severity: Status::Unconfirmed.severity(),
        status: Status::Unconfirmed,
        function: func.qualified_name.clone(),
        function_id: func.id.to_string(),
        file: file.clone(),
        start_line: start,
        end_line: end,
        line,
        clause: reports::ClauseRef {
            text: v.clause,
            formal: v.formal,
            section: match v.section {
                Section::Error => "error",
                Section::SideEffect => "side_effect",
                Section::Precondition => "precondition",
                Section::Postcondition => "postcondition",
            }
            .into(),
            callee: v.callee,
            also_breaks: v.also_breaks,
        },
        expected_by: spec.map(|s| expected_by(s, &v.from)).unwrap_or_default(),
        explanation: v.explanation,
        steps: steps
            .iter()
            .map(|s| reports::Step {
                start_line: s.start_line,
                end_line: s.end_line,
                text: s.text.clone(),
            })
            .collect(),
        evidence_lines: v.evidence_lines,
        counterexample: v
            .counterexample
            .into_iter()
            .map(|b| reports::Binding {
                name: b.name,
                value: b.value,
            })
            .collect(),
        decided_by: match v.decided_by {
            vouch_hoare::DecidedBy::Model => reports::DecidedBy::Model,
            vouch_hoare::DecidedBy::Z3 => reports::DecidedBy::Z3,
        },
        spec: spec.map(spec_view).unwrap_or_default(),
        source: source(&program.file(func.file).text, start, end),
        test: None,
        suppression: None,
        question: None,
        notes,
        baseline: None,
    }
}

/// Makes a question of every finding whose broken clause is one its spec's writer was
/// less sure of than `min`: a clause of the function's own spec, or for a call, of the
/// callee's preconditions. A type's invariant is never one: it rests on every function
/// of the type, not on one spec.
pub(crate) fn mark_questions(report: &mut Report, by_id: &HashMap<String, Spec>, min: f64) {
    for f in &mut report.findings {
        let callee = f.clause.callee.as_deref();
        let Some(spec) = by_id.get(callee.unwrap_or(&f.function_id)) else {
            continue;
        };
        if spec.confidence >= min {
            continue;
        }
        let own = match callee {
            // Every precondition the call's clause quotes is one of the callee's own.
            Some(_) => {
                let texts = vouch_hoare::check::call_clause_texts(&f.clause.text).unwrap_or("");
                let mut rest = texts.to_string();
                for c in &spec.preconditions {
                    rest = rest.replace(c.text.as_str(), "");
                }
                !texts.is_empty()
                    && rest
                        .trim_matches(|c: char| c == ';' || c.is_whitespace())
                        .is_empty()
            }
            None => spec.clauses().any(|(_, c)| c.text == f.clause.text),
        };
        if own {
            f.question = Some(format!(
                "the broken clause is from {} spec, which the model wrote with confidence {:.2} (below {min:.2}): its callers and docs told too little to be sure that the function must do this",
                if callee.is_some() {
                    "the called function's"
                } else {
                    "the function's"
                },
                spec.confidence
            ));
        }
    }
    report.finalize();
}

/// The clause id a checker note is about (`p2: ...`, `undecided: p2 ...`, `call27: ...`
/// for the call on line 27), if any.
fn clause_of_note(note: &str) -> Option<&str> {
    let rest = note.strip_prefix("undecided: ").unwrap_or(note);
    let id = rest.split([':', ' ']).next()?;
    let digits = id
        .strip_prefix("call")
        .or_else(|| id.strip_prefix(['p', 's', 'r']))?;
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then_some(id)
}

/// The call sites a clause's `from` ids stand for.
fn expected_by(spec: &Spec, from: &[String]) -> Vec<reports::CallerSite> {
    let mut out: Vec<reports::CallerSite> = spec
        .provenance
        .iter()
        .filter(|p| from.contains(&p.id))
        .flat_map(|p| &p.sites)
        .map(|s| reports::CallerSite {
            caller: s.caller.clone(),
            file: s.file.clone(),
            line: s.line,
        })
        .collect();
    out.sort_by(|a, b| (&a.file, a.line, &a.caller).cmp(&(&b.file, b.line, &b.caller)));
    out.dedup();
    out
}

fn spec_view(spec: &Spec) -> reports::SpecView {
    let texts = |cs: &[vouch_specgen::spec::Clause]| cs.iter().map(|c| c.text.clone()).collect();
    reports::SpecView {
        summary: spec.summary.clone(),
        preconditions: texts(&spec.preconditions),
        postconditions: texts(&spec.postconditions),
        side_effects: texts(&spec.side_effects),
        errors: texts(&spec.errors),
    }
}

/// Lines `start..=end` of a file's text, within the size limits.
fn source(text: &str, start: u32, end: u32) -> reports::Source {
    let mut out = String::new();
    let mut truncated = false;
    for (i, line) in text
        .lines()
        .skip(start.saturating_sub(1) as usize)
        .take((end + 1).saturating_sub(start) as usize)
        .enumerate()
    {
        if i >= SOURCE_LINES || out.len() + line.len() > SOURCE_BYTES {
            truncated = true;
            break;
        }
        if i > 0 {
            out.push('\n');
        }
        out.push_str(line);
    }
    reports::Source {
        start_line: start,
        text: out,
        truncated,
    }
}

fn json(report: &Report) -> Result<String> {
    Ok(serde_json::to_string_pretty(report).context("cannot serialize the findings")? + "\n")
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    let mut out = Output::create(Some(path))?;
    out.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    out.finish()
}

/// Writes every file of the report directory, each whole or not at all; findings.json
/// last, with the time the rendering took.
pub(crate) fn write_dir(dir: &Path, report: &mut Report) -> Result<()> {
    let t = Instant::now();
    std::fs::create_dir_all(dir.join("tests"))
        .with_context(|| format!("cannot create the report directory {}", dir.display()))?;
    let (sarif, notes) = reports::to_sarif_string(report);
    for n in &notes {
        tracing::warn!("{n}");
    }
    write_file(&dir.join("report.sarif"), &(sarif + "\n"))?;
    write_file(&dir.join("summary.md"), &reports::to_markdown(report))?;
    write_file(&dir.join("index.html"), &reports::to_html(report)?)?;
    for f in &report.findings {
        if let Some(test) = &f.test {
            let name = Path::new(&test.path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| format!("{}.txt", f.id));
            write_file(&dir.join("tests").join(&name), &test.source)?;
            if !test.script.is_empty() {
                let script = dir.join("tests").join(crate::confirm::script_path(&name));
                write_file(&script, &test.script)?;
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                    .with_context(|| format!("cannot make {} executable", script.display()))?;
            }
        }
    }
    report.run.timings.push(reports::Timing {
        stage: "reports".into(),
        seconds: t.elapsed().as_secs_f64(),
    });
    write_file(&dir.join("findings.json"), &json(report)?)
}

fn print_findings(report: &Report, dir: &Path) -> Result<()> {
    use std::fmt::Write as _;
    let mut s = String::new();
    for f in &report.findings {
        let status = f.shown_status();
        let _ = writeln!(
            s,
            "{status:<11} {}  {}  {}:{}  {}",
            f.id, f.function, f.file, f.line, f.clause.text
        );
    }
    let m = &report.summary;
    let _ = writeln!(
        s,
        "\n{} findings: {} confirmed, {} unconfirmed, {} refuted, {} suppressed{}\n{} functions: {} verified, {} unknown{}\nreport: {}",
        m.violated,
        m.confirmed,
        m.unconfirmed,
        m.refuted,
        m.suppressed,
        match m.questions {
            0 => String::new(),
            n => format!(
                "; {n} question{} about intent (specs the model was unsure of)",
                if n == 1 { "" } else { "s" }
            ),
        },
        m.checked,
        m.verified,
        m.unknown,
        match m.tests_not_checked {
            0 => String::new(),
            n => format!("; {n} test functions not checked (--check-tests)"),
        },
        dir.join("index.html").display()
    );
    let mut out = Output::create(None)?;
    out.write_all(s.as_bytes())?;
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vouch_specgen::spec::{Clause, Origin};

    fn clauses(texts: &[&str]) -> Vec<Clause> {
        texts
            .iter()
            .map(|t| Clause {
                text: (*t).to_string(),
                formal: None,
                from: Vec::new(),
            })
            .collect()
    }

    fn spec(id: &str, confidence: f64, pre: &[&str], post: &[&str]) -> Spec {
        Spec {
            format: vouch_specgen::spec::SPEC_FORMAT_VERSION,
            function: id.into(),
            origin: Origin::Root,
            summary: String::new(),
            preconditions: clauses(pre),
            postconditions: clauses(post),
            side_effects: Vec::new(),
            errors: Vec::new(),
            confidence,
            provenance: Vec::new(),
        }
    }

    fn finding(function_id: &str, clause: &str, callee: Option<&str>) -> Finding {
        serde_json::from_value(serde_json::json!({
            "id": "VCH-0", "fingerprint": "0", "rule": "vouch/postcondition",
            "kind": "postcondition", "severity": "warning", "status": "confirmed",
            "function": function_id, "function_id": function_id, "file": "a.c",
            "start_line": 1, "end_line": 2, "line": 1,
            "clause": {"text": clause, "section": if callee.is_some() { "precondition" } else { "postcondition" }, "callee": callee},
            "expected_by": [], "explanation": "", "steps": [], "evidence_lines": [],
            "counterexample": [], "decided_by": "model", "spec": {
                "summary": "", "preconditions": [], "postconditions": [], "side_effects": [], "errors": []},
            "source": {"start_line": 1, "text": ""}
        }))
        .expect("a finding")
    }

    #[test]
    fn only_a_clause_of_an_unsure_spec_is_a_question() {
        let by_id: HashMap<String, Spec> = [
            spec("f", 0.4, &[], &["counts the ping"]),
            spec("g", 0.9, &[], &["returns n"]),
            spec("h", 0.3, &["n fits; in u64", "p is valid"], &[]),
        ]
        .into_iter()
        .map(|s| (s.function.clone(), s))
        .collect();
        let mut report = Report {
            schema_version: reports::SCHEMA_VERSION,
            run: reports::RunInfo::default(),
            summary: reports::Summary::default(),
            findings: vec![
                finding("f", "counts the ping", None),
                // A type's invariant rests on every function of the type.
                finding("f", "keeps the invariant of `T` for `s`: x > 0", None),
                finding("g", "returns n", None),
                finding("k", "`h` requires: n fits; in u64; p is valid", Some("h")),
                finding(
                    "k",
                    "`h` requires: n fits; in u64; the invariant of `T` holds of `s`: x > 0",
                    Some("h"),
                ),
            ],
            unknowns: Vec::new(),
            unused_suppressions: Vec::new(),
            fixed: Vec::new(),
            diagnostics: Vec::new(),
        };
        let asked = |r: &Report| -> Vec<(String, bool)> {
            let mut v: Vec<(String, bool)> = r
                .findings
                .iter()
                .map(|f| (f.clause.text.clone(), f.is_question()))
                .collect();
            v.sort();
            v
        };
        let mut all_findings = report.clone();
        mark_questions(&mut all_findings, &by_id, 0.0);
        assert!(asked(&all_findings).iter().all(|(_, q)| !q));
        assert_eq!(all_findings.summary.violated, 5);

        mark_questions(&mut report, &by_id, DEFAULT_MIN_SPEC_CONFIDENCE);
        let questions: Vec<String> = asked(&report)
            .into_iter()
            .filter(|(_, q)| *q)
            .map(|(t, _)| t)
            .collect();
        assert_eq!(
            questions,
            [
                "`h` requires: n fits; in u64; p is valid",
                "counts the ping"
            ]
        );
        assert_eq!((report.summary.violated, report.summary.questions), (3, 2));
        assert!(report.findings.iter().any(|f| {
            f.question
                .as_deref()
                .is_some_and(|q| q.contains("the called function's spec") && q.contains("0.30"))
        }));
    }

    #[test]
    fn a_note_goes_to_the_finding_of_its_clause_or_call() {
        for (note, id) in [
            ("p2: Z3 agrees", Some("p2")),
            ("undecided: s10 is said to be broken", Some("s10")),
            ("call27: this call also breaks p4", Some("call27")),
            ("line 27: Z3 admits the model's counterexample", None),
            ("pending: p", None),
            ("caller: x", None),
            ("testgen: refuted", None),
        ] {
            assert_eq!(clause_of_note(note), id, "{note}");
        }
    }
}
