//! Checks the seeded-bug corpora under `corpora/`: every `bugs.toml` manifest is
//! well formed and points at real code, every C program builds cleanly and passes
//! its own tests, every planted bug's trigger fails the way its manifest says, and
//! every Rust crate passes its own tests while each trigger test fails.
//!
//! The corpora are found at `$CARGO_MANIFEST_DIR/../corpora`; set
//! `VOUCH_CORPORA_DIR` to check a corpora folder somewhere else (for example when
//! this file is compiled by a scratch project outside the workspace).
//!
//! Triggers (see `corpora/README.md` for the manifest format):
//! - C: the trigger is the body of `void vouch_trigger(void)`, compiled with every
//!   header of the program's `include` folders, the program's `sources` and
//!   `gcc -g -O0 -fsanitize=address,undefined -fno-sanitize-recover=all`; it must
//!   fail as `expect` says within 10 s.
//! - Rust: the trigger is the body of `#[test] fn vouch_trigger_<id>()` (the id with
//!   every character other than `[a-z0-9]` replaced by `_`), placed in a
//!   `mod vouch_triggers { use super::*; ... }` appended to the bug's file in a
//!   scratch copy of the crate; `cargo test --offline` must report it `FAILED`.
//!   Builds go to `$TMPDIR/vouch-corpora-target/<crate>` so reruns are incremental.
//!
//! Every test collects all problems and fails once with the whole list.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use serde::Deserialize;

const KINDS: &[&str] = &[
    "off-by-one",
    "bounds-check",
    "integer-overflow",
    "error-path",
    "null-deref",
    "use-after-free",
    "double-free",
    "leak",
    "logic",
    "cross-file",
];
const C_ONLY_KINDS: &[&str] = &["use-after-free", "double-free", "leak"];
const C_EXPECTS: &[&str] = &["asan", "ubsan", "leak", "assert"];
const RUST_EXPECTS: &[&str] = &["panic"];

const MIN_C_PROGRAMS: usize = 4;
const MIN_RUST_CRATES: usize = 4;
const MIN_BUGS: usize = 60;
const MIN_PER_KIND: usize = 3;

const C_TEST_FLAGS: &[&str] = &[
    "-std=c11",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-g",
    "-fsanitize=address,undefined",
];
const C_BUILD_FLAGS: &[&str] = &["-std=c11", "-Wall", "-Wextra", "-Werror", "-g"];
const C_TRIGGER_FLAGS: &[&str] = &[
    "-g",
    "-O0",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
];
const C_RUN_TIMEOUT: Duration = Duration::from_secs(10);
const BUILD_TIMEOUT: Duration = Duration::from_secs(600);
const C_THREADS: usize = 2;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    program: String,
    language: Language,
    description: String,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    include: Vec<String>,
    main: Option<String>,
    #[serde(default)]
    bug: Vec<Bug>,
    #[serde(default)]
    correct: Vec<Correct>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Language {
    C,
    Rust,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Bug {
    id: String,
    function: String,
    file: String,
    lines: [usize; 2],
    kind: String,
    description: String,
    expect: String,
    trigger: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Correct {
    function: String,
    file: String,
}

#[derive(Debug)]
struct Program {
    dir: PathBuf,
    manifest: Manifest,
}

impl Program {
    fn name(&self) -> &str {
        &self.manifest.program
    }
}

// ---------------------------------------------------------------------------
// Loading

fn corpora_dir() -> PathBuf {
    match std::env::var_os("VOUCH_CORPORA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("corpora"),
    }
}

/// Every parsable manifest, plus one problem per folder whose manifest is missing or broken.
fn load_programs() -> (Vec<Program>, Vec<String>) {
    let root = corpora_dir();
    let mut programs = Vec::new();
    let mut problems = Vec::new();
    let entries = match std::fs::read_dir(&root) {
        Ok(entries) => entries,
        Err(err) => {
            problems.push(format!(
                "cannot read corpora folder {}: {err}",
                root.display()
            ));
            return (programs, problems);
        }
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let dir_name = file_name(&dir);
        if !(dir_name.starts_with("c-") || dir_name.starts_with("rust-")) {
            continue;
        }
        let path = dir.join("bugs.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) => {
                problems.push(format!("{dir_name}: cannot read bugs.toml: {err}"));
                continue;
            }
        };
        match toml::from_str::<Manifest>(&text) {
            Ok(manifest) => programs.push(Program { dir, manifest }),
            Err(err) => problems.push(format!("{dir_name}: bugs.toml does not parse: {err}")),
        }
    }
    (programs, problems)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn finish(test: &str, problems: &[String]) {
    if problems.is_empty() {
        return;
    }
    let mut msg = format!("{test}: {} problem(s) in the corpora:\n", problems.len());
    for p in problems {
        let _ = writeln!(msg, "  - {p}");
    }
    panic!("{msg}");
}

// ---------------------------------------------------------------------------
// Source scanning: find a function's extent by text search and brace matching.

/// A function's extent, as 1-based inclusive line numbers.
#[derive(Debug, Clone, Copy)]
struct Extent {
    first: usize,
    last: usize,
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte].bytes().filter(|&b| b == b'\n').count() + 1
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Byte offset of the `}` matching the `{` at `open`, skipping comments, strings and
/// character literals (C and Rust, including Rust raw strings and lifetimes).
fn matching_brace(text: &str, open: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut nest = 1;
                i += 2;
                while i < b.len() && nest > 0 {
                    if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        nest -= 1;
                        i += 1;
                    } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        nest += 1;
                        i += 1;
                    }
                    i += 1;
                }
                continue;
            }
            b'r' if (i == 0 || !is_ident(b[i - 1]))
                && matches!(b.get(i + 1), Some(b'"') | Some(b'#')) =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) == Some(&b'"') {
                    let closing: String = std::iter::once('"')
                        .chain(std::iter::repeat_n('#', hashes))
                        .collect();
                    match text[j + 1..].find(&closing) {
                        Some(end) => i = j + 1 + end + closing.len(),
                        None => return None,
                    }
                    continue;
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'\'' => {
                // 'x', '\n', '\'' are literals; 'a (a lifetime) is not.
                if b.get(i + 1) == Some(&b'\\') {
                    i += 3; // past the quote, the backslash and the escaped character
                    while i < b.len() && b[i] != b'\'' {
                        i += 1;
                    }
                } else if let Some(c) = text[i + 1..].chars().next()
                    && text[i + 1 + c.len_utf8()..].starts_with('\'')
                {
                    i += 1 + c.len_utf8();
                }
            }
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The body extent of a definition whose header starts at byte `start`: the header
/// must reach a `{` before any `;`.
fn body_extent(text: &str, start: usize) -> Option<Extent> {
    let rest = &text[start..];
    let brace = rest.find('{')?;
    if rest[..brace].contains(';') {
        return None;
    }
    let close = matching_brace(text, start + brace)?;
    Some(Extent {
        first: line_of(text, start),
        last: line_of(text, close),
    })
}

/// Byte offsets of `needle` in `text` where the character before is not part of an identifier.
fn word_starts(text: &str, needle: &str) -> Vec<usize> {
    let b = text.as_bytes();
    text.match_indices(needle)
        .map(|(i, _)| i)
        .filter(|&i| i == 0 || !is_ident(b[i - 1]))
        .collect()
}

fn line_start(text: &str, byte: usize) -> usize {
    text[..byte].rfind('\n').map_or(0, |i| i + 1)
}

/// Extents of the C definitions of `name`: `name(` on a line that starts in column 0
/// (not a comment or preprocessor line) and whose header reaches `{` before `;`.
fn c_definitions(text: &str, name: &str) -> Vec<Extent> {
    let mut found = Vec::new();
    for pos in word_starts(text, &format!("{name}(")) {
        let ls = line_start(text, pos);
        let line = &text[ls..];
        let first = line.as_bytes().first().copied().unwrap_or(b' ');
        if first.is_ascii_whitespace()
            || first == b'#'
            || line.starts_with("//")
            || line.starts_with("/*")
            || first == b'*'
        {
            continue;
        }
        if let Some(ext) = body_extent(text, pos) {
            found.push(ext);
        }
    }
    found
}

/// Extents of Rust `fn name` definitions; with `owner`, only those inside an `impl` or
/// `trait` block whose header names `owner`.
fn rust_definitions(text: &str, name: &str, owner: Option<&str>) -> Vec<Extent> {
    let b = text.as_bytes();
    let mut blocks = Vec::new();
    if let Some(owner) = owner {
        for pos in word_starts(text, "impl")
            .into_iter()
            .chain(word_starts(text, "trait"))
        {
            let ls = line_start(text, pos);
            let header_end = text[pos..].find('{').map_or(text.len(), |i| pos + i);
            let header = &text[pos..header_end];
            if !text[ls..pos].trim().is_empty() && !text[ls..pos].trim().starts_with("pub") {
                continue;
            }
            let names_owner = word_starts(header, owner).iter().any(|&i| {
                !header
                    .as_bytes()
                    .get(i + owner.len())
                    .is_some_and(|&c| is_ident(c))
            });
            if names_owner && let Some(ext) = body_extent(text, pos) {
                blocks.push(ext);
            }
        }
    }
    let mut found = Vec::new();
    for pos in word_starts(text, &format!("fn {name}")) {
        let after = pos + 3 + name.len();
        let next = text[after..].trim_start().as_bytes().first().copied();
        if !matches!(next, Some(b'(') | Some(b'<')) || b.get(after).is_some_and(|&c| is_ident(c)) {
            continue;
        }
        let Some(ext) = body_extent(text, pos) else {
            continue;
        };
        if owner.is_none()
            || blocks
                .iter()
                .any(|blk| blk.first <= ext.first && ext.last <= blk.last)
        {
            found.push(ext);
        }
    }
    found
}

/// Splits a Rust manifest path (`cache::Lru::get`) into module segments, the owning
/// type (a segment starting with an upper-case letter) and the function name.
fn split_rust_path(path: &str) -> (Vec<&str>, Option<&str>, &str) {
    let mut segs: Vec<&str> = path.split("::").collect();
    let name = segs.pop().unwrap_or_default();
    let owner = match segs.last() {
        Some(s) if s.starts_with(|c: char| c.is_ascii_uppercase()) => segs.pop(),
        _ => None,
    };
    (segs, owner, name)
}

fn rust_module_files(modules: &[&str]) -> Vec<String> {
    if modules.is_empty() {
        return vec!["src/lib.rs".into(), "src/main.rs".into()];
    }
    let joined = modules.join("/");
    vec![format!("src/{joined}.rs"), format!("src/{joined}/mod.rs")]
}

fn function_extents(lang: Language, text: &str, function: &str) -> Vec<Extent> {
    match lang {
        Language::C => c_definitions(text, function),
        Language::Rust => {
            let (_, owner, name) = split_rust_path(function);
            rust_definitions(text, name, owner)
        }
    }
}

#[test]
fn source_scanner_finds_function_extents() {
    let c = "/* ring_push(x) in a comment */\nint ring_push(int x);\n\nstatic int\nhelper(int x) { return x; }\n\nint ring_push(int x)\n{\n    char open = '{';\n    const char *s = \"}}\";\n    if (x) {\n        return helper(x);\n    }\n    return '\\'';\n}\n";
    let found: Vec<(usize, usize)> = c_definitions(c, "ring_push")
        .iter()
        .map(|e| (e.first, e.last))
        .collect();
    assert_eq!(found, vec![(7, 15)]);
    assert_eq!(c_definitions(c, "helper").len(), 1);
    assert!(c_definitions(c, "missing").is_empty());

    let rust = "impl<'a> Lexer<'a> {\n    fn get(&self) -> char {\n        '{'\n    }\n}\n\nimpl Other {\n    fn get(&self) -> &'static str {\n        r#\"}\"#\n    }\n}\n";
    let lexer: Vec<(usize, usize)> = rust_definitions(rust, "get", Some("Lexer"))
        .iter()
        .map(|e| (e.first, e.last))
        .collect();
    assert_eq!(lexer, vec![(2, 4)]);
    let other: Vec<(usize, usize)> = rust_definitions(rust, "get", Some("Other"))
        .iter()
        .map(|e| (e.first, e.last))
        .collect();
    assert_eq!(other, vec![(8, 10)]);
    assert_eq!(rust_definitions(rust, "get", None).len(), 2);
    assert_eq!(
        split_rust_path("lru::LruCache::put"),
        (vec!["lru"], Some("LruCache"), "put")
    );
    assert_eq!(
        rust_module_files(&["a", "b"]),
        vec!["src/a/b.rs".to_string(), "src/a/b/mod.rs".to_string()]
    );
    assert_eq!(trigger_test_name("KV-1"), "vouch_trigger_kv_1");
}

// ---------------------------------------------------------------------------
// Manifest validation

fn check_function(
    program: &Program,
    what: &str,
    function: &str,
    file: &str,
    lines: Option<[usize; 2]>,
    problems: &mut Vec<String>,
) {
    let name = program.name();
    let lang = program.manifest.language;
    let path = program.dir.join(file);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) => {
            problems.push(format!("{name}: {what}: cannot read file `{file}`: {err}"));
            return;
        }
    };
    if lang == Language::Rust {
        let (modules, _, _) = split_rust_path(function);
        let expected = rust_module_files(&modules);
        if !expected.iter().any(|f| f == file) {
            problems.push(format!(
                "{name}: {what}: function path `{function}` names a module that lives in {}, not in `{file}`",
                expected.join(" or ")
            ));
        }
    }
    let extents = function_extents(lang, &text, function);
    if extents.is_empty() {
        problems.push(format!(
            "{name}: {what}: no definition of `{function}` found in `{file}`"
        ));
        return;
    }
    let Some([lo, hi]) = lines else { return };
    let total = text.lines().count();
    if lo == 0 || lo > hi || hi > total {
        problems.push(format!(
            "{name}: {what}: lines [{lo}, {hi}] are not a valid range in `{file}` ({total} lines)"
        ));
        return;
    }
    if !extents.iter().any(|e| e.first <= lo && hi <= e.last) {
        let found: Vec<String> = extents
            .iter()
            .map(|e| format!("{}-{}", e.first, e.last))
            .collect();
        problems.push(format!(
            "{name}: {what}: lines [{lo}, {hi}] lie outside `{function}` (found at lines {}) in `{file}`",
            found.join(", ")
        ));
    }
}

/// The `.c`, `.h` and `.rs` files under `dir`, skipping `target/` folders.
fn source_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.filter_map(|e| e.ok()) {
            let p = e.path();
            if p.is_dir() {
                if file_name(&p) != "target" {
                    stack.push(p);
                }
            } else if matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("c" | "h" | "rs")
            ) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn check_manifest(program: &Program, problems: &mut Vec<String>) {
    let m = &program.manifest;
    let name = m.program.as_str();
    let dir_name = file_name(&program.dir);
    if name != dir_name {
        problems.push(format!(
            "{dir_name}: bugs.toml says program = \"{name}\"; it must equal the folder name"
        ));
    }
    let prefix = match m.language {
        Language::C => "c-",
        Language::Rust => "rust-",
    };
    if !dir_name.starts_with(prefix) {
        problems.push(format!(
            "{name}: folder name must start with `{prefix}` for its language"
        ));
    }
    if m.description.trim().is_empty() {
        problems.push(format!("{name}: empty description"));
    }
    match m.language {
        Language::C => {
            if m.sources.is_empty() {
                problems.push(format!(
                    "{name}: a C program must list its library `sources`"
                ));
            }
            for f in m.sources.iter().chain(m.main.iter()) {
                if !program.dir.join(f).is_file() {
                    problems.push(format!("{name}: listed source `{f}` does not exist"));
                }
            }
            for f in &m.include {
                if !program.dir.join(f).is_dir() {
                    problems.push(format!("{name}: include folder `{f}` does not exist"));
                }
            }
            match &m.main {
                None => problems.push(format!(
                    "{name}: a C program must name the file holding `main`"
                )),
                Some(main) if m.sources.contains(main) => problems.push(format!(
                    "{name}: `{main}` holds main and must not be in `sources`"
                )),
                Some(_) => {}
            }
            if c_test_files(program).is_empty() {
                problems.push(format!("{name}: no tests/*.c test program"));
            }
        }
        Language::Rust => {
            if !m.sources.is_empty() || !m.include.is_empty() || m.main.is_some() {
                problems.push(format!(
                    "{name}: `sources`, `include` and `main` are for C programs only"
                ));
            }
            check_cargo_toml(program, problems);
            let ignore =
                std::fs::read_to_string(program.dir.join(".gitignore")).unwrap_or_default();
            if !ignore
                .lines()
                .any(|l| l.trim().trim_start_matches('/').trim_end_matches('/') == "target")
            {
                problems.push(format!("{name}: .gitignore must ignore target/"));
            }
        }
    }

    // No hints in the sources: the manifest is the only ground truth.
    for path in source_files(&program.dir) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            if word_starts(line, "BUG")
                .iter()
                .any(|&p| !line.as_bytes().get(p + 3).is_some_and(|&c| is_ident(c)))
            {
                let rel = path
                    .strip_prefix(&program.dir)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                problems.push(format!(
                    "{name}: {rel}:{}: the word BUG hints at a planted bug; remove it",
                    i + 1
                ));
            }
        }
    }

    let mut ids = BTreeSet::new();
    let mut test_names = BTreeSet::new();
    let mut bug_functions = BTreeSet::new();
    for bug in &m.bug {
        let what = format!("bug {}", bug.id);
        if bug.id.trim().is_empty() {
            problems.push(format!("{name}: a bug has an empty id"));
        }
        if !ids.insert(bug.id.as_str()) {
            problems.push(format!("{name}: duplicate bug id `{}`", bug.id));
        }
        if !test_names.insert(trigger_test_name(&bug.id)) {
            problems.push(format!(
                "{name}: {what}: id maps to the same trigger test name as another bug"
            ));
        }
        if !KINDS.contains(&bug.kind.as_str()) {
            problems.push(format!(
                "{name}: {what}: unknown kind `{}` (allowed: {})",
                bug.kind,
                KINDS.join(", ")
            ));
        }
        if m.language == Language::Rust && C_ONLY_KINDS.contains(&bug.kind.as_str()) {
            problems.push(format!(
                "{name}: {what}: kind `{}` is for C programs only",
                bug.kind
            ));
        }
        let expects = match m.language {
            Language::C => C_EXPECTS,
            Language::Rust => RUST_EXPECTS,
        };
        if !expects.contains(&bug.expect.as_str()) {
            problems.push(format!(
                "{name}: {what}: expect `{}` must be one of {}",
                bug.expect,
                expects.join(", ")
            ));
        }
        if bug.description.trim().is_empty() {
            problems.push(format!("{name}: {what}: empty description"));
        }
        if bug.trigger.trim().is_empty() {
            problems.push(format!("{name}: {what}: empty trigger"));
        }
        bug_functions.insert((bug.file.as_str(), bug.function.as_str()));
        check_function(
            program,
            &what,
            &bug.function,
            &bug.file,
            Some(bug.lines),
            problems,
        );
    }
    let mut seen_correct = BTreeSet::new();
    for c in &m.correct {
        let what = format!("correct `{}`", c.function);
        if bug_functions.contains(&(c.file.as_str(), c.function.as_str())) {
            problems.push(format!(
                "{name}: {what} is also the function of a planted bug"
            ));
        }
        if !seen_correct.insert((c.file.as_str(), c.function.as_str())) {
            problems.push(format!("{name}: {what} is listed twice"));
        }
        check_function(program, &what, &c.function, &c.file, None, problems);
    }
}

fn check_cargo_toml(program: &Program, problems: &mut Vec<String>) {
    let name = program.name();
    let text = match std::fs::read_to_string(program.dir.join("Cargo.toml")) {
        Ok(text) => text,
        Err(err) => {
            problems.push(format!("{name}: cannot read Cargo.toml: {err}"));
            return;
        }
    };
    let doc: toml::Table = match toml::from_str(&text) {
        Ok(doc) => doc,
        Err(err) => {
            problems.push(format!("{name}: Cargo.toml does not parse: {err}"));
            return;
        }
    };
    if !doc.get("workspace").is_some_and(|w| w.is_table()) {
        problems.push(format!(
            "{name}: Cargo.toml needs its own empty [workspace] table"
        ));
    }
    let edition = doc
        .get("package")
        .and_then(|p| p.get("edition"))
        .and_then(|e| e.as_str());
    if edition != Some("2021") {
        problems.push(format!("{name}: Cargo.toml must set edition = \"2021\""));
    }
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if doc
            .get(key)
            .and_then(|d| d.as_table())
            .is_some_and(|d| !d.is_empty())
        {
            problems.push(format!("{name}: Cargo.toml must have no [{key}]"));
        }
    }
}

fn trigger_test_name(id: &str) -> String {
    let id: String = id
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("vouch_trigger_{id}")
}

#[test]
fn manifests_are_valid() {
    let (programs, mut problems) = load_programs();
    for program in &programs {
        check_manifest(program, &mut problems);
    }

    let c_programs = programs
        .iter()
        .filter(|p| p.manifest.language == Language::C)
        .count();
    let rust_crates = programs.len() - c_programs;
    if c_programs < MIN_C_PROGRAMS {
        problems.push(format!(
            "only {c_programs} C programs; at least {MIN_C_PROGRAMS} are needed"
        ));
    }
    if rust_crates < MIN_RUST_CRATES {
        problems.push(format!(
            "only {rust_crates} Rust crates; at least {MIN_RUST_CRATES} are needed"
        ));
    }
    let bugs: usize = programs.iter().map(|p| p.manifest.bug.len()).sum();
    let correct: usize = programs.iter().map(|p| p.manifest.correct.len()).sum();
    if bugs < MIN_BUGS {
        problems.push(format!(
            "only {bugs} planted bugs in total; at least {MIN_BUGS} are needed"
        ));
    }
    if correct < bugs {
        problems.push(format!(
            "{correct} correct look-alikes for {bugs} bugs; there must be at least as many"
        ));
    }
    let mut per_kind: BTreeMap<&str, usize> = KINDS.iter().map(|k| (*k, 0)).collect();
    for bug in programs.iter().flat_map(|p| &p.manifest.bug) {
        if let Some(n) = per_kind.get_mut(bug.kind.as_str()) {
            *n += 1;
        }
    }
    for (kind, n) in per_kind {
        if n < MIN_PER_KIND {
            problems.push(format!(
                "kind `{kind}` has {n} bugs; at least {MIN_PER_KIND} are needed"
            ));
        }
    }
    finish("manifests_are_valid", &problems);
}

// ---------------------------------------------------------------------------
// Running things

struct Outcome {
    status: Option<ExitStatus>,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

impl Outcome {
    fn success(&self) -> bool {
        !self.timed_out && self.status.is_some_and(|s| s.success())
    }

    fn signal(&self) -> Option<i32> {
        use std::os::unix::process::ExitStatusExt;
        self.status.and_then(|s| s.signal())
    }

    /// A one-line account of how the process ended, for messages.
    fn describe(&self) -> String {
        let how = if self.timed_out {
            "timed out".to_string()
        } else {
            match (self.status.and_then(|s| s.code()), self.signal()) {
                (Some(code), _) => format!("exit code {code}"),
                (None, Some(sig)) => format!("signal {sig}"),
                _ => "unknown status".to_string(),
            }
        };
        let interesting = self
            .stderr
            .lines()
            .chain(self.stdout.lines())
            .find(|l| {
                l.contains("ERROR:")
                    || l.contains("runtime error:")
                    || l.contains("Assertion")
                    || l.contains("error")
            })
            .or_else(|| self.stderr.lines().rev().find(|l| !l.trim().is_empty()))
            .unwrap_or("")
            .trim();
        if interesting.is_empty() {
            how
        } else {
            format!("{how}; {interesting}")
        }
    }
}

/// Runs `cmd`, killing it after `timeout`; output is captured through threads so a
/// chatty child cannot block on a full pipe.
fn run(cmd: &mut Command, timeout: Duration) -> Result<Outcome> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {:?}", cmd.get_program()))?;
    let mut out_pipe = child
        .stdout
        .take()
        .ok_or_else(|| anyhow!("no stdout pipe"))?;
    let mut err_pipe = child
        .stderr
        .take()
        .ok_or_else(|| anyhow!("no stderr pipe"))?;
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if start.elapsed() > timeout {
            timed_out = true;
            let _ = child.kill();
            break child.wait().ok();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    Ok(Outcome {
        status,
        stdout,
        stderr,
        timed_out,
    })
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n      ")
}

// ---------------------------------------------------------------------------
// C programs

fn c_test_files(program: &Program) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(program.dir.join("tests"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "c"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn c_programs() -> (Vec<Program>, Vec<String>) {
    let (programs, problems) = load_programs();
    (
        programs
            .into_iter()
            .filter(|p| p.manifest.language == Language::C)
            .collect(),
        problems,
    )
}

fn gcc(program: &Program, flags: &[&str]) -> Command {
    let mut cmd = Command::new("gcc");
    cmd.current_dir(&program.dir).args(flags);
    for inc in &program.manifest.include {
        cmd.arg("-I").arg(program.dir.join(inc));
    }
    cmd
}

fn sanitizer_env(cmd: &mut Command) -> &mut Command {
    cmd.env(
        "ASAN_OPTIONS",
        "detect_leaks=1:abort_on_error=0:symbolize=1",
    )
    .env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    .env("LSAN_OPTIONS", "report_objects=0")
}

/// Builds the program with the warning flags, and builds and runs each of its tests.
fn check_c_program(program: &Program, out: &Path) -> Vec<String> {
    let name = program.name();
    let m = &program.manifest;
    let mut problems = Vec::new();

    let mut cmd = gcc(program, C_BUILD_FLAGS);
    cmd.args(&m.sources)
        .args(m.main.iter())
        .arg("-o")
        .arg(out.join("program"));
    match run(&mut cmd, BUILD_TIMEOUT) {
        Ok(o) if o.success() => {}
        Ok(o) => problems.push(format!(
            "{name}: does not build cleanly with gcc {}:\n      {}",
            C_BUILD_FLAGS.join(" "),
            tail(&o.stderr, 15)
        )),
        Err(err) => problems.push(format!("{name}: cannot run gcc: {err:#}")),
    }

    for test in c_test_files(program) {
        let test_name = file_name(&test);
        let bin = out.join(test_name.trim_end_matches(".c"));
        let mut cmd = gcc(program, C_TEST_FLAGS);
        cmd.args(&m.sources).arg(&test).arg("-o").arg(&bin);
        match run(&mut cmd, BUILD_TIMEOUT) {
            Ok(o) if o.success() => {}
            Ok(o) => {
                problems.push(format!(
                    "{name}: tests/{test_name} does not build:\n      {}",
                    tail(&o.stderr, 15)
                ));
                continue;
            }
            Err(err) => {
                problems.push(format!("{name}: cannot run gcc: {err:#}"));
                continue;
            }
        }
        let mut cmd = Command::new(&bin);
        cmd.current_dir(out);
        match run(sanitizer_env(&mut cmd), C_RUN_TIMEOUT * 3) {
            Ok(o) if o.success() => {}
            Ok(o) => problems.push(format!(
                "{name}: tests/{test_name} fails ({}); a program's own tests must pass and not exercise the planted bugs:\n      {}",
                o.describe(),
                tail(&o.stderr, 15)
            )),
            Err(err) => problems.push(format!("{name}: cannot run tests/{test_name}: {err:#}")),
        }
    }
    problems
}

/// Runs `check` on every C program, `C_THREADS` at a time, each in a temporary
/// folder, and fails once with every problem found.
fn for_each_c_program(test: &str, check: fn(&Program, &Path) -> Vec<String>) {
    let (programs, _) = c_programs();
    let mut problems = Vec::new();
    if programs.is_empty() {
        problems.push("no C programs found".to_string());
    }
    let jobs = Mutex::new(programs.iter().collect::<Vec<_>>());
    let found = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..C_THREADS {
            s.spawn(|| {
                while let Some(program) = jobs.lock().ok().and_then(|mut j| j.pop()) {
                    let got = match tempfile::tempdir() {
                        Ok(dir) => check(program, dir.path()),
                        Err(err) => vec![format!(
                            "{}: cannot make a temporary folder: {err}",
                            program.name()
                        )],
                    };
                    if let Ok(mut f) = found.lock() {
                        f.extend(got);
                    }
                }
            });
        }
    });
    problems.extend(found.into_inner().unwrap_or_default());
    problems.sort();
    finish(test, &problems);
}

#[test]
fn c_programs_build_and_pass_their_tests() {
    for_each_c_program("c_programs_build_and_pass_their_tests", check_c_program);
}

fn headers(program: &Program) -> Vec<String> {
    let mut out = Vec::new();
    for inc in &program.manifest.include {
        let root = program.dir.join(inc);
        for path in source_files(&root) {
            if path.extension().is_some_and(|x| x == "h")
                && let Ok(rel) = path.strip_prefix(&root)
            {
                out.push(rel.display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn harness_source(program: &Program, bug: &Bug) -> String {
    let mut src = String::from(
        "/* generated by tests/corpora.rs */\n#include <assert.h>\n#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n",
    );
    for h in headers(program) {
        let _ = writeln!(src, "#include \"{h}\"");
    }
    let _ = write!(
        src,
        "\nvoid vouch_trigger(void);\n\n/* trigger for {} */\nvoid vouch_trigger(void)\n{{\n{}\n}}\n\nint main(void)\n{{\n    vouch_trigger();\n    return 0;\n}}\n",
        bug.id, bug.trigger
    );
    src
}

/// Whether `o` is the failure `expect` names.
fn fired_as_expected(expect: &str, o: &Outcome) -> bool {
    if o.timed_out || o.success() {
        return false;
    }
    match expect {
        "asan" => o.stderr.contains("ERROR: AddressSanitizer"),
        "ubsan" => o.stderr.contains("runtime error:"),
        "leak" => o.stderr.contains("ERROR: LeakSanitizer"),
        "assert" => {
            !o.stderr.contains("ERROR: AddressSanitizer")
                && !o.stderr.contains("runtime error:")
                && (o.signal() == Some(6) || o.stderr.contains("Assertion"))
        }
        _ => false,
    }
}

/// Compiles the program's library once, then builds and runs one harness per bug.
fn check_c_triggers(program: &Program, out: &Path) -> Vec<String> {
    let name = program.name();
    let m = &program.manifest;
    let mut problems = Vec::new();
    let mut objects = Vec::new();
    for (i, src) in m.sources.iter().enumerate() {
        let obj = out.join(format!("lib{i}.o"));
        let mut cmd = gcc(program, C_TRIGGER_FLAGS);
        cmd.arg("-c").arg(src).arg("-o").arg(&obj);
        match run(&mut cmd, BUILD_TIMEOUT) {
            Ok(o) if o.success() => objects.push(obj),
            Ok(o) => problems.push(format!(
                "{name}: `{src}` does not compile:\n      {}",
                tail(&o.stderr, 10)
            )),
            Err(err) => problems.push(format!("{name}: cannot run gcc: {err:#}")),
        }
    }
    if !problems.is_empty() {
        return problems;
    }
    for bug in &m.bug {
        let id = &bug.id;
        let src = out.join(format!("trigger_{}.c", trigger_test_name(id)));
        let bin = out.join(trigger_test_name(id));
        if let Err(err) = std::fs::write(&src, harness_source(program, bug)) {
            problems.push(format!("{name}: bug {id}: cannot write harness: {err}"));
            continue;
        }
        let mut cmd = gcc(program, C_TRIGGER_FLAGS);
        cmd.arg(&src).args(&objects).arg("-o").arg(&bin);
        match run(&mut cmd, BUILD_TIMEOUT) {
            Ok(o) if o.success() => {}
            Ok(o) => {
                problems.push(format!(
                    "{name}: bug {id}: trigger does not compile; fix its `trigger`:\n      {}",
                    tail(&o.stderr, 10)
                ));
                continue;
            }
            Err(err) => {
                problems.push(format!("{name}: cannot run gcc: {err:#}"));
                continue;
            }
        }
        let mut cmd = Command::new(&bin);
        cmd.current_dir(out);
        match run(sanitizer_env(&mut cmd), C_RUN_TIMEOUT) {
            Ok(o) if fired_as_expected(&bug.expect, &o) => {}
            Ok(o) => problems.push(format!(
                "{name}: bug {id}: trigger should fail with `{}` but {}; fix the trigger or the bug at {}:{}-{}",
                bug.expect,
                if o.success() { "it passed".to_string() } else { o.describe() },
                bug.file,
                bug.lines[0],
                bug.lines[1]
            )),
            Err(err) => problems.push(format!("{name}: bug {id}: cannot run trigger: {err:#}")),
        }
    }
    problems
}

#[test]
fn c_triggers_fire() {
    for_each_c_program("c_triggers_fire", check_c_triggers);
}

// ---------------------------------------------------------------------------
// Rust crates

/// Mirrors the crate at `from` into `to` (skipping `target/`), appending
/// `append[path]` to the files named there. A file is rewritten only when its
/// content changes, so cargo's mtime-based fingerprints stay fresh and reruns are
/// incremental; files that are gone from `from` are removed from `to`.
fn sync_tree(from: &Path, to: &Path, append: &BTreeMap<PathBuf, String>) -> Result<()> {
    let mut wanted = BTreeSet::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for entry in std::fs::read_dir(from.join(&rel))? {
            let entry = entry?;
            let rel = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                if rel != Path::new("target") {
                    stack.push(rel);
                }
                continue;
            }
            let mut content = std::fs::read(from.join(&rel))
                .with_context(|| format!("cannot read {}", from.join(&rel).display()))?;
            if let Some(extra) = append.get(&rel) {
                content.extend_from_slice(extra.as_bytes());
            }
            let dest = to.join(&rel);
            if std::fs::read(&dest).ok().as_deref() != Some(content.as_slice()) {
                if let Some(parent) = dest.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&dest, &content)
                    .with_context(|| format!("cannot write {}", dest.display()))?;
            }
            wanted.insert(rel);
        }
    }
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(to.join(&rel)) else {
            continue;
        };
        for entry in entries {
            let entry = entry?;
            let rel = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                stack.push(rel);
            } else if !wanted.contains(&rel) {
                std::fs::remove_file(to.join(&rel))?;
            }
        }
    }
    Ok(())
}

fn trigger_module(bugs: &[&Bug]) -> String {
    let mut module = String::from(
        "\n\n// appended by tests/corpora.rs\n#[cfg(test)]\n#[allow(unused_imports, unused_variables, unused_mut, clippy::all)]\nmod vouch_triggers {\n    use super::*;\n",
    );
    for bug in bugs {
        let _ = write!(
            module,
            "\n    #[test]\n    fn {}() {{\n{}\n    }}\n",
            trigger_test_name(&bug.id),
            bug.trigger
        );
    }
    module.push_str("}\n");
    module
}

/// libtest's per-test results: test path -> "ok" | "FAILED" | "ignored".
fn libtest_results(stdout: &str) -> BTreeMap<String, String> {
    let mut results = BTreeMap::new();
    for line in stdout.lines() {
        let Some(rest) = line.strip_prefix("test ") else {
            continue;
        };
        let Some((name, result)) = rest.rsplit_once(" ... ") else {
            continue;
        };
        results.insert(name.trim().to_string(), result.trim().to_string());
    }
    results
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    // Do not let the outer cargo's settings (target dir, jobserver, flags such as
    // `-D warnings` that appended triggers need not meet) leak into the corpus builds.
    for var in [
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        "RUSTC_WRAPPER",
        "CARGO_MAKEFLAGS",
        "CARGO_PRIMARY_PACKAGE",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn check_rust_crate(program: &Program) -> Result<Vec<String>> {
    let name = program.name();
    let mut problems = Vec::new();
    // Stable scratch copies (not fresh temporary folders) keep reruns incremental.
    let work = std::env::temp_dir().join("vouch-corpora-target").join(name);
    let root = work.join("pristine");
    sync_tree(&program.dir, &root, &BTreeMap::new())?;

    // The pristine crate must build without warnings.
    let mut cmd = cargo();
    cmd.current_dir(&root)
        .args(["build", "--offline", "--all-targets"])
        .env("CARGO_TARGET_DIR", work.join("target-pristine"));
    let o = run(&mut cmd, BUILD_TIMEOUT)?;
    if !o.success() {
        problems.push(format!(
            "{name}: `cargo build --offline` fails:\n      {}",
            tail(&o.stderr, 20)
        ));
        return Ok(problems);
    }
    if o.stderr.contains("warning:") {
        let first = o
            .stderr
            .lines()
            .find(|l| l.contains("warning:"))
            .unwrap_or("")
            .trim();
        problems.push(format!(
            "{name}: `cargo build --offline --all-targets` has warnings, e.g. `{first}`"
        ));
    }

    let mut by_file: BTreeMap<PathBuf, Vec<&Bug>> = BTreeMap::new();
    for bug in &program.manifest.bug {
        by_file
            .entry(PathBuf::from(&bug.file))
            .or_default()
            .push(bug);
    }
    let append: BTreeMap<PathBuf, String> = by_file
        .into_iter()
        .map(|(file, bugs)| (file, trigger_module(&bugs)))
        .collect();
    let root = work.join("triggers");
    sync_tree(&program.dir, &root, &append)?;

    let mut cmd = cargo();
    cmd.current_dir(&root)
        .args([
            "test",
            "--offline",
            "-q",
            "--",
            "--format",
            "pretty",
            "--test-threads",
            "2",
        ])
        .env("CARGO_TARGET_DIR", work.join("target-triggers"))
        .env("RUST_BACKTRACE", "0");
    let o = run(&mut cmd, BUILD_TIMEOUT)?;
    if o.timed_out {
        problems.push(format!(
            "{name}: `cargo test` timed out after {} s; does a trigger loop forever?",
            BUILD_TIMEOUT.as_secs()
        ));
        return Ok(problems);
    }
    let results = libtest_results(&o.stdout);
    if results.is_empty() {
        problems.push(format!(
            "{name}: `cargo test` with the triggers appended ran no test (do the triggers compile?):\n      {}",
            tail(&o.stderr, 25)
        ));
        return Ok(problems);
    }
    let mut own_tests = 0;
    for (test, result) in &results {
        let leaf = test.rsplit("::").next().unwrap_or(test);
        if leaf.starts_with("vouch_trigger_") {
            continue;
        }
        own_tests += 1;
        if result != "ok" && result != "ignored" {
            problems.push(format!("{name}: own test `{test}` is {result}; a crate's own tests must pass and not exercise the planted bugs"));
        }
    }
    if own_tests == 0 {
        problems.push(format!("{name}: the crate has no tests of its own"));
    }
    for bug in &program.manifest.bug {
        let want = trigger_test_name(&bug.id);
        let found = results
            .iter()
            .find(|(test, _)| test.rsplit("::").next() == Some(want.as_str()));
        match found {
            Some((_, result)) if result == "FAILED" => {}
            Some((_, result)) => problems.push(format!(
                "{name}: bug {}: trigger `{want}` is {result}, it must fail (panic); fix the trigger or the bug at {}:{}-{}",
                bug.id, bug.file, bug.lines[0], bug.lines[1]
            )),
            None => problems.push(format!("{name}: bug {}: trigger `{want}` did not run", bug.id)),
        }
    }
    Ok(problems)
}

#[test]
fn rust_crates_pass_their_tests_and_triggers_fire() {
    let (programs, _) = load_programs();
    let crates: Vec<&Program> = programs
        .iter()
        .filter(|p| p.manifest.language == Language::Rust)
        .collect();
    let mut problems = Vec::new();
    if crates.is_empty() {
        problems.push("no Rust crates found".to_string());
    }
    for program in crates {
        match check_rust_crate(program) {
            Ok(found) => problems.extend(found),
            Err(err) => problems.push(format!(
                "{}: cannot check the crate: {err:#}",
                program.name()
            )),
        }
    }
    finish("rust_crates_pass_their_tests_and_triggers_fire", &problems);
}
