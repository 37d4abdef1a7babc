//! Which Rust crate each file belongs to, and its module path in that crate, from the
//! file layout and the nearest `Cargo.toml`.
//!
//! Crate keys: a package's library is its lib name (`my_lib`); its binary from
//! `src/main.rs` is `my_lib#bin`; `src/bin/x.rs` is `my_lib#bin:x`; `tests/x.rs` is
//! `my_lib#test:x` (likewise `example:` and `bench:`). A file with no `Cargo.toml`
//! above it belongs to the crate rooted at the nearest `lib.rs`/`main.rs` above it,
//! keyed by that directory's path.

use std::collections::HashMap;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrateModule {
    pub krate: String,
    pub module: Vec<String>,
}

/// Maps each package's directory (relative, `""` for the root) to its lib name.
#[derive(Default)]
pub(crate) struct Layout {
    packages: HashMap<String, Option<String>>,
}

impl Layout {
    /// Reads the `Cargo.toml` of every directory that holds one of `rel_paths`.
    pub(crate) fn new(base: &Path, rel_paths: &[&str]) -> Layout {
        let mut layout = Layout::default();
        for rel in rel_paths {
            let mut dir = parent(rel);
            loop {
                if layout.packages.contains_key(dir) {
                    break;
                }
                let manifest = base.join(dir).join("Cargo.toml");
                let name = std::fs::read_to_string(&manifest)
                    .ok()
                    .map(|text| package_lib_name(&text, dir));
                layout.packages.insert(dir.to_string(), name);
                if dir.is_empty() {
                    break;
                }
                dir = parent(dir);
            }
        }
        layout
    }

    /// The package directory holding `rel` and its lib name, if there is a `Cargo.toml`.
    fn package_of<'p>(&self, rel: &'p str) -> Option<(&'p str, &str)> {
        let mut dir = parent(rel);
        loop {
            if let Some(Some(name)) = self.packages.get(dir) {
                return Some((dir, name));
            }
            if dir.is_empty() {
                return None;
            }
            dir = parent(dir);
        }
    }

    pub(crate) fn crate_module(&self, rel: &str, all: &[&str]) -> CrateModule {
        match self.package_of(rel) {
            Some((dir, name)) => {
                let inner = if dir.is_empty() {
                    rel
                } else {
                    &rel[dir.len() + 1..]
                };
                let has = |p: &str| {
                    let full = if dir.is_empty() {
                        p.to_string()
                    } else {
                        format!("{dir}/{p}")
                    };
                    all.binary_search(&full.as_str()).is_ok()
                };
                in_package(name, inner, has)
            }
            None => loose(rel, all),
        }
    }
}

fn parent(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

/// The crate name a package's library is known by in paths (`-` becomes `_`).
fn package_lib_name(manifest: &str, dir: &str) -> String {
    let parsed: Option<toml::Table> = manifest.parse().ok();
    let lib = parsed
        .as_ref()
        .and_then(|t| t.get("lib"))
        .and_then(|l| l.get("name"))
        .and_then(|n| n.as_str());
    let pkg = parsed
        .as_ref()
        .and_then(|t| t.get("package"))
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str());
    let name = lib.or(pkg).map(str::to_string).unwrap_or_else(|| {
        // A workspace-only manifest or one we cannot parse: name it by its folder.
        let folder = dir.rsplit('/').next().unwrap_or(dir);
        if folder.is_empty() {
            "crate".to_string()
        } else {
            folder.to_string()
        }
    });
    name.replace('-', "_")
}

fn in_package(name: &str, inner: &str, has: impl Fn(&str) -> bool) -> CrateModule {
    let segs: Vec<&str> = inner.split('/').collect();
    let stem = |s: &str| s.strip_suffix(".rs").unwrap_or(s).to_string();
    let cm = |krate: String, module: Vec<String>| CrateModule { krate, module };
    match segs.as_slice() {
        ["build.rs"] => cm(format!("{name}#build"), vec![]),
        ["src", "main.rs"] => cm(format!("{name}#bin"), vec![]),
        ["src", "lib.rs"] => cm(name.to_string(), vec![]),
        ["src", "bin", file] => cm(format!("{name}#bin:{}", stem(file)), vec![]),
        ["src", "bin", dir, "main.rs"] => cm(format!("{name}#bin:{dir}"), vec![]),
        ["src", "bin", dir, rest @ ..] => cm(format!("{name}#bin:{dir}"), module_path(rest)),
        ["src", rest @ ..] => {
            let krate = if has("src/lib.rs") || !has("src/main.rs") {
                name.to_string()
            } else {
                format!("{name}#bin")
            };
            cm(krate, module_path(rest))
        }
        [kind @ ("tests" | "examples" | "benches"), file] => {
            cm(format!("{name}#{}:{}", singular(kind), stem(file)), vec![])
        }
        [kind @ ("tests" | "examples" | "benches"), dir, "main.rs"] => {
            cm(format!("{name}#{}:{dir}", singular(kind)), vec![])
        }
        [kind @ ("tests" | "examples" | "benches"), rest @ ..] => {
            cm(format!("{name}#{kind}"), module_path(rest))
        }
        rest => cm(name.to_string(), module_path(rest)),
    }
}

fn singular(kind: &str) -> &str {
    match kind {
        "tests" => "test",
        "examples" => "example",
        _ => "bench",
    }
}

/// Files outside any package: the crate is rooted at the nearest `lib.rs`/`main.rs`.
fn loose(rel: &str, all: &[&str]) -> CrateModule {
    let mut dir = parent(rel);
    loop {
        for root in ["lib.rs", "main.rs"] {
            let candidate = if dir.is_empty() {
                root.to_string()
            } else {
                format!("{dir}/{root}")
            };
            if all.binary_search(&candidate.as_str()).is_ok() {
                let inner = if dir.is_empty() {
                    rel
                } else {
                    &rel[dir.len() + 1..]
                };
                let segs: Vec<&str> = inner.split('/').collect();
                let module = if inner == root {
                    vec![]
                } else {
                    module_path(&segs)
                };
                let krate = if dir.is_empty() {
                    "crate".to_string()
                } else {
                    dir.to_string()
                };
                return CrateModule { krate, module };
            }
        }
        if dir.is_empty() {
            break;
        }
        dir = parent(dir);
    }
    let segs: Vec<&str> = rel.split('/').collect();
    CrateModule {
        krate: "crate".to_string(),
        module: module_path(&segs),
    }
}

/// `a/b.rs` → `[a, b]`; `a/mod.rs` → `[a]`; `lib.rs`/`main.rs` at the top → `[]`.
fn module_path(segs: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = segs.iter().map(|s| s.to_string()).collect();
    if let Some(last) = out.pop() {
        let stem = last.strip_suffix(".rs").unwrap_or(&last).to_string();
        if stem != "mod" && !(out.is_empty() && (stem == "lib" || stem == "main")) {
            out.push(stem);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(inner: &str, files: &[&str], krate: &str, module: &[&str]) {
        let got = in_package("pkg", inner, |p| files.contains(&p));
        assert_eq!(
            got,
            CrateModule {
                krate: krate.into(),
                module: module.iter().map(|s| s.to_string()).collect()
            },
            "{inner}"
        );
    }

    #[test]
    fn package_layout_gives_crates_and_modules() {
        let files = ["src/lib.rs", "src/main.rs"];
        check("src/lib.rs", &files, "pkg", &[]);
        check("src/main.rs", &files, "pkg#bin", &[]);
        check("src/a/b.rs", &files, "pkg", &["a", "b"]);
        check("src/a/mod.rs", &files, "pkg", &["a"]);
        check("src/bin/tool.rs", &files, "pkg#bin:tool", &[]);
        check("tests/it.rs", &files, "pkg#test:it", &[]);
        check("tests/common/mod.rs", &files, "pkg#tests", &["common"]);
        check("src/util.rs", &["src/main.rs"], "pkg#bin", &["util"]);
    }

    #[test]
    fn loose_files_root_at_lib_or_main() {
        let all = ["x/lib.rs", "x/m/n.rs", "y.rs"];
        assert_eq!(
            loose("x/m/n.rs", &all),
            CrateModule {
                krate: "x".into(),
                module: vec!["m".into(), "n".into()]
            }
        );
        assert_eq!(
            loose("y.rs", &all),
            CrateModule {
                krate: "crate".into(),
                module: vec!["y".into()]
            }
        );
    }
}
