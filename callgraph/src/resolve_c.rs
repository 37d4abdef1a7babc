//! C call resolution: `static` functions of the same file first, then global
//! definitions by name (the nearest by path when several), then function-like macros
//! expanded to the calls in their bodies; everything else is external.

use crate::{EdgeKind, Resolution};
use std::collections::HashMap;
use vouch_frontend::{CallKind, CallSite, FileId, FnIdx, Lang, Macro, Program};

/// Deepest chain of macros expanded for one call.
const MACRO_DEPTH: usize = 8;

pub(crate) struct CIndex<'p> {
    program: &'p Program,
    statics: HashMap<(FileId, &'p str), FnIdx>,
    globals: HashMap<&'p str, Vec<FnIdx>>,
    /// The first definition of each macro: later ones usually sit in the `#else` of a
    /// debugging or portability conditional.
    macros: HashMap<&'p str, &'p Macro>,
}

impl<'p> CIndex<'p> {
    pub(crate) fn new(program: &'p Program) -> CIndex<'p> {
        let mut statics = HashMap::new();
        let mut globals: HashMap<&str, Vec<FnIdx>> = HashMap::new();
        for (i, f) in program.functions.iter().enumerate() {
            if f.lang != Lang::C || f.body.is_none() {
                continue;
            }
            let idx = FnIdx(i as u32);
            if f.c.as_ref().is_some_and(|c| c.is_static) {
                statics.entry((f.file, f.name.as_str())).or_insert(idx);
            } else {
                globals.entry(f.name.as_str()).or_default().push(idx);
            }
        }
        let mut macros: HashMap<&str, &Macro> = HashMap::new();
        for m in &program.macros {
            macros.entry(m.name.as_str()).or_insert(m);
        }
        CIndex {
            program,
            statics,
            globals,
            macros,
        }
    }

    pub(crate) fn resolve(&self, site: &CallSite) -> Resolution {
        if site.kind == CallKind::Indirect {
            return Resolution::Unresolved(format!(
                "call through a function pointer (`{}`)",
                site.callee
            ));
        }
        let file = self.program.function(site.caller).file;
        if let Some(targets) = self.lookup(file, &site.name) {
            return Resolution::Resolved(
                targets
                    .into_iter()
                    .map(|t| (t, EdgeKind::Direct, None))
                    .collect(),
            );
        }
        if self.macros.contains_key(site.name.as_str()) {
            let mut out = Vec::new();
            let mut externals = Vec::new();
            let mut seen = vec![site.name.clone()];
            self.expand(
                file,
                &site.name,
                &site.name,
                0,
                &mut seen,
                &mut out,
                &mut externals,
            );
            self.expand_arguments(file, site, &mut seen, &mut out, &mut externals);
            return if out.is_empty() && externals.is_empty() {
                Resolution::Ignored
            } else {
                Resolution::Macro {
                    targets: out,
                    externals,
                }
            };
        }
        Resolution::External(site.name.clone())
    }

    /// Functions `name` can mean from `file`: its own static one, or the global ones
    /// nearest to it by path.
    fn lookup(&self, file: FileId, name: &str) -> Option<Vec<FnIdx>> {
        if let Some(&f) = self.statics.get(&(file, name)) {
            return Some(vec![f]);
        }
        let globals = self.globals.get(name)?;
        if globals.len() == 1 {
            return Some(globals.clone());
        }
        let here = &self.program.file(file).path;
        let score = |f: &FnIdx| {
            common_dir_prefix(
                here,
                &self.program.file(self.program.function(*f).file).path,
            )
        };
        let best = globals.iter().map(score).max()?;
        Some(
            globals
                .iter()
                .filter(|f| score(f) == best)
                .copied()
                .collect(),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn expand(
        &self,
        file: FileId,
        top: &str,
        name: &str,
        depth: usize,
        seen: &mut Vec<String>,
        out: &mut Vec<(FnIdx, EdgeKind, Option<String>)>,
        externals: &mut Vec<String>,
    ) {
        if depth >= MACRO_DEPTH {
            return;
        }
        let Some(m) = self.macros.get(name) else {
            return;
        };
        for called in &m.calls {
            if seen.contains(called) {
                continue;
            }
            seen.push(called.clone());
            if let Some(targets) = self.lookup(file, called) {
                for t in targets {
                    out.push((t, EdgeKind::Macro, Some(top.to_string())));
                }
            } else if self.macros.contains_key(called.as_str()) {
                self.expand(file, top, called, depth + 1, seen, out, externals);
            } else {
                externals.push(called.clone());
            }
        }
    }
}

impl CIndex<'_> {
    /// A macro that calls one of its parameters calls whatever the call site passes
    /// there: `luaV_fastget(L, t, k, slot, luaH_getstr)` calls `luaH_getstr`.
    fn expand_arguments(
        &self,
        file: FileId,
        site: &CallSite,
        seen: &mut Vec<String>,
        out: &mut Vec<(FnIdx, EdgeKind, Option<String>)>,
        externals: &mut Vec<String>,
    ) {
        let Some(m) = self.macros.get(site.name.as_str()) else {
            return;
        };
        for &i in &m.param_calls {
            let Some(arg) = site.args.get(i).filter(|a| is_identifier(a)) else {
                continue;
            };
            if seen.contains(arg) {
                continue;
            }
            seen.push(arg.clone());
            if let Some(targets) = self.lookup(file, arg) {
                out.extend(
                    targets
                        .into_iter()
                        .map(|t| (t, EdgeKind::Macro, Some(site.name.clone()))),
                );
            } else if self.macros.contains_key(arg.as_str()) {
                self.expand(file, &site.name, arg, 1, seen, out, externals);
            } else {
                externals.push(arg.clone());
            }
        }
    }
}

fn is_identifier(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && s.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn common_dir_prefix(a: &str, b: &str) -> usize {
    a.split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y)
        .count()
}
