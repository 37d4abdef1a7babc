//! The renderers over a built report: findings.json round trip and schema, SARIF against
//! the 2.1.0 JSON schema and GitHub's limits, Markdown escaping and size, and the HTML
//! viewer in headless Chromium (renders, filters, sorts, shows planted script as text).

#![allow(clippy::print_stderr)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use vouch_reports::*;

const PAYLOAD: &str = "</script><script>alert(1)</script>";

fn finding(i: usize, status: Status, kind: Kind, file: &str, function: &str) -> Finding {
    let clause = format!("returns a value below {i} | <b>bold</b>");
    let function_id = format!("{file}::{function}");
    let fp = fingerprint(&kind.rule_id(), &function_id, &clause);
    Finding {
        id: finding_id(&fp),
        fingerprint: fp,
        rule: kind.rule_id(),
        kind,
        severity: status.severity(),
        status,
        function: function.to_string(),
        function_id,
        file: file.to_string(),
        start_line: 10,
        end_line: 14,
        line: 12,
        clause: ClauseRef {
            text: clause,
            formal: Some("result < n".into()),
            section: "postcondition".into(),
            callee: None,
            also_breaks: Vec::new(),
        },
        expected_by: vec![CallerSite {
            caller: "main.c::main".into(),
            file: "main.c".into(),
            line: 40,
        }],
        explanation: "the loop runs one index too far".into(),
        steps: vec![
            Step {
                start_line: 10,
                end_line: 11,
                text: "i == 0".into(),
            },
            Step {
                start_line: 12,
                end_line: 14,
                text: "i <= n".into(),
            },
        ],
        evidence_lines: vec![12],
        counterexample: vec![Binding {
            name: "n".into(),
            value: "4".into(),
        }],
        decided_by: DecidedBy::Model,
        spec: SpecView {
            summary: "Sums the buffer.".into(),
            preconditions: vec!["buf holds n bytes".into()],
            postconditions: vec![format!("returns a value below {i} | <b>bold</b>")],
            side_effects: Vec::new(),
            errors: Vec::new(),
        },
        source: Source {
            start_line: 10,
            text: format!(
                "int {function}(int n) {{\n  int i = 0;\n  /* {PAYLOAD} */\n  return i;\n}}"
            ),
            truncated: false,
        },
        test: None,
        suppression: None,
        question: None,
        notes: Vec::new(),
        baseline: None,
    }
}

fn report(findings: Vec<Finding>) -> Report {
    let mut r = Report {
        schema_version: SCHEMA_VERSION,
        run: RunInfo {
            tool: "vouch".into(),
            version: "0.1.0".into(),
            root: "corpora/demo".into(),
            model: "test-model".into(),
            prompts: vec!["specgen.spec@1".into()],
            solver: true,
            ..RunInfo::default()
        },
        summary: Summary {
            files: 2,
            functions: 9,
            checked: 9,
            ..Summary::default()
        },
        findings,
        unknowns: vec![Unknown {
            function: "helper".into(),
            function_id: "util.c::helper".into(),
            file: "util.c".into(),
            line: 3,
            stage: "hoare".into(),
            reason: format!("the verdict request failed {PAYLOAD}"),
        }],
        unused_suppressions: Vec::new(),
        fixed: Vec::new(),
        diagnostics: Vec::new(),
    };
    r.finalize();
    r
}

fn mixed() -> Report {
    let mut fs = vec![
        finding(
            1,
            Status::Confirmed,
            Kind::Postcondition,
            "ring.c",
            "rb_push",
        ),
        finding(
            2,
            Status::Unconfirmed,
            Kind::ErrorContract,
            "ring.c",
            "rb_pop",
        ),
        finding(3, Status::Refuted, Kind::Postcondition, "pkt.c", "pkt_len"),
        finding(
            4,
            Status::Unconfirmed,
            Kind::Postcondition,
            "pkt.c",
            PAYLOAD,
        ),
    ];
    fs[3].suppression = Some(SuppressionSite {
        file: "pkt.c".into(),
        line: 11,
        kind: "postcondition".into(),
        reason: "callers clamp".into(),
    });
    // A call's finding standing for a clause it breaks too, quoting the payload.
    fs[3].clause.also_breaks = vec![format!("never reads past {PAYLOAD}")];
    fs[3].test = Some(TestEvidence {
        path: format!("tests/{}.c", fs[3].id),
        source: format!("int main(void) {{ /* {PAYLOAD} */ return 0; }}"),
        command: format!("sh tests/{}.sh", fs[3].id),
        script: format!("#!/bin/sh\n# the harness of {PAYLOAD}\nexit 1\n"),
        output: format!("@@vouch: built@@ {PAYLOAD}"),
    });
    report(fs)
}

#[test]
fn fingerprints_ignore_lines_and_spacing_but_not_function_or_clause() {
    let a = fingerprint("vouch/postcondition", "a.c::f", "Returns  n, not n-1.");
    assert_eq!(
        a,
        fingerprint("vouch/postcondition", "a.c::f", "returns n not n 1")
    );
    assert_ne!(
        a,
        fingerprint("vouch/postcondition", "a.c::g", "returns n not n-1")
    );
    assert_ne!(
        a,
        fingerprint("vouch/postcondition", "a.c::f", "returns n+1")
    );
    assert_ne!(
        a,
        fingerprint("vouch/error-contract", "a.c::f", "returns n not n-1")
    );
    let mut moved = finding(1, Status::Unconfirmed, Kind::Postcondition, "a.c", "f");
    moved.line += 30;
    assert_eq!(
        moved.fingerprint,
        finding(1, Status::Unconfirmed, Kind::Postcondition, "a.c", "f").fingerprint
    );
}

#[test]
fn findings_json_round_trips_and_matches_the_published_schema() {
    let r = mixed();
    assert_eq!(r.summary.violated, 4);
    assert_eq!(
        (
            r.summary.confirmed,
            r.summary.unconfirmed,
            r.summary.refuted,
            r.summary.suppressed
        ),
        (1, 2, 1, 1)
    );
    let text = serde_json::to_string_pretty(&r).expect("json");
    let back: Report = serde_json::from_str(&text).expect("parse back");
    assert_eq!(back, r);
    // The schema users validate against is kept in docs/ and must match the code.
    let schema = findings_schema();
    let published = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/findings.schema.json");
    let want = serde_json::to_string_pretty(&schema).expect("schema") + "\n";
    if std::env::var_os("VOUCH_UPDATE_SCHEMA").is_some() {
        std::fs::write(&published, &want).expect("write schema");
    }
    let have = std::fs::read_to_string(&published)
        .expect("docs/findings.schema.json (run with VOUCH_UPDATE_SCHEMA=1 to write it)");
    assert_eq!(
        have, want,
        "docs/findings.schema.json is stale: run with VOUCH_UPDATE_SCHEMA=1"
    );
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let instance: Value = serde_json::from_str(&text).expect("json");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

/// The SARIF 2.1.0 schema that serde-sarif ships (located through cargo metadata).
/// Offline, and for the host only: the registry of a fresh machine holds the crates
/// this build needs, not those of other platforms (`anstyle-wincon`, say).
fn sarif_schema() -> Value {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc).arg("-vV").output().expect("rustc -vV");
    let host = String::from_utf8_lossy(&version.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .expect("rustc -vV names the host");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("metadata json");
    let manifest = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("serde-sarif in the dependency graph");
    let path = Path::new(manifest).with_file_name("src/schema.json");
    let text = std::fs::read_to_string(&path).expect("serde-sarif's schema.json");
    // The published schema's pattern for `language` tags has a stray `]`, which a strict
    // ECMA-262 regex engine refuses; the intent is a two-letter tag with an optional region.
    let bad = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert!(text.contains(bad));
    let text = text.replace(bad, r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#);
    let schema: Value = serde_json::from_str(&text).expect("schema json");
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    schema
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let r = mixed();
    let (text, notes) = to_sarif_string(&r);
    assert!(notes.is_empty(), "{notes:?}");
    let sarif: Value = serde_json::from_str(&text).expect("sarif json");
    let schema = sarif_schema();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // Validation can fail: a result without its message is refused.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .expect("result")
        .remove("message");
    assert!(!validator.is_valid(&broken));

    let run = &sarif["runs"][0];
    // A call's finding names the clauses it stands for in its message.
    assert!(
        run["results"]
            .as_array()
            .expect("results")
            .iter()
            .any(|r| r["message"]["text"].as_str().is_some_and(
                |m| m.contains("; through this call it also breaks \"never reads past")
            )),
        "{run:#}"
    );
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), Kind::ALL.len());
    assert!(
        rules[0]["help"]["text"]
            .as_str()
            .expect("help")
            .contains("callers")
    );
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 4, "suppressed results are kept");
    for (res, f) in results.iter().zip(&r.findings) {
        assert_eq!(
            res["partialFingerprints"][sarif::FINGERPRINT_KEY],
            f.fingerprint.as_str()
        );
        let level = match f.status {
            Status::Confirmed => "error",
            Status::Unconfirmed => "warning",
            Status::Refuted => "note",
        };
        assert_eq!(res["level"], level);
        assert_eq!(
            res["codeFlows"][0]["threadFlows"][0]["locations"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
        assert_eq!(res["suppressions"].is_array(), f.suppression.is_some());
    }
    let suppressed = results
        .iter()
        .find(|r| r["suppressions"].is_array())
        .expect("one suppressed");
    assert_eq!(suppressed["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        suppressed["suppressions"][0]["justification"],
        "callers clamp"
    );
    let notes = &run["invocations"][0]["toolExecutionNotifications"];
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .expect("note")
            .contains("helper")
    );
}

#[test]
fn sarif_stays_within_github_limits() {
    let many: Vec<Finding> = (0..sarif::MAX_RESULTS + 3)
        .map(|i| {
            let status = if i == sarif::MAX_RESULTS + 2 {
                Status::Confirmed
            } else {
                Status::Refuted
            };
            let mut f = finding(i, status, Kind::Postcondition, "big.c", &format!("f{i}"));
            f.source.text.clear();
            f
        })
        .collect();
    let r = report(many);
    let (sarif, notes) = to_sarif(&r);
    let results = sarif.runs[0].results.as_ref().expect("results");
    assert_eq!(results.len(), sarif::MAX_RESULTS);
    assert!(
        notes.iter().any(|n| n.contains("3 least sure")),
        "{notes:?}"
    );
    // The confirmed finding is never the one left out.
    assert!(
        results
            .iter()
            .any(|r| r.level.as_ref().map(|l| l.to_string()) == Some("error".into()))
    );
}

#[test]
fn markdown_is_escaped_and_bounded() {
    let md = to_markdown(&mixed());
    assert!(
        md.starts_with(
            "## vouch: 3 findings (1 confirmed, 2 unconfirmed, 1 refuted; 1 suppressed)"
        ),
        "{md}"
    );
    assert!(!md.contains("<script>"), "{md}");
    assert!(!md.contains("<b>"), "{md}");
    assert!(md.contains("\\|"), "pipes in cells are escaped: {md}");
    assert!(md.contains("suppressed"));
    let many: Vec<Finding> = (0..3000)
        .map(|i| {
            finding(
                i,
                Status::Unconfirmed,
                Kind::Postcondition,
                "big.c",
                &format!("function_{i}"),
            )
        })
        .collect();
    let md = to_markdown(&report(many));
    assert!(md.len() <= markdown::MAX_CHARS, "{}", md.len());
    assert!(md.contains("more in `findings.json`"));
}

#[test]
fn the_summary_counts_functions_with_findings_not_findings() {
    // Two broken clauses of one function and one of another: two functions.
    let r = report(vec![
        finding(
            1,
            Status::Confirmed,
            Kind::Postcondition,
            "ring.c",
            "rb_push",
        ),
        finding(2, Status::Refuted, Kind::ErrorContract, "ring.c", "rb_push"),
        finding(
            3,
            Status::Confirmed,
            Kind::Postcondition,
            "pkt.c",
            "pkt_len",
        ),
    ]);
    assert_eq!(r.summary.violated, 3);
    let md = to_markdown(&r);
    assert!(
        md.contains("9 checked: 0 verified, 2 with findings, 1 unknown."),
        "{md}"
    );
}

/// A confirmed finding and a confirmed question about intent.
fn with_a_question() -> Report {
    let mut fs = vec![
        finding(
            1,
            Status::Confirmed,
            Kind::Postcondition,
            "ring.c",
            "rb_push",
        ),
        finding(
            2,
            Status::Confirmed,
            Kind::Postcondition,
            "main.c",
            "on_ping",
        ),
    ];
    fs[1].question = Some("the spec was written with confidence 0.40".into());
    report(fs)
}

#[test]
fn a_question_about_intent_is_counted_apart_and_fails_nothing() {
    let r = with_a_question();
    assert_eq!(
        (r.summary.violated, r.summary.confirmed, r.summary.questions),
        (1, 1, 1)
    );
    assert_eq!(r.failing(Status::Unconfirmed), 1);
    assert_eq!(
        r.findings
            .iter()
            .filter(|f| f.shown_status() == "question")
            .count(),
        1
    );

    let md = to_markdown(&r);
    assert!(
        md.starts_with("## vouch: 1 finding (1 confirmed, 0 unconfirmed, 0 refuted)"),
        "{md}"
    );
    assert!(md.contains("1 question about intent"), "{md}");
    assert!(md.contains("| question |"), "{md}");

    // In SARIF a question is a result for review, at level none, and the log stays valid.
    let (text, _) = to_sarif_string(&r);
    let sarif: Value = serde_json::from_str(&text).expect("sarif json");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let q = results
        .iter()
        .find(|x| x["properties"]["function"] == "on_ping")
        .expect("the question's result");
    assert_eq!(
        (q["kind"].as_str(), q["level"].as_str()),
        (Some("review"), Some("none"))
    );
    assert!(q["properties"]["question"].as_str().is_some());
    let f = results
        .iter()
        .find(|x| x["properties"]["function"] == "rb_push")
        .expect("the finding's result");
    assert_eq!((f.get("kind"), f["level"].as_str()), (None, Some("error")));
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&sarif_schema())
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let Some(browser) = chromium() else {
        eprintln!("skipped the browser part: no chromium");
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("index.html");
    std::fs::write(&file, to_html(&r).expect("html")).expect("write");
    let (dom, log) = render(&browser, &file, "#status=question");
    assert!(console_errors(&log).is_empty(), "{log}");
    assert!(dom.contains("showing 1 of 2"), "{dom}");
    assert!(dom.contains("1 questions about intent"), "{dom}");
}

#[test]
fn html_escapes_everything_from_the_code() {
    let html = to_html(&mixed()).expect("html");
    assert_eq!(
        html.matches("<script").count(),
        2,
        "only vouch's own two scripts"
    );
    assert!(!html.contains("alert(1)</script>"));
    assert!(!html.contains("<b>bold</b>"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no network resources"
    );
}

// ---------------------------------------------------------------- the browser

fn chromium() -> Option<PathBuf> {
    for c in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("which").arg(c).output()
            && out.status.success()
        {
            return Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
        }
    }
    if std::env::var_os("VOUCH_REQUIRE_BROWSER").is_some() {
        panic!(
            "VOUCH_REQUIRE_BROWSER is set but chromium is not installed (apt-get install chromium)"
        );
    }
    None
}

/// The DOM after the page's scripts ran, and the browser's console lines.
fn render(browser: &Path, file: &Path, hash: &str) -> (String, String) {
    let profile = tempfile::tempdir().expect("profile dir");
    let url = format!("file://{}{hash}", file.display());
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("run chromium");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn console_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect()
}

fn visible_rows(dom: &str) -> usize {
    dom.lines()
        .flat_map(|l| l.split("<tr "))
        .filter(|r| r.contains("data-i=") && !r.split('>').next().unwrap_or("").contains("hidden"))
        .count()
}

#[test]
fn html_renders_and_filters_in_a_browser() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium");
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("index.html");
    std::fs::write(&file, to_html(&mixed()).expect("html")).expect("write");

    let (dom, log) = render(&browser, &file, "");
    assert!(
        dom.contains("data-ready=\"1\""),
        "the script ran to the end:\n{log}"
    );
    assert!(console_errors(&log).is_empty(), "{log}");
    assert_eq!(visible_rows(&dom), 4, "{dom}");
    assert!(dom.contains("showing 4 of 4"));

    let (dom, log) = render(&browser, &file, "#status=unconfirmed");
    assert!(console_errors(&log).is_empty(), "{log}");
    assert!(
        dom.contains("showing 1 of 4"),
        "one unconfirmed, one suppressed: {dom}"
    );
    assert_eq!(visible_rows(&dom), 1);

    // Triage travels in the link and comes out as lines to paste above the findings.
    let r = mixed();
    let push = r
        .findings
        .iter()
        .find(|f| f.function == "rb_push")
        .expect("rb_push");
    let (dom, log) = render(
        &browser,
        &file,
        &format!("#t={}:callers%20never%20pass%200", push.id),
    );
    assert!(console_errors(&log).is_empty(), "{log}");
    assert!(dom.contains("data-triaged=\"1\""), "{dom}");
    assert!(
        dom.contains(&format!(
            "ring.c:12  // vouch-ignore[postcondition]: callers never pass 0  ({})",
            push.id
        )),
        "{dom}"
    );

    // Sorting: by function, then the same column descending; the order of the rows follows.
    let order = |dom: &str| -> Vec<String> {
        dom.split("<tr ")
            .filter_map(|r| r.split("data-function=\"").nth(1))
            .map(|r| r.split('"').next().unwrap_or("").to_string())
            .collect()
    };
    let (dom, log) = render(&browser, &file, "#sort=function");
    assert!(console_errors(&log).is_empty(), "{log}");
    assert!(dom.contains("aria-sort=\"ascending\""), "{dom}");
    let up = order(&dom);
    let mut sorted = up.clone();
    sorted.sort();
    assert_eq!(up, sorted);
    assert_eq!(up.len(), 4);
    let (dom, _) = render(&browser, &file, "#sort=-function");
    let down = order(&dom);
    sorted.reverse();
    assert_eq!(down, sorted);

    let (dom, _) = render(&browser, &file, "#file=pkt.c&kind=postcondition");
    assert!(dom.contains("showing 2 of 4"));
    let (dom, _) = render(&browser, &file, "#fn=rb_&status=confirmed");
    assert!(dom.contains("showing 1 of 4"));
}

#[test]
fn html_shows_planted_script_as_text() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium");
        return;
    };
    let r = mixed();
    let planted = r
        .findings
        .iter()
        .find(|f| f.function == PAYLOAD)
        .expect("planted");
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("index.html");
    std::fs::write(&file, to_html(&r).expect("html")).expect("write");
    let (dom, log) = render(&browser, &file, &format!("#id={}", planted.id));
    assert!(console_errors(&log).is_empty(), "{log}");
    // The detail pane was built (source lines, steps, spec) ...
    assert!(dom.contains("data-line=\"12\""), "{dom}");
    assert!(dom.contains("lines 12-14: i &lt;= n"));
    // ... and the payload is text in it, in the table and in the unknowns, never markup.
    assert!(
        dom.contains("/* &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; */"),
        "{dom}"
    );
    assert!(
        dom.matches("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;")
            .count()
            >= 4
    );
    // The test, its command and the script it runs are shown as text too.
    assert!(
        dom.contains(&format!("sh tests/{}.sh", planted.id)) && dom.contains("the script it runs"),
        "{dom}"
    );
    assert!(dom.contains("# the harness of &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    // The clause the call breaks too is shown beside the broken one, as text.
    assert!(
        dom.contains("Through this call, also: </b>never reads past &lt;/script&gt;"),
        "{dom}"
    );
    assert_eq!(
        dom.matches("<script").count(),
        2,
        "no script element was added"
    );
}

#[test]
fn html_stays_usable_with_5000_findings() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium");
        return;
    };
    let many: Vec<Finding> = (0..5000)
        .map(|i| {
            let status = [Status::Confirmed, Status::Unconfirmed, Status::Refuted][i % 3];
            finding(
                i,
                status,
                Kind::ALL[i % 2],
                &format!("src/m{}.c", i % 40),
                &format!("f_{i}"),
            )
        })
        .collect();
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("index.html");
    let html = to_html(&report(many)).expect("html");
    std::fs::write(&file, &html).expect("write");
    let (dom, log) = render(&browser, &file, "#status=confirmed&file=m7.c");
    assert!(console_errors(&log).is_empty(), "{log}");
    assert!(dom.contains("data-ready=\"1\""));
    // i % 3 == 0 and i % 40 == 7: i = 87, 207, ... (every 120 from 87): 42 rows.
    let want = (0..5000).filter(|i| i % 3 == 0 && i % 40 == 7).count();
    assert!(dom.contains(&format!("showing {want} of 5000")), "{want}");
    assert_eq!(visible_rows(&dom), want);
}
