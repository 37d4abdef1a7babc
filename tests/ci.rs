//! `vouch ci` on a git fixture: after an audit of the base commit, a change to one
//! function's call statement costs only that function's check and its callees' specs
//! and checks; a second run costs nothing; findings are new, preexisting or fixed
//! against the baseline; GitHub annotations; and the documented action uses real flags.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/rb1.rs"]
mod rb1;
#[path = "../specgen/tests/stand_in/mod.rs"]
mod stand_in;
#[path = "../llm/tests/support/mod.rs"]
mod support;

use cli::{copy_tree, findings, repo, stderr, vouch_in};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use support::TestServer;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=vouch",
            "-c",
            "user.email=vouch@localhost",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

/// Replaces `from` by `to` on line `line` (1-based) of `file`.
fn edit(file: &Path, line: usize, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).expect("read");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert!(
        lines[line - 1].contains(from),
        "line {line}: {}",
        lines[line - 1]
    );
    lines[line - 1] = lines[line - 1].replacen(from, to, 1);
    std::fs::write(file, lines.join("\n") + "\n").expect("write");
}

/// The function names each request is about, by request kind.
fn requested(bodies: &[Value]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for b in bodies {
        let d = stand_in::data(b);
        let kind = stand_in::kind(b).to_string();
        if let Some(fs) = d["functions"].as_array() {
            for f in fs {
                out.push((kind.clone(), f["name"].as_str().unwrap_or("?").to_string()));
            }
        } else {
            let name = d["function"]
                .as_str()
                .or_else(|| d["caller"]["name"].as_str())
                .or_else(|| d["name"].as_str())
                .unwrap_or("?");
            out.push((kind, name.to_string()));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_costs_only_what_it_can_affect_and_the_baseline_sorts_findings() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    copy_tree(&cli::repo().join("corpora/c-ringbuf"), &repo);
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "base"]);
    let store = tmp.path().join("vouch.db");
    let store = store.to_str().expect("utf-8").to_string();
    let report = tmp.path().join("report");
    let report_s = report.to_str().expect("utf-8").to_string();

    // The base commit, audited once: the run store now holds every reply.
    let server = TestServer::start().await;
    server.respond_with(rb1::finds_rb1);
    let url = server.url.clone();
    let model = [
        "--model",
        "test-model",
        "--base-url",
        url.as_str(),
        "--store",
        store.as_str(),
    ];
    let mut args = vec!["audit", ".", "-q", "-o", report_s.as_str()];
    args.extend(model);
    let audit = vouch_in(&repo, &args, &[]).await;
    assert_eq!(
        audit.status.code(),
        Some(1),
        "rb-1 is confirmed: {}",
        stderr(&audit)
    );
    let audit_calls = server.calls();

    // Nothing changed: nothing to check, no call.
    let mut args = vec!["ci", ".", "--base", "HEAD", "-q", "-o", report_s.as_str()];
    args.extend(model);
    let none = vouch_in(&repo, &args, &[]).await;
    assert_eq!(none.status.code(), Some(0), "{}", stderr(&none));
    assert_eq!(server.calls(), audit_calls);
    assert_eq!(findings(&report)["summary"]["checked"], 0);
    assert_eq!(
        findings(&report)["run"]["skipped"],
        json!([]),
        "no stage is said to be missing"
    );

    // Change one call statement of dispatch_register, and commit it.
    edit(
        &repo.join("src/dispatch.c"),
        42,
        "dispatch_find(d, type)",
        "dispatch_find(d, (uint8_t)type)",
    );
    git(&repo, &["commit", "-qam", "cast the type"]);
    let mut args = vec!["ci", ".", "--base", "HEAD~1", "-o", report_s.as_str()];
    args.extend(model);
    let before = server.bodies().len();
    let changed = vouch_in(&repo, &args, &[]).await;
    assert!(
        matches!(changed.status.code(), Some(0 | 3)),
        "{}",
        stderr(&changed)
    );
    assert!(
        stderr(&changed).contains("1 functions changed since HEAD~1"),
        "{}",
        stderr(&changed)
    );
    let asked = requested(&server.bodies()[before..]);
    assert!(!asked.is_empty(), "the changed function is checked again");
    let affected: BTreeSet<&str> = ["dispatch_register", "dispatch_find", "copy_name"].into();
    for (kind, name) in &asked {
        match kind.as_str() {
            "step" | "verdict" | "expect" => {
                assert!(affected.contains(name.as_str()), "{kind} {name}: {asked:?}")
            }
            // A spec comes from the callers: only the callees of the change need new ones.
            "spec" => assert!(
                ["dispatch_find", "copy_name"].contains(&name.as_str()),
                "{kind} {name}: {asked:?}"
            ),
            other => panic!("unexpected {other} request: {asked:?}"),
        }
    }
    assert!(
        asked
            .iter()
            .any(|(k, n)| k == "verdict" && n == "dispatch_register"),
        "{asked:?}"
    );
    let r = findings(&report);
    assert_eq!(r["summary"]["checked"], 3, "{}", r["summary"]);

    // Again: everything is in the store.
    let calls = server.calls();
    let again = vouch_in(&repo, &args, &[]).await;
    assert!(
        matches!(again.status.code(), Some(0 | 3)),
        "{}",
        stderr(&again)
    );
    assert_eq!(server.calls(), calls, "a second run makes no model call");

    // A change to pkt_encode brings rb-1 in: new against an empty baseline, so
    // --fail-on unconfirmed fails; a baseline entry of a re-checked function that is no
    // longer found is fixed.
    edit(
        &repo.join("src/packet.c"),
        48,
        "size_t cap)",
        "size_t cap) /* out holds cap bytes */",
    );
    let baseline = repo.join("vouch-baseline.json");
    std::fs::write(
        &baseline,
        serde_json::to_string_pretty(&json!({"version": 1, "findings": [{
            "fingerprint": "0123456789abcdef0123456789abcdef", "id": "VCH-0123456789",
            "function_id": "src/packet.c::pkt_encoded_size#0",
            "file": "src/packet.c", "kind": "postcondition", "clause": "an old finding"}]}))
        .expect("json"),
    )
    .expect("write baseline");
    let mut args = vec![
        "ci",
        ".",
        "--base",
        "HEAD",
        "-q",
        "--fail-on",
        "unconfirmed",
        "--format",
        "github",
        "-o",
        report_s.as_str(),
    ];
    args.extend(model);
    let new = vouch_in(&repo, &args, &[]).await;
    assert_eq!(new.status.code(), Some(1), "{}", stderr(&new));
    let stdout = String::from_utf8_lossy(&new.stdout).into_owned();
    assert!(
        stdout
            .lines()
            .any(|l| l
                .starts_with("::error file=src/packet.c,line=50,title=vouch postcondition VCH-")),
        "{stdout}"
    );
    let r = findings(&report);
    let f = &r["findings"][0];
    assert_eq!(f["function"], "pkt_encode");
    assert_eq!(f["baseline"], "new");
    let graph = vouch_in(&repo, &["graph", ".", "--format", "json"], &[]).await;
    let graph: Value = serde_json::from_slice(&graph.stdout).expect("graph json");
    let size_id = graph["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .find(|f| f["name"] == "pkt_encoded_size")
        .and_then(|f| f["id"].as_str())
        .expect("pkt_encoded_size id")
        .to_string();
    assert_eq!(
        size_id, "src/packet.c::pkt_encoded_size#0",
        "the baseline entry above names it"
    );
    assert_eq!(r["fixed"][0]["id"], "VCH-0123456789", "{}", r["fixed"]);
    assert!(
        stdout.contains("::notice file=src/packet.c,title=vouch%3A fixed VCH-0123456789::"),
        "{stdout}"
    );
    let sarif = std::fs::read_to_string(report.join("report.sarif")).expect("sarif");
    assert!(sarif.contains("\"baselineState\": \"new\""));
    let summary = std::fs::read_to_string(report.join("summary.md")).expect("summary");
    assert!(
        summary.starts_with("## vouch: 1 new finding, 1 fixed, 0 preexisting"),
        "{summary}"
    );

    // --update-baseline takes it in: the next run calls it preexisting and passes.
    let mut update = args.clone();
    update.push("--update-baseline");
    let updated = vouch_in(&repo, &update, &[]).await;
    assert_eq!(updated.status.code(), Some(0), "{}", stderr(&updated));
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).expect("baseline")).expect("json");
    let entries = written["findings"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "fixed out, new in: {written}");
    assert_eq!(entries[0]["fingerprint"], f["fingerprint"]);
    let known = vouch_in(&repo, &args, &[]).await;
    assert!(
        matches!(known.status.code(), Some(0 | 3)),
        "{}",
        stderr(&known)
    );
    assert_eq!(findings(&report)["findings"][0]["baseline"], "unchanged");
}

#[tokio::test(flavor = "multi_thread")]
async fn outside_git_or_with_an_unknown_revision_is_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("a.c"), "int f(void) { return 0; }\n").expect("write");
    let out = vouch_in(
        tmp.path(),
        &["ci", ".", "--base", "HEAD", "--cache", "off"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("git rev-parse"), "{}", stderr(&out));
    git(tmp.path(), &["init", "-q"]);
    git(tmp.path(), &["add", "."]);
    git(tmp.path(), &["commit", "-qm", "one"]);
    let out = vouch_in(
        tmp.path(),
        &["ci", ".", "--base", "no-such-ref", "--cache", "off"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`no-such-ref` is not a revision"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_documented_action_uses_flags_that_exist() {
    let action = std::fs::read_to_string(repo().join("action.yml")).expect("action.yml");
    let help = vouch_in(&repo(), &["ci", "--help"], &[]).await;
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let mut seen = 0;
    for line in action.lines().filter(|l| {
        l.contains("vouch ci") || l.trim_start().starts_with("--") || l.contains("_flags+=(")
    }) {
        for flag in line
            .split(|c: char| c.is_whitespace() || c == '(')
            .filter(|w| w.starts_with("--"))
        {
            let flag = flag.split('=').next().unwrap_or(flag);
            assert!(
                help.contains(flag),
                "action.yml uses {flag}, which `vouch ci --help` does not list"
            );
            seen += 1;
        }
    }
    assert!(
        seen >= 4,
        "the action runs vouch ci with its flags:\n{action}"
    );
    for needed in [
        "actions/cache/restore",
        "actions/cache/save",
        "github/codeql-action/upload-sarif",
        "GITHUB_STEP_SUMMARY",
    ] {
        assert!(action.contains(needed), "action.yml lacks {needed}");
    }
}
