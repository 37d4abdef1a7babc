//! `vouch audit` end to end on a seeded-bug corpus: a run recorded against the stand-in
//! model, then replayed from the run store alone into the same report (summary.md
//! snapshot); inline suppressions; exit codes; `vouch view`.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/rb1.rs"]
mod rb1;
#[path = "../specgen/tests/stand_in/mod.rs"]
mod stand_in;
#[path = "../llm/tests/support/mod.rs"]
mod support;

use cli::{copy_tree, findings, repo, stderr, vouch_in};
use serde_json::Value;
use support::TestServer;

#[tokio::test(flavor = "multi_thread")]
async fn an_audit_writes_every_output_and_replays_to_the_same_report() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("vouch.db");
    let store = store.to_str().expect("utf-8");
    let first_dir = tmp.path().join("first");
    let replay_dir = tmp.path().join("replay");
    let server = TestServer::start().await;
    server.respond_with(rb1::finds_rb1);
    let base = [
        "audit",
        "corpora/c-ringbuf",
        "--model",
        "test-model",
        "--store",
        store,
        "--quiet",
    ];

    let mut args = base.to_vec();
    args.extend([
        "--base-url",
        server.url.as_str(),
        "-o",
        first_dir.to_str().expect("utf-8"),
    ]);
    let first = vouch_in(&repo(), &args, &[]).await;
    // rb-1 is confirmed by its generated test, so the default `--fail-on confirmed` fails.
    assert_eq!(
        first.status.code(),
        Some(1),
        "{:?}: {}",
        first.status,
        stderr(&first)
    );
    for name in ["findings.json", "report.sarif", "index.html", "summary.md"] {
        assert!(first_dir.join(name).is_file(), "{name} missing");
    }
    assert!(first_dir.join("tests").is_dir());
    let report = findings(&first_dir);
    assert_eq!(report["schema_version"], 1);
    let all = report["findings"].as_array().expect("findings");
    assert_eq!(all.len(), 1, "{all:#?}");
    let f = &all[0];
    assert_eq!(f["function"], "pkt_encode");
    assert_eq!(f["file"], "src/packet.c");
    assert_eq!(f["line"], 50);
    assert_eq!(f["kind"], "postcondition");
    assert_eq!(f["status"], "confirmed", "{:#}", f["notes"]);
    let test = &f["test"];
    assert!(
        test["source"]
            .as_str()
            .expect("test source")
            .contains("pkt_encode(&p, out, sizeof out)")
    );
    // The test reproduces from the report directory, by the script saved beside it.
    let id = f["id"].as_str().expect("id");
    assert_eq!(test["command"], format!("sh tests/{id}.sh"));
    assert!(test["script"].as_str().expect("script").contains("bwrap"));
    let again = std::process::Command::new("sh")
        .arg(format!("tests/{id}.sh"))
        .current_dir(&first_dir)
        .output()
        .expect("sh");
    assert!(
        !again.status.success()
            && String::from_utf8_lossy(&again.stderr).contains("stack-buffer-overflow"),
        "{:?}\n{}",
        again.status,
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(
        test["output"]
            .as_str()
            .expect("output")
            .contains("stack-buffer-overflow"),
        "{}",
        test["output"]
    );
    assert!(
        f["notes"].to_string().contains("2 tests written"),
        "the first did not build: {}",
        f["notes"]
    );
    assert!(
        first_dir
            .join("tests")
            .join(format!("{}.c", f["id"].as_str().expect("id")))
            .is_file()
    );
    assert_eq!(f["decided_by"], "model");
    assert!(f["id"].as_str().is_some_and(|id| id.starts_with("VCH-")));
    assert!(!f["steps"].as_array().expect("steps").is_empty());
    assert!(
        f["source"]["text"]
            .as_str()
            .expect("source")
            .contains("int pkt_encode(")
    );
    assert!(
        f["spec"]["postconditions"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );
    assert_eq!(
        report["run"]["skipped"],
        serde_json::json!([]),
        "every stage ran"
    );
    assert!(
        report["run"]["prompts"]
            .to_string()
            .contains("testgen.harness-c@7")
    );
    // The harness request lists the functions pkt_encode calls, to size its buffer with.
    let harness = server
        .bodies()
        .into_iter()
        .find(|b| stand_in::kind(b) == "harness")
        .map(|b| stand_in::data(&b))
        .expect("a harness request");
    assert!(
        harness["related"]
            .to_string()
            .contains("pkt_encoded_size(size_t len)"),
        "{harness}"
    );
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        stdout.contains("confirmed") && stdout.contains("pkt_encode  src/packet.c:50"),
        "{stdout}"
    );
    let sarif: Value = serde_json::from_str(
        &std::fs::read_to_string(first_dir.join("report.sarif")).expect("sarif"),
    )
    .expect("sarif json");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(
        result["partialFingerprints"]["vouchFingerprint/v1"],
        f["fingerprint"]
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src/packet.c"
    );
    assert_eq!(result["level"], "error");
    let calls = server.calls();
    assert!(calls > 0);
    drop(server);

    // Replay from the store alone: the same findings (the harnesses' kept results), and
    // --fail-on unconfirmed fails as well.
    let mut args = base.to_vec();
    args.extend([
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--cache",
        "replay",
        "--fail-on",
        "unconfirmed",
        "-o",
        replay_dir.to_str().expect("utf-8"),
    ]);
    let again = vouch_in(&repo(), &args, &[]).await;
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    let replayed = findings(&replay_dir);
    let strip = |v: &Value| {
        let mut v = v.clone();
        for f in v.as_array_mut().into_iter().flatten() {
            // ASan's report names addresses.
            f["test"]["output"] = Value::Null;
            f["notes"] = Value::Null;
        }
        v
    };
    assert_eq!(strip(&replayed["findings"]), strip(&report["findings"]));
    // The harnesses' results were kept with the replies: nothing was built again.
    let notes = replayed["findings"][0]["notes"].to_string();
    assert!(
        notes.contains("2 tests written; their results kept from an earlier run"),
        "{notes}"
    );
    assert_eq!(replayed["unknowns"], report["unknowns"]);
    assert_eq!(replayed["run"]["usage"]["calls"], 0);

    // summary.md of the replay, against the snapshot kept in the tree.
    let summary = std::fs::read_to_string(replay_dir.join("summary.md")).expect("summary.md");
    let snapshot = repo().join("tests/snapshots/audit_c_ringbuf_summary.md");
    if std::env::var_os("VOUCH_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(snapshot.parent().expect("dir")).expect("mkdir");
        std::fs::write(&snapshot, &summary).expect("write snapshot");
    }
    let want = std::fs::read_to_string(&snapshot)
        .expect("tests/snapshots/audit_c_ringbuf_summary.md (VOUCH_UPDATE_SNAPSHOTS=1 writes it)");
    assert_eq!(
        summary, want,
        "summary.md changed; if on purpose, rerun with VOUCH_UPDATE_SNAPSHOTS=1"
    );

    // --exit-zero turns the failure into 0.
    let mut args = base.to_vec();
    args.extend([
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--cache",
        "replay",
        "--fail-on",
        "unconfirmed",
        "--exit-zero",
        "-o",
        replay_dir.to_str().expect("utf-8"),
    ]);
    let zero = vouch_in(&repo(), &args, &[]).await;
    assert_eq!(zero.status.code(), Some(0), "{}", stderr(&zero));

    // --no-confirm leaves the finding unconfirmed, which the default --fail-on passes.
    let mut args = base.to_vec();
    args.extend([
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--cache",
        "replay",
        "--no-confirm",
        "-o",
        replay_dir.to_str().expect("utf-8"),
    ]);
    let unconfirmed = vouch_in(&repo(), &args, &[]).await;
    assert!(
        matches!(unconfirmed.status.code(), Some(0 | 3)),
        "{}",
        stderr(&unconfirmed)
    );
    let r = findings(&replay_dir);
    assert_eq!(r["findings"][0]["status"], "unconfirmed");
    assert!(
        r["run"]["skipped"][0]["reason"]
            .as_str()
            .expect("reason")
            .contains("--no-confirm")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn inline_suppressions_mark_findings_and_unused_ones_are_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("c-ringbuf");
    copy_tree(&repo().join("corpora/c-ringbuf"), &tree);
    // Suppress rb-1 on the line above its evidence (line 50 stays line 50: the comment
    // joins the end of line 49), and plant one suppression that matches nothing.
    let packet = tree.join("src/packet.c");
    let mut lines: Vec<String> = std::fs::read_to_string(&packet)
        .expect("packet.c")
        .lines()
        .map(str::to_string)
        .collect();
    lines[48]
        .push_str(" // vouch-ignore[postcondition]: the caller sizes out with pkt_encoded_size");
    lines[0].push_str(" /* vouch-ignore[error-contract]: nothing here */");
    lines[1].push_str(" // vouch-ignore[postcondition]");
    std::fs::write(&packet, lines.join("\n") + "\n").expect("write");
    let server = TestServer::start().await;
    server.respond_with(rb1::finds_rb1);
    let out_dir = tmp.path().join("report");
    let store = tmp.path().join("vouch.db");
    let out = vouch_in(
        tmp.path(),
        &[
            "audit",
            "c-ringbuf",
            "--model",
            "test-model",
            "--base-url",
            server.url.as_str(),
            "--store",
            store.to_str().expect("utf-8"),
            "--fail-on",
            "unconfirmed",
            "-o",
            out_dir.to_str().expect("utf-8"),
        ],
        &[],
    )
    .await;
    assert_ne!(
        out.status.code(),
        Some(1),
        "a suppressed finding never fails a run: {}",
        stderr(&out)
    );
    assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));
    let report = findings(&out_dir);
    let f = &report["findings"][0];
    assert_eq!(f["function"], "pkt_encode");
    assert_eq!(f["suppression"]["line"], 49);
    assert_eq!(
        f["suppression"]["reason"],
        "the caller sizes out with pkt_encoded_size"
    );
    assert_eq!(report["summary"]["suppressed"], 1);
    let unused = report["unused_suppressions"].as_array().expect("unused");
    assert_eq!(unused.len(), 1, "{unused:?}");
    assert_eq!(unused[0]["line"], 1);
    let diags = report["diagnostics"].to_string();
    assert!(
        diags.contains("src/packet.c:2: vouch-ignore[postcondition] needs a reason"),
        "{diags}"
    );
    assert!(
        diags.contains("src/packet.c:1: vouch-ignore[error-contract] matches no finding"),
        "{diags}"
    );
    assert!(stderr(&out).contains("matches no finding"));
    let sarif = std::fs::read_to_string(out_dir.join("report.sarif")).expect("sarif");
    assert!(sarif.contains("\"inSource\""));
    let summary = std::fs::read_to_string(out_dir.join("summary.md")).expect("summary");
    assert!(
        summary.starts_with(
            "## vouch: 0 findings (1 confirmed, 0 unconfirmed, 0 refuted; 1 suppressed)"
        ),
        "{summary}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_paths_are_clear_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = vouch_in(
        tmp.path(),
        &["audit", "no/such/tree", "--cache", "off"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no/such/tree"), "{}", stderr(&out));
    let out = vouch_in(tmp.path(), &["view", "nothing-here"], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("vouch audit PATH -o nothing-here"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn view_serves_the_report_on_localhost_and_nothing_else() {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("report");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>vouch report</title>",
    )
    .expect("write");
    std::fs::write(dir.join("findings.json"), "{}").expect("write");
    std::fs::write(tmp.path().join("secret.txt"), "secret").expect("write");

    let print = vouch_in(tmp.path(), &["view", "report", "--print"], &[]).await;
    assert_eq!(print.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&print.stdout)
            .trim()
            .ends_with("report/index.html")
    );

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_vouch"))
        .args(["view", dir.to_str().expect("utf-8")])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn vouch view");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let url = lines
        .next_line()
        .await
        .expect("read")
        .expect("the URL line");
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{url}");
    let get = |path: &'static str| {
        let addr = addr.clone();
        async move {
            let mut s = tokio::net::TcpStream::connect(&addr)
                .await
                .expect("connect");
            s.write_all(
                format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
            )
            .await
            .expect("send");
            let mut text = String::new();
            s.read_to_string(&mut text).await.expect("read");
            text
        }
    };
    let index = get("/").await;
    assert!(index.starts_with("HTTP/1.1 200"), "{index}");
    assert!(index.contains("text/html") && index.contains("vouch report"));
    assert!(get("/findings.json").await.starts_with("HTTP/1.1 200"));
    for bad in ["/../secret.txt", "/%2e%2e/secret.txt", "/nothing.txt"] {
        let r = get(bad).await;
        assert!(
            !r.contains("secret\n") && !r.ends_with("secret"),
            "{bad}: {r}"
        );
        assert!(!r.starts_with("HTTP/1.1 200"), "{bad}: {r}");
    }
    child.kill().await.expect("kill");
}

/// The stand-in, except that `round_up`'s spec is formal and its check fails the
/// postcondition (the planted bug: a multiple of `step` is rounded past itself).
fn finds_round_up(body: &Value) -> String {
    use serde_json::json;
    let d = stand_in::data(body);
    match stand_in::kind(body) {
        "spec" => {
            let specs: Vec<Value> = d["functions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| {
                    if f["name"] == "round_up" {
                        json!({
                            "function": f["id"],
                            "summary": "rounds x up to a multiple of step",
                            "preconditions": [
                                {"text": "step is between 1 and 4096", "formal": "1 <= step <= 4096"},
                                {"text": "x is at most a million", "formal": "x <= 1000000"}
                            ],
                            "postconditions": [{
                                "text": "returns the smallest multiple of step that is at least x",
                                "formal": "result % step == 0 && x <= result && result < x + step"
                            }],
                            "confidence": 0.9
                        })
                    } else {
                        json!({"function": f["id"], "summary": "pages", "postconditions": [{"text": "returns the page count"}], "confidence": 0.5})
                    }
                })
                .collect();
            json!({ "specs": specs }).to_string()
        }
        "verdict" if d["function"] == "round_up" => {
            let clauses: Vec<Value> = d["clauses"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    json!({"clause": c["id"], "holds": false,
                           "counterexample": [{"name": "x", "value": "4096"}, {"name": "step", "value": "4096"}],
                           "lines": [3, 3],
                           "explanation": "a multiple of step is rounded up to the next one"})
                })
                .collect();
            json!({ "clauses": clauses }).to_string()
        }
        _ => stand_in::scripted(body),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rust_finding_with_a_formal_spec_is_confirmed_by_its_property_without_a_probe() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("pages");
    std::fs::create_dir_all(tree.join("src")).expect("mkdir");
    std::fs::write(
        tree.join("Cargo.toml"),
        "[package]\nname = \"pages\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .expect("write");
    std::fs::write(
        tree.join("src/lib.rs"),
        "/// Rounds `x` up to a multiple of `step`.\npub fn round_up(x: u32, step: u32) -> u32 {\n    (x / step + 1) * step\n}\n\n/// The pages of 4 KiB that `bytes` take.\npub fn pages(bytes: u32) -> u32 {\n    if bytes > 1_000_000 {\n        return 0;\n    }\n    round_up(bytes, 4096) / 4096\n}\n",
    )
    .expect("write");
    let server = TestServer::start().await;
    server.respond_with(finds_round_up);
    let out = tmp.path().join("out");
    let args = [
        "audit",
        tree.to_str().expect("utf-8"),
        "--model",
        "test-model",
        "--base-url",
        server.url.as_str(),
        "--test-timeout",
        "240",
        "--quiet",
        "-o",
        out.to_str().expect("utf-8"),
    ];
    let run = vouch_in(&repo(), &args, &[]).await;
    let report = findings(&out);
    assert_eq!(run.status.code(), Some(1), "{}\n{report:#}", stderr(&run));
    let f = &report["findings"][0];
    assert_eq!(f["function"], "round_up", "{report:#}");
    // Its spec is formal, so the summary counts formal clauses and what Z3 decided.
    let s = &report["summary"];
    assert!(
        s["formal_clauses"].as_u64().is_some_and(|n| n >= 1)
            && s["formal_clauses"].as_u64() <= s["clauses"].as_u64()
            && s["z3_decided"].as_u64().is_some_and(|n| n >= 1),
        "{s:#}"
    );
    let summary = std::fs::read_to_string(out.join("summary.md")).expect("summary.md");
    assert!(
        summary.contains(&format!(
            "{} of the {} clauses of their specs were stated formally; Z3 decided",
            s["formal_clauses"], s["clauses"]
        )),
        "{summary}"
    );
    assert_eq!(f["status"], "confirmed", "{f:#}");
    let notes = f["notes"].to_string();
    assert!(
        notes.contains("the spec's proptest property failed") && notes.contains("0 tests written"),
        "{notes}"
    );
    let test = &f["test"];
    assert!(
        test["source"]
            .as_str()
            .expect("source")
            .contains("fn vouch_property()")
    );
    assert!(
        test["output"]
            .as_str()
            .expect("output")
            .contains("smallest failing input")
    );
    // Its script adds proptest to a fresh copy of the crate and fails the same way.
    let again = std::process::Command::new("sh")
        .arg(
            out.join(
                test["command"]
                    .as_str()
                    .expect("command")
                    .trim_start_matches("sh "),
            ),
        )
        .output()
        .expect("sh");
    let again_out = format!(
        "{}{}",
        String::from_utf8_lossy(&again.stdout),
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(
        !again.status.success() && again_out.contains("smallest failing input"),
        "{:?}\n{again_out}",
        again.status
    );
    assert!(
        server.bodies().iter().all(|b| stand_in::kind(b) != "probe"),
        "no probe was asked for"
    );
}

/// The stand-in that finds rb-1, but unsure of `pkt_encode`'s spec.
fn unsure_of_pkt_encode(body: &Value) -> String {
    let reply = rb1::finds_rb1(body);
    if stand_in::kind(body) != "spec" {
        return reply;
    }
    let mut v: Value = serde_json::from_str(&reply).expect("spec reply");
    for s in v["specs"].as_array_mut().into_iter().flatten() {
        if s["function"]
            .as_str()
            .is_some_and(|f| f.ends_with("::pkt_encode#0"))
        {
            s["confidence"] = serde_json::json!(0.4);
        }
    }
    v.to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_clause_of_an_unsure_spec_is_a_question_that_fails_no_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("vouch.db");
    let server = TestServer::start().await;
    server.respond_with(unsure_of_pkt_encode);
    let audit_with = |min: Option<&'static str>, config: Option<&std::path::Path>, out: &str| {
        let mut args = vec![
            "audit".to_string(),
            "corpora/c-ringbuf".into(),
            "--model".into(),
            "test-model".into(),
            "--base-url".into(),
            server.url.clone(),
            "--store".into(),
            store.to_str().expect("utf-8").into(),
            "--quiet".into(),
            "-o".into(),
            tmp.path().join(out).to_str().expect("utf-8").into(),
        ];
        if let Some(m) = min {
            args.extend(["--min-spec-confidence".to_string(), m.to_string()]);
        }
        if let Some(c) = config {
            args.extend(["--config".to_string(), c.to_str().expect("utf-8").into()]);
        }
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            vouch_in(&repo(), &args, &[]).await
        }
    };
    let audit = |min: Option<&'static str>, out: &str| audit_with(min, None, out);

    // rb-1 is found and confirmed, but the model was unsure of the spec it breaks:
    // a question for the author, which does not fail the run.
    let run = audit(None, "asked").await;
    let report = findings(&tmp.path().join("asked"));
    assert_ne!(run.status.code(), Some(1), "{}\n{report:#}", stderr(&run));
    assert_ne!(run.status.code(), Some(2), "{}", stderr(&run));
    let f = &report["findings"][0];
    assert_eq!(f["function"], "pkt_encode", "{report:#}");
    assert_eq!(f["status"], "confirmed", "{:#}", f["notes"]);
    let why = f["question"].as_str().expect("a question");
    assert!(why.contains("confidence 0.40"), "{why}");
    assert_eq!(report["summary"]["questions"], 1);
    assert_eq!(report["summary"]["violated"], 0);
    let md = std::fs::read_to_string(tmp.path().join("asked/summary.md")).expect("summary.md");
    assert!(md.contains("1 question about intent"), "{md}");

    // With no threshold it is a finding again (from the store: the same replies).
    let run = audit(Some("0"), "told").await;
    let report = findings(&tmp.path().join("told"));
    assert_eq!(run.status.code(), Some(1), "{}\n{report:#}", stderr(&run));
    assert!(
        report["findings"][0].get("question").is_none(),
        "{report:#}"
    );
    assert_eq!(report["summary"]["questions"], 0);

    // A confidence is a number from 0 to 1.
    let run = audit(Some("1.5"), "bad").await;
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("from 0 to 1"), "{}", stderr(&run));

    // vouch.toml sets the threshold; the flag overrides the file.
    let config = tmp.path().join("vouch.toml");
    std::fs::write(
        &config,
        "[report]\nmin_spec_confidence = 0\n\n[testgen]\ntest_jobs = 1\n",
    )
    .expect("write vouch.toml");
    let run = audit_with(None, Some(&config), "configured").await;
    let report = findings(&tmp.path().join("configured"));
    assert_eq!(run.status.code(), Some(1), "{}\n{report:#}", stderr(&run));
    assert_eq!(report["summary"]["questions"], 0);
    let run = audit_with(Some("0.6"), Some(&config), "overridden").await;
    let report = findings(&tmp.path().join("overridden"));
    assert_ne!(run.status.code(), Some(1), "{}\n{report:#}", stderr(&run));
    assert_eq!(report["summary"]["questions"], 1);
    // A value out of range in the file is refused, naming the key and the file.
    std::fs::write(&config, "[report]\nmin_spec_confidence = 1.5\n").expect("write vouch.toml");
    let run = audit_with(None, Some(&config), "bad-config").await;
    assert_eq!(run.status.code(), Some(2));
    let err = stderr(&run);
    assert!(
        err.contains("report.min_spec_confidence = 1.5") && err.contains("vouch.toml"),
        "{err}"
    );
}
