//! The `vouch` binary: flags, configuration, orchestration of the stages, exit codes.
// The binary is the one place that talks to the terminal.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod audit;
mod cache;
mod check;
mod ci;
mod config;
mod confirm;
mod eval;
mod graph;
mod model;
mod specs;
mod truth;
mod view;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use vouch_frontend::Lang;

// mimalloc, also standing in for the C `malloc` (feature `override`), so tree-sitter's
// many small allocations are cheap: about 13% of `vouch graph`'s time on large trees.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code for usage and internal errors (DESIGN.md).
const EXIT_ERROR: u8 = 2;
/// Exit code for a partial result: a budget spent, the model unreachable, a stage skipped.
const EXIT_PARTIAL: u8 = 3;

#[derive(Parser)]
#[command(
    name = "vouch",
    version,
    about = "Audit C and Rust code for functions that do not do what their callers need",
    long_about = "vouch parses C and Rust with tree-sitter, builds a call graph, derives each function's \
specification from how its callers use it, and checks every function against it.\n\n\
Results go to stdout, progress and logs to stderr (set VOUCH_LOG=debug for more).\n\
Configuration: the nearest vouch.toml at or above PATH, then flags."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse a tree and build its call graph (stages 1-2); print counts and timings
    #[command(
        long_about = "Parse every C and Rust file under PATH and build the call graph.\n\n\
text (default): counts of files, functions, call sites (resolved / external / unresolved), edges, \
recursive SCCs, roots, top-down layers, diagnostics and per-stage timings.\n\
json: every file, function (id, span, signature, doc, body hash), edge (caller, callee, kind, call-site span), \
unresolved call with its reason, recursive SCC, root, the top-down order and every diagnostic. \
Byte-identical between runs on the same tree.\n\
dot: a Graphviz digraph (dashed: external or dynamic)."
    )]
    Graph(GraphArgs),
    /// Inspect, empty, export or import the run store (recorded model replies) of a tree
    #[command(
        long_about = "Every model reply vouch receives is recorded in ROOT/.vouch/vouch.db before it is used, \
so a killed run resumes where it stopped and a second run on an unchanged tree makes no model calls.\n\n\
export/import move the recorded replies as one file, e.g. between CI jobs."
    )]
    Cache(cache::CacheArgs),
    /// Write every function's specification from what its callers expect (stages 1-3)
    #[command(
        long_about = "Parse the tree, build the call graph, and write each function's specification top-down: \
a function is specified from what its callers expect of it (their specs and the code around each call), never \
from its own body, so the spec states the intent even where the body is wrong. Roots (main, public API, tests) \
are specified from their name, signature, doc and the module docs.\n\n\
Every model reply is recorded in ROOT/.vouch/vouch.db first: a killed run resumes where it stopped, and a second \
run on an unchanged tree makes no model calls.\n\n\
json (default): every function with its spec (summary, preconditions, postconditions, side effects, errors, \
each clause with an optional formal fragment and the caller expectations it came from), or `unknown` with the \
reason; every caller expectation per call site; the usage. md: the same for people.\n\n\
Exit codes: 0 every function specified, 3 some are unknown (budget spent, model unreachable, unusable reply), \
2 usage or internal error."
    )]
    Specs(specs::SpecsArgs),
    /// Check every function against its spec, Hoare-style, with Z3 deciding formal steps (stages 1-4)
    #[command(
        long_about = "Write every function's spec (from the run store, or with the model), then check each function \
against its own spec, assuming only the specs of the functions it calls.\n\n\
The body is cut into blocks of about --block-lines lines along its statements; the model reasons forward block by \
block, then decides every postcondition, side effect and error clause at the exits. Z3 decides whatever is formal: it proves \
clauses from the exit states (and wins over the model), refutes them with a model, rejects counterexamples that \
break the formal preconditions, and flags vacuous specs.\n\n\
A function is `verified` only if every clause was shown to hold and nothing was skipped; `violated` comes with \
the clause, a counterexample, the lines and who decided it (model or z3); anything else is `unknown` with the reason.\n\n\
Exit codes: 0 all verified, 1 some violated, 3 some unknown, 2 usage or internal error."
    )]
    Check(check::CheckArgs),
    /// Audit a tree: specs, checks and findings, written as a report directory (the whole pipeline)
    #[command(
        long_about = "Run the whole pipeline on PATH: parse, call graph, a spec for every function from what its \
callers expect, and every function checked against its spec (Z3 deciding formal steps).\n\n\
Writes DIR (default ROOT/.vouch/report):\n  \
findings.json  every finding, unknown and the run's metadata (schema: docs/findings.schema.json)\n  \
report.sarif   SARIF 2.1.0 for GitHub code scanning and IDEs\n  \
index.html     a self-contained viewer: open it in a browser, or `vouch view DIR`\n  \
summary.md     a summary for a pull-request comment\n  \
tests/         the generated tests of confirmed and refuted findings (ID.c or ID.rs), each with ID.sh, \
which runs it again: `sh tests/ID.sh` from DIR\n\n\
A finding is `confirmed` when a generated test failed as predicted, `unconfirmed` when no test showed it, \
`refuted` when the test passed. Inline `// vouch-ignore[KIND]: reason` on the reported line or the line above \
suppresses a finding (KIND: postcondition, error-contract, call-precondition or all; the reason is required).\n\n\
Every model reply is recorded in ROOT/.vouch/vouch.db first: a killed audit resumes where it stopped, and a \
second audit of an unchanged tree makes no model calls.\n\n\
Exit codes: 1 unsuppressed findings at or above --fail-on (default: confirmed), 3 partial (functions left \
unknown, a budget spent), 0 otherwise; 2 usage or internal error. --exit-zero makes 1 and 3 into 0."
    )]
    Audit(audit::AuditArgs),
    /// Audit a change for a pull request: only what `git diff REF` can affect, against a baseline
    #[command(
        long_about = "Audit what a change can affect: the functions whose lines (or doc comments) differ from \
REF in `git diff`, and every function they call, directly or not (a callee's spec comes from its callers, so \
a changed caller can change it). Their callers are specified too, as the top-down walk needs them; every \
request whose inputs did not change is answered from the run store (ROOT/.vouch/vouch.db; save and restore \
it between CI runs), so an unchanged tree costs no model calls.\n\n\
Findings are compared with the baseline (--baseline, default ROOT/vouch-baseline.json; commit it): `new` \
findings are not in it, `preexisting` ones are, and baseline findings of re-checked functions that are no \
longer found are `fixed`. --update-baseline rewrites it (fixed ones out, new ones in). Inline \
`// vouch-ignore[KIND]: reason` suppresses a finding as in `vouch audit`.\n\n\
Writes the same report directory as `vouch audit` (-o DIR). --format github prints GitHub Actions annotations \
for new findings, fixed ones and unused suppressions.\n\n\
Exit codes: 1 new unsuppressed findings at or above --fail-on (default: confirmed), 3 partial (functions \
left unknown, a budget spent), 0 otherwise (also after --update-baseline); 2 usage or internal error \
(not a git repository, an unknown REF)."
    )]
    Ci(ci::CiArgs),
    /// Audit seeded-bug corpora and score the findings against their manifests
    #[command(
        long_about = "Run the audit on each CORPUS (a folder with a bugs.toml manifest, see corpora/README.md) and \
score it: a bug is found when a finding names its function and file and one of the finding's lines (its \
evidence lines or reported line) falls in the bug's lines; every other finding is a false positive (a \
look-alike one when it is in a correct function the manifest names).\n\n\
Prints per corpus and in total: bugs, found, findings, false positives, recall, precision, confirmed rate, \
unknown functions, formal spec clauses (of all clauses), steps Z3 decided, model calls, tokens and seconds, \
then recall per bug kind. --json prints the same as JSON; \
--compare FILE shows the change against an earlier --json result (e.g. with and without --no-solver).\n\n\
Replies are recorded in each corpus's .vouch/vouch.db (or --store): with --cache replay an eval repeats \
exactly, without a model."
    )]
    Eval(eval::EvalArgs),
    /// Open an audit's HTML report: serve it on 127.0.0.1, or print its path
    View(view::ViewArgs),
    /// Check the model setup (an OpenAI-compatible endpoint or the local llama-server)
    Model(model::ModelArgs),
}

#[derive(clap::Args)]
struct FileArgs {
    /// Directory or file to read
    path: PathBuf,
    /// Languages to read, comma-separated
    #[arg(long, value_delimiter = ',', value_name = "LANGS")]
    lang: Option<Vec<LangArg>>,
    /// Leave out paths matching this gitignore-style glob (repeatable; adds to vouch.toml's files.exclude)
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Skip source files larger than this many bytes [default: 5242880, or files.max_file_size]
    #[arg(long, value_name = "BYTES")]
    max_file_size: Option<u64>,
    /// Read this configuration file instead of the nearest vouch.toml
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(clap::Args)]
struct GraphArgs {
    #[command(flatten)]
    files: FileArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the result to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write the frontend's IR (functions, call sites, declarations) as JSON to FILE
    #[arg(long, value_name = "FILE")]
    dump_ir: Option<PathBuf>,
    /// Print nothing on stderr but errors
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Dot,
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    C,
    Rust,
}

fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Graph(args) => run_graph(args),
        Command::Cache(args) => cache::run(args).map(|()| ExitCode::SUCCESS),
        Command::Model(args) => model::run(args).map(|()| ExitCode::SUCCESS),
        Command::Specs(args) => specs::run(args),
        Command::Check(args) => check::run(args),
        Command::Audit(args) => audit::run(args),
        Command::View(args) => view::run(args),
        Command::Ci(args) => ci::run(args),
        Command::Eval(args) => eval::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VOUCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

fn frontend_options(args: &FileArgs) -> Result<vouch_frontend::Options> {
    let config = match &args.config {
        Some(p) => config::Config::load(p)?,
        None => config::Config::find(&args.path)?,
    };
    if let Some(p) = &config.path {
        tracing::info!(config = %p.display(), "using configuration");
    }
    let mut opts = vouch_frontend::Options::default();
    let langs: Option<Vec<Lang>> = match (&args.lang, &config.files.languages) {
        (Some(l), _) => Some(l.iter().map(|l| match l {
            LangArg::C => Lang::C,
            LangArg::Rust => Lang::Rust,
        }).collect()),
        (None, Some(names)) => Some(
            names
                .iter()
                .map(|n| match n.as_str() {
                    "c" => Ok(Lang::C),
                    "rust" => Ok(Lang::Rust),
                    other => bail!("unknown language `{other}` in files.languages of vouch.toml (use \"c\" or \"rust\")"),
                })
                .collect::<Result<_>>()?,
        ),
        (None, None) => None,
    };
    if let Some(l) = langs {
        opts.langs = l;
    }
    opts.exclude = config.files.exclude.clone();
    opts.exclude.extend(args.exclude.iter().cloned());
    if let Some(max) = args.max_file_size.or(config.files.max_file_size) {
        opts.max_file_bytes = max;
    }
    Ok(opts)
}

fn run_graph(args: GraphArgs) -> Result<ExitCode> {
    let opts = frontend_options(&args.files)?;
    let t = Instant::now();
    let sources = vouch_frontend::discover(&args.files.path, &opts)?;
    let discover = t.elapsed();
    let t = Instant::now();
    let program = vouch_frontend::parse(sources, &opts);
    let parse = t.elapsed();
    let t = Instant::now();
    let graph = vouch_callgraph::CallGraph::build(&program);
    let resolve = t.elapsed();
    if let Some(path) = &args.dump_ir {
        let mut out = Output::create(Some(path))?;
        serde_json::to_writer(&mut out, &program).context("cannot write the IR")?;
        out.finish()?;
    }
    let t = Instant::now();
    let timings = [
        ("discover", discover),
        ("parse", parse),
        ("resolve", resolve),
    ];
    let mut out = Output::create(args.output.as_deref())?;
    match args.format {
        Format::Text => out.write_all(graph::text(&program, &graph, &timings).as_bytes())?,
        Format::Json => {
            graph::write_json(&mut out, &program, &graph).context("cannot write the graph")?
        }
        Format::Dot => out.write_all(graph::dot(&program, &graph).as_bytes())?,
    }
    out.finish()?;
    let render = t.elapsed();
    if !args.quiet && !matches!(args.format, Format::Text) {
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        eprintln!(
            "vouch graph: {} files, {} lines, {} functions, {} edges; discover {:.0} ms, parse {:.0} ms, resolve {:.0} ms, render {:.0} ms",
            program.files.len(),
            program.total_lines(),
            program.functions.len(),
            graph.stats.edges,
            ms(discover),
            ms(parse),
            ms(resolve),
            ms(render)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Where results go: stdout, or a file written whole (to a temporary name first, then
/// renamed) so a crash never leaves half a file behind.
enum Output {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    Special(std::io::BufWriter<std::fs::File>),
    File {
        writer: std::io::BufWriter<std::fs::File>,
        tmp: PathBuf,
        path: PathBuf,
    },
}

impl Output {
    fn create(path: Option<&Path>) -> Result<Output> {
        let Some(path) = path else {
            return Ok(Output::Stdout(std::io::BufWriter::with_capacity(
                1 << 20,
                std::io::stdout(),
            )));
        };
        // Devices and pipes (`-o /dev/null`, `-o /dev/stdout`) are written in place:
        // renaming a file over them would replace them.
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            return Ok(Output::Special(std::io::BufWriter::with_capacity(
                1 << 20,
                file,
            )));
        }
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create directory {}", dir.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let tmp = dir.join(format!(".{name}.vouch-tmp"));
        let file = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        Ok(Output::File {
            writer: std::io::BufWriter::with_capacity(1 << 20, file),
            tmp,
            path: path.to_path_buf(),
        })
    }

    fn finish(self) -> Result<()> {
        match self {
            Output::Stdout(mut w) => match w.flush() {
                // `vouch graph | head` is not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to stdout"),
            },
            Output::Special(mut w) => w.flush().context("cannot write the output"),
            Output::File { writer, tmp, path } => {
                let file = writer
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(|| format!("cannot write {}", tmp.display()))?;
                file.sync_all()
                    .with_context(|| format!("cannot write {}", tmp.display()))?;
                drop(file);
                std::fs::rename(&tmp, &path)
                    .with_context(|| format!("cannot write {}", path.display()))
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Stdout(w) => match w.write(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(buf.len()),
                other => other,
            },
            Output::Special(w) | Output::File { writer: w, .. } => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::Special(w) | Output::File { writer: w, .. } => w.flush(),
        }
    }
}
