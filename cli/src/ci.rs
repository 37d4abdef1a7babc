//! `vouch ci`: the audit of a change. The functions whose lines `git diff REF` touches,
//! and every function they call (directly or not: their specs come from these callers),
//! are specified and checked; everything else is reused from the run store. Findings
//! are compared with a committed baseline: new ones fail the job, fixed ones are said.

use crate::audit::{audit_tree, build, exit_code, root_and_report_dir, run_info, write_dir};
use crate::{FileArgs, Output};
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;
use vouch_callgraph::{CallGraph, Callee};
use vouch_frontend::{FnIdx, Program};
use vouch_reports::{BaselineState, Finding, Report, Status};

/// The version of the baseline file.
const BASELINE_VERSION: u32 = 1;

#[derive(clap::Args)]
pub struct CiArgs {
    #[command(flatten)]
    files: FileArgs,
    /// The git revision the change is compared with (e.g. origin/main, HEAD~1)
    #[arg(long, value_name = "REF")]
    base: String,
    /// The committed baseline of known findings [default: ROOT/vouch-baseline.json]
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write the baseline: drop the fixed findings, add the new ones
    #[arg(long)]
    update_baseline: bool,
    /// Write the report into DIR [default: ROOT/.vouch/report]
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// How findings are printed on stdout: text, or GitHub Actions annotations
    #[arg(long, value_enum, default_value_t = CiFormat::Text)]
    format: CiFormat,
    #[command(flatten)]
    pipeline: crate::audit::PipelineFlags,
    /// Exit 1 when a new finding at least this sure is not suppressed
    #[arg(long, value_enum, default_value_t = crate::audit::FailOn::Confirmed)]
    fail_on: crate::audit::FailOn,
    /// Exit 0 whatever was found or left undecided (errors still exit 2)
    #[arg(long)]
    exit_zero: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CiFormat {
    Text,
    Github,
}

/// The committed list of known findings.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct BaselineEntry {
    pub fingerprint: String,
    pub id: String,
    pub function_id: String,
    pub file: String,
    pub kind: String,
    pub clause: String,
}

impl BaselineEntry {
    fn of(f: &Finding) -> BaselineEntry {
        BaselineEntry {
            fingerprint: f.fingerprint.clone(),
            id: f.id.clone(),
            function_id: f.function_id.clone(),
            file: f.file.clone(),
            kind: f.kind.name().into(),
            clause: f.clause.text.clone(),
        }
    }
}

fn read_baseline(path: &Path) -> Result<Baseline> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let b: Baseline = serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} is not a vouch baseline (write one with --update-baseline)",
                    path.display()
                )
            })?;
            if b.version != BASELINE_VERSION {
                bail!(
                    "{} is baseline version {}, this vouch reads version {BASELINE_VERSION}; rewrite it with --update-baseline",
                    path.display(),
                    b.version
                );
            }
            Ok(b)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Baseline {
            version: BASELINE_VERSION,
            findings: Vec::new(),
        }),
        Err(e) => Err(e).with_context(|| format!("cannot read the baseline {}", path.display())),
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("cannot run git (vouch ci needs git on PATH)")?;
    if !out.status.success() {
        bail!(
            "git {} failed in {}: {}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Lines of the working tree that differ from `base`, per path relative to the audited
/// root. A file that is new (or untracked) counts whole.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    /// Changed line ranges (new side), inclusive; a pure deletion after line `a` is `(a, a + 1)`.
    pub lines: BTreeMap<String, Vec<(u32, u32)>>,
    pub whole: BTreeSet<String>,
}

pub(crate) fn changes(root: &Path, base: &str) -> Result<Changes> {
    let top = PathBuf::from(git(root, &["rev-parse", "--show-toplevel"])?.trim());
    git(root, &["rev-parse", "--verify", "--quiet", &format!("{base}^{{commit}}")])
        .with_context(|| format!("`{base}` is not a revision of this repository (fetch it first, e.g. `git fetch origin {base}`)"))?;
    let root_abs = root
        .canonicalize()
        .with_context(|| format!("cannot read {}", root.display()))?;
    let top = top.canonicalize().unwrap_or(top);
    let prefix = root_abs
        .strip_prefix(&top)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let rel = |path: &str| -> Option<String> {
        if prefix.is_empty() {
            Some(path.to_string())
        } else {
            path.strip_prefix(&format!("{prefix}/")).map(str::to_string)
        }
    };
    let mut out = Changes::default();
    let diff = git(
        &top,
        &[
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-renames",
            "-U0",
            base,
            "--",
            ".",
        ],
    )?;
    let mut file: Option<String> = None;
    for line in diff.lines() {
        if let Some(p) = line.strip_prefix("+++ ") {
            file = p.strip_prefix("b/").and_then(rel);
        } else if let Some(h) = line.strip_prefix("@@ ")
            && let Some(f) = &file
        {
            // `@@ -a,b +c,d @@`: the new side starts at c and spans d lines (1 if absent).
            let Some(new) = h.split_whitespace().find(|t| t.starts_with('+')) else {
                continue;
            };
            let mut parts = new[1..].split(',');
            let start: u32 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            let len: u32 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(1);
            let range = if len == 0 {
                (start, start + 1)
            } else {
                (start, start + len - 1)
            };
            out.lines.entry(f.clone()).or_default().push(range);
        }
    }
    for path in git(&top, &["ls-files", "--others", "--exclude-standard"])?.lines() {
        if let Some(p) = rel(path) {
            out.whole.insert(p);
        }
    }
    Ok(out)
}

/// The functions a change touches: a changed line within the function, its doc comment
/// included, or a file that is new.
pub(crate) fn changed_functions(program: &Program, changes: &Changes) -> Vec<FnIdx> {
    let mut out = Vec::new();
    for (i, f) in program.functions.iter().enumerate() {
        let path = &program.file(f.file).path;
        let doc_lines = f.doc.as_deref().map_or(0, |d| d.lines().count() as u32);
        let start = f.span.start_line.saturating_sub(doc_lines);
        let end = f.span.end_line;
        let touched = changes.whole.contains(path)
            || changes
                .lines
                .get(path)
                .is_some_and(|ranges| ranges.iter().any(|&(a, b)| a <= end && b >= start));
        if touched {
            out.push(FnIdx(i as u32));
        }
    }
    out
}

/// The changed functions and everything they call, directly or not: the specs of
/// callees come from their callers, so a changed caller can change them.
pub(crate) fn affected(graph: &CallGraph, changed: &[FnIdx]) -> Vec<FnIdx> {
    let mut seen: HashSet<FnIdx> = changed.iter().copied().collect();
    let mut stack: Vec<FnIdx> = changed.to_vec();
    while let Some(f) = stack.pop() {
        for e in graph.callees(f) {
            if let Callee::Function(t) = e.callee
                && seen.insert(t)
            {
                stack.push(t);
            }
        }
    }
    let mut out: Vec<FnIdx> = seen.into_iter().collect();
    out.sort();
    out
}

pub fn run(args: CiArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let (prepared, cache) = args.pipeline.prepare(&args.files)?;
    let (root, out_dir) = root_and_report_dir(&prepared, &args.files, args.output.as_deref());
    let baseline_path = args
        .baseline
        .clone()
        .unwrap_or_else(|| root.join("vouch-baseline.json"));
    let baseline = read_baseline(&baseline_path)?;
    let diff = changes(&root, &args.base)?;
    let changed = changed_functions(&prepared.program, &diff);
    let targets = affected(&prepared.graph, &changed);
    if !args.pipeline.quiet {
        eprintln!(
            "vouch ci: {} functions changed since {}; {} to check with the functions they call",
            changed.len(),
            args.base,
            targets.len()
        );
    }
    let timings = vec![(
        "parse, call graph and diff",
        started.elapsed().as_secs_f64(),
    )];
    let mut report = if targets.is_empty() {
        // Nothing to check: no model is needed.
        let run = run_info(
            &args.files,
            !args.pipeline.checking.no_solver,
            String::new(),
            &vouch_llm::UsageReport::default(),
            &timings,
        );
        build(&prepared.program, &HashMap::new(), Vec::new(), run)
    } else {
        let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
        runtime.block_on(audit_tree(
            &prepared,
            cache,
            &args.files,
            &args.pipeline,
            Some(&targets),
            timings,
        ))?
    };
    let checked: HashSet<&str> = targets
        .iter()
        .map(|&f| prepared.program.function(f).id.as_str())
        .collect();
    let known: HashSet<&str> = prepared
        .program
        .functions
        .iter()
        .map(|f| f.id.as_str())
        .collect();
    compare(&mut report, &baseline, &checked, &known);
    write_dir(&out_dir, &mut report)?;
    if args.update_baseline {
        write_baseline(&baseline_path, &baseline, &report)?;
        if !args.pipeline.quiet {
            eprintln!("vouch ci: wrote the baseline {}", baseline_path.display());
        }
    }
    print(&report, args.format, &out_dir)?;
    let s = &report.summary;
    if !args.pipeline.quiet {
        eprintln!(
            "vouch ci: {} new, {} fixed, {} preexisting findings ({} suppressed); {} checked, {} unknown; {} model calls; report in {}",
            s.new,
            report.fixed.len(),
            s.preexisting,
            s.suppressed,
            s.checked,
            s.unknown,
            report.run.usage.calls,
            out_dir.display()
        );
        for d in &report.diagnostics {
            eprintln!("warning: {d}");
        }
    }
    let at = args.fail_on.status();
    let failing = report
        .findings
        .iter()
        .filter(|f| {
            f.baseline == Some(BaselineState::New)
                && f.suppression.is_none()
                && !f.is_question()
                && f.status.at_least(at)
        })
        .count();
    // New findings just written into the baseline do not fail the run that wrote them.
    let zero = args.exit_zero || args.update_baseline && failing > 0;
    Ok(exit_code(failing, &report, zero))
}

/// Marks each finding new or preexisting, and lists as fixed every baseline finding of a
/// re-checked (or vanished) function that is no longer found.
pub(crate) fn compare(
    report: &mut Report,
    baseline: &Baseline,
    checked: &HashSet<&str>,
    known: &HashSet<&str>,
) {
    let before: HashSet<&str> = baseline
        .findings
        .iter()
        .map(|e| e.fingerprint.as_str())
        .collect();
    let now: HashSet<String> = report
        .findings
        .iter()
        .map(|f| f.fingerprint.clone())
        .collect();
    for f in &mut report.findings {
        f.baseline = Some(if before.contains(f.fingerprint.as_str()) {
            BaselineState::Unchanged
        } else {
            BaselineState::New
        });
    }
    report.fixed = baseline
        .findings
        .iter()
        .filter(|e| {
            !now.contains(&e.fingerprint)
                && (checked.contains(e.function_id.as_str())
                    || !known.contains(e.function_id.as_str()))
        })
        .map(|e| vouch_reports::FixedFinding {
            id: e.id.clone(),
            fingerprint: e.fingerprint.clone(),
            function_id: e.function_id.clone(),
            file: e.file.clone(),
            clause: e.clause.clone(),
        })
        .collect();
    report.finalize();
}

fn write_baseline(path: &Path, old: &Baseline, report: &Report) -> Result<()> {
    let fixed: HashSet<&str> = report
        .fixed
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    let mut entries: Vec<BaselineEntry> = old
        .findings
        .iter()
        .filter(|e| !fixed.contains(e.fingerprint.as_str()))
        .cloned()
        .chain(report.findings.iter().map(BaselineEntry::of))
        .collect();
    entries.sort();
    entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    let baseline = Baseline {
        version: BASELINE_VERSION,
        findings: entries,
    };
    let mut out = Output::create(Some(path))?;
    serde_json::to_writer_pretty(&mut out, &baseline).context("cannot write the baseline")?;
    out.write_all(b"\n")?;
    out.finish()
}

/// A value for a GitHub workflow command: `%`, CR and LF escaped (and `,` `:` in properties).
fn gh(s: &str, property: bool) -> String {
    let mut out = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        out = out.replace(',', "%2C").replace(':', "%3A");
    }
    out
}

fn print(report: &Report, format: CiFormat, dir: &Path) -> Result<()> {
    use std::fmt::Write as _;
    let mut s = String::new();
    for f in &report.findings {
        let state = match f.baseline {
            Some(BaselineState::New) => "new",
            _ => "preexisting",
        };
        match format {
            CiFormat::Text => {
                let status = f.shown_status();
                let _ = writeln!(
                    s,
                    "{state:<11} {status:<11} {}  {}  {}:{}  {}",
                    f.id, f.function, f.file, f.line, f.clause.text
                );
            }
            CiFormat::Github => {
                if f.suppression.is_some() || f.baseline != Some(BaselineState::New) {
                    continue;
                }
                // A question about intent is for the author to read, never an error.
                let level = match f.status {
                    _ if f.is_question() => "notice",
                    Status::Confirmed => "error",
                    Status::Unconfirmed => "warning",
                    Status::Refuted => "notice",
                };
                let _ = writeln!(
                    s,
                    "::{level} file={},line={},title={}::{}",
                    gh(&f.file, true),
                    f.line,
                    gh(
                        &format!("vouch {} {} ({})", f.kind.name(), f.id, f.shown_status()),
                        true
                    ),
                    gh(
                        &format!(
                            "`{}` breaks its {} \"{}\": {}",
                            f.function, f.clause.section, f.clause.text, f.explanation
                        ),
                        false
                    )
                );
            }
        }
    }
    for x in &report.fixed {
        match format {
            CiFormat::Text => {
                let _ = writeln!(s, "fixed       {}  {}  {}", x.id, x.function_id, x.clause);
            }
            CiFormat::Github => {
                let _ = writeln!(
                    s,
                    "::notice file={},title={}::{}",
                    gh(&x.file, true),
                    gh(&format!("vouch: fixed {}", x.id), true),
                    gh(&format!("no longer found: {}", x.clause), false)
                );
            }
        }
    }
    if format == CiFormat::Github {
        for u in &report.unused_suppressions {
            let _ = writeln!(
                s,
                "::warning file={},line={},title=unused vouch-ignore::{}",
                gh(&u.file, true),
                u.line,
                gh("this vouch-ignore matches no finding; remove it", false)
            );
        }
    }
    let m = &report.summary;
    let _ = writeln!(
        s,
        "{}{} new, {} fixed, {} preexisting ({} suppressed); {} functions checked: {} verified, {} unknown\nreport: {}",
        if format == CiFormat::Text { "\n" } else { "" },
        m.new,
        report.fixed.len(),
        m.preexisting,
        m.suppressed,
        m.checked,
        m.verified,
        m.unknown,
        dir.join("index.html").display()
    );
    let mut out = Output::create(None)?;
    out.write_all(s.as_bytes())?;
    out.finish()
}
