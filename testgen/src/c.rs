//! C confirmation: a harness built together with the function's translation unit (the
//! `.c` file is included with its `main` renamed, so `static` functions are reachable),
//! the project's include paths and defines (from `compile_commands.json`, else every
//! folder holding a header), the other sources linked in, compiled with ASan and UBSan,
//! and run in the sandbox. The outcome is classified.

use crate::blame::{Blame, Subject};
use crate::sandbox::{
    Exit, RunOutput, SRC_DIR, Sandbox, SandboxError, WORK_DIR, absolute, shell_quote,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The flags every harness is built with.
pub const CFLAGS: &str = "-std=gnu11 -g -O0 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -w";

/// What a harness gets before its own code: the assertion that names the clause.
pub const PRELUDE: &str = r#"#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
/* Fails the run, naming the violated clause: vouch reads the message. */
#define VOUCH_CHECK(cond, clause) do { if (!(cond)) { fprintf(stderr, "vouch-assert: violated: %s\n", (clause)); fflush(stderr); abort(); } } while (0)
/* Stops the run when the set-up is not what the test needs: shows nothing either way. */
#define VOUCH_REQUIRE(cond, what) do { if (!(cond)) { fprintf(stderr, "vouch-setup: failed: %s\n", (what)); fflush(stderr); exit(98); } } while (0)
/* VOUCH_FAIL_ALLOC(k): the allocation k from now (0 = the next) made by code of the
   function's own file returns NULL, once. */
static long vouch_alloc_fail_at = -1;
static int vouch_alloc_fails(void) { if (vouch_alloc_fail_at < 0) return 0; if (vouch_alloc_fail_at-- == 0) return 1; return 0; }
static void *vouch_malloc(size_t n) { return vouch_alloc_fails() ? NULL : malloc(n); }
static void *vouch_calloc(size_t k, size_t n) { return vouch_alloc_fails() ? NULL : calloc(k, n); }
static void *vouch_realloc(void *p, size_t n) { return vouch_alloc_fails() ? NULL : realloc(p, n); }
#define VOUCH_FAIL_ALLOC(k) (vouch_alloc_fail_at = (long)(k))
"#;

const BUILD_FAILED: &str = "@@vouch: build failed@@";
const BUILT: &str = "@@vouch: built@@";

/// How to build code of a C tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CProject {
    pub root: PathBuf,
    /// Include directories, relative to the root.
    pub include_dirs: Vec<String>,
    /// `-D` flags.
    pub defines: Vec<String>,
    /// Sources to link, relative to the root: every `.c` file that does not define `main`.
    pub sources: Vec<String>,
}

impl CProject {
    /// The build of a tree: its `.c` and `.h` files (paths relative to `root`, with their
    /// text). Flags come from `compile_commands.json` at the root when there is one.
    pub fn infer(root: &Path, files: &[(String, String)]) -> CProject {
        let mut include: BTreeSet<String> = BTreeSet::new();
        let mut defines: BTreeSet<String> = BTreeSet::new();
        let mut sources = Vec::new();
        for (path, text) in files {
            if path.ends_with(".h") {
                let dir = Path::new(path)
                    .parent()
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default();
                include.insert(if dir.is_empty() { ".".into() } else { dir });
            } else if path.ends_with(".c") && !defines_main(text) {
                sources.push(path.clone());
            }
        }
        if let Ok(text) = std::fs::read_to_string(root.join("compile_commands.json"))
            && let Ok(serde_json::Value::Array(entries)) = serde_json::from_str(&text)
        {
            for e in entries {
                let args: Vec<String> = match (&e["arguments"], &e["command"]) {
                    (serde_json::Value::Array(a), _) => a
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect(),
                    (_, serde_json::Value::String(c)) => {
                        c.split_whitespace().map(str::to_string).collect()
                    }
                    _ => continue,
                };
                let dir = e["directory"].as_str().map(PathBuf::from);
                let mut it = args.iter();
                while let Some(a) = it.next() {
                    let (flag, value) = if a == "-I" || a == "-D" {
                        (a.as_str(), it.next().cloned())
                    } else if let Some(v) = a.strip_prefix("-I") {
                        ("-I", Some(v.to_string()))
                    } else if let Some(v) = a.strip_prefix("-D") {
                        ("-D", Some(v.to_string()))
                    } else {
                        continue;
                    };
                    let Some(value) = value else { continue };
                    if flag == "-D" {
                        defines.insert(value);
                    } else {
                        // Relative to the entry's directory; kept when inside the root.
                        let abs = match &dir {
                            Some(d) if Path::new(&value).is_relative() => d.join(&value),
                            _ => PathBuf::from(&value),
                        };
                        if let Ok(rel) = abs.strip_prefix(root) {
                            let rel = rel.to_string_lossy().into_owned();
                            include.insert(if rel.is_empty() { ".".into() } else { rel });
                        }
                    }
                }
            }
        }
        sources.sort();
        CProject {
            root: root.to_path_buf(),
            include_dirs: include.into_iter().collect(),
            defines: defines.into_iter().collect(),
            sources,
        }
    }
}

/// Whether a C file defines `main`: a line that starts `int main(` (spacing free).
pub fn defines_main(text: &str) -> bool {
    text.lines().any(|l| {
        l.trim_start()
            .strip_prefix("int")
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix("main"))
            .is_some_and(|r| r.trim_start().starts_with('('))
    })
}

/// The whole harness file: the prelude, the function's translation unit with its
/// `main` renamed, then the harness's own code (which defines `main`). The unit is
/// included by a path relative to the harness: the tree sits beside it, in the sandbox
/// as in an unsandboxed run's scratch directory.
pub fn harness_source(unit: &str, body: &str) -> String {
    // The unit's own allocations go through the wrappers VOUCH_FAIL_ALLOC steers.
    format!(
        "{PRELUDE}#define main {UNIT_MAIN}\n#define malloc(n) vouch_malloc(n)\n#define calloc(k, n) vouch_calloc(k, n)\n#define realloc(p, n) vouch_realloc(p, n)\n#include \"tree/{unit}\"\n#undef main\n#undef malloc\n#undef calloc\n#undef realloc\n\n{body}\n"
    )
}

/// What the unit's own `main` is called in a harness.
pub const UNIT_MAIN: &str = "vouch_unit_main";

/// The harness without its own definitions and prototypes of `names` (functions of the
/// translation unit it includes). Models often copy the function under test into the
/// harness, or declare it again from memory, and the harness then does not build
/// ("redefinition of", "conflicting types for"); the unit's own definition is the one
/// to test.
pub fn without_redefinitions(body: &str, names: &[&str]) -> String {
    let program = vouch_frontend::parse_source("harness.c", body);
    let mut cuts: Vec<(usize, usize)> = program
        .functions
        .iter()
        .filter(|f| f.body.is_some() && f.name != "main" && names.contains(&f.name.as_str()))
        .map(|f| (f.span.start_byte as usize, f.span.end_byte as usize))
        // Broken code can make a definition seem to run on over `main`: keep those.
        .filter(|&(start, end)| body.get(start..end).is_some_and(|t| !defines_main(t)))
        .collect();
    // Prototypes: a top-level line `... name(...);`.
    let mut at = 0;
    for line in body.split_inclusive('\n') {
        let t = line.trim_end();
        let top = !line.starts_with([' ', '\t', '#']);
        if top
            && t.ends_with(");")
            && !t.contains('=')
            && names.iter().any(|n| {
                t.match_indices(n).any(|(i, _)| {
                    let before = t[..i].chars().next_back();
                    let after = t[i + n.len()..].trim_start();
                    !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                        && after.starts_with('(')
                })
            })
        {
            cuts.push((at, at + line.len()));
        }
        at += line.len();
    }
    cuts.sort_unstable();
    let mut out = String::with_capacity(body.len());
    let mut from = 0;
    for (start, end) in cuts {
        if start < from || end > body.len() {
            continue;
        }
        out.push_str(&body[from..start]);
        from = end;
    }
    out.push_str(&body[from..]);
    if defines_main(body) && !defines_main(&out) {
        return body.to_string();
    }
    out
}

/// What a run showed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The run failed the way the violation predicts.
    Confirmed { why: String },
    /// The run passed: the violation did not happen.
    Refuted,
    /// Nothing could be shown (no build, a time-out, an unexplained exit).
    Inconclusive { why: String },
    /// No test was written: the test writer answered that the claim does not hold,
    /// for the reason given (its counterexample breaks a precondition, or the code
    /// does not do what the claim says).
    Disputed { why: String },
}

/// A harness that was built and run, with what reproduces it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Confirmation {
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The harness file as built.
    pub source: String,
    /// The command as it was run (its files in directories removed since).
    pub command: String,
    /// A shell script that repeats the run from the test saved beside it (see
    /// [`Sandbox::reproduce_script`]); empty in results kept from before it existed.
    #[serde(default)]
    pub reproduce: String,
    pub output: String,
}

/// Builds the harness with the unit and the project's other sources, runs it in the
/// sandbox and classifies the result.
pub fn confirm(
    sandbox: &Sandbox,
    project: &CProject,
    subject: &Subject,
    body: &str,
) -> Result<Confirmation, SandboxError> {
    let unit = subject.file.as_str();
    let source = harness_source(unit, body);
    let dir =
        tempfile::tempdir().map_err(|e| SandboxError::Spawn("a harness directory".into(), e))?;
    std::fs::write(dir.path().join("harness.c"), &source)
        .map_err(|e| SandboxError::Spawn("the harness file".into(), e))?;
    let binds = vec![
        (project.root.clone(), "tree".to_string()),
        (dir.path().join("harness.c"), "harness.c".to_string()),
    ];
    let script = script(project, unit);
    let run = sandbox.run(&binds, &script)?;
    let command = sandbox.command_line(&binds, &script);
    let reproduce = sandbox.reproduce_script(
        &format!("Builds the harness beside this script with {unit} and the project's other sources, and runs it."),
        ".c",
        "",
        &[
            (shell_quote(&absolute(&project.root).display().to_string()), "tree".into()),
            ("\"$test\"".into(), "harness.c".into()),
        ],
        &script,
    );
    Ok(Confirmation {
        outcome: classify(&run, subject),
        source,
        command,
        reproduce,
        output: format!("{}{}", run.stdout, run.stderr),
    })
}

/// Build, then run: one script, as the work directory lives only as long as the run.
fn script(project: &CProject, unit: &str) -> String {
    let mut flags = String::from(CFLAGS);
    for i in &project.include_dirs {
        flags.push_str(&format!(" -I{SRC_DIR}/tree/{i}"));
    }
    for d in &project.defines {
        flags.push_str(&format!(" '-D{}'", d.replace('\'', "")));
    }
    let others: Vec<String> = project
        .sources
        .iter()
        .filter(|s| s.as_str() != unit)
        .map(|s| format!("{SRC_DIR}/tree/{s}"))
        .collect();
    format!(
        "gcc {flags} {SRC_DIR}/harness.c {} -o {WORK_DIR}/harness -lm 2>{WORK_DIR}/build.log || {{ cat {WORK_DIR}/build.log >&2; echo '{BUILD_FAILED}' >&2; exit 97; }}\n\
echo '{BUILT}' >&2\n\
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 exec {WORK_DIR}/harness",
        others.join(" ")
    )
}

impl Outcome {
    /// Whether the sandbox stopped the run at its time or memory limit (see [`stopped`]):
    /// such a run may end otherwise on a less busy machine, so it is not kept.
    pub fn at_limit(&self) -> bool {
        matches!(self, Outcome::Inconclusive { why } if why.starts_with(STOPPED))
    }
}

const STOPPED: &str = "stopped at the";

/// Inconclusive when the sandbox stopped the run at a limit.
pub(crate) fn stopped(run: &RunOutput) -> Option<Outcome> {
    let why = match run.exit {
        Exit::TimedOut => format!("{STOPPED} time limit ({:.0} s)", run.duration.as_secs_f64()),
        Exit::OutOfMemory => format!("{STOPPED} memory limit"),
        _ => return None,
    };
    Some(Outcome::Inconclusive { why })
}

/// Why a failed check (`vouch-assert: violated: ...`) confirms the claim about `subject`.
pub(crate) fn assertion_failed(subject: &Subject, line: &str) -> String {
    let what = line.split("vouch-assert: ").nth(1).unwrap_or(line).trim();
    if subject.callee_claim {
        format!("the assertion of a clause the function breaks through the call failed ({what})")
    } else {
        format!("the assertion of the clause failed ({what})")
    }
}

/// Why a test's own check of a call-precondition claim shows nothing.
pub(crate) fn callee_claim_checked(line: &str) -> String {
    format!(
        "the test checked the called function's precondition itself ({}), in a state its own set-up made; only a failure inside the function or the one it calls confirms such a claim",
        line.split("vouch-assert: ").nth(1).unwrap_or(line).trim()
    )
}

/// The outcome of a harness run about `subject`. The claim is confirmed only by its own
/// check (`VOUCH_CHECK`), or by a sanitizer report or assertion that places the failure
/// inside `subject` ([`crate::blame`]); a failure anywhere else — a set-up check, the
/// harness's own code, another function with a defect of its own — shows nothing
/// about the claim and is inconclusive.
pub fn classify(run: &RunOutput, subject: &Subject) -> Outcome {
    let err = &run.stderr;
    if err.contains(BUILD_FAILED) {
        let first: Vec<&str> = err
            .lines()
            .filter(|l| l.contains("error"))
            .take(3)
            .collect();
        return Outcome::Inconclusive {
            why: format!("the harness did not build: {}", first.join(" | ")),
        };
    }
    if let Some(stopped) = stopped(run) {
        return stopped;
    }
    if run.exit == Exit::Code(0) {
        return Outcome::Refuted;
    }
    if let Some(l) = err
        .lines()
        .find(|l| l.starts_with("vouch-assert: violated:"))
    {
        if subject.callee_claim && !subject.checks_consequence(l) {
            return Outcome::Inconclusive {
                why: callee_claim_checked(l),
            };
        }
        return Outcome::Confirmed {
            why: assertion_failed(subject, l),
        };
    }
    if let Some(l) = err.lines().find(|l| l.starts_with("vouch-setup: failed:")) {
        return Outcome::Inconclusive {
            why: format!(
                "a set-up check of the harness failed, before the claim was tested ({})",
                l.trim_start_matches("vouch-setup: failed:").trim()
            ),
        };
    }
    // An `assert` (glibc: "prog: file:line: fn: Assertion `e' failed.").
    if let Some(l) = err
        .lines()
        .find(|l| l.contains("Assertion `") && l.trim_end().ends_with("failed."))
    {
        let what = l.find("Assertion `").map_or(l, |i| &l[i..]).trim();
        let place = l.split(": ").nth(1).and_then(|p| p.rsplit_once(':'));
        let inside = place.is_some_and(|(file, line)| {
            line.parse::<u32>()
                .is_ok_and(|line| subject.contains(file, line))
        });
        return if inside {
            Outcome::Confirmed {
                why: format!("an assertion in `{}` failed ({what})", subject.name),
            }
        } else {
            Outcome::Inconclusive {
                why: format!(
                    "an assertion outside `{}` failed ({what}); only VOUCH_CHECK tests the claim",
                    subject.name
                ),
            }
        };
    }
    for marker in [
        "ERROR: AddressSanitizer",
        "ERROR: LeakSanitizer",
        "runtime error:",
    ] {
        if let Some(l) = err.lines().find(|l| l.contains(marker)) {
            let summary = err.lines().find(|l| l.starts_with("SUMMARY:")).unwrap_or(l);
            let summary = summary.trim();
            return match crate::blame::c_report(err, subject) {
                Blame::Subject => Outcome::Confirmed {
                    why: format!("sanitizer report in `{}`: {summary}", subject.name),
                },
                Blame::Elsewhere(at) => Outcome::Inconclusive {
                    why: format!(
                        "the sanitizer's report is in {at}, not in `{}`: a defect elsewhere on the path shows nothing of this claim ({summary})",
                        subject.name
                    ),
                },
                Blame::Unplaced => Outcome::Inconclusive {
                    why: format!(
                        "the sanitizer's report is in the harness's own code, not in `{}` ({summary})",
                        subject.name
                    ),
                },
            };
        }
    }
    match run.exit {
        Exit::Signal(s) => Outcome::Inconclusive {
            why: format!(
                "the harness crashed (signal {s}) with no report that places the crash in `{}`",
                subject.name
            ),
        },
        Exit::Code(c) => Outcome::Inconclusive {
            why: format!(
                "the harness exited with {c} without a sanitizer report or a failed clause"
            ),
        },
        _ => Outcome::Inconclusive {
            why: "the harness ended without a result".into(),
        },
    }
}
