//! Model calls and prompt tokens per function of spec generation on the corpora.
//!
//! The prompts are vouch's real requests; the model is the deterministic stand-in of
//! the tests (valid replies drawn from each request's data), served over HTTP on
//! 127.0.0.1, so the figures measure what vouch sends, not what a model writes.
//!
//! `cargo run --release -p vouch-specgen --example bench_specs [DIR...]` (default: every
//! folder under `corpora/`).
#![allow(clippy::print_stdout)]

#[path = "../tests/stand_in/mod.rs"]
mod stand_in;
#[path = "../../llm/tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vouch_callgraph::CallGraph;
use vouch_llm::{Cache, CacheMode, Client, LlmConfig};
use vouch_specgen::{Event, Options, Specgen};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpora");
    let mut dirs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        for e in std::fs::read_dir(&root)? {
            let p = e?.path();
            if p.is_dir() {
                dirs.push(p);
            }
        }
        dirs.sort();
    }
    let server = support::TestServer::start().await;
    server.respond_with(stand_in::scripted);
    println!(
        "{:<16} {:>9} {:>14} {:>17} {:>16} {:>18}",
        "corpus",
        "functions",
        "calls/function",
        "prompt tok mean",
        "prompt tok p95",
        "completion tok mean"
    );
    let mut all = Vec::new();
    for dir in dirs {
        let program = Arc::new(vouch_frontend::load(
            &dir,
            &vouch_frontend::Options::default(),
        )?);
        let graph = Arc::new(CallGraph::build(&program));
        let config = LlmConfig {
            base_url: Some(server.url.clone()),
            model: Some("stand-in".into()),
            ..LlmConfig::default()
        };
        let client = Arc::new(Client::new(config, None, Cache::new(None, CacheMode::Off))?);
        let options = Options {
            root_dir: Some(dir.clone()),
            ..Options::default()
        };
        let specgen = Specgen::new(program.clone(), graph, client, options);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let run = specgen.run(None, tx);
        let collect = async {
            let mut per: BTreeMap<String, (f64, f64, f64)> = BTreeMap::new();
            while let Some(e) = rx.recv().await {
                let (id, c) = match e {
                    Event::Spec(s) => (s.id, s.cost),
                    Event::Expectations(x) => (x.id, x.cost),
                };
                let t = per.entry(id).or_default();
                t.0 += c.calls;
                t.1 += c.prompt_tokens;
                t.2 += c.completion_tokens;
            }
            per
        };
        let per = tokio::join!(run, collect).1;
        let rows: Vec<(f64, f64, f64)> = per.into_values().collect();
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        print_row(&name, &rows);
        all.extend(rows);
    }
    print_row("all", &all);
    Ok(())
}

fn print_row(name: &str, rows: &[(f64, f64, f64)]) {
    let n = rows.len().max(1) as f64;
    let calls: f64 = rows.iter().map(|r| r.0).sum::<f64>() / n;
    let mean: f64 = rows.iter().map(|r| r.1).sum::<f64>() / n;
    let done: f64 = rows.iter().map(|r| r.2).sum::<f64>() / n;
    let mut p: Vec<f64> = rows.iter().map(|r| r.1).collect();
    p.sort_by(f64::total_cmp);
    let p95 = p
        .get(((p.len() as f64 * 0.95).ceil() as usize).saturating_sub(1))
        .copied()
        .unwrap_or(0.0);
    println!(
        "{name:<16} {:>9} {calls:>14.2} {mean:>17.0} {p95:>16.0} {done:>18.0}",
        rows.len()
    );
}
