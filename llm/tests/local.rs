//! The real local model (SmolLM2-135M through llama.cpp's llama-server): a typed call
//! returns schema-valid JSON, and the server never outlives vouch.
//!
//! Needs `scripts/install-model smollm2` (scripts/test runs it). Without the model the
//! tests say so and pass, unless `VOUCH_REQUIRE_LOCAL_MODEL=1` (set by scripts/test
//! and CI), where a missing model is a failure.

#![allow(clippy::print_stderr)]

use schemars::JsonSchema;
use serde::Deserialize;
use std::time::Duration;
use vouch_llm::local::installed;
use vouch_llm::{Cache, CacheMode, Client, LlmConfig, LocalModel, LocalServer, Prompt};

#[derive(Debug, Deserialize, JsonSchema)]
struct Prime {
    prime: i64,
    why: String,
}

fn model_or_skip() -> Option<(std::path::PathBuf, std::path::PathBuf)> {
    match installed(LocalModel::SmolLm2) {
        Ok(paths) => Some(paths),
        Err(e) if std::env::var_os("VOUCH_REQUIRE_LOCAL_MODEL").is_some_and(|v| v == "1") => {
            panic!("the local model is required here: {e}")
        }
        Err(e) => {
            eprintln!("skipping: {e}");
            None
        }
    }
}

fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
        && std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
}

#[tokio::test(flavor = "multi_thread")]
async fn smollm2_answers_a_typed_call_with_schema_valid_json() {
    let Some((server, gguf)) = model_or_skip() else {
        return;
    };
    let local = LocalServer::start(&server, &gguf, 2048, Duration::from_secs(120))
        .await
        .expect("llama-server starts");
    let pid = local.pid().expect("pid");
    let config = LlmConfig {
        base_url: Some(local.base_url().to_string()),
        model: Some("smollm2".into()),
        max_reply_tokens: 96,
        timeout_secs: 120,
        ..LlmConfig::default()
    };
    let client = Client::new(config, None, Cache::new(None, CacheMode::Off)).expect("client");
    assert!(!client.probe().await.expect("probe").is_empty());
    let prompt = Prompt {
        template: "test.prime@1".into(),
        system: "You are a terse assistant.".into(),
        user: "Name one prime number.".into(),
    };
    let (reply, usage) = client
        .call::<Prime>("test", &prompt)
        .await
        .expect("a schema-valid reply");
    assert!(usage.completion_tokens > 0);
    eprintln!(
        "smollm2 said: prime = {}, why = {:?}",
        reply.prime, reply.why
    );
    local.stop().await;
    assert!(!alive(pid), "llama-server still runs after stop");
}

/// Run only as a child of `the_server_dies_with_vouch`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a helper process for the_server_dies_with_vouch"]
async fn child_holding_a_server() {
    let Some(pid_file) = std::env::var_os("VOUCH_TEST_PID_FILE") else {
        return;
    };
    let Ok((server, gguf)) = installed(LocalModel::SmolLm2) else {
        return;
    };
    let local = LocalServer::start(&server, &gguf, 512, Duration::from_secs(120))
        .await
        .expect("start");
    std::fs::write(pid_file, local.pid().expect("pid").to_string()).expect("write pid");
    tokio::time::sleep(Duration::from_secs(600)).await;
}

#[test]
fn the_server_dies_with_vouch() {
    if model_or_skip().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let pid_file = tmp.path().join("pid");
    let mut child = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args([
            "--ignored",
            "--exact",
            "child_holding_a_server",
            "--nocapture",
        ])
        .env("VOUCH_TEST_PID_FILE", &pid_file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let started = std::time::Instant::now();
    let pid: u32 = loop {
        if let Ok(text) = std::fs::read_to_string(&pid_file)
            && let Ok(pid) = text.trim().parse()
        {
            break pid;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the child never started its server"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(alive(pid));
    // The server's output goes to a file without a name, so that a vouch killed
    // like this one leaves no log behind.
    for fd in [1, 2] {
        let target = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).expect("the server's fd");
        assert!(
            target.to_string_lossy().ends_with(" (deleted)"),
            "the server writes to a named file: {}",
            target.display()
        );
    }
    child.kill().expect("SIGKILL vouch");
    child.wait().expect("reap");
    let killed = std::time::Instant::now();
    while alive(pid) {
        assert!(
            killed.elapsed() < Duration::from_secs(10),
            "llama-server outlived vouch"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn a_server_that_dies_at_start_is_reported_with_its_last_output() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = tmp.path().join("llama-server");
    let noise: String = (0..2000).map(|i| format!("loading tensor {i}\n")).collect();
    std::fs::write(tmp.path().join("noise"), noise).expect("write noise");
    std::fs::write(
        &server,
        "#!/bin/sh\ncat \"$(dirname \"$0\")/noise\"\necho 'error: cannot read the model' >&2\nexit 3\n",
    )
    .expect("write the script");
    std::fs::set_permissions(&server, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let err = LocalServer::start(&server, tmp.path(), 512, Duration::from_secs(30))
        .await
        .expect_err("a server that exits is an error");
    let text = err.to_string();
    assert!(text.contains("exited before it was ready"), "{text}");
    assert!(text.contains("exit status: 3"), "{text}");
    assert!(text.contains("error: cannot read the model"), "{text}");
    assert!(text.contains("loading tensor 1999"), "{text}");
    assert!(
        !text.contains("loading tensor 1984\n"),
        "more than the last lines: {text}"
    );
}
