//! What a program's type names mean to a formula: the fields of its structs and unions
//! and what its typedefs and type aliases stand for, read from the frontend's
//! [`TypeDef`]s, so that `rb->count` is a `size_t` and `self.hits` a `u64`.

use crate::formula::{IntTy, Ty, type_of};
use std::collections::HashMap;
use vouch_frontend::{TypeDef, TypeShape};

/// Alias chains longer than this are not followed (a typedef cycle ends here).
const MAX_ALIAS_DEPTH: usize = 8;

/// The struct layouts and aliases of a program, by name. A name that two definitions
/// give different meanings (two programs in one tree, a Rust type in two modules) is
/// not known: a field of it is typed as one of an unknown layout.
#[derive(Clone, Debug, Default)]
pub struct Types {
    layouts: HashMap<String, Vec<(String, String)>>,
    aliases: HashMap<String, String>,
}

/// What a formula's field access reads, by what the types know of its base.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldTy {
    /// The base's layout is known and has the field: its type (a field whose type is
    /// not known here is an integer of unknown width, as with no layout at all).
    Known(Ty),
    /// The base's layout is known and has no field of this name.
    Missing { layout: String, fields: Vec<String> },
    /// The base's layout is not known.
    Unknown,
}

impl Types {
    pub fn of(defs: &[TypeDef]) -> Types {
        let mut shapes: HashMap<String, Option<&TypeShape>> = HashMap::new();
        for d in defs {
            for name in &d.names {
                let entry = shapes.entry(key(name)).or_insert(Some(&d.shape));
                if entry.is_some_and(|s| s != &d.shape) {
                    *entry = None;
                }
            }
        }
        let mut types = Types::default();
        for (name, shape) in shapes {
            match shape {
                Some(TypeShape::Fields { fields }) => {
                    types.layouts.insert(name, fields.clone());
                }
                Some(TypeShape::Alias { target }) => {
                    types.aliases.insert(name, target.clone());
                }
                None => {}
            }
        }
        types
    }

    /// The machine type of a type as written, through the aliases it names
    /// (`rb_size` → `uint32_t`, `Handle` → `usize`).
    pub fn type_of(&self, text: &str) -> Ty {
        self.resolve(type_of(text), 0)
    }

    fn resolve(&self, ty: Ty, depth: usize) -> Ty {
        match ty {
            Ty::Seq(elem) => Ty::Seq(Box::new(self.resolve(*elem, depth))),
            Ty::Opaque(name) if depth < MAX_ALIAS_DEPTH => match self.aliases.get(&key(&name)) {
                Some(target) => self.resolve(type_of(target), depth + 1),
                None => Ty::Opaque(name),
            },
            ty => ty,
        }
    }

    /// The type of field `field` of a value of type `base` (a struct, or a pointer to
    /// one: `rb->count`).
    pub fn field(&self, base: &Ty, field: &str) -> FieldTy {
        let name = match base {
            Ty::Opaque(n) => n,
            Ty::Seq(elem) => match &**elem {
                Ty::Opaque(n) => n,
                _ => return FieldTy::Unknown,
            },
            _ => return FieldTy::Unknown,
        };
        let Some(fields) = self.layouts.get(&key(name)) else {
            return FieldTy::Unknown;
        };
        match fields.iter().find(|(f, _)| f == field) {
            Some((_, text)) => FieldTy::Known(match self.type_of(text) {
                Ty::Opaque(n) if !self.layouts.contains_key(&key(&n)) => Ty::Int(IntTy::MATH),
                ty => ty,
            }),
            None => FieldTy::Missing {
                layout: name.clone(),
                fields: fields.iter().map(|(f, _)| f.clone()).collect(),
            },
        }
    }
}

/// The name a type is known by: `struct rb`, `rb_t`, `Stats` — without references,
/// lifetimes, `mut`, `const`, `dyn`, a path, generic arguments or a smart pointer
/// (`&'a mut crate::lru::LruCache<K, V>` and `Box<LruCache<K, V>>` are `LruCache`).
pub fn key(name: &str) -> String {
    let mut t = name.trim();
    loop {
        let before = t;
        t = t.trim_start_matches('&').trim_start();
        if let Some(rest) = t.strip_prefix('\'') {
            t = rest.split_once(' ').map_or("", |(_, r)| r).trim_start();
        }
        for prefix in ["mut ", "const ", "dyn ", "volatile "] {
            t = t.strip_prefix(prefix).unwrap_or(t).trim_start();
        }
        t = t.strip_suffix(" const").unwrap_or(t).trim_end();
        for wrapper in ["Box<", "Rc<", "Arc<"] {
            if let Some(inner) = t.strip_prefix(wrapper).and_then(|r| r.strip_suffix('>')) {
                t = inner.trim();
            }
        }
        if t == before {
            break;
        }
    }
    let t = t.split('<').next().unwrap_or(t).trim();
    let t = t.rsplit("::").next().unwrap_or(t);
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_is_known_by_its_bare_name() {
        for (written, k) in [
            ("struct rb", "struct rb"),
            ("const  struct rb", "struct rb"),
            ("&'a mut crate::lru::LruCache<K, V>", "LruCache"),
            ("Box<Stats>", "Stats"),
            ("&self", "self"),
            ("rb_t", "rb_t"),
        ] {
            assert_eq!(key(written), k, "{written}");
        }
    }
}
