//! `vouch check`: stages 1-4. Specs (from the run store or written now), then each
//! function checked against its own spec, assuming only its callees' specs, with a
//! progress bar and a summary table.

use crate::specs::{ModelFlags, Prepared, connect, prepare, progress, select, specify, usage_line};
use crate::{EXIT_PARTIAL, FileArgs, Output};
use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use tokio::task::JoinSet;
use vouch_frontend::{FnIdx, Program};
use vouch_hoare::{CheckOptions, CheckResult, Checker, Solver, Verdict};
use vouch_llm::{Client, UsageReport};
use vouch_specgen::types::Types;
use vouch_specgen::{FunctionSpec, Outcome, Spec};

/// Time limit of one solver query when neither `--solver-timeout-ms` nor vouch.toml sets one.
pub(crate) const SOLVER_TIMEOUT_MS: u32 = 5000;

/// Exit code when a function violates its spec.
const EXIT_VIOLATED: u8 = 1;

#[derive(clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    files: FileArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    format: CheckFormat,
    /// Write the result to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Only check this function (a name, a qualified name or an id; repeatable); every spec is still written
    #[arg(long, value_name = "NAME")]
    function: Vec<String>,
    #[command(flatten)]
    model: ModelFlags,
    /// Most estimated prompt tokens in one spec request [default: 6000, or specgen.max_prompt_tokens]
    #[arg(long, value_name = "TOKENS")]
    max_prompt_tokens: Option<usize>,
    #[command(flatten)]
    pub(crate) checking: CheckFlags,
    /// Print nothing on stderr but errors
    #[arg(short, long)]
    quiet: bool,
}

/// How functions are checked; shared by `vouch check` and `vouch audit`.
#[derive(clap::Args, Clone)]
pub(crate) struct CheckFlags {
    /// Lines of one block of a body, about [default: 35, or check.block_lines]
    #[arg(long, value_name = "LINES", value_parser = clap::value_parser!(u32).range(1..))]
    block_lines: Option<u32>,
    /// Time limit of one solver query, in milliseconds [default: 5000, or check.solver_timeout_ms]
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u32).range(1..))]
    solver_timeout_ms: Option<u32>,
    /// Write every solver query as an SMT-LIB file into DIR
    #[arg(long, value_name = "DIR")]
    dump_smt: Option<PathBuf>,
    /// Let the model alone judge, without Z3 (to measure what the solver adds)
    #[arg(long)]
    pub(crate) no_solver: bool,
    /// Check test code too (`#[test]` and `#[cfg(test)]` functions, files under a
    /// `tests` directory or named `test_*`/`*_test`); by default its calls only tell
    /// what its callees must do
    #[arg(long)]
    pub(crate) check_tests: bool,
}

/// The functions to check: those named with `--function`, or every function with a
/// spec except test code (unless `--check-tests`); and how many test functions were
/// left out.
pub(crate) fn to_check(
    program: &Program,
    specs: &BTreeMap<FnIdx, FunctionSpec>,
    targets: Option<&[FnIdx]>,
    flags: &CheckFlags,
) -> (Vec<FnIdx>, usize) {
    if let Some(t) = targets {
        return (t.to_vec(), 0);
    }
    let (tests, chosen): (Vec<FnIdx>, Vec<FnIdx>) = specs
        .keys()
        .copied()
        .partition(|&f| !flags.check_tests && program.is_test_code(f));
    (chosen, tests.len())
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

#[derive(Serialize)]
struct Report<'a> {
    model: String,
    results: Vec<Row<'a>>,
    summary: Summary,
    usage: UsageReport,
}

#[derive(Serialize)]
struct Row<'a> {
    name: &'a str,
    file: &'a str,
    line: u32,
    #[serde(flatten)]
    result: CheckResult,
}

#[derive(Default, Serialize)]
struct Summary {
    verified: usize,
    violated: usize,
    unknown: usize,
    z3_decided: usize,
    /// Test functions left out (`--check-tests` checks them).
    tests_not_checked: usize,
}

pub fn run(args: CheckArgs) -> Result<ExitCode> {
    let (prepared, cache) = prepare(&args.files, &args.model, args.max_prompt_tokens)?;
    let targets = select(&prepared.program, &args.function)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let connected = connect(prepared.llm.clone(), cache, args.quiet).await?;
        let client = Arc::new(connected.client);
        // A function's check needs its callees' specs, which come after its own in the
        // top-down walk: every spec is written first.
        let (specs, _) = specify(&prepared, &client, None, args.quiet).await;
        let (chosen, tests) = to_check(
            &prepared.program,
            &specs,
            targets.as_deref(),
            &args.checking,
        );
        let results = check_all(
            &prepared,
            &client,
            &specs,
            chosen,
            &args.checking,
            args.quiet,
        )
        .await;
        let usage = client.usage();
        let model = client.model().to_string();
        if let Some(local) = connected.local {
            local.stop().await;
        }
        write(&args, &prepared.program, results, tests, usage, model)
    })
}

/// The written specs by function id.
pub(crate) fn specs_by_id(specs: &BTreeMap<FnIdx, FunctionSpec>) -> HashMap<String, Spec> {
    specs
        .values()
        .filter_map(|s| match &s.outcome {
            Outcome::Spec(spec) => Some((s.id.clone(), (**spec).clone())),
            Outcome::Unknown { .. } => None,
        })
        .collect()
}

/// Checks each of `chosen` against its spec, concurrently, with a progress bar. A function
/// without a spec is `Unknown` with the reason its spec is missing.
pub(crate) async fn check_all(
    prepared: &Prepared,
    client: &Arc<Client>,
    specs: &BTreeMap<FnIdx, FunctionSpec>,
    chosen: Vec<FnIdx>,
    flags: &CheckFlags,
    quiet: bool,
) -> Vec<CheckResult> {
    let by_id = Arc::new(specs_by_id(specs));
    let (invariants, mut invariant_notes) =
        invariants(prepared, client, &by_id, &chosen, quiet).await;
    let invariants = Arc::new(invariants);
    let bar = progress("check", chosen.len() as u64, quiet);
    let solver = Solver {
        timeout_ms: flags
            .solver_timeout_ms
            .or(prepared.check.solver_timeout_ms)
            .unwrap_or(SOLVER_TIMEOUT_MS),
        dump_dir: flags.dump_smt.clone(),
    };
    let options = CheckOptions {
        block_lines: flags
            .block_lines
            .or(prepared.check.block_lines)
            .unwrap_or(vouch_hoare::BLOCK_LINES),
        use_solver: !flags.no_solver,
        ..CheckOptions::default()
    };
    let mut results: Vec<CheckResult> = Vec::new();
    let mut tasks = JoinSet::new();
    // Twice the client's own limit (1 for a local model, whatever the configuration
    // said): enough to keep it busy, few enough that functions finish one after
    // another rather than every step request of every function first.
    let in_flight = client.max_concurrency() * 2;
    let types = Arc::new(Types::of(&prepared.program.types));
    let mut queue = chosen.into_iter();
    loop {
        while tasks.len() < in_flight
            && let Some(f) = queue.next()
        {
            let id = prepared.program.function(f).id.to_string();
            let Some(spec) = by_id.get(&id).cloned() else {
                let reason = specs
                    .get(&f)
                    .and_then(|s| match &s.outcome {
                        Outcome::Unknown { reason } => Some(reason.clone()),
                        Outcome::Spec(_) => None,
                    })
                    .unwrap_or_else(|| "no spec".into());
                results.push(unknown(f, id, format!("{NO_SPEC}{reason}")));
                continue;
            };
            let (program, graph, client, by_id) = (
                prepared.program.clone(),
                prepared.graph.clone(),
                client.clone(),
                by_id.clone(),
            );
            let (solver, options) = (solver.clone(), options.clone());
            let (invariants, types) = (invariants.clone(), types.clone());
            tasks.spawn(async move {
                let checker = Checker {
                    program: &program,
                    types: types.clone(),
                    graph: &graph,
                    client: &client,
                    solver,
                    options,
                };
                // Its types' invariants: assumed at entry, kept at exit, as its role is.
                let func = program.function(f);
                let mut spec = spec;
                for (inv, value, role) in vouch_specgen::invariants::for_function(&invariants, f) {
                    spec = vouch_specgen::invariants::extend(&spec, func, &types, inv, value, role);
                }
                checker.check(f, &spec, &by_id).await
            });
        }
        let Some(done) = tasks.join_next().await else {
            break;
        };
        match done {
            Ok(mut r) => {
                if let Some(notes) = invariant_notes.remove(&r.function) {
                    r.notes.extend(notes);
                }
                results.push(r)
            }
            Err(e) => tracing::error!(error = %e, "a check task failed"),
        }
        bar.set_position(results.len() as u64);
        bar.set_message(usage_line(client));
    }
    bar.finish_and_clear();
    results
}

/// `targets` and every function that takes or makes a value of a struct one of them
/// takes or makes: a type's invariants come from the specs of all its functions.
pub(crate) fn with_type_mates(program: &vouch_frontend::Program, targets: &[FnIdx]) -> Vec<FnIdx> {
    let mut out = targets.to_vec();
    for ty in vouch_specgen::invariants::types_with_functions(program) {
        if ty.members.iter().any(|(f, _)| targets.contains(f)) {
            out.extend(ty.members.iter().map(|(f, _)| *f));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The invariants of the program's structs, one request per struct with at least two
/// functions that have a spec, concurrently. A failed request leaves its type without
/// invariants, and a note on each of its functions says so.
async fn invariants(
    prepared: &Prepared,
    client: &Arc<Client>,
    by_id: &Arc<HashMap<String, Spec>>,
    chosen: &[FnIdx],
    quiet: bool,
) -> (
    Vec<vouch_specgen::invariants::TypeInvariants>,
    HashMap<FnIdx, Vec<String>>,
) {
    // Only the types of the functions to check.
    let types: Vec<_> = vouch_specgen::invariants::types_with_functions(&prepared.program)
        .into_iter()
        .filter(|t| t.members.iter().any(|(f, _)| chosen.contains(f)))
        .collect();
    let mut out = Vec::new();
    let mut notes: HashMap<FnIdx, Vec<String>> = HashMap::new();
    if types.is_empty() {
        return (out, notes);
    }
    let bar = progress("invariants", types.len() as u64, quiet);
    let mut tasks = JoinSet::new();
    for ty in types {
        let (program, client, by_id) = (prepared.program.clone(), client.clone(), by_id.clone());
        tasks.spawn(async move {
            let r = vouch_specgen::invariants::derive(&client, &program, &ty, &by_id).await;
            (ty, r)
        });
    }
    while let Some(done) = tasks.join_next().await {
        bar.inc(1);
        match done {
            Ok((ty, Ok(Some((inv, _))))) => {
                // A function the request left out (past its limit) or the reply gave
                // no role has none of the type's invariants: its check says so.
                for (f, _) in &ty.members {
                    if !inv.roles.iter().any(|(g, _, _)| g == f) {
                        notes.entry(*f).or_default().push(format!(
                            "no invariant of `{}` was assumed or checked: the function was not among the {} whose roles were asked",
                            ty.name,
                            vouch_specgen::invariants::MAX_FUNCTIONS
                        ));
                    }
                }
                out.push(inv)
            }
            Ok((_, Ok(None))) => {}
            Ok((ty, Err(e))) => {
                for (f, _) in &ty.members {
                    notes.entry(*f).or_default().push(format!(
                        "the invariants of `{}` are unknown, so none was assumed or checked: {e}",
                        ty.name
                    ));
                }
            }
            Err(e) => tracing::error!(error = %e, "an invariants task failed"),
        }
    }
    bar.finish_and_clear();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    (out, notes)
}

/// How the reason of a function left unchecked for want of a spec starts.
pub(crate) const NO_SPEC: &str = "no spec to check against: ";

fn unknown(f: FnIdx, id: String, reason: String) -> CheckResult {
    CheckResult {
        function: f,
        id,
        verdict: Verdict::Unknown { reason },
        z3_decided: 0,
        notes: Vec::new(),
        blocks: 0,
        model_calls: 0,
        prompt_tokens: 0,
    }
}

fn write(
    args: &CheckArgs,
    program: &vouch_frontend::Program,
    mut results: Vec<CheckResult>,
    tests_not_checked: usize,
    usage: UsageReport,
    model: String,
) -> Result<ExitCode> {
    results.sort_by(|a, b| a.id.cmp(&b.id));
    let mut summary = Summary {
        tests_not_checked,
        ..Summary::default()
    };
    for r in &results {
        summary.z3_decided += r.z3_decided;
        match r.verdict {
            Verdict::Verified => summary.verified += 1,
            Verdict::Violated { .. } => summary.violated += 1,
            Verdict::Unknown { .. } => summary.unknown += 1,
        }
    }
    let rows: Vec<Row<'_>> = results
        .into_iter()
        .map(|r| {
            let func = program.function(r.function);
            Row {
                name: &func.qualified_name,
                file: &program.file(func.file).path,
                line: func.span.start_line,
                result: r,
            }
        })
        .collect();
    let report = Report {
        model,
        results: rows,
        summary,
        usage,
    };
    let mut out = Output::create(args.output.as_deref())?;
    match args.format {
        CheckFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report).context("cannot write the results")?;
            out.write_all(b"\n")?;
        }
        CheckFormat::Text => out.write_all(text(&report).as_bytes())?,
    }
    out.finish()?;
    let s = &report.summary;
    if !args.quiet {
        let u = &report.usage.total;
        eprintln!(
            "vouch check: {} verified, {} violated, {} unknown; Z3 decided {} steps; {} model calls, {} cache hits, {} prompt + {} completion tokens",
            s.verified,
            s.violated,
            s.unknown,
            s.z3_decided,
            u.calls,
            u.cache_hits,
            u.prompt_tokens,
            u.completion_tokens
        );
    }
    Ok(if s.violated > 0 {
        ExitCode::from(EXIT_VIOLATED)
    } else if s.unknown > 0 {
        ExitCode::from(EXIT_PARTIAL)
    } else {
        ExitCode::SUCCESS
    })
}

fn text(report: &Report<'_>) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for r in &report.results {
        let at = format!("{}:{}", r.file, r.line);
        match &r.result.verdict {
            Verdict::Verified => {
                let _ = writeln!(s, "verified  {}  {at}", r.name);
            }
            Verdict::Violated { violations, .. } => {
                let _ = writeln!(s, "VIOLATED  {}  {at}", r.name);
                for v in violations {
                    let _ = writeln!(s, "          clause {}: {}", v.id, v.clause);
                    if !v.counterexample.is_empty() {
                        let values: Vec<String> = v
                            .counterexample
                            .iter()
                            .map(|b| format!("{} = {}", b.name, b.value))
                            .collect();
                        let _ = writeln!(s, "            counterexample: {}", values.join(", "));
                    }
                    if !v.evidence_lines.is_empty() {
                        let lines: Vec<String> =
                            v.evidence_lines.iter().map(u32::to_string).collect();
                        let _ = writeln!(s, "            lines: {}", lines.join(", "));
                    }
                    if !v.explanation.is_empty() {
                        let _ = writeln!(s, "            why: {}", v.explanation);
                    }
                    let _ = writeln!(s, "            decided by: {:?}", v.decided_by);
                }
            }
            Verdict::Unknown { reason } => {
                let _ = writeln!(s, "unknown   {}  {at}  ({reason})", r.name);
            }
        }
        for n in &r.result.notes {
            let _ = writeln!(s, "          note: {n}");
        }
    }
    let m = &report.summary;
    let _ = writeln!(
        s,
        "\n{:<10} {:>8}\n{:<10} {:>8}\n{:<10} {:>8}\n{:<10} {:>8}",
        "verified",
        m.verified,
        "violated",
        m.violated,
        "unknown",
        m.unknown,
        "Z3 steps",
        m.z3_decided
    );
    if m.tests_not_checked > 0 {
        let _ = writeln!(
            s,
            "{:<10} {:>8}  (test functions not checked; --check-tests checks them)",
            "tests", m.tests_not_checked
        );
    }
    s
}
