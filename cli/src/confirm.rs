//! Stage 5 in the audit: a generated test per finding (a C harness, or a Rust probe
//! test), built and run in the sandbox; the finding becomes confirmed, refuted or stays
//! unconfirmed with the reason.

use crate::specs::{Prepared, progress};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use vouch_callgraph::{CallGraph, Callee};
use vouch_frontend::{FnIdx, Function, Lang, Program};
use vouch_llm::Client;
use vouch_reports::{Report, Skipped, Status, TestEvidence};
use vouch_specgen::spec::Spec;
use vouch_testgen::{CProject, Confirmer, Limits, Outcome, Sandbox, Violation};

/// How findings are confirmed; shared by `vouch audit`, `vouch ci` and `vouch eval`.
#[derive(clap::Args, Clone)]
pub(crate) struct ConfirmFlags {
    /// Generate no confirming tests (every finding stays unconfirmed)
    #[arg(long)]
    no_confirm: bool,
    /// Run generated tests without the bubblewrap sandbox (only where bwrap cannot be installed)
    #[arg(long)]
    unsandboxed: bool,
    /// Time limit of one generated test, build and run, in seconds [default: 60, or testgen.test_timeout]
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    test_timeout: Option<u64>,
    /// Times a harness that does not build goes back to the model with the compiler's
    /// errors [default: 3, or testgen.max_repairs]
    #[arg(long, value_name = "N")]
    max_repairs: Option<usize>,
    /// Generated tests built and run at once [default: 2, or testgen.test_jobs]
    #[arg(long, value_name = "N", value_parser = positive)]
    test_jobs: Option<usize>,
}

/// Time limit of one generated test when neither `--test-timeout` nor vouch.toml sets one.
pub(crate) const TEST_TIMEOUT_SECS: u64 = 60;
/// Tests built and run at once when neither `--test-jobs` nor vouch.toml says.
pub(crate) const TEST_JOBS: usize = 2;

fn positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{s:?} is not a number of at least 1")),
    }
}

const STAGE: &str = "testgen";

fn skip(report: &mut Report, reason: String) {
    report.run.skipped.retain(|s| s.stage != STAGE);
    report.run.skipped.push(Skipped {
        stage: STAGE.into(),
        reason,
    });
}

/// Confirms the report's findings; `specs` are the functions' specs by id (a Rust
/// finding whose spec is formal enough gets a proptest property too).
pub(crate) async fn confirm_findings(
    prepared: &Prepared,
    client: &Arc<Client>,
    specs: &HashMap<String, Spec>,
    report: &mut Report,
    flags: &ConfirmFlags,
    quiet: bool,
) {
    let program = &prepared.program;
    // Each finding's function, looked up once.
    let by_id: HashMap<&str, FnIdx> = program
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), FnIdx(i as u32)))
        .collect();
    let all: Vec<(usize, FnIdx)> = (0..report.findings.len())
        .filter_map(|i| {
            by_id
                .get(report.findings[i].function_id.as_str())
                .map(|f| (i, *f))
        })
        .collect();
    report.run.skipped.retain(|s| s.stage != STAGE);
    if flags.no_confirm {
        skip(
            report,
            "--no-confirm: no tests were generated, so every finding is unconfirmed".into(),
        );
        return;
    }
    if all.is_empty() {
        return;
    }
    let limits = Limits {
        time: Duration::from_secs(
            flags
                .test_timeout
                .or(prepared.testgen.test_timeout)
                .unwrap_or(TEST_TIMEOUT_SECS),
        ),
        ..Limits::default()
    };
    let sandbox = match Sandbox::new(limits, flags.unsandboxed) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            if !quiet {
                eprintln!("warning: {e}; the findings stay unconfirmed");
            }
            skip(report, format!("no test was run: {e}"));
            return;
        }
    };
    if !sandbox.is_isolated() && !quiet {
        eprintln!("warning: --unsandboxed: generated tests run without isolation");
    }
    let root = prepared.options.root_dir.clone().unwrap_or_default();
    let files: Vec<(String, String)> = program
        .files
        .iter()
        .filter(|f| f.path.ends_with(".c") || f.path.ends_with(".h"))
        .map(|f| (f.path.clone(), f.text.clone()))
        .collect();
    let project = Arc::new(CProject::infer(&root, &files));
    let tree_hash = vouch_testgen::tree_hash(
        program
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.text.as_str())),
    );
    // The types each finding's function takes or makes: their other functions help a
    // test build its arguments.
    let types = vouch_specgen::invariants::types_with_functions(program);
    let bar = progress("confirm", all.len() as u64, quiet);
    let jobs = flags
        .test_jobs
        .or(prepared.testgen.test_jobs)
        .unwrap_or(TEST_JOBS);
    let max_repairs = flags
        .max_repairs
        .or(prepared.testgen.max_repairs)
        .unwrap_or(vouch_testgen::MAX_REPAIRS);
    let mut tasks = JoinSet::new();
    let mut queue = all.into_iter();
    let mut done = 0u64;
    loop {
        while tasks.len() < jobs
            && let Some((i, idx)) = queue.next()
        {
            let func = program.function(idx);
            let v = violation(
                program,
                &prepared.graph,
                idx,
                &by_id,
                &types,
                &report.findings[i],
            );
            let property = specs
                .get(func.id.as_str())
                .and_then(|spec| property(func, spec, &report.findings[i]));
            let lang = func.lang;
            let (client, sandbox, project) = (client.clone(), sandbox.clone(), project.clone());
            let tree_hash = tree_hash.clone();
            tasks.spawn(async move {
                let confirmer = Confirmer {
                    client: &client,
                    sandbox: &sandbox,
                    project: &project,
                    max_repairs,
                    tree_hash,
                };
                let run = match lang {
                    Lang::C => confirmer.confirm_c(&v).await,
                    Lang::Rust => confirmer.confirm_rust_with(&v, property).await,
                };
                (i, lang, run)
            });
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        done += 1;
        bar.set_position(done);
        let Ok((i, lang, result)) = joined else {
            continue;
        };
        let f = &mut report.findings[i];
        match result {
            Ok(run) => {
                let c = run.confirmation;
                f.status = match &c.outcome {
                    Outcome::Confirmed { .. } => Status::Confirmed,
                    Outcome::Refuted | Outcome::Disputed { .. } => Status::Refuted,
                    Outcome::Inconclusive { .. } => Status::Unconfirmed,
                };
                f.severity = f.status.severity();
                let verdict = match &c.outcome {
                    Outcome::Confirmed { why } => format!("confirmed: {why}"),
                    Outcome::Refuted => "refuted: the generated test passed".to_string(),
                    Outcome::Inconclusive { why } => format!("no test could show it: {why}"),
                    Outcome::Disputed { why } => {
                        format!(
                            "refuted without a test: the test writer says the claim does not hold: {why}"
                        )
                    }
                };
                let reused = match run.reused {
                    0 => String::new(),
                    1 if run.attempts == 1 => "; its result kept from an earlier run".into(),
                    n if n == run.attempts => "; their results kept from an earlier run".into(),
                    n => format!("; {n} result{} kept from an earlier run", plural(n)),
                };
                let property = match &run.property {
                    None => String::new(),
                    Some(Outcome::Confirmed { .. }) => {
                        "the spec's proptest property failed; ".into()
                    }
                    Some(Outcome::Refuted) => format!(
                        "the spec's proptest property passed {} cases; ",
                        vouch_testgen::property::CASES
                    ),
                    Some(Outcome::Inconclusive { why }) => {
                        format!("the spec's proptest property showed nothing ({why}); ")
                    }
                    Some(Outcome::Disputed { .. }) => String::new(),
                };
                if let Outcome::Disputed { .. } = c.outcome {
                    // No test was written: the reason is the evidence.
                    f.notes.push(format!("testgen: {verdict}"));
                    continue;
                }
                f.notes.push(format!(
                    "testgen: {verdict} ({property}{} test{} written{reused})",
                    run.attempts,
                    plural(run.attempts)
                ));
                let path = format!(
                    "tests/{}.{}",
                    f.id,
                    if lang == Lang::C { "c" } else { "rs" }
                );
                // The script is saved beside the test, under its name (see `write_dir`).
                let command = if c.reproduce.is_empty() {
                    c.command
                } else {
                    format!("sh {}", script_path(&path))
                };
                f.test = Some(TestEvidence {
                    path,
                    source: c.source,
                    command,
                    script: c.reproduce,
                    output: c.output,
                });
            }
            Err(e) => f.notes.push(format!("testgen: no test: {e}")),
        }
    }
    bar.finish_and_clear();
}

/// Where the reproduce script of the test at `test_path` is saved: beside it, with
/// `.sh` for its extension (the script finds its test by its own name).
pub(crate) fn script_path(test_path: &str) -> String {
    std::path::Path::new(test_path)
        .with_extension("sh")
        .to_string_lossy()
        .into_owned()
}

/// The proptest property of a Rust finding, when its function takes and returns simple
/// values and its spec's preconditions and the violated clause are all formal.
fn property(func: &Function, spec: &Spec, f: &vouch_reports::Finding) -> Option<String> {
    let rust = func.rust.as_ref()?;
    let target = vouch_testgen::property::Target {
        name: func.name.clone(),
        self_ty: rust.self_ty.clone(),
        params: func
            .signature
            .params
            .iter()
            .map(|p| (p.name.clone(), p.ty.clone()))
            .collect(),
        ret: func.signature.ret.clone(),
        preconditions: spec
            .preconditions
            .iter()
            .map(|c| c.formal.clone())
            .collect(),
        clause: f.clause.text.clone(),
        formal: f.clause.formal.clone(),
        signature: func.signature.text.clone(),
        generic: !rust.generic_bounds.is_empty() || rust.trait_name.is_some(),
    };
    vouch_testgen::property::property_module(&target).ok()
}

/// Estimated tokens of the declarations a test request quotes.
const DECLARATION_TOKENS: usize = 500;
/// Most related functions a test request lists.
const MAX_RELATED: usize = 12;

/// What a test can build, size or inspect a value with, as `signature — doc`: first the
/// functions that make a value of a type `f` takes or makes (its constructors), then
/// the functions `f` calls, then the other functions of those types.
fn related(
    program: &Program,
    graph: &CallGraph,
    f: FnIdx,
    types: &[vouch_specgen::invariants::TypeFunctions],
) -> Vec<String> {
    let mates: Vec<&(FnIdx, String)> = types
        .iter()
        .filter(|t| t.members.iter().any(|(g, _)| *g == f))
        .flat_map(|t| t.members.iter())
        .collect();
    let makers = mates
        .iter()
        .filter(|(_, value)| value == vouch_specgen::invariants::RESULT)
        .map(|(g, _)| *g);
    let callees = graph.callees(f).filter_map(|e| match e.callee {
        Callee::Function(g) => Some(g),
        Callee::External(_) => None,
    });
    let mut out: Vec<String> = Vec::new();
    for g in makers.chain(callees).chain(mates.iter().map(|(g, _)| *g)) {
        if g == f || out.len() >= MAX_RELATED {
            continue;
        }
        let h = program.function(g);
        let doc = vouch_specgen::request::doc(program, h)
            .map(|d| vouch_specgen::request::first_paragraph(&d))
            .filter(|d| !d.is_empty())
            .map(|d| format!(" — {}", vouch_specgen::request::cap_bytes(&d, 120)))
            .unwrap_or_default();
        let line = format!("{}{doc}", h.signature.text);
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn violation(
    program: &Program,
    graph: &CallGraph,
    idx: FnIdx,
    by_id: &HashMap<&str, FnIdx>,
    types: &[vouch_specgen::invariants::TypeFunctions],
    f: &vouch_reports::Finding,
) -> Violation {
    let func = program.function(idx);
    let declarations = vouch_specgen::request::declarations(program, &[idx], DECLARATION_TOKENS)
        .into_iter()
        .map(|d| d.text)
        .collect();
    // The called function of a call-precondition claim, where its consequence shows.
    let callee = f
        .clause
        .callee
        .as_deref()
        .and_then(|id| by_id.get(id))
        .map(|&g| program.function(g));
    Violation {
        declarations,
        related: related(program, graph, idx, types),
        confirm_by: f.clause.callee.as_deref().map(|id| {
            let callee = callee.map_or(id, |g| g.qualified_name.as_str());
            let mut text = format!(
                "The claim is that `{}` calls `{callee}` when a precondition of `{callee}` does not hold. Make that call as the counterexample says and let its consequence show: only a failure inside `{callee}` or `{}` confirms the claim (a sanitizer report, a crash, a panic, an assertion of theirs). A check of the precondition in the test restates its own set-up and proves nothing.",
                func.qualified_name, func.qualified_name
            );
            if !f.clause.also_breaks.is_empty() {
                text.push_str(&format!(
                    " `{}` is said to break its own clauses through that call too: {}. A check of one of these on what `{}` returns or leaves, with that clause's text as the check's message, confirms the claim as well.",
                    func.qualified_name,
                    f.clause.also_breaks.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join("; "),
                    func.qualified_name
                ));
            }
            text
        }),
        callee_source: callee
            .map(|g| vouch_specgen::request::numbered_body(program, g, &[], CALLEE_SOURCE_BYTES))
            .filter(|s| !s.is_empty()),
        also_breaks: f.clause.also_breaks.clone(),
        function: f.function.clone(),
        signature: func.signature.text.clone(),
        file: f.file.clone(),
        preconditions: f.spec.preconditions.clone(),
        clause: f.clause.text.clone(),
        formal: f.clause.formal.clone(),
        counterexample: f
            .counterexample
            .iter()
            .map(|b| (b.name.clone(), b.value.clone()))
            .collect(),
        explanation: f.explanation.clone(),
        source: vouch_specgen::request::numbered_body(program, func, &[], 24_000),
        function_id: func.id.to_string(),
        function_hash: func.body_hash.clone(),
        start_line: func.span.start_line,
        end_line: func.span.end_line,
        also: callee
            .map(|g| {
                vec![(
                    program.file(g.file).path.clone(),
                    g.span.start_line,
                    g.span.end_line,
                )]
            })
            .unwrap_or_default(),
    }
}

/// How much of a called function's source a test request quotes (bytes).
const CALLEE_SOURCE_BYTES: usize = 8_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_request_lists_constructors_then_callees_then_the_rest() {
        let src = "pub struct Cache { cap: usize }\n\
            impl Cache {\n\
            pub fn len(&self) -> usize { 0 }\n\
            pub fn clear(&mut self) {}\n\
            pub fn put(&mut self, k: u32) { if self.len() < self.cap { let _ = k; } }\n\
            pub fn new(cap: usize) -> Option<Cache> { Some(Cache { cap }) }\n\
            }\n\
            fn width(n: usize) -> usize { n }\n";
        let program = vouch_frontend::parse_source("src/lib.rs", src);
        let graph = CallGraph::build(&program);
        let types = vouch_specgen::invariants::types_with_functions(&program);
        let put = program
            .functions
            .iter()
            .position(|f| f.name == "put")
            .expect("put");
        let listed = related(&program, &graph, FnIdx(put as u32), &types);
        let names: Vec<&str> = listed
            .iter()
            .map(|l| l.split('(').next().unwrap_or(""))
            .collect();
        assert_eq!(
            names,
            ["pub fn new", "pub fn len", "pub fn clear"],
            "{listed:?}"
        );
    }
}
