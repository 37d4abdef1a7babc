//! Rust call resolution without type inference: module paths, `use` declarations
//! (renames, globs, re-exports), `Self` and self-type methods, receiver types the
//! frontend could read off declarations, and trait methods to every implementing
//! `impl` in the tree (marked dynamic).

use crate::{EdgeKind, Resolution};
use std::collections::{HashMap, HashSet};
use vouch_frontend::{
    CallKind, CallSite, FnIdx, Function, Lang, Program, RustInfo, TypeHint, UseDecl,
};

/// How many `use` hops one path may take (re-export chains).
const USE_DEPTH: usize = 8;

/// Methods of the std traits a type gets by `#[derive]` or a blanket impl: not in the
/// tree, yet no mystery.
const DERIVABLE: &[&str] = &[
    "default",
    "clone",
    "clone_from",
    "fmt",
    "eq",
    "ne",
    "cmp",
    "partial_cmp",
    "hash",
    "from",
    "into",
    "try_from",
    "try_into",
    "to_owned",
    "to_string",
];

/// Method names so common in std that an unknown receiver is more likely a std type.
const STD_METHODS: &[&str] = &[
    "len",
    "is_empty",
    "push",
    "pop",
    "get",
    "get_mut",
    "insert",
    "remove",
    "contains",
    "contains_key",
    "clone",
    "iter",
    "iter_mut",
    "into_iter",
    "next",
    "map",
    "unwrap",
    "expect",
    "as_ref",
    "as_mut",
    "to_string",
    "to_owned",
    "as_str",
    "into",
    "from",
    "clear",
    "extend",
    "entry",
    "take",
    "replace",
    "collect",
    "keys",
    "values",
    "first",
    "last",
    "split",
    "join",
    "trim",
    "parse",
    "write",
    "read",
    "flush",
    "lock",
    "borrow",
    "borrow_mut",
    "fmt",
    "eq",
    "cmp",
    "partial_cmp",
    "hash",
    "drop",
    "default",
    "new",
    "with_capacity",
    "capacity",
    "truncate",
    "drain",
    "sort",
    "sort_by",
    "reverse",
    "find",
    "filter",
    "fold",
    "any",
    "all",
    "send",
    "recv",
    "poll",
    "run",
    "call",
    "apply",
    "update",
    "finish",
    "build",
    "reset",
    "set",
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "not",
    "index",
    "deref",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Place<'p> {
    Module(&'p str, &'p [String]),
    Type(&'p str),
    Trait(&'p str),
}

pub(crate) struct RustIndex<'p> {
    program: &'p Program,
    /// (crate, module, name) → free functions (and nested ones, keyed by `parent::name`).
    free: HashMap<(&'p str, &'p [String], String), Vec<FnIdx>>,
    /// (self type, name) → methods and associated functions of that type.
    methods: HashMap<(&'p str, &'p str), Vec<FnIdx>>,
    /// (trait, name) → implementations and the trait's default or declaration.
    trait_methods: HashMap<(&'p str, &'p str), Vec<FnIdx>>,
    /// Method name → traits in the tree that declare it.
    declaring_traits: HashMap<&'p str, Vec<&'p str>>,
    /// Method name → every method of that name that takes `self`.
    by_name: HashMap<&'p str, Vec<FnIdx>>,
    uses: HashMap<(&'p str, &'p [String]), Vec<&'p UseDecl>>,
    /// `krate::a::b` → the module path, borrowed from the program.
    modules: HashMap<String, (&'p str, &'p [String])>,
    crates: HashSet<&'p str>,
    types: HashSet<&'p str>,
    traits: HashSet<&'p str>,
    fields: HashMap<(&'p str, &'p str), &'p TypeHint>,
}

fn rust_info(f: &Function) -> Option<&RustInfo> {
    if f.lang == Lang::Rust {
        f.rust.as_ref()
    } else {
        None
    }
}

impl<'p> RustIndex<'p> {
    pub(crate) fn new(program: &'p Program) -> RustIndex<'p> {
        let mut ix = RustIndex {
            program,
            free: HashMap::new(),
            methods: HashMap::new(),
            trait_methods: HashMap::new(),
            declaring_traits: HashMap::new(),
            by_name: HashMap::new(),
            uses: HashMap::new(),
            modules: HashMap::new(),
            crates: HashSet::new(),
            types: HashSet::new(),
            traits: HashSet::new(),
            fields: HashMap::new(),
        };
        for (i, f) in program.functions.iter().enumerate() {
            let Some(r) = rust_info(f) else { continue };
            let idx = FnIdx(i as u32);
            ix.add_module(&r.krate, &r.module);
            if !r.krate.contains('#') {
                ix.crates.insert(&r.krate);
            }
            match (&r.self_ty, &r.trait_name) {
                (None, None) => {
                    let key = match &r.parent_fn {
                        Some(p) => format!("{p}::{}", f.name),
                        None => f.name.clone(),
                    };
                    ix.free
                        .entry((&r.krate, &r.module, key))
                        .or_default()
                        .push(idx);
                }
                (Some(ty), tr) => {
                    ix.types.insert(ty);
                    ix.methods.entry((ty, &f.name)).or_default().push(idx);
                    if let Some(tr) = tr {
                        ix.trait_methods.entry((tr, &f.name)).or_default().push(idx);
                    }
                }
                (None, Some(tr)) => {
                    ix.traits.insert(tr);
                    ix.trait_methods.entry((tr, &f.name)).or_default().push(idx);
                    let d = ix.declaring_traits.entry(&f.name).or_default();
                    if !d.contains(&tr.as_str()) {
                        d.push(tr);
                    }
                }
            }
            if f.signature.params.first().is_some_and(|p| p.name == "self") {
                ix.by_name.entry(&f.name).or_default().push(idx);
            }
        }
        for u in &program.uses {
            ix.uses.entry((&u.krate, &u.module)).or_default().push(u);
            ix.add_module(&u.krate, &u.module);
        }
        for s in &program.structs {
            ix.types.insert(&s.name);
            for (field, hint) in &s.fields {
                ix.fields.insert((&s.name, field), hint);
            }
        }
        ix
    }

    fn add_module(&mut self, krate: &'p str, module: &'p [String]) {
        for i in 0..=module.len() {
            self.modules
                .entry(module_key(krate, &module[..i]))
                .or_insert((krate, &module[..i]));
        }
    }

    pub(crate) fn resolve(&self, site: &CallSite) -> Resolution {
        let caller = self.program.function(site.caller);
        let Some(info) = rust_info(caller) else {
            return Resolution::Unresolved("caller is not Rust".into());
        };
        match site.kind {
            CallKind::Constructor => Resolution::Ignored,
            CallKind::Indirect => Resolution::Unresolved(format!(
                "call through a closure or function pointer (`{}`)",
                site.callee
            )),
            CallKind::Plain => self.plain(info, &site.name),
            CallKind::Path | CallKind::SelfPath => self.path(info, &site.path),
            CallKind::Method => self.method(info, site),
        }
    }

    fn plain(&self, info: &'p RustInfo, name: &str) -> Resolution {
        // A fn nested in the caller's body (or an enclosing one).
        let mut parent = info.parent_fn.clone();
        while let Some(p) = parent {
            if let Some(t) = self.free.get(&(
                info.krate.as_str(),
                info.module.as_slice(),
                format!("{p}::{name}"),
            )) {
                return direct(t);
            }
            parent = p.rsplit_once("::").map(|(a, _)| a.to_string());
        }
        match self.in_module(&info.krate, &info.module, name, 0) {
            Some(t) => direct(&t),
            None => Resolution::External(name.to_string()),
        }
    }

    /// A function visible as `name` in a module: defined there, imported by `use`, or
    /// reachable through a glob import.
    fn in_module(
        &self,
        krate: &'p str,
        module: &'p [String],
        name: &str,
        depth: usize,
    ) -> Option<Vec<FnIdx>> {
        if depth > USE_DEPTH {
            return None;
        }
        if let Some(t) = self.free.get(&(krate, module, name.to_string())) {
            return Some(t.clone());
        }
        let uses = self.uses.get(&(krate, module))?;
        for u in uses.iter().filter(|u| u.alias.as_deref() == Some(name)) {
            if let Some(Resolution::Resolved(t)) =
                self.resolve_path_from(krate, module, &u.path, depth + 1)
            {
                return Some(t.into_iter().map(|(f, _, _)| f).collect());
            }
        }
        for u in uses.iter().filter(|u| u.alias.is_none()) {
            if let Some(Place::Module(k, m)) = self.place(krate, module, &u.path, depth + 1)
                && let Some(t) = self.in_module(k, m, name, depth + 1)
            {
                return Some(t);
            }
        }
        None
    }

    fn path(&self, info: &'p RustInfo, segs: &[String]) -> Resolution {
        if segs.first().is_some_and(|s| s == "Self") {
            let name = segs.last().map_or("", String::as_str);
            if let Some(ty) = &info.self_ty
                && let Some(t) = self.methods.get(&(ty.as_str(), name))
            {
                return direct(t);
            }
            if let Some(tr) = &info.trait_name
                && let Some(t) = self.trait_methods.get(&(tr.as_str(), name))
            {
                return Resolution::Resolved(
                    t.iter().map(|&f| (f, EdgeKind::Dynamic, None)).collect(),
                );
            }
            return Resolution::Unresolved(format!("no `{name}` on the self type"));
        }
        self.resolve_path_from(&info.krate, &info.module, segs, 0)
            .unwrap_or_else(|| Resolution::External(segs.join("::")))
    }

    /// Resolves `a::b::f` as seen from a module.
    fn resolve_path_from(
        &self,
        krate: &'p str,
        module: &'p [String],
        segs: &[String],
        depth: usize,
    ) -> Option<Resolution> {
        let (name, prefix) = segs.split_last()?;
        if prefix.is_empty() {
            return self
                .in_module(krate, module, name, depth)
                .map(|t| direct(&t));
        }
        match self.place(krate, module, prefix, depth)? {
            Place::Module(k, m) => self.in_module(k, m, name, depth + 1).map(|t| direct(&t)),
            Place::Type(ty) => match self.methods.get(&(ty, name.as_str())) {
                Some(t) => Some(direct(t)),
                // `T::default()`, `T::clone(&x)`: a derived or blanket impl of a std trait.
                None if DERIVABLE.contains(&name.as_str()) => {
                    Some(Resolution::External(segs.join("::")))
                }
                None => Some(Resolution::Unresolved(format!(
                    "no `{name}` found on type `{ty}` in the tree"
                ))),
            },
            Place::Trait(tr) => self.trait_methods.get(&(tr, name.as_str())).map(|t| {
                Resolution::Resolved(t.iter().map(|&f| (f, EdgeKind::Dynamic, None)).collect())
            }),
        }
    }

    /// What a path prefix names: a module, a type or a trait of the tree.
    fn place(
        &self,
        krate: &'p str,
        module: &'p [String],
        segs: &[String],
        depth: usize,
    ) -> Option<Place<'p>> {
        if depth > USE_DEPTH {
            return None;
        }
        let (first, rest) = segs.split_first()?;
        let mut cur: Place<'p> = match first.as_str() {
            "crate" => Place::Module(krate, self.module_slice(krate, &[])?),
            "self" => Place::Module(krate, module),
            "super" => Place::Module(krate, &module[..module.len().saturating_sub(1)]),
            s => {
                let child: Vec<String> = module
                    .iter()
                    .cloned()
                    .chain(std::iter::once(s.to_string()))
                    .collect();
                if let Some(m) = self.module_slice(krate, &child) {
                    Place::Module(krate, m)
                } else if let Some(u) = self
                    .uses
                    .get(&(krate, module))
                    .and_then(|us| us.iter().find(|u| u.alias.as_deref() == Some(s)))
                {
                    let mut full = u.path.clone();
                    full.extend(rest.iter().cloned());
                    // A `use` path is relative to the crate root in Rust 2018 unless it
                    // starts with `self`/`super`/`crate` or names a child module.
                    return self.place(krate, module, &full, depth + 1).or_else(|| {
                        self.place(krate, self.module_slice(krate, &[])?, &full, depth + 1)
                    });
                } else if let Some(k) = self.crates.get(s) {
                    Place::Module(k, self.module_slice(k, &[])?)
                } else if let Some(t) = self.traits.get(s) {
                    Place::Trait(t)
                } else if let Some(t) = self.types.get(s) {
                    Place::Type(t)
                } else {
                    // A glob import may bring the module or type in.
                    return self.uses.get(&(krate, module)).and_then(|us| {
                        us.iter().filter(|u| u.alias.is_none()).find_map(|u| {
                            match self.place(krate, module, &u.path, depth + 1) {
                                Some(Place::Module(k, m)) => self.place(k, m, segs, depth + 1),
                                _ => None,
                            }
                        })
                    });
                }
            }
        };
        for s in rest {
            cur = match cur {
                Place::Module(k, m) => {
                    if s == "super" {
                        Place::Module(k, &m[..m.len().saturating_sub(1)])
                    } else {
                        let child: Vec<String> = m
                            .iter()
                            .cloned()
                            .chain(std::iter::once(s.clone()))
                            .collect();
                        if let Some(cm) = self.module_slice(k, &child) {
                            Place::Module(k, cm)
                        } else if let Some(u) = self.uses.get(&(k, m)).and_then(|us| {
                            us.iter().find(|u| u.alias.as_deref() == Some(s.as_str()))
                        }) {
                            // A re-export (`pub use`).
                            self.place(k, m, &u.path, depth + 1)?
                        } else if let Some(t) = self.traits.get(s.as_str()) {
                            Place::Trait(t)
                        } else if let Some(t) = self.types.get(s.as_str()) {
                            Place::Type(t)
                        } else {
                            return None;
                        }
                    }
                }
                // `Type::Assoc::f` and the like are beyond a syntactic resolver.
                Place::Type(_) | Place::Trait(_) => return None,
            };
        }
        Some(cur)
    }

    /// The module path as stored in the index (so it can be borrowed for `'p`).
    fn module_slice(&self, krate: &str, module: &[String]) -> Option<&'p [String]> {
        self.modules
            .get(&module_key(krate, module))
            .map(|(_, m)| *m)
    }

    fn method(&self, info: &'p RustInfo, site: &CallSite) -> Resolution {
        let name = site.name.as_str();
        let hint = match &site.receiver_ty {
            Some(TypeHint::SelfField(field)) => info
                .self_ty
                .as_deref()
                .and_then(|ty| self.fields.get(&(ty, field.as_str())))
                .map(|h| (*h).clone()),
            other => other.clone(),
        };
        match hint {
            Some(TypeHint::Named(ty)) => {
                if let Some(t) = self.methods.get(&(ty.as_str(), name)) {
                    return Resolution::Resolved(
                        t.iter().map(|&f| (f, EdgeKind::Method, None)).collect(),
                    );
                }
                if self.types.contains(ty.as_str()) {
                    // A tree type without that method: a trait method from elsewhere
                    // (a blanket impl, a derive, Deref); fall back to the name.
                    return self.by_method_name(name, site);
                }
                Resolution::External(format!("{ty}::{name}"))
            }
            Some(TypeHint::Traits(traits)) => {
                let mut out = Vec::new();
                for tr in &traits {
                    if let Some(t) = self.trait_methods.get(&(tr.as_str(), name)) {
                        out.extend(t.iter().map(|&f| (f, EdgeKind::Dynamic, None)));
                    }
                }
                if out.is_empty() {
                    Resolution::External(format!("{}::{name}", traits.join("+")))
                } else {
                    Resolution::Resolved(out)
                }
            }
            Some(TypeHint::SelfField(_)) | None => {
                // `self.m()` inside a trait's default method dispatches on the implementor.
                if site.receiver.as_deref() == Some("self")
                    && info.self_ty.is_none()
                    && let Some(tr) = &info.trait_name
                    && let Some(t) = self.trait_methods.get(&(tr.as_str(), name))
                {
                    return Resolution::Resolved(
                        t.iter().map(|&f| (f, EdgeKind::Dynamic, None)).collect(),
                    );
                }
                self.by_method_name(name, site)
            }
        }
    }

    /// Receiver type unknown: resolve by the method's name when that is unambiguous.
    fn by_method_name(&self, name: &str, site: &CallSite) -> Resolution {
        let Some(cands) = self.by_name.get(name) else {
            return Resolution::External(format!(".{name}"));
        };
        if let Some(traits) = self.declaring_traits.get(name)
            && traits.len() == 1
        {
            let t = &self.trait_methods[&(traits[0], name)];
            return Resolution::Resolved(t.iter().map(|&f| (f, EdgeKind::Dynamic, None)).collect());
        }
        if STD_METHODS.contains(&name) {
            return Resolution::Unresolved(format!(
                "receiver type of `{}` unknown, and `{name}` is also a common std method",
                site.receiver.as_deref().unwrap_or("?")
            ));
        }
        if cands.len() == 1 {
            return Resolution::Resolved(vec![(cands[0], EdgeKind::MethodByName, None)]);
        }
        let types: Vec<&str> = cands
            .iter()
            .filter_map(|&f| rust_info(self.program.function(f)).and_then(|r| r.self_ty.as_deref()))
            .collect();
        Resolution::Unresolved(format!(
            "receiver type unknown; `{name}` is a method of {}",
            types.join(", ")
        ))
    }
}

fn module_key(krate: &str, module: &[String]) -> String {
    let mut key = krate.to_string();
    for m in module {
        key.push_str("::");
        key.push_str(m);
    }
    key
}

fn direct(t: &[FnIdx]) -> Resolution {
    Resolution::Resolved(t.iter().map(|&f| (f, EdgeKind::Direct, None)).collect())
}
