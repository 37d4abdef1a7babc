//! `vouch eval`: the audit of seeded-bug corpora, scored against their manifests
//! (`bugs.toml`): recall, precision, confirmed rate, per bug kind, with the model's
//! usage and the time, comparable with an earlier run (`--compare`).

use crate::FileArgs;
use crate::audit::{audit_tree, write_dir};
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use vouch_reports::{DecidedBy, Finding, Report, Status};

/// The version of the eval JSON.
const EVAL_VERSION: u32 = 1;

#[derive(clap::Args)]
pub struct EvalArgs {
    /// Corpus folders, each with a bugs.toml manifest (e.g. corpora/c-ringbuf)
    #[arg(required = true, value_name = "CORPUS")]
    corpora: Vec<PathBuf>,
    /// Print the scores as JSON
    #[arg(long)]
    json: bool,
    /// Write the scores (JSON) to FILE as well
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Show the change against an earlier `vouch eval --json` result
    #[arg(long, value_name = "FILE")]
    compare: Option<PathBuf>,
    /// Write each corpus's report directory under DIR/<corpus>
    #[arg(long, value_name = "DIR")]
    reports: Option<PathBuf>,
    /// Score the confirming stage alone: each planted bug (its description as the
    /// clause broken) and each correct look-alike (its doc comment) goes to testgen;
    /// reports the share of bugs confirmed and of look-alikes refuted
    #[arg(long)]
    confirm_truth: bool,
    #[command(flatten)]
    pipeline: crate::audit::PipelineFlags,
}

/// The parts of a manifest the score needs.
#[derive(Debug, Deserialize)]
pub(crate) struct Manifest {
    pub program: String,
    #[serde(default)]
    pub bug: Vec<Bug>,
    #[serde(default)]
    pub correct: Vec<Correct>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Bug {
    pub id: String,
    pub function: String,
    pub file: String,
    pub lines: [u32; 2],
    pub kind: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Correct {
    pub function: String,
    pub file: String,
}

/// Scores of one corpus, or of all.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Score {
    pub bugs: usize,
    /// Bugs with a finding in their function whose lines overlap theirs.
    pub found: usize,
    pub findings: usize,
    /// Findings that match a bug.
    pub true_positives: usize,
    pub false_positives: usize,
    /// False positives in a correct look-alike named by the manifest.
    pub lookalike_false_positives: usize,
    pub confirmed: usize,
    /// Questions about intent (broken clauses of specs the model was unsure of): not
    /// findings, so in none of the counts above.
    #[serde(default)]
    pub questions: usize,
    /// Questions that match a bug: what `--min-spec-confidence 0` would add to recall.
    #[serde(default)]
    pub question_true_positives: usize,
    /// Confirmed findings that match a bug.
    #[serde(default)]
    pub confirmed_true_positives: usize,
    pub recall: f64,
    pub precision: f64,
    /// Of the confirmed findings, the share that match a bug.
    #[serde(default)]
    pub precision_confirmed: f64,
    pub confirmed_rate: f64,
    pub functions: usize,
    pub verified: usize,
    pub unknown: usize,
    /// Clauses of the checked functions' specs, and those with a formal side.
    #[serde(default)]
    pub clauses: usize,
    #[serde(default)]
    pub formal_clauses: usize,
    /// Steps Z3 decided, and findings whose violation Z3 decided.
    #[serde(default)]
    pub z3_decided: usize,
    #[serde(default)]
    pub z3_findings: usize,
    pub calls: u64,
    pub cache_hits: u64,
    /// The run's model requests, answered live or from the run store, and their
    /// tokens (a replayed reply's as recorded): what the run costs with a model.
    #[serde(default)]
    pub requests: u64,
    #[serde(default)]
    pub request_prompt_tokens: u64,
    #[serde(default)]
    pub request_completion_tokens: u64,
    /// With `--cache replay`: requests that had no recorded reply (the eval fails).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub replay_misses: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: f64,
    pub seconds: f64,
}

pub(crate) fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Score {
    fn add(&mut self, o: &Score) {
        self.bugs += o.bugs;
        self.found += o.found;
        self.findings += o.findings;
        self.true_positives += o.true_positives;
        self.false_positives += o.false_positives;
        self.lookalike_false_positives += o.lookalike_false_positives;
        self.confirmed += o.confirmed;
        self.questions += o.questions;
        self.question_true_positives += o.question_true_positives;
        self.confirmed_true_positives += o.confirmed_true_positives;
        self.functions += o.functions;
        self.verified += o.verified;
        self.unknown += o.unknown;
        self.clauses += o.clauses;
        self.formal_clauses += o.formal_clauses;
        self.z3_decided += o.z3_decided;
        self.z3_findings += o.z3_findings;
        self.calls += o.calls;
        self.cache_hits += o.cache_hits;
        self.requests += o.requests;
        self.request_prompt_tokens += o.request_prompt_tokens;
        self.request_completion_tokens += o.request_completion_tokens;
        self.replay_misses += o.replay_misses;
        self.prompt_tokens += o.prompt_tokens;
        self.completion_tokens += o.completion_tokens;
        self.cost_usd += o.cost_usd;
        self.seconds += o.seconds;
        self.rates();
    }

    fn rates(&mut self) {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        self.recall = ratio(self.found, self.bugs);
        self.precision = ratio(self.true_positives, self.findings);
        self.precision_confirmed = ratio(self.confirmed_true_positives, self.confirmed);
        self.confirmed_rate = ratio(self.confirmed, self.findings);
    }

    /// Model requests per checked function.
    pub fn requests_per_function(&self) -> f64 {
        per(self.requests, self.functions)
    }

    /// Prompt tokens per checked function.
    pub fn prompt_tokens_per_function(&self) -> f64 {
        per(self.request_prompt_tokens, self.functions)
    }
}

fn per(n: u64, functions: usize) -> f64 {
    if functions == 0 {
        0.0
    } else {
        n as f64 / functions as f64
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CorpusEval {
    pub corpus: String,
    #[serde(flatten)]
    pub score: Score,
    /// Bug ids found and missed.
    pub found_bugs: Vec<String>,
    pub missed_bugs: Vec<String>,
    /// Each false positive as `function: clause`.
    pub false_positive_findings: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct KindScore {
    pub bugs: usize,
    pub found: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Eval {
    pub version: u32,
    pub model: String,
    pub solver: bool,
    pub corpora: Vec<CorpusEval>,
    pub by_kind: BTreeMap<String, KindScore>,
    pub total: Score,
}

fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join("bugs.toml");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {} (a corpus folder holds its manifest, bugs.toml; see corpora/README.md)",
            path.display()
        )
    })?;
    toml::from_str(&text).with_context(|| format!("{} is not a valid manifest", path.display()))
}

/// Whether a finding is the bug: the same function and file, and one of its lines
/// (the evidence lines and the reported line) inside the bug's lines.
fn matches(f: &Finding, b: &Bug) -> bool {
    f.function == b.function
        && f.file == b.file
        && f.evidence_lines
            .iter()
            .chain(std::iter::once(&f.line))
            .any(|l| (b.lines[0]..=b.lines[1]).contains(l))
}

fn score(corpus: &str, m: &Manifest, report: &Report, seconds: f64) -> CorpusEval {
    // A question about intent is not a finding: it is scored apart.
    let (questions, findings): (Vec<&Finding>, Vec<&Finding>) =
        report.findings.iter().partition(|f| f.is_question());
    let true_positive = |f: &Finding| m.bug.iter().any(|b| matches(f, b));
    let found: Vec<&Bug> = m
        .bug
        .iter()
        .filter(|b| findings.iter().any(|f| matches(f, b)))
        .collect();
    let false_positives: Vec<&Finding> = findings
        .iter()
        .copied()
        .filter(|f| !true_positive(f))
        .collect();
    let confirmed: Vec<&Finding> = findings
        .iter()
        .copied()
        .filter(|f| f.status == Status::Confirmed)
        .collect();
    let u = &report.run.usage;
    let mut s = Score {
        bugs: m.bug.len(),
        found: found.len(),
        findings: findings.len(),
        true_positives: findings.len() - false_positives.len(),
        false_positives: false_positives.len(),
        lookalike_false_positives: false_positives
            .iter()
            .filter(|f| {
                m.correct
                    .iter()
                    .any(|c| c.function == f.function && c.file == f.file)
            })
            .count(),
        confirmed: confirmed.len(),
        confirmed_true_positives: confirmed.iter().filter(|f| true_positive(f)).count(),
        questions: questions.len(),
        question_true_positives: questions.iter().filter(|f| true_positive(f)).count(),
        functions: report.summary.checked,
        verified: report.summary.verified,
        unknown: report.summary.unknown,
        clauses: report.summary.clauses,
        formal_clauses: report.summary.formal_clauses,
        z3_decided: report.summary.z3_decided,
        z3_findings: findings
            .iter()
            .filter(|f| f.decided_by == DecidedBy::Z3)
            .count(),
        calls: u.calls,
        cache_hits: u.cache_hits,
        requests: u.calls + u.cache_hits,
        request_prompt_tokens: u.prompt_tokens + u.replayed_prompt_tokens,
        request_completion_tokens: u.completion_tokens + u.replayed_completion_tokens,
        replay_misses: report.run.replay_misses,
        prompt_tokens: u.prompt_tokens,
        completion_tokens: u.completion_tokens,
        cost_usd: u.cost_usd,
        seconds,
        ..Score::default()
    };
    s.rates();
    CorpusEval {
        corpus: corpus.to_string(),
        score: s,
        found_bugs: found.iter().map(|b| b.id.clone()).collect(),
        missed_bugs: m
            .bug
            .iter()
            .filter(|b| !found.iter().any(|x| x.id == b.id))
            .map(|b| b.id.clone())
            .collect(),
        false_positive_findings: false_positives
            .iter()
            .map(|f| format!("{}: {}", f.function, f.clause.text))
            .collect(),
    }
}

pub fn run(args: EvalArgs) -> Result<ExitCode> {
    let previous: Option<Eval> = match &args.compare {
        Some(p) => Some(
            serde_json::from_str(
                &std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?,
            )
            .with_context(|| format!("{} is not a `vouch eval --json` result", p.display()))?,
        ),
        None => None,
    };
    if args.pipeline.export_used.is_some() && args.corpora.len() > 1 {
        bail!("--export-used writes one corpus's recording: give one corpus");
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    if args.confirm_truth {
        return confirm_truth(&args, &runtime);
    }
    let mut eval = Eval {
        version: EVAL_VERSION,
        model: String::new(),
        solver: !args.pipeline.checking.no_solver,
        corpora: Vec::new(),
        by_kind: BTreeMap::new(),
        total: Score::default(),
    };
    for dir in &args.corpora {
        let manifest = read_manifest(dir)?;
        if !args.pipeline.quiet {
            eprintln!("vouch eval: auditing {}", dir.display());
        }
        let started = Instant::now();
        let files = corpus_files(dir);
        let (prepared, cache) = args.pipeline.prepare(&files)?;
        let timings = vec![("parse and call graph", started.elapsed().as_secs_f64())];
        let mut report = runtime.block_on(audit_tree(
            &prepared,
            cache,
            &files,
            &args.pipeline,
            None,
            timings,
        ))?;
        if eval.model.is_empty() {
            eval.model = report.run.model.clone();
        }
        if let Some(out) = &args.reports {
            write_dir(&out.join(&manifest.program), &mut report)?;
        }
        let scored = score(
            &manifest.program,
            &manifest,
            &report,
            started.elapsed().as_secs_f64(),
        );
        for b in &manifest.bug {
            let k = eval.by_kind.entry(b.kind.clone()).or_default();
            k.bugs += 1;
            if scored.found_bugs.contains(&b.id) {
                k.found += 1;
            }
        }
        eval.total.add(&scored.score);
        eval.corpora.push(scored);
    }
    write_scores(&args, &eval, || table(&eval, previous.as_ref()))?;
    if eval.corpora.is_empty() {
        bail!("no corpus was scored");
    }
    replay_complete(
        eval.corpora
            .iter()
            .map(|c| (c.corpus.as_str(), c.score.replay_misses)),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The corpus's files, as `vouch eval` audits them.
fn corpus_files(dir: &Path) -> FileArgs {
    FileArgs {
        path: dir.to_path_buf(),
        lang: None,
        exclude: Vec::new(),
        max_file_size: None,
        config: None,
    }
}

/// The confirming stage's score on ground truth (see `truth.rs`).
#[derive(Debug, Serialize, Deserialize)]
struct TruthEval {
    version: u32,
    mode: String,
    model: String,
    corpora: BTreeMap<String, crate::truth::TruthScore>,
    total: crate::truth::TruthScore,
}

fn confirm_truth(args: &EvalArgs, runtime: &tokio::runtime::Runtime) -> Result<ExitCode> {
    let mut eval = TruthEval {
        version: EVAL_VERSION,
        mode: "confirm-truth".into(),
        model: String::new(),
        corpora: BTreeMap::new(),
        total: crate::truth::TruthScore::default(),
    };
    for dir in &args.corpora {
        let manifest = read_manifest(dir)?;
        if !args.pipeline.quiet {
            eprintln!(
                "vouch eval: confirming the ground truth of {}",
                dir.display()
            );
        }
        let (prepared, cache) = args.pipeline.prepare(&corpus_files(dir))?;
        let (score, model) = runtime.block_on(crate::truth::confirm_truth(
            &prepared,
            cache,
            &manifest,
            &args.pipeline,
        ))?;
        eval.model = model;
        eval.total.add(&score);
        eval.corpora.insert(manifest.program.clone(), score);
    }
    write_scores(args, &eval, || {
        let mut t = crate::truth::TruthScore::header();
        for (name, s) in &eval.corpora {
            t.push_str(&s.row(name));
        }
        t.push_str(&eval.total.row("total"));
        t
    })?;
    replay_complete(
        eval.corpora
            .iter()
            .map(|(name, s)| (name.as_str(), s.replay_misses)),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Fails when a replay lacked recorded replies: the scores printed are then not those
/// of the recorded run. `corpora` are names with their misses.
fn replay_complete<'a>(corpora: impl Iterator<Item = (&'a str, u64)>) -> Result<()> {
    let missed: Vec<(&str, u64)> = corpora.filter(|(_, n)| *n > 0).collect();
    if missed.is_empty() {
        return Ok(());
    }
    bail!(
        "--cache replay: {} model requests had no recorded reply, in {}; what they were for is unknown, so these scores are not those of the recorded run (record the rest first: run the eval again with a model and --cache read-write)",
        missed.iter().map(|(_, n)| n).sum::<u64>(),
        missed
            .iter()
            .map(|(c, n)| format!("{c} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The scores as JSON to `-o FILE` if asked, and as JSON or `table` to stdout.
fn write_scores<T: Serialize>(
    args: &EvalArgs,
    scores: &T,
    table: impl FnOnce() -> String,
) -> Result<()> {
    let text = serde_json::to_string_pretty(scores).context("cannot serialize the scores")? + "\n";
    if let Some(path) = &args.output {
        let mut out = crate::Output::create(Some(path))?;
        out.write_all(text.as_bytes())?;
        out.finish()?;
    }
    let mut out = crate::Output::create(None)?;
    if args.json {
        out.write_all(text.as_bytes())?;
    } else {
        out.write_all(table().as_bytes())?;
    }
    out.finish()
}

fn table(eval: &Eval, previous: Option<&Eval>) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "model {} · Z3 {}\n",
        eval.model,
        if eval.solver { "on" } else { "off" }
    );
    let _ = writeln!(
        s,
        "{:<16} {:>5} {:>6} {:>9} {:>4} {:>10} {:>7} {:>10} {:>10} {:>9} {:>9} {:>8} {:>10} {:>6} {:>6} {:>7} {:>6} {:>8}",
        "corpus",
        "bugs",
        "found",
        "findings",
        "FP",
        "look-alike",
        "recall",
        "precision",
        "prec(conf)",
        "confirmed",
        "questions",
        "unknown",
        "formal",
        "Z3",
        "calls",
        "req/fn",
        "tok/fn",
        "seconds"
    );
    let row = |s: &mut String, name: &str, c: &Score, before: Option<&Score>| {
        let mut change = String::new();
        if let Some(b) = before {
            for (what, now, then) in [
                ("recall", c.recall, b.recall),
                ("precision", c.precision, b.precision),
                (
                    "precision of confirmed",
                    c.precision_confirmed,
                    b.precision_confirmed,
                ),
            ] {
                if (now - then).abs() > 1e-9 {
                    let _ = write!(change, "  {what} {:+.3}", now - then);
                }
            }
        }
        // Without findings there is nothing to be precise about.
        let share = |n: usize, x: f64| {
            if n == 0 {
                "-".to_string()
            } else {
                format!("{x:.3}")
            }
        };
        let _ = writeln!(
            s,
            "{:<16} {:>5} {:>6} {:>9} {:>4} {:>10} {:>7.3} {:>10} {:>10} {:>9} {:>9} {:>8} {:>10} {:>6} {:>6} {:>7.1} {:>6} {:>8.1}{change}",
            name,
            c.bugs,
            c.found,
            c.findings,
            c.false_positives,
            c.lookalike_false_positives,
            c.recall,
            share(c.findings, c.precision),
            share(c.confirmed, c.precision_confirmed),
            c.confirmed,
            c.questions,
            c.unknown,
            format!("{}/{}", c.formal_clauses, c.clauses),
            c.z3_decided,
            c.calls,
            c.requests_per_function(),
            format!("{:.1}k", c.prompt_tokens_per_function() / 1000.0),
            c.seconds,
        );
    };
    for c in &eval.corpora {
        let before = previous.and_then(|p| p.corpora.iter().find(|x| x.corpus == c.corpus));
        row(&mut s, &c.corpus, &c.score, before.map(|b| &b.score));
    }
    row(&mut s, "total", &eval.total, previous.map(|p| &p.total));
    let _ = writeln!(
        s,
        "\n{:<28} {:>5} {:>6} {:>7}",
        "bug kind", "bugs", "found", "recall"
    );
    for (k, v) in &eval.by_kind {
        let _ = writeln!(
            s,
            "{:<28} {:>5} {:>6} {:>7.3}",
            k,
            v.bugs,
            v.found,
            if v.bugs == 0 {
                0.0
            } else {
                v.found as f64 / v.bugs as f64
            }
        );
    }
    if let Some(p) = previous {
        let _ = writeln!(
            s,
            "\ncompared with {} (Z3 {}): calls {:+}, tokens {:+}, seconds {:+.1}",
            p.model,
            if p.solver { "on" } else { "off" },
            eval.total.calls as i64 - p.total.calls as i64,
            (eval.total.prompt_tokens + eval.total.completion_tokens) as i64
                - (p.total.prompt_tokens + p.total.completion_tokens) as i64,
            eval.total.seconds - p.total.seconds
        );
    }
    s
}
