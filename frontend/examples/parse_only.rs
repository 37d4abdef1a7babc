//! The ceiling of `vouch graph`'s throughput: discovery and the tree-sitter parse of
//! every file, over the same parallel jobs as the frontend (a large C file in chunks),
//! with nothing lowered, resolved or written. `scripts/bench-graph` times it beside
//! `vouch graph`.
//!
//! `cargo run --release -p vouch-frontend --example parse_only -- PATH`
use std::path::Path;
use std::process::ExitCode;

// An example prints its figures; the workspace denies printing elsewhere.
#[allow(clippy::print_stdout, clippy::print_stderr)]
fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: parse_only PATH");
        return ExitCode::from(2);
    };
    let opts = vouch_frontend::Options {
        max_file_bytes: 64 * 1024 * 1024,
        ..vouch_frontend::Options::default()
    };
    match vouch_frontend::discover(Path::new(&path), &opts) {
        Ok(sources) => {
            let nodes = vouch_frontend::parse_trees_only(&sources, &opts);
            println!("{} files, {nodes} syntax nodes", sources.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("parse_only: {e}");
            ExitCode::from(2)
        }
    }
}
