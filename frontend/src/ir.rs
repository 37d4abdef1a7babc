//! vouch's own intermediate representation: files, functions, call sites, declarations.
//!
//! Nothing here mentions tree-sitter; the lowering in `c.rs` and `rust.rs` converts
//! syntax trees into these types at once, and every later stage reads only these.

use serde::Serialize;
use std::fmt;

/// Source language of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    C,
    Rust,
}

impl Lang {
    /// Picks the language from a file name, if vouch reads that kind of file.
    pub fn from_path(path: &str) -> Option<Lang> {
        let ext = path.rsplit_once('.').map(|(_, e)| e)?;
        match ext {
            "c" | "h" => Some(Lang::C),
            "rs" => Some(Lang::Rust),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Lang::C => "c",
            Lang::Rust => "rust",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Index of a file in [`Program::files`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FileId(pub u32);

/// Index of a function in [`Program::functions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FnIdx(pub u32);

/// A region of a file. Lines and columns are 1-based; columns count bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub start_byte: u32,
    pub end_byte: u32,
    pub start_line: u32,
    pub start_col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

impl Span {
    /// Shifts a span found in a chunk of a file to its place in the whole file.
    pub(crate) fn offset(mut self, bytes: u32, lines: u32) -> Span {
        self.start_byte += bytes;
        self.end_byte += bytes;
        self.start_line += lines;
        self.end_line += lines;
        self
    }

    pub fn lines(&self) -> std::ops::RangeInclusive<u32> {
        self.start_line..=self.end_line
    }
}

/// One source file that vouch read.
#[derive(Clone, Debug, Serialize)]
pub struct SourceFile {
    /// Path relative to the audited root, with `/` separators.
    pub path: String,
    pub lang: Lang,
    pub bytes: u64,
    pub lines: u32,
    /// blake3 of the file's bytes, hex, first 128 bits.
    pub hash: String,
    /// The text as parsed (invalid UTF-8 replaced, with a diagnostic).
    #[serde(skip)]
    pub text: String,
}

/// A stable function identifier: `path::qualified_name#disambiguator`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct FnId(pub String);

impl FnId {
    pub fn new(path: &str, qualified_name: &str, disambiguator: u32) -> FnId {
        FnId(format!("{path}::{qualified_name}#{disambiguator}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Param {
    /// The parameter's name; `self` for a Rust receiver; empty when unnamed.
    pub name: String,
    /// The type as written (for C, the declaration with the name removed).
    pub ty: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Signature {
    pub params: Vec<Param>,
    /// The return type as written; `None` for Rust's `()` and C's `void`.
    pub ret: Option<String>,
    /// Variadic C function (`...`).
    pub variadic: bool,
    /// The whole signature text, whitespace folded.
    pub text: String,
}

/// C-specific facts about a function.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CInfo {
    /// `static`: visible only in its own translation unit.
    pub is_static: bool,
    pub is_inline: bool,
}

/// Rust-specific facts about a function.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RustInfo {
    /// The crate this file belongs to (see `modules.rs`).
    pub krate: String,
    /// Module path inside the crate, without the crate name.
    pub module: Vec<String>,
    /// The `impl` block's self type (last path segment, generics removed).
    pub self_ty: Option<String>,
    /// The trait of the enclosing `impl Trait for T` or `trait Trait { .. }`.
    pub trait_name: Option<String>,
    /// Declared inside `trait { }` (a required or default method).
    pub in_trait_decl: bool,
    pub is_pub: bool,
    pub is_test: bool,
    pub in_cfg_test: bool,
    /// The function's generic parameters with their trait bounds (`T: Shape`).
    pub generic_bounds: Vec<(String, Vec<String>)>,
    /// Enclosing function, for a fn item nested in another body.
    pub parent_fn: Option<String>,
}

/// A function definition (it has a body) or, for trait methods, a declaration.
#[derive(Clone, Debug, Serialize)]
pub struct Function {
    pub id: FnId,
    pub name: String,
    /// C: the name; Rust: `module::Type::name` within its crate.
    pub qualified_name: String,
    pub file: FileId,
    pub lang: Lang,
    pub span: Span,
    pub signature: Signature,
    pub doc: Option<String>,
    /// `None` for a trait method without a default body.
    pub body: Option<Span>,
    /// blake3 of the body text, hex, first 128 bits.
    pub body_hash: Option<String>,
    pub c: Option<CInfo>,
    pub rust: Option<RustInfo>,
}

/// How a call names what it calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    /// `f(x)`
    Plain,
    /// `a::b::f(x)`, `Type::f(x)`
    Path,
    /// `x.f()`
    Method,
    /// `Self::f(x)`
    SelfPath,
    /// Through a function pointer, a closure, a struct field, or a computed callee.
    Indirect,
    /// `Some(x)`, `Point(1, 2)`: a tuple struct or enum variant, not a function.
    Constructor,
}

/// What the frontend could tell about a method receiver's type, without type inference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum TypeHint {
    /// A named type (last path segment, generics, references and `mut` removed).
    Named(String),
    /// A field of `self`: resolved against the self type's struct definition.
    SelfField(String),
    /// `dyn Trait`, `impl Trait`, or a generic bounded by these traits.
    Traits(Vec<String>),
}

/// One call in a function body.
#[derive(Clone, Debug, Serialize)]
pub struct CallSite {
    pub caller: FnIdx,
    /// The callee expression as written (capped).
    pub callee: String,
    /// The name called: the last identifier of the callee expression.
    pub name: String,
    /// For path calls, the segments (generic arguments removed), the name last.
    pub path: Vec<String>,
    pub kind: CallKind,
    /// Receiver expression of a method call.
    pub receiver: Option<String>,
    pub receiver_ty: Option<TypeHint>,
    pub args: Vec<String>,
    pub span: Span,
    /// The enclosing statement (for control flow, its head only), capped.
    pub statement: String,
    /// Found inside a macro invocation's tokens (Rust), not in parsed code.
    pub in_macro: bool,
}

/// A `use` declaration, flattened: one entry per imported name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UseDecl {
    pub file: FileId,
    pub krate: String,
    /// Module the `use` appears in.
    pub module: Vec<String>,
    /// The imported path, as written (`crate`, `self`, `super` kept).
    pub path: Vec<String>,
    /// The name it is visible under; `None` for a glob import.
    pub alias: Option<String>,
}

/// A Rust struct with named fields (used to type `self.field.method()`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StructDecl {
    pub krate: String,
    pub module: Vec<String>,
    pub name: String,
    /// Field name and the field's type hint.
    pub fields: Vec<(String, TypeHint)>,
}

/// What a type name means to a formula: the fields of a struct or union, or the type a
/// C `typedef` or a Rust type alias (or one-field tuple struct) stands for. Specgen
/// types `rb->count` and `self.hits` with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TypeDef {
    pub file: FileId,
    /// The names it is known by: `struct ringbuf` and each typedef name of it (C), the
    /// struct's name (Rust).
    pub names: Vec<String>,
    pub shape: TypeShape,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TypeShape {
    /// Field names with their types as written, a pointer or an array as `T *`
    /// (`uint8_t *`, `Vec<u8>`); an anonymous member's fields are the struct's own.
    Fields { fields: Vec<(String, String)> },
    /// Another type, as written (`uint32_t`, `struct ringbuf`, `usize`).
    Alias { target: String },
}

/// A C prototype (a function declaration without a body), e.g. from a header.
#[derive(Clone, Debug, Serialize)]
pub struct Prototype {
    pub name: String,
    pub file: FileId,
    pub span: Span,
    pub signature: Signature,
    pub doc: Option<String>,
    pub is_static: bool,
}

/// A C `#define`.
#[derive(Clone, Debug, Serialize)]
pub struct Macro {
    pub name: String,
    pub file: FileId,
    pub line: u32,
    /// Parameter names of a function-like macro; `None` for an object-like one.
    pub params: Option<Vec<String>>,
    /// Names the body calls (`ident(`), in order, without duplicates; parameters excluded.
    pub calls: Vec<String>,
    /// Indices of the parameters the body calls as functions (`#define APPLY(f, x) f(x)`):
    /// the argument at that position is what gets called.
    pub param_calls: Vec<usize>,
}

/// Longest [`Decl::text`] kept, in bytes (a cut text ends in `…`).
pub const DECL_TEXT_CAP: usize = 1200;

/// What kind of top-level declaration a [`Decl`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclKind {
    /// A struct, enum or union with a body, a C `typedef`, a Rust `type` alias.
    Type,
    /// A C declaration with the `const` qualifier; a Rust `const`.
    Const,
    /// Any other C file-scope variable (also `extern` ones); a Rust `static`.
    Global,
    /// A C `#define`; a Rust `macro_rules!`.
    Macro,
}

/// A top-level declaration that is not a function definition: a struct/enum/union/typedef/type alias,
/// a constant, a global variable or a `#define`. Specgen quotes the ones a function uses.
///
/// C declarations come from file scope, including preprocessor conditionals and
/// `extern "C"` blocks; Rust ones from module level (nested `mod`s too), not from
/// function bodies, `impl` or `trait` blocks. A C declaration whose type has a body
/// (`struct s { .. } g;`) is one `Type` declaration naming both `s` and `g`.
#[derive(Clone, Debug, Serialize)]
pub struct Decl {
    pub file: FileId,
    /// The declared names (a C declaration can declare several: `typedef struct n {..} n_t;` gives `n`, `n_t`;
    /// an enum also declares its enumerators).
    pub names: Vec<String>,
    pub kind: DeclKind,
    /// The declaration itself, without the comments above it.
    pub span: Span,
    /// The declaration's text, capped at [`DECL_TEXT_CAP`] bytes on a char boundary with "…" appended when cut.
    /// It starts at the comments directly above the declaration (for Rust, its doc
    /// comments and attributes), so it may begin before `span`.
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// Something about the input vouch could not (fully) handle. Never fatal.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    pub path: String,
    pub line: Option<u32>,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        match self.line {
            Some(l) => write!(
                f,
                "{}:{l}: {sev}[{}]: {}",
                self.path, self.code, self.message
            ),
            None => write!(f, "{}: {sev}[{}]: {}", self.path, self.code, self.message),
        }
    }
}

/// Everything the frontend produced for one tree.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Program {
    /// Sorted by path.
    pub files: Vec<SourceFile>,
    /// Sorted by id.
    pub functions: Vec<Function>,
    /// Sorted by (caller, position).
    pub call_sites: Vec<CallSite>,
    pub uses: Vec<UseDecl>,
    pub structs: Vec<StructDecl>,
    /// Struct layouts and type aliases of both languages, in file order.
    pub types: Vec<TypeDef>,
    pub prototypes: Vec<Prototype>,
    pub macros: Vec<Macro>,
    /// Sorted by (file, span.start_byte).
    pub decls: Vec<Decl>,
    /// Sorted by path, line, code.
    pub diagnostics: Vec<Diagnostic>,
}

impl Program {
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn function(&self, idx: FnIdx) -> &Function {
        &self.functions[idx.0 as usize]
    }

    /// Total number of source lines read.
    pub fn total_lines(&self) -> u64 {
        self.files.iter().map(|f| u64::from(f.lines)).sum()
    }

    /// The text of a span of a file.
    pub fn text(&self, file: FileId, span: Span) -> &str {
        let text = &self.file(file).text;
        text.get(span.start_byte as usize..span.end_byte as usize)
            .unwrap_or("")
    }

    /// Whether `f` is test code: a Rust `#[test]` function, one inside `#[cfg(test)]`,
    /// in an integration test or bench target; or, in either language, one in a file
    /// under a `test`/`tests`/`testing` directory or named `test_*`, `*_test` or
    /// `*_tests`. Its calls still tell what its callees must do; vouch does not check
    /// it against a spec of its own unless asked to.
    pub fn is_test_code(&self, f: FnIdx) -> bool {
        let func = self.function(f);
        if let Some(r) = &func.rust
            && (r.is_test
                || r.in_cfg_test
                || r.krate.contains("#test")
                || r.krate.contains("#bench"))
        {
            return true;
        }
        let path = std::path::Path::new(&self.file(func.file).path);
        let dirs = path.parent().into_iter().flat_map(|p| p.components());
        let test_dir = dirs
            .filter_map(|c| c.as_os_str().to_str())
            .any(|d| matches!(d, "test" | "tests" | "testing"));
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        test_dir || stem.starts_with("test_") || stem.ends_with("_test") || stem.ends_with("_tests")
    }

    /// Call sites of one function (they are sorted by caller).
    pub fn calls_of(&self, caller: FnIdx) -> &[CallSite] {
        let start = self.call_sites.partition_point(|c| c.caller < caller);
        let end = self.call_sites.partition_point(|c| c.caller <= caller);
        &self.call_sites[start..end]
    }
}
