//! The committed capable-model recordings (`eval/capable/`, see its README) replayed
//! through the production path — the run store, the checker, Z3, the kept test results,
//! the scoring — with Z3 and without: each replay must be complete and score at least
//! what is committed, so a change that loses recall or precision fails here. A change
//! to a prompt makes the replay incomplete: record again with `scripts/capable --record`.

#[path = "support/cli.rs"]
mod cli;

use cli::{repo, vouch_in};
use serde_json::Value;

/// The generated tests' time limit the recordings were made with (part of the key
/// their results are kept under).
const TEST_TIMEOUT: &str = "300";

fn corpora() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("eval/capable"))
        .expect("eval/capable")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".db")
                .map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// Replays corpus `name`'s recording (a copy of it: the committed file is never
/// written) and returns the eval JSON of the corpus.
async fn replay(name: &str, solver: bool) -> Value {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("vouch.db");
    std::fs::copy(repo().join(format!("eval/capable/{name}.db")), &store).expect("copy");
    let extra: &[&str] = if solver { &[] } else { &["--no-solver"] };
    replay_from(name, &store, extra).await
}

/// `vouch eval corpora/NAME` replayed from `store`, with `extra` arguments: the eval
/// JSON of the corpus. The replay must be complete.
async fn replay_from(name: &str, store: &std::path::Path, extra: &[&str]) -> Value {
    let corpus = format!("corpora/{name}");
    let mut args = vec![
        "eval",
        corpus.as_str(),
        "--json",
        "-q",
        "--model",
        "frontier-relay",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--cache",
        "replay",
        "--test-timeout",
        TEST_TIMEOUT,
        "--store",
        store.to_str().expect("utf-8"),
    ];
    args.extend(extra);
    let out = vouch_in(&repo(), &args, &[]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "the replay of {name} ({extra:?}) failed; if a prompt changed, record again \
         with scripts/capable --record URL:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("eval JSON");
    v["corpora"][0].clone()
}

fn committed(name: &str, run: &str) -> Value {
    let path = repo().join(format!("eval/capable/{name}.{run}.json"));
    let text = std::fs::read_to_string(&path).expect("committed scores");
    let v: Value = serde_json::from_str(&text).expect("JSON");
    v["corpora"][0].clone()
}

fn rate(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} in {v:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_capable_model_recordings_replay_to_their_scores() {
    let names = corpora();
    assert!(names.len() >= 4, "four recorded corpora: {names:?}");
    for name in &names {
        let mut scores = Vec::new();
        for (solver, run) in [(true, "with-z3"), (false, "no-z3")] {
            let now = replay(name, solver).await;
            let then = committed(name, run);
            assert_eq!(now["replay_misses"], Value::Null, "{name} {run}");
            for key in ["recall", "precision", "precision_confirmed"] {
                assert!(
                    rate(&now, key) >= rate(&then, key) - 1e-9,
                    "{name} ({run}): {key} fell from {} to {}\nnow: {now:#}",
                    rate(&then, key),
                    rate(&now, key)
                );
            }
            // The recording was scored as it is replayed: the same requests.
            assert_eq!(now["requests"], then["requests"], "{name} ({run})");
            // Findings turned into questions about intent would raise precision
            // without finding anything: more questions need a new recording.
            assert!(
                now["questions"].as_u64() <= then["questions"].as_u64(),
                "{name} ({run}): questions rose from {} to {}",
                then["questions"],
                now["questions"]
            );
            scores.push(now);
        }
        // What Z3 decides may remove a finding, never a bug found or precision.
        let [with, without] = &scores[..] else {
            unreachable!("two runs")
        };
        assert_eq!(
            with["recall"], without["recall"],
            "{name}: recall with Z3 and without"
        );
        assert!(
            rate(with, "precision") >= rate(without, "precision"),
            "{name}: precision with Z3 {} below {} without",
            rate(with, "precision"),
            rate(without, "precision")
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_runs_own_recording_holds_what_it_used_and_replays_alone() {
    // A store holding more than a run uses (here: a spare reply of another run) gives,
    // with --export-used, a file of exactly that run's replies and test results, from
    // which the run replays alone.
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("vouch.db");
    std::fs::copy(repo().join("eval/capable/c-ringbuf.db"), &store).expect("copy");
    let import = vouch_in(
        &repo(),
        &[
            "cache",
            "import",
            repo()
                .join("eval/capable/c-strpath.db")
                .to_str()
                .expect("utf-8"),
            "--store",
            store.to_str().expect("utf-8"),
        ],
        &[],
    )
    .await;
    assert_eq!(import.status.code(), Some(0));
    let used = tmp.path().join("used.db");
    let first = replay_from(
        "c-ringbuf",
        &store,
        &["--export-used", used.to_str().expect("utf-8")],
    )
    .await;
    // `vouch cache stats` says how many replies a store holds.
    let count = |db: std::path::PathBuf| async move {
        let out = vouch_in(
            &repo(),
            &["cache", "stats", "--store", db.to_str().expect("utf-8")],
            &[],
        )
        .await;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines()
            .find_map(|l| l.strip_prefix("replies"))
            .and_then(|n| n.trim().parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no reply count in {text}"))
    };
    let (in_used, in_store) = (count(used.clone()).await, count(store.clone()).await);
    assert_eq!(in_used, first["requests"].as_u64().expect("requests"));
    assert!(
        in_store > in_used,
        "the other corpus's replies are left out"
    );
    let alone = replay_from("c-ringbuf", &used, &[]).await;
    for key in ["findings", "confirmed", "precision", "requests", "verified"] {
        assert_eq!(alone[key], first[key], "{key}");
    }
}
