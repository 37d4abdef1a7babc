//! `vouch specs`: stages 1-3. Parses the tree, builds the call graph, and writes every
//! function's spec top-down from what its callers expect, with a progress bar and a
//! usage summary.

use crate::config::Config;
use crate::{EXIT_PARTIAL, FileArgs, Output};
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use vouch_frontend::{FnIdx, Program};
use vouch_llm::{ApiKey, Cache, CacheMode, LlmConfig, Provider, Store, UsageReport};
use vouch_specgen::types::Types;
use vouch_specgen::{CallerExpectations, Event, FunctionSpec, Outcome, Specgen};

#[derive(clap::Args)]
pub struct SpecsArgs {
    #[command(flatten)]
    files: FileArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = SpecFormat::Json)]
    format: SpecFormat,
    /// Write the specs to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Only this function (a name, a qualified name such as `Cache::get`, or an id) and what it needs:
    /// the functions that call it are specified first (repeatable)
    #[arg(long, value_name = "NAME")]
    function: Vec<String>,
    #[command(flatten)]
    model: ModelFlags,
    /// Most estimated prompt tokens in one request [default: 6000, or specgen.max_prompt_tokens]
    #[arg(long, value_name = "TOKENS")]
    max_prompt_tokens: Option<usize>,
    /// Write every solver query (the vacuity checks) as SMT-LIB files into DIR
    #[arg(long, value_name = "DIR")]
    dump_smt: Option<PathBuf>,
    /// Print nothing on stderr but errors
    #[arg(short, long)]
    quiet: bool,
}

/// The model flags shared by the commands that call a model.
#[derive(clap::Args)]
pub struct ModelFlags {
    #[command(flatten)]
    endpoint: crate::model::EndpointFlags,
    /// read-write, read-only, off or replay (only recorded replies; a miss is an error) [default: llm.cache]
    #[arg(long, value_name = "MODE")]
    cache: Option<CacheMode>,
    /// The run store, instead of ROOT/.vouch/vouch.db
    #[arg(long, value_name = "FILE")]
    store: Option<PathBuf>,
    /// Stop making model calls after this many (the run ends as partial)
    #[arg(long, value_name = "N")]
    max_calls: Option<u64>,
    /// Requests in flight at once [default: llm.max_concurrency, 16; 1 with --provider local]
    #[arg(long, value_name = "N")]
    max_concurrency: Option<usize>,
    /// Longest reply asked of the model, in tokens [default: llm.max_reply_tokens, 2048]
    #[arg(long, value_name = "TOKENS")]
    max_reply_tokens: Option<u32>,
}

impl ModelFlags {
    pub fn apply(&self, config: LlmConfig) -> LlmConfig {
        let mut config = self.endpoint.apply(config);
        if let Some(c) = self.cache {
            config.cache = c;
        }
        if let Some(n) = self.max_calls {
            config.max_calls = Some(n);
        }
        if let Some(n) = self.max_concurrency {
            config.max_concurrency = n;
        }
        if let Some(n) = self.max_reply_tokens {
            config.max_reply_tokens = n;
        }
        config
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SpecFormat {
    Json,
    Md,
}

/// The JSON output.
#[derive(Serialize)]
struct Report<'a> {
    format: u32,
    model: String,
    functions: Vec<FunctionOut<'a>>,
    /// What each function expects of the functions it calls, per call site.
    expectations: Vec<CallerExpectations>,
    usage: UsageReport,
}

#[derive(Serialize)]
struct FunctionOut<'a> {
    name: &'a str,
    file: &'a str,
    line: u32,
    #[serde(flatten)]
    spec: FunctionSpec,
}

/// A parsed tree with its call graph and model setup, ready for the model stages.
pub(crate) struct Prepared {
    pub program: Arc<Program>,
    pub graph: Arc<vouch_callgraph::CallGraph>,
    pub llm: LlmConfig,
    pub options: vouch_specgen::Options,
    /// `[check]`, `[testgen]` and `[report]` of vouch.toml: the defaults of the flags
    /// of the same names.
    pub check: crate::config::CheckConfig,
    pub testgen: crate::config::TestgenConfig,
    pub report: crate::config::ReportConfig,
}

/// Reads the configuration and the tree, builds the call graph and opens the run store.
pub(crate) fn prepare(
    files: &FileArgs,
    model: &ModelFlags,
    max_prompt_tokens: Option<usize>,
) -> Result<(Prepared, Cache)> {
    let opts = crate::frontend_options(files)?;
    let config = match &files.config {
        Some(p) => Config::load(p)?,
        None => Config::find(&files.path)?,
    };
    let llm = model.apply(config.llm.clone().with_env());
    let mut options = config.specgen.clone();
    if let Some(t) = max_prompt_tokens {
        options.max_prompt_tokens = t;
    }
    let root = if files.path.is_file() {
        files
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    } else {
        files.path.clone()
    };
    options.root_dir = Some(root.clone());
    let sources = vouch_frontend::discover(&files.path, &opts)?;
    let program = Arc::new(vouch_frontend::parse(sources, &opts));
    if program.functions.is_empty() {
        bail!(
            "no C or Rust function found under {} (check the path, --lang and files.exclude)",
            files.path.display()
        );
    }
    let graph = Arc::new(vouch_callgraph::CallGraph::build(&program));
    let cache = match llm.cache {
        CacheMode::Off => Cache::new(None, CacheMode::Off),
        mode => {
            let path = model
                .store
                .clone()
                .unwrap_or_else(|| Store::path_for(&root));
            if mode == CacheMode::Replay && !path.exists() {
                bail!(
                    "--cache replay: there is no run store at {} to replay (record one first with a model, or point --store at it)",
                    path.display()
                );
            }
            Cache::new(Some(Store::open(&path)?), mode)
        }
    };
    Ok((
        Prepared {
            program,
            graph,
            llm,
            options,
            check: config.check,
            testgen: config.testgen,
            report: config.report,
        },
        cache,
    ))
}

/// Starts the model (the local server if configured) and checks that it answers,
/// unless only recorded replies are used.
pub(crate) async fn connect(
    llm: LlmConfig,
    cache: Cache,
    quiet: bool,
) -> Result<vouch_llm::Connected> {
    let replay = llm.cache == CacheMode::Replay;
    if llm.provider == Provider::Local && !replay && !quiet {
        eprintln!(
            "starting llama-server with the {} model",
            llm.local_model.name()
        );
    }
    let connected = vouch_llm::local::connect(llm, ApiKey::from_env(), cache).await?;
    if !replay && let Err(e) = connected.client.probe().await {
        connected.close().await;
        return Err(anyhow::Error::new(e)
            .context("the model is needed (with --cache replay only recorded replies are used)"));
    }
    Ok(connected)
}

/// Runs the spec walk with a progress bar; returns every spec and expectation.
pub(crate) async fn specify(
    prepared: &Prepared,
    client: &Arc<vouch_llm::Client>,
    targets: Option<&[FnIdx]>,
    quiet: bool,
) -> (BTreeMap<FnIdx, FunctionSpec>, Vec<CallerExpectations>) {
    let specgen = Specgen::new(
        prepared.program.clone(),
        prepared.graph.clone(),
        client.clone(),
        prepared.options.clone(),
    );
    let selection = specgen.selection(targets);
    let bar = progress("specs", selection.len() as u64, quiet);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let walk = specgen.run(targets, tx);
    let mut specs: BTreeMap<FnIdx, FunctionSpec> = BTreeMap::new();
    let mut expectations = Vec::new();
    let collect = async {
        while let Some(event) = rx.recv().await {
            match event {
                Event::Spec(s) => {
                    specs.insert(s.function, *s);
                    bar.set_position(specs.len() as u64);
                    bar.set_message(usage_line(client));
                }
                Event::Expectations(e) => expectations.push(*e),
            }
        }
    };
    tokio::join!(walk, collect);
    bar.finish_and_clear();
    (specs, expectations)
}

pub(crate) fn usage_line(client: &vouch_llm::Client) -> String {
    let u = client.usage().total;
    format!(
        "{} calls, {} tokens, {} cache hits",
        u.calls,
        u.prompt_tokens + u.completion_tokens,
        u.cache_hits
    )
}

pub fn run(args: SpecsArgs) -> Result<ExitCode> {
    let (prepared, cache) = prepare(&args.files, &args.model, args.max_prompt_tokens)?;
    let targets = select(&prepared.program, &args.function)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let connected = connect(prepared.llm.clone(), cache, args.quiet).await?;
        let client = Arc::new(connected.client);
        let (specs, expectations) =
            specify(&prepared, &client, targets.as_deref(), args.quiet).await;
        let usage = client.usage();
        let model = client.model().to_string();
        if let Some(local) = connected.local {
            local.stop().await;
        }
        write(
            &args,
            &prepared.program,
            &targets,
            specs,
            expectations,
            usage,
            model,
        )
    })
}

/// Z3's verdict on a spec's formal preconditions: a note when no caller can satisfy
/// them all (the spec is vacuous: anything would "hold" under it).
fn vacuity(
    solver: &vouch_hoare::Solver,
    program: &Program,
    types: &Arc<Types>,
    f: FnIdx,
    outcome: &Outcome,
) -> Option<String> {
    let Outcome::Spec(spec) = outcome else {
        return None;
    };
    match vouch_hoare::check::vacuity(solver, program.function(f), types, spec)? {
        vouch_hoare::Decision::Fails { .. } => Some(
            "vacuous: Z3 shows that the formal preconditions contradict each other, so no caller can meet them"
                .into(),
        ),
        _ => None,
    }
}

/// The functions `--function` names, or `None` for all.
pub(crate) fn select(program: &Program, names: &[String]) -> Result<Option<Vec<FnIdx>>> {
    if names.is_empty() {
        return Ok(None);
    }
    let mut out = Vec::new();
    for name in names {
        let found: Vec<FnIdx> = program
            .functions
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name == *name || f.qualified_name == *name || f.id.as_str() == name)
            .map(|(i, _)| FnIdx(i as u32))
            .collect();
        if found.is_empty() {
            let near: Vec<&str> = program
                .functions
                .iter()
                .filter(|f| {
                    f.name.contains(name.as_str())
                        || name.contains(f.name.as_str())
                        || edit_distance(&f.name, name) <= 2
                })
                .map(|f| f.qualified_name.as_str())
                .take(5)
                .collect();
            if near.is_empty() {
                bail!(
                    "no function named `{name}` in the tree (give a name, a qualified name or an id from `vouch graph --format json`)"
                );
            }
            bail!(
                "no function named `{name}` in the tree; did you mean {}?",
                near.join(", ")
            );
        }
        out.extend(found);
    }
    out.sort();
    out.dedup();
    Ok(Some(out))
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

pub(crate) fn progress(stage: &str, total: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "{stage} {{bar:30}} {{pos}}/{{len}} functions  {{msg}}  {{elapsed}}"
    )) {
        bar.set_style(style);
    }
    bar
}

fn write(
    args: &SpecsArgs,
    program: &Program,
    targets: &Option<Vec<FnIdx>>,
    mut specs: BTreeMap<FnIdx, FunctionSpec>,
    mut expectations: Vec<CallerExpectations>,
    usage: UsageReport,
    model: String,
) -> Result<ExitCode> {
    if let Some(t) = targets {
        specs.retain(|f, _| t.contains(f));
    }
    let solver = vouch_hoare::Solver {
        dump_dir: args.dump_smt.clone(),
        ..vouch_hoare::Solver::default()
    };
    let types = Arc::new(Types::of(&program.types));
    for (f, s) in specs.iter_mut() {
        if let Some(note) = vacuity(&solver, program, &types, *f, &s.outcome) {
            s.diagnostics.push(note);
        }
    }
    expectations.sort_by(|a, b| a.id.cmp(&b.id));
    let unknown = specs
        .values()
        .filter(|s| matches!(s.outcome, Outcome::Unknown { .. }))
        .count();
    let functions: Vec<FunctionOut<'_>> = specs
        .into_iter()
        .map(|(f, spec)| {
            let func = program.function(f);
            FunctionOut {
                name: &func.qualified_name,
                file: &program.file(func.file).path,
                line: func.span.start_line,
                spec,
            }
        })
        .collect();
    let n = functions.len();
    let report = Report {
        format: vouch_specgen::spec::SPEC_FORMAT_VERSION,
        model,
        functions,
        expectations,
        usage,
    };
    let mut out = Output::create(args.output.as_deref())?;
    match args.format {
        SpecFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report).context("cannot write the specs")?;
            out.write_all(b"\n")?;
        }
        SpecFormat::Md => out.write_all(markdown(&report).as_bytes())?,
    }
    out.finish()?;
    if !args.quiet {
        let u = &report.usage.total;
        eprintln!(
            "vouch specs: {} functions, {} specified, {} unknown; {} model calls, {} cache hits, {} prompt + {} completion tokens{}",
            n,
            n - unknown,
            unknown,
            u.calls,
            u.cache_hits,
            u.prompt_tokens,
            u.completion_tokens,
            if u.cost_usd > 0.0 {
                format!(", ${:.4}", u.cost_usd)
            } else {
                String::new()
            }
        );
        if let Some(b) = report.usage.budget_spent {
            eprintln!(
                "vouch specs: the {b} budget was spent; functions after that point are unknown"
            );
        }
    }
    Ok(if unknown > 0 {
        ExitCode::from(EXIT_PARTIAL)
    } else {
        ExitCode::SUCCESS
    })
}

fn markdown(report: &Report<'_>) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "# Specifications\n\nModel: `{}`\n", report.model);
    for f in &report.functions {
        let _ = writeln!(s, "## `{}`\n\n`{}:{}`\n", f.name, f.file, f.line);
        match &f.spec.outcome {
            Outcome::Unknown { reason } => {
                let _ = writeln!(s, "**Unknown:** {reason}\n");
            }
            Outcome::Spec(spec) => {
                let origin = match &spec.origin {
                    vouch_specgen::Origin::Root => {
                        "a root: from its name, signature and docs".to_string()
                    }
                    vouch_specgen::Origin::Callers { callers, sites, .. } => {
                        format!("drawn from {callers} caller(s) at {sites} call site(s)")
                    }
                };
                let _ = writeln!(
                    s,
                    "{}\n\n*{origin}; confidence {:.2}*\n",
                    spec.summary, spec.confidence
                );
                for (title, clauses) in [
                    ("Preconditions", &spec.preconditions),
                    ("Postconditions", &spec.postconditions),
                    ("Side effects", &spec.side_effects),
                    ("Errors", &spec.errors),
                ] {
                    if clauses.is_empty() {
                        continue;
                    }
                    let _ = writeln!(s, "**{title}**\n");
                    for c in clauses.iter() {
                        let _ = write!(s, "- {}", c.text);
                        if let Some(f) = &c.formal {
                            let _ = write!(s, " — `{f}`");
                        }
                        if !c.from.is_empty() {
                            let _ = write!(s, " (from {})", c.from.join(", "));
                        }
                        s.push('\n');
                    }
                    s.push('\n');
                }
            }
        }
        for d in &f.spec.diagnostics {
            let _ = writeln!(s, "> note: {d}");
        }
    }
    s
}
