//! End-to-end tests of `vouch model check` against the test model server, and against
//! the real local model when it is installed.

#![allow(clippy::print_stderr)]

#[path = "support/cli.rs"]
mod cli;
#[path = "../llm/tests/support/mod.rs"]
mod support;

use cli::vouch;
use support::{Reply, TestServer};

#[tokio::test(flavor = "multi_thread")]
async fn check_makes_one_structured_call_and_never_prints_the_key() {
    let server = TestServer::start().await;
    server.push(Reply::Content(
        "{\"answer\": 5, \"reason\": \"2 + 3 = 5\"}".into(),
    ));
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_str().expect("utf-8");
    let out = vouch(
        &["model", "check", dir, "--model", "test-model"],
        &[
            ("OPENAI_BASE_URL", &server.url),
            ("OPENAI_API_KEY", "sk-vouch-SECRET-77"),
            ("VOUCH_LOG", "debug"),
        ],
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("answer = 5"), "{stdout}");
    assert!(
        stdout.contains("1 call(s), 50 prompt + 10 completion tokens"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("SECRET") && !stderr.contains("SECRET"),
        "the key was printed"
    );
    assert_eq!(
        server.shared.auth.lock().expect("lock")[0].as_deref(),
        Some("Bearer sk-vouch-SECRET-77")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_url_is_one_clear_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("vouch.toml"),
        "[llm]\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"m\"\n",
    )
    .expect("write");
    let out = vouch(
        &["model", "check", tmp.path().to_str().expect("utf-8")],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot reach the model endpoint http://127.0.0.1:9/v1"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_local_model_answers_through_the_cli() {
    if vouch_llm::local::installed(vouch_llm::LocalModel::SmolLm2).is_err() {
        assert!(
            std::env::var_os("VOUCH_REQUIRE_LOCAL_MODEL").is_none_or(|v| v != "1"),
            "the local model is required here: run scripts/install-model smollm2"
        );
        eprintln!("skipping: no local model installed");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = vouch(
        &[
            "model",
            "check",
            tmp.path().to_str().expect("utf-8"),
            "--provider",
            "local",
        ],
        &[],
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("reply            answer = "), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_llm_configuration_is_valid() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README");
    let start = readme
        .find("```toml\n[llm]")
        .expect("the README documents [llm]")
        + "```toml\n".len();
    let block = &readme[start..start + readme[start..].find("```").expect("closed block")];
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("vouch.toml"), block).expect("write");
    let server = TestServer::start().await;
    server.push(Reply::Content(
        "{\"answer\": 5, \"reason\": \"sum\"}".into(),
    ));
    let out = vouch(
        &[
            "model",
            "check",
            tmp.path().to_str().expect("utf-8"),
            "--base-url",
            &server.url,
        ],
        &[],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The model name came from the file.
    assert_eq!(server.bodies()[0]["model"], "qwen2.5-coder");
}
