//! The frontend: finds the C and Rust files of a tree, parses them with tree-sitter
//! and lowers them to vouch's IR ([`Program`]).
//!
//! Parsing never fails on input: broken, binary, oversized or unreadable files become
//! [`Diagnostic`]s and everything that does parse still yields functions.

mod c;
mod discover;
pub mod ir;
mod lower;
mod modules;
pub mod outline;
mod rust;
mod syntax;

pub use ir::*;
pub use modules::CrateModule;
pub use outline::{StmtKind, StmtOutline, outline};

use lower::FileFacts;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Default limit on the size of one source file.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;
/// C files larger than this are cut at file-scope boundaries and parsed in parallel.
pub const DEFAULT_CHUNK_BYTES: usize = 512 * 1024;

#[derive(Clone, Debug)]
pub struct Options {
    pub langs: Vec<Lang>,
    /// Glob patterns (gitignore syntax) of paths to leave out.
    pub exclude: Vec<String>,
    /// Files larger than this are skipped with a `file-too-large` diagnostic.
    pub max_file_bytes: u64,
    pub chunk_bytes: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            langs: vec![Lang::C, Lang::Rust],
            exclude: Vec::new(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("`{0}` does not exist")]
    NotFound(PathBuf),
}

/// The files found and read, before parsing.
pub struct Sources {
    base: PathBuf,
    files: Vec<SourceFile>,
    diagnostics: Vec<Diagnostic>,
}

impl Sources {
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

pub(crate) fn diag(
    path: &str,
    line: Option<u32>,
    severity: Severity,
    code: &'static str,
    message: String,
) -> Diagnostic {
    Diagnostic {
        path: path.to_string(),
        line,
        severity,
        code,
        message,
    }
}

/// Finds and reads the source files under `root` (a directory or a single file).
pub fn discover(root: &Path, opts: &Options) -> Result<Sources, LoadError> {
    let _span = tracing::info_span!("discover", root = %root.display()).entered();
    if !root.exists() {
        return Err(LoadError::NotFound(root.to_path_buf()));
    }
    let mut diagnostics = Vec::new();
    let base = if root.is_file() {
        root.parent().unwrap_or(Path::new(".")).to_path_buf()
    } else {
        root.to_path_buf()
    };
    let candidates = discover::discover(root, &base, opts, &mut diagnostics);
    let read: Vec<(Option<SourceFile>, Vec<Diagnostic>)> = candidates
        .par_iter()
        .map(|c| read_source(&c.abs, &c.rel, c.lang, opts.max_file_bytes))
        .collect();
    let mut files = Vec::with_capacity(read.len());
    for (file, mut diags) in read {
        files.extend(file);
        diagnostics.append(&mut diags);
    }
    tracing::debug!(files = files.len(), "discovered");
    Ok(Sources {
        base,
        files,
        diagnostics,
    })
}

fn read_source(
    abs: &Path,
    rel: &str,
    lang: Lang,
    max: u64,
) -> (Option<SourceFile>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let unreadable = |e: std::io::Error| {
        diag(
            rel,
            None,
            Severity::Warning,
            "unreadable",
            format!("cannot read this file: {e}; skipped"),
        )
    };
    match std::fs::metadata(abs) {
        Ok(m) if m.len() > max => {
            let message = format!(
                "file is {} bytes, over the limit of {max} bytes; skipped (raise it with --max-file-size or `max_file_size` in vouch.toml)",
                m.len()
            );
            return (
                None,
                vec![diag(
                    rel,
                    None,
                    Severity::Warning,
                    "file-too-large",
                    message,
                )],
            );
        }
        Ok(_) => {}
        Err(e) => return (None, vec![unreadable(e)]),
    }
    let bytes = match std::fs::read(abs) {
        Ok(b) => b,
        Err(e) => return (None, vec![unreadable(e)]),
    };
    if memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some() {
        let message = "file contains NUL bytes and looks binary; skipped".to_string();
        return (
            None,
            vec![diag(rel, None, Severity::Warning, "binary-file", message)],
        );
    }
    let hash = syntax::hash_hex(&bytes);
    let len = bytes.len() as u64;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u32
                + 1;
            let message = format!(
                "invalid UTF-8 at byte {offset}; such bytes are read as U+FFFD and the file is still parsed"
            );
            diags.push(diag(
                rel,
                Some(line),
                Severity::Warning,
                "invalid-utf8",
                message,
            ));
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    };
    let mut lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() as u32;
    if !text.is_empty() && !text.ends_with('\n') {
        lines += 1;
    }
    (
        Some(SourceFile {
            path: rel.to_string(),
            lang,
            bytes: len,
            lines,
            hash,
            text,
        }),
        diags,
    )
}

/// One unit of parse work: a whole file, or a chunk of a large C file.
struct Job {
    file: usize,
    chunk: usize,
    start: usize,
    end: usize,
    line_off: u32,
}

/// The parse work of `files`: each file whole, a large C file in chunks; largest
/// first, so the long jobs do not finish last on their own.
fn jobs(files: &[SourceFile], opts: &Options) -> Vec<Job> {
    let mut jobs = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let points = if f.lang == Lang::C && f.text.len() > opts.chunk_bytes.max(1) * 2 {
            c::chunk_points(&f.text, opts.chunk_bytes.max(1))
        } else {
            Vec::new()
        };
        let mut start = 0;
        let mut line_off = 0u32;
        for (chunk, &end) in points
            .iter()
            .chain(std::iter::once(&f.text.len()))
            .enumerate()
        {
            if end <= start && chunk > 0 {
                continue;
            }
            jobs.push(Job {
                file: i,
                chunk,
                start,
                end,
                line_off,
            });
            line_off += memchr::memchr_iter(b'\n', &f.text.as_bytes()[start..end]).count() as u32;
            start = end;
        }
    }
    jobs.sort_by_key(|j| std::cmp::Reverse(j.end - j.start));
    jobs
}

/// Only the tree-sitter parse of [`parse`], over the same jobs on the same threads,
/// with nothing lowered: the ceiling of the frontend's throughput, for the benchmark
/// (`scripts/bench-graph`). Returns the number of syntax nodes.
#[doc(hidden)]
pub fn parse_trees_only(sources: &Sources, opts: &Options) -> usize {
    let files = &sources.files;
    jobs(files, opts)
        .par_iter()
        .map(|j| {
            let f = &files[j.file];
            let lang: tree_sitter::Language = match f.lang {
                Lang::C => tree_sitter_c::LANGUAGE.into(),
                Lang::Rust => tree_sitter_rust::LANGUAGE.into(),
            };
            syntax::parse(&lang, &f.text[j.start..j.end])
                .map_or(0, |t| t.root_node().descendant_count())
        })
        .sum()
}

/// Parses and lowers every file, in parallel, and merges the results into a [`Program`].
pub fn parse(sources: Sources, opts: &Options) -> Program {
    let _span = tracing::info_span!("parse", files = sources.files.len()).entered();
    let Sources {
        base,
        files,
        mut diagnostics,
    } = sources;
    let rust_paths: Vec<&str> = files
        .iter()
        .filter(|f| f.lang == Lang::Rust)
        .map(|f| f.path.as_str())
        .collect();
    let layout = modules::Layout::new(&base, &rust_paths);
    let crate_modules: HashMap<usize, CrateModule> = files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.lang == Lang::Rust)
        .map(|(i, f)| (i, layout.crate_module(&f.path, &rust_paths)))
        .collect();

    let jobs = jobs(&files, opts);
    let started = std::time::Instant::now();
    let mut done: Vec<(usize, usize, FileFacts)> = jobs
        .par_iter()
        .map(|j| {
            let f = &files[j.file];
            let id = FileId(j.file as u32);
            let text = &f.text[j.start..j.end];
            let facts = match f.lang {
                Lang::C => c::lower(text, id, &f.path, j.start as u32, j.line_off),
                Lang::Rust => {
                    let cm = &crate_modules[&j.file];
                    rust::lower(text, id, &f.path, &cm.krate, &cm.module)
                }
            };
            (j.file, j.chunk, facts)
        })
        .collect();
    tracing::debug!(
        jobs = jobs.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "parsed"
    );
    done.sort_by_key(|(f, c, _)| (*f, *c));
    let mut per_file: Vec<FileFacts> = (0..files.len()).map(|_| FileFacts::default()).collect();
    for (f, _, facts) in done {
        per_file[f].append(facts);
    }
    let mut program = merge(files, per_file, &mut diagnostics);
    tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "merged");
    diagnostics.sort();
    diagnostics.dedup();
    program.diagnostics = diagnostics;
    program
}

/// Assigns ids, drops macro-defined C functions, sorts, and renumbers call sites.
fn merge(
    files: Vec<SourceFile>,
    per_file: Vec<FileFacts>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Program {
    let fn_like_macros: HashSet<String> = per_file
        .iter()
        .flat_map(|f| f.macros.iter())
        .filter(|m| m.params.is_some())
        .map(|m| m.name.clone())
        .collect();
    let mut functions = Vec::new();
    let mut calls = Vec::new();
    let mut program = Program::default();
    for (file_idx, facts) in per_file.into_iter().enumerate() {
        let path = &files[file_idx].path;
        diagnostics.extend(facts.diagnostics);
        let mut seen: HashMap<String, u32> = HashMap::new();
        let mut local_to_global: Vec<Option<usize>> = Vec::with_capacity(facts.functions.len());
        for mut f in facts.functions {
            if f.lang == Lang::C && fn_like_macros.contains(&f.name) {
                let message = format!("function defined through macro `{}`; not analysed", f.name);
                diagnostics.push(diag(
                    path,
                    Some(f.span.start_line),
                    Severity::Info,
                    "macro-defined-function",
                    message,
                ));
                local_to_global.push(None);
                continue;
            }
            let n = seen.entry(f.qualified_name.clone()).or_insert(0);
            f.id = FnId::new(path, &f.qualified_name, *n);
            *n += 1;
            local_to_global.push(Some(functions.len()));
            functions.push(f);
        }
        for mut c in facts.calls {
            if let Some(Some(g)) = local_to_global.get(c.caller.0 as usize) {
                c.caller = FnIdx(*g as u32);
                calls.push(c);
            }
        }
        program.uses.extend(facts.uses);
        program.structs.extend(facts.structs);
        program.types.extend(facts.types);
        program.prototypes.extend(facts.prototypes);
        program.macros.extend(facts.macros);
        program.decls.extend(facts.decls);
    }
    let mut order: Vec<usize> = (0..functions.len()).collect();
    order.sort_by(|&a, &b| functions[a].id.cmp(&functions[b].id));
    let mut new_index = vec![0u32; functions.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new as u32;
    }
    let mut slots: Vec<Option<Function>> = functions.into_iter().map(Some).collect();
    program.functions = order.iter().filter_map(|&old| slots[old].take()).collect();
    for c in &mut calls {
        c.caller = FnIdx(new_index[c.caller.0 as usize]);
    }
    calls.sort_by(|a, b| {
        (a.caller, a.span.start_byte, a.span.end_byte).cmp(&(
            b.caller,
            b.span.start_byte,
            b.span.end_byte,
        ))
    });
    program.call_sites = calls;
    program.decls.sort_by_key(|d| (d.file, d.span.start_byte));
    program.types.sort_by_key(|t| t.file);
    program.files = files;
    program
}

/// Discovers and parses in one step.
pub fn load(root: &Path, opts: &Options) -> Result<Program, LoadError> {
    Ok(parse(discover(root, opts)?, opts))
}

/// Parses one in-memory source file as if it stood at `path` (its language from the
/// extension), for tests and tools. Files of other extensions yield an empty program.
pub fn parse_source(path: &str, text: &str) -> Program {
    let mut diagnostics = Vec::new();
    let files = match Lang::from_path(path) {
        Some(lang) => {
            let mut lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() as u32;
            if !text.is_empty() && !text.ends_with('\n') {
                lines += 1;
            }
            vec![SourceFile {
                path: path.to_string(),
                lang,
                bytes: text.len() as u64,
                lines,
                hash: syntax::hash_hex(text.as_bytes()),
                text: text.to_string(),
            }]
        }
        None => {
            diagnostics.push(diag(
                path,
                None,
                Severity::Info,
                "not-source",
                "not a C or Rust file".into(),
            ));
            Vec::new()
        }
    };
    parse(
        Sources {
            base: PathBuf::from("."),
            files,
            diagnostics,
        },
        &Options::default(),
    )
}
