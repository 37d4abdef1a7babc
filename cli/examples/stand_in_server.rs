//! The tests' deterministic stand-in model as a server, for benchmarks of the whole
//! pipeline: every reply waits LATENCY_MS, then its completion tokens at TOKENS_PER_S.
//! Prints its base URL on the first line of stdout and serves until killed.
//!
//! `cargo run --release -p vouch-cli --example stand_in_server -- 1000 40`
#![allow(clippy::print_stdout)]

#[path = "../../specgen/tests/stand_in/mod.rs"]
mod stand_in;
#[path = "../../llm/tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::sync::atomic::Ordering;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let latency: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1000);
    let rate: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(40);
    let server = support::TestServer::start().await;
    server.respond_with(stand_in::scripted);
    server.shared.latency_ms.store(latency, Ordering::SeqCst);
    server.shared.tokens_per_s.store(rate, Ordering::SeqCst);
    println!("{}", server.url);
    std::io::stdout().flush()?;
    tokio::signal::ctrl_c().await?;
    Ok(())
}
