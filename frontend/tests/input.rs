//! The frontend on awkward input: it never fails, and says what it skipped and why.

use std::fs;
use std::path::Path;
use vouch_frontend::{CallKind, Options, Program, Severity, load, parse_source};

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
    fs::write(path, bytes).expect("write");
}

fn codes(p: &Program, path: &str) -> Vec<&'static str> {
    p.diagnostics
        .iter()
        .filter(|d| d.path == path)
        .map(|d| d.code)
        .collect()
}

fn names(p: &Program) -> Vec<&str> {
    p.functions.iter().map(|f| f.name.as_str()).collect()
}

#[test]
fn bad_files_become_diagnostics_and_the_rest_is_read() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    write(d, "good.c", b"int good(void) { return 1; }\n");
    write(
        d,
        "latin1.c",
        b"/* caf\xe9 */\nint latin(void) { return 2; }\n",
    );
    write(d, "blob.c", b"\x7fELF\0\0\0binary");
    write(d, "big.c", &vec![b' '; 2048]);
    write(
        d,
        "broken.c",
        b"int ok1(void) { return 1; }\nint broken( { ;;; \nint ok2(void) { return ok1(); }\n",
    );
    std::os::unix::fs::symlink(d, d.join("loop")).expect("symlink");
    std::os::unix::fs::symlink(d.join("missing.c"), d.join("dangling.c")).expect("symlink");
    let opts = Options {
        max_file_bytes: 1024,
        ..Options::default()
    };
    let p = load(d, &opts).expect("root exists");

    assert_eq!(codes(&p, "latin1.c"), ["invalid-utf8"]);
    assert_eq!(codes(&p, "blob.c"), ["binary-file"]);
    assert_eq!(codes(&p, "big.c"), ["file-too-large"]);
    assert!(
        codes(&p, "loop").contains(&"symlink-loop"),
        "{:?}",
        p.diagnostics
    );
    assert!(
        p.diagnostics
            .iter()
            .any(|d| d.code == "unreadable" && d.path.contains("dangling")),
        "{:?}",
        p.diagnostics
    );
    assert!(codes(&p, "broken.c").contains(&"syntax-error"));
    let n = names(&p);
    for f in ["good", "latin", "ok1", "ok2"] {
        assert!(n.contains(&f), "{f} missing from {n:?}");
    }
    // The loop is reported once, not followed: each file is read once.
    assert_eq!(p.files.iter().filter(|f| f.path == "good.c").count(), 1);
    assert!(
        p.diagnostics.iter().all(|d| d.severity != Severity::Error),
        "{:?}",
        p.diagnostics
    );
}

#[test]
fn a_missing_root_is_an_error() {
    let err = load(Path::new("/definitely/not/here"), &Options::default())
        .expect_err("a missing root is an error");
    assert!(err.to_string().contains("does not exist"));
}

#[test]
fn ignored_and_excluded_paths_are_skipped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    write(d, ".gitignore", b"generated/\n");
    write(d, "src/keep.c", b"int keep(void) { return 0; }\n");
    write(d, "generated/gen.c", b"int gen(void) { return 0; }\n");
    write(d, "target/debug/build.rs", b"fn built() {}\n");
    write(d, "vendor/dep.c", b"int dep(void) { return 0; }\n");
    let opts = Options {
        exclude: vec!["vendor/".into()],
        ..Options::default()
    };
    let p = load(d, &opts).expect("load");
    assert_eq!(names(&p), ["keep"]);
    let c_only = Options {
        langs: vec![vouch_frontend::Lang::Rust],
        ..Options::default()
    };
    assert!(load(d, &c_only).expect("load").functions.is_empty());
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let depth = 50_000;
    let c = format!(
        "int f(int x) {{ return {}x{}; }}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let p = parse_source("deep.c", &c);
    assert_eq!(names(&p), ["f"]);
    let rs = format!(
        "fn g() {{ let _ = {}h(){}; }}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let p = parse_source("deep.rs", &rs);
    assert_eq!(names(&p), ["g"]);
    assert_eq!(p.call_sites.len(), 1);
}

#[test]
fn c_functions_carry_signature_doc_scope_and_call_statements() {
    let src = r#"
/* Copies at most n bytes.
 * Returns the count. */
static size_t copy_n(char *dst, const char *src, size_t n) {
    if (check(dst, n) < 0) {
        return 0;
    }
    return do_copy(dst, src, n);
}
const char **names(int count, ...);
"#;
    let p = parse_source("lib.c", src);
    let f = &p.functions[0];
    assert_eq!(f.id.as_str(), "lib.c::copy_n#0");
    assert_eq!(
        f.doc.as_deref(),
        Some("Copies at most n bytes.\nReturns the count.")
    );
    assert!(f.c.as_ref().is_some_and(|c| c.is_static));
    let params: Vec<(&str, &str)> = f
        .signature
        .params
        .iter()
        .map(|p| (p.name.as_str(), p.ty.as_str()))
        .collect();
    assert_eq!(
        params,
        [("dst", "char *"), ("src", "const char *"), ("n", "size_t")]
    );
    assert_eq!(f.signature.ret.as_deref(), Some("size_t"));
    assert!(f.body_hash.is_some());
    let calls = p.calls_of(vouch_frontend::FnIdx(0));
    assert_eq!(calls[0].name, "check");
    assert_eq!(calls[0].args, ["dst", "n"]);
    assert_eq!(calls[0].statement, "if (check(dst, n) < 0)");
    assert_eq!(calls[1].statement, "return do_copy(dst, src, n);");
    assert_eq!(calls[1].kind, CallKind::Plain);
    let proto = &p.prototypes[0];
    assert_eq!(proto.name, "names");
    assert!(proto.signature.variadic);
    assert_eq!(proto.signature.ret.as_deref(), Some("const char **"));
}

#[test]
fn rust_functions_carry_module_impl_trait_and_test_facts() {
    let src = r#"
mod outer {
    pub mod inner {
        pub struct P;
        /// Parses.
        impl P {
            /// Makes a P.
            #[inline]
            pub fn make() -> Self { P }
        }
        impl std::fmt::Display for P {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{}", helper(1)) }
        }
    }
}
#[cfg(test)]
mod tests {
    #[test]
    fn works() { let v: Vec<u8> = Vec::new(); v.len(); }
}
"#;
    let p = parse_source("src/lib.rs", src);
    let by_name = |n: &str| p.functions.iter().find(|f| f.name == n).expect(n);
    let make = by_name("make");
    assert_eq!(make.qualified_name, "outer::inner::P::make");
    assert_eq!(make.doc.as_deref(), Some("Makes a P."));
    let r = make.rust.as_ref().expect("rust info");
    assert_eq!(r.module, ["outer", "inner"]);
    assert!(r.is_pub && !r.is_test);
    let fmt = by_name("fmt");
    assert_eq!(fmt.qualified_name, "outer::inner::<P as Display>::fmt");
    assert_eq!(fmt.signature.params[0].name, "self");
    let works = by_name("works");
    let r = works.rust.as_ref().expect("rust info");
    assert!(r.is_test && r.in_cfg_test);
    let helper = p
        .call_sites
        .iter()
        .find(|c| c.name == "helper")
        .expect("call in write! found");
    assert!(helper.in_macro);
    let len = p.call_sites.iter().find(|c| c.name == "len").expect("len");
    assert_eq!(len.kind, CallKind::Method);
    assert_eq!(
        len.receiver_ty,
        Some(vouch_frontend::TypeHint::Named("Vec".into()))
    );
}

#[test]
fn output_is_deterministic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../callgraph/test_data");
    let a = serde_json::to_string(&load(&dir, &Options::default()).expect("load")).expect("json");
    let b = serde_json::to_string(&load(&dir, &Options::default()).expect("load")).expect("json");
    assert_eq!(a, b);
}

#[test]
fn large_c_files_parse_the_same_in_chunks() {
    let mut src = String::new();
    for i in 0..400 {
        src.push_str(&format!(
            "#define K{i} {i}\n/* t{i} */\nstatic const int t{i}[] = {{ K{i} }};\n/* f{i} */\nint f{i}(int x) {{\n    return g{i}(x) + {i};\n}}\n\n"
        ));
    }
    let whole = parse_source("big.c", &src);
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::write(tmp.path().join("big.c"), &src).expect("write");
    let opts = Options {
        chunk_bytes: 1000,
        ..Options::default()
    };
    let chunked = load(tmp.path(), &opts).expect("load");
    let key = |p: &Program| {
        (
            p.functions
                .iter()
                .map(|f| (f.id.clone(), f.span, f.doc.clone()))
                .collect::<Vec<_>>(),
            p.call_sites
                .iter()
                .map(|c| (c.caller, c.name.clone(), c.span))
                .collect::<Vec<_>>(),
            p.decls
                .iter()
                .map(|d| (d.names.clone(), d.kind, d.span, d.text.clone()))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(key(&whole), key(&chunked));
    assert_eq!(chunked.functions.len(), 400);
    assert_eq!(chunked.decls.len(), 800);
    let last = &chunked.decls[799];
    assert_eq!(last.text, "/* t399 */\nstatic const int t399[] = { K399 };");
    assert_eq!(
        chunked.text(last.file, last.span),
        "static const int t399[] = { K399 };"
    );
}
