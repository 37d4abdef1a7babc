//! File discovery: gitignore-aware, with excludes, size and binary checks, and
//! symlink loops reported instead of followed forever.

use crate::ir::{Diagnostic, Lang, Severity};
use crate::{Options, diag};
use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;
use std::path::{Path, PathBuf};

/// Directories never audited, wherever they are.
const ALWAYS_SKIPPED: &[&str] = &["target", ".git", ".vouch", "node_modules"];

/// A file to read, with its path relative to the audited root.
pub(crate) struct Candidate {
    pub abs: PathBuf,
    pub rel: String,
    pub lang: Lang,
}

/// Lists the C and Rust files under `root` (a directory or one file), sorted by path
/// relative to `base` (the directory paths are reported against).
pub(crate) fn discover(
    root: &Path,
    base: &Path,
    opts: &Options,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Candidate> {
    let mut builder = WalkBuilder::new(root);
    builder
        .follow_links(true)
        .require_git(false)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .parents(true);
    builder.filter_entry(|e| {
        let is_dir = e.file_type().is_some_and(|t| t.is_dir());
        !(is_dir
            && e.depth() > 0
            && e.file_name()
                .to_str()
                .is_some_and(|n| ALWAYS_SKIPPED.contains(&n)))
    });
    if !opts.exclude.is_empty() {
        let mut ob = OverrideBuilder::new(base);
        for pat in &opts.exclude {
            if let Err(e) = ob.add(&format!("!{pat}")) {
                diags.push(diag(
                    "<config>",
                    None,
                    Severity::Error,
                    "bad-exclude",
                    format!("exclude pattern `{pat}` is invalid: {e}"),
                ));
            }
        }
        match ob.build() {
            Ok(o) => {
                builder.overrides(o);
            }
            Err(e) => diags.push(diag(
                "<config>",
                None,
                Severity::Error,
                "bad-exclude",
                format!("exclude patterns are invalid: {e}"),
            )),
        }
    }
    let mut out = Vec::new();
    for entry in builder.build() {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                diags.push(walk_error(&err, base));
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let rel = relative(entry.path(), base);
        let Some(lang) = Lang::from_path(&rel) else {
            continue;
        };
        if !opts.langs.contains(&lang) {
            continue;
        }
        out.push(Candidate {
            abs: entry.path().to_path_buf(),
            rel,
            lang,
        });
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out.dedup_by(|a, b| a.rel == b.rel);
    out
}

pub(crate) fn relative(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

fn walk_error(err: &ignore::Error, base: &Path) -> Diagnostic {
    // The error may be wrapped with a path and a depth; dig out the innermost.
    let mut path = None;
    let mut e = err;
    loop {
        match e {
            ignore::Error::WithPath { path: p, err } => {
                path = Some(relative(p, base));
                e = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                e = err
            }
            _ => break,
        }
    }
    match e {
        ignore::Error::Loop { ancestor, child } => diag(
            &relative(child, base),
            None,
            Severity::Warning,
            "symlink-loop",
            format!(
                "symbolic link loop back to `{}`; not followed",
                relative(ancestor, base)
            ),
        ),
        other => diag(
            path.as_deref().unwrap_or("<walk>"),
            None,
            Severity::Warning,
            "unreadable",
            format!("cannot read this path: {other}; skipped"),
        ),
    }
}
