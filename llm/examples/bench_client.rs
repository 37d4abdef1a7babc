//! Throughput of the client against the test server with a fixed latency.
//!
//! `bench_client serve MS` runs the test server (printing its URL) with MS ms per reply;
//! `bench_client run URL CALLS CONCURRENCY` makes CALLS distinct calls with that many in
//! flight and prints calls/s and the client's own CPU time per call as JSON.
//! `scripts/bench-llm` runs the two as separate processes.

#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use schemars::JsonSchema;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Instant;
use vouch_llm::{Cache, CacheMode, Client, LlmConfig, Prompt};

#[derive(Deserialize, JsonSchema)]
struct Answer {
    answer: i64,
    reason: String,
}

fn cpu_seconds() -> f64 {
    // utime + stime of this process, from /proc (clock ticks of 1/100 s).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(") ").map_or("", |(_, r)| r);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields
        .get(11)
        .and_then(|u| u.parse::<f64>().ok())
        .unwrap_or(0.0)
        + fields
            .get(12)
            .and_then(|s| s.parse::<f64>().ok())
            .unwrap_or(0.0);
    ticks / 100.0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("serve") => {
            let ms: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(200);
            let server = support::TestServer::start().await;
            server
                .shared
                .latency_ms
                .store(ms, std::sync::atomic::Ordering::SeqCst);
            println!("{}", server.url);
            tokio::signal::ctrl_c().await.ok();
        }
        Some("run") => {
            let url = args[2].clone();
            let calls: usize = args[3].parse().unwrap();
            let concurrency: usize = args[4].parse().unwrap();
            let config = LlmConfig {
                base_url: Some(url),
                model: Some("test-model".into()),
                max_concurrency: concurrency,
                ..LlmConfig::default()
            };
            let client =
                Arc::new(Client::new(config, None, Cache::new(None, CacheMode::Off)).unwrap());
            let cpu0 = cpu_seconds();
            let t = Instant::now();
            let mut tasks = Vec::with_capacity(calls);
            for k in 0..calls {
                let client = client.clone();
                tasks.push(tokio::spawn(async move {
                    let p = Prompt {
                        template: "bench@1".into(),
                        system: "s".into(),
                        user: format!("question {k}"),
                    };
                    client
                        .call::<Answer>("bench", &p)
                        .await
                        .map(|(a, _)| a.answer == k as i64 && !a.reason.is_empty())
                }));
            }
            let mut ok = 0;
            for t in tasks {
                if matches!(t.await, Ok(Ok(true))) {
                    ok += 1;
                }
            }
            let wall = t.elapsed().as_secs_f64();
            let cpu = cpu_seconds() - cpu0;
            println!(
                "{}",
                serde_json::json!({"calls": calls, "ok": ok, "concurrency": concurrency, "wall_s": wall,
                    "calls_per_s": calls as f64 / wall, "client_cpu_ms_per_call": cpu * 1000.0 / calls as f64})
            );
        }
        _ => eprintln!("usage: bench_client serve MS | run URL CALLS CONCURRENCY"),
    }
}
