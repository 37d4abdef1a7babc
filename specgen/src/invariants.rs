//! Invariants of a type: what holds of every value of a struct between calls to the
//! functions that take or make it, and what their callers rely on. A value is made and
//! changed only by those functions, so a property each of them keeps holds everywhere,
//! though no single function's callers can see it (`LruCache::capacity() >= 1` holds
//! because `new` and `resize` reject 0). One request per type, over the *specs* of its
//! functions (never their bodies), states the invariants and each function's role;
//! [`extend`] then adds them to a function's spec for its check: assumed at entry by
//! every function that takes a valid value, and required at exit of every function
//! that makes or may change one.

use crate::formula::{self, Expr, ExprKind, Position};
use crate::prompt::{self, Template, Vars};
use crate::request::cap_bytes;
use crate::spec::{Clause, Spec, env_of};
use crate::types::Types;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use vouch_frontend::{DeclKind, FnIdx, Function, Lang, Program};
use vouch_llm::{Client, LlmError, Usage};

/// Most functions of one type quoted in its request.
pub const MAX_FUNCTIONS: usize = 24;
/// Most invariants kept of one type.
pub const MAX_INVARIANTS: usize = 6;
/// The name the value goes by in a function that returns a new one (see
/// [`TypeFunctions::members`]).
pub const RESULT: &str = "result";

/// A struct and the functions that take or make its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeFunctions {
    pub name: String,
    /// The type's declaration as written (capped).
    pub declaration: String,
    pub lang: Lang,
    /// Each function with the name the value goes by in it: a parameter (`self`,
    /// `rb`), or [`RESULT`] for one that returns a new value. The first
    /// [`MAX_FUNCTIONS`] are quoted in the type's request.
    pub members: Vec<(FnIdx, String)>,
}

/// What a function does to the value of the type it takes or makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Makes a valid value from nothing: the invariants hold afterwards.
    Creates,
    /// May change a valid value: the invariants hold before and after.
    Keeps,
    /// Does not change the value.
    Reads,
    /// Frees or finishes the value, which need not be valid afterwards.
    Ends,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
struct RoleEntry {
    /// The function's id, as given in the request.
    #[schemars(length(max = 300))]
    function: String,
    role: Role,
}

/// The reply to an invariants request.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
struct InvariantsReply {
    /// What holds of every valid value between calls.
    #[serde(default)]
    #[schemars(length(max = 6))]
    invariants: Vec<Clause>,
    /// Each function's role towards the value.
    #[schemars(length(max = 16))]
    functions: Vec<RoleEntry>,
}

/// A type's invariants and the role of each of its functions.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeInvariants {
    pub name: String,
    pub clauses: Vec<Clause>,
    /// `(function, the value's name in it, role)`.
    pub roles: Vec<(FnIdx, String, Role)>,
}

/// The structs of the program with at least two functions (not test code) that take a
/// value of them or make one: Rust methods and associated functions returning `Self`;
/// C functions with a pointer to the struct as a parameter (the first such one) or as
/// the result.
pub fn types_with_functions(program: &Program) -> Vec<TypeFunctions> {
    // The struct declarations, and which of them each name names.
    let mut structs: Vec<(&vouch_frontend::Decl, Lang)> = Vec::new();
    for decl in &program.decls {
        if decl.kind != DeclKind::Type {
            continue;
        }
        let lang = if program.file(decl.file).path.ends_with(".rs") {
            Lang::Rust
        } else {
            Lang::C
        };
        let is_struct = match lang {
            Lang::Rust => decl.text.contains("struct "),
            Lang::C => decl.text.contains("struct") && decl.text.contains('{'),
        };
        if is_struct {
            structs.push((decl, lang));
        }
    }
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, (decl, _)) in structs.iter().enumerate() {
        for n in &decl.names {
            by_name.entry(n.as_str()).or_default().push(k);
        }
    }
    // Each function against the structs its signature names (one pass, not one per
    // struct): `value_name` decides.
    let mut members: Vec<Vec<(FnIdx, String)>> = vec![Vec::new(); structs.len()];
    for (i, f) in program.functions.iter().enumerate() {
        let idx = FnIdx(i as u32);
        if f.body.is_none() || program.is_test_code(idx) {
            continue;
        }
        let mut named: Vec<usize> = std::iter::once(f.signature.text.as_str())
            .chain(f.rust.as_ref().and_then(|r| r.self_ty.as_deref()))
            .flat_map(|t| t.split(|c: char| !(c.is_alphanumeric() || c == '_')))
            .filter_map(|w| by_name.get(w))
            .flatten()
            .copied()
            .filter(|&k| structs[k].1 == f.lang)
            .collect();
        named.sort_unstable();
        named.dedup();
        for k in named {
            if let Some(value) = value_name(f, &structs[k].0.names) {
                members[k].push((idx, value));
            }
        }
    }
    let mut out = Vec::new();
    for ((decl, lang), members) in structs.into_iter().zip(members) {
        if members.len() < 2 {
            continue;
        }
        let name = match lang {
            // The typedef name a C program writes, when there is one.
            Lang::C => decl.names.last(),
            Lang::Rust => decl.names.first(),
        }
        .cloned()
        .unwrap_or_default();
        out.push(TypeFunctions {
            name,
            declaration: cap_bytes(&decl.text, 1500),
            lang,
            members,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.dedup_by(|a, b| a.name == b.name);
    out
}

/// The name a value of the type (named any of `names`) goes by in `f`, if `f` takes or
/// makes one.
fn value_name(f: &Function, names: &[String]) -> Option<String> {
    let names_it = |ty: &str| {
        ty.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|w| names.iter().any(|n| n == w))
    };
    match &f.rust {
        Some(r) => {
            if !r.self_ty.as_ref().is_some_and(|t| names.contains(t)) || r.in_trait_decl {
                return None;
            }
            if f.signature.params.first().is_some_and(|p| p.name == "self") {
                return Some("self".into());
            }
            let ret = f.signature.ret.as_deref()?;
            (ret.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == "Self")
                || names_it(ret))
            .then(|| RESULT.into())
        }
        None => {
            if let Some(p) = f
                .signature
                .params
                .iter()
                .find(|p| p.ty.contains('*') && names_it(&p.ty) && !p.name.is_empty())
            {
                return Some(p.name.clone());
            }
            let ret = f.signature.ret.as_deref()?;
            (ret.contains('*') && names_it(ret)).then(|| RESULT.into())
        }
    }
}

#[derive(Serialize)]
struct FunctionData<'a> {
    id: &'a str,
    name: &'a str,
    signature: &'a str,
    self_param: &'a str,
    summary: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    preconditions: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    postconditions: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<String>,
}

/// Asks for the invariants of `ty` from the specs of its functions (by function id);
/// functions without a spec are left out. `Ok(None)` when fewer than two have one.
pub async fn derive(
    client: &Client,
    program: &Program,
    ty: &TypeFunctions,
    specs: &HashMap<String, Spec>,
) -> Result<Option<(TypeInvariants, Usage)>, LlmError> {
    let texts = |cs: &[Clause]| cs.iter().map(|c| cap_bytes(&c.text, 200)).collect();
    let mut functions = Vec::new();
    let mut members = Vec::new();
    // A request quotes at most MAX_FUNCTIONS functions; the others get no role, and
    // their checks say so (see `roles`).
    for (f, value) in ty.members.iter().take(MAX_FUNCTIONS) {
        let func = program.function(*f);
        let Some(spec) = specs.get(func.id.as_str()) else {
            continue;
        };
        functions.push(FunctionData {
            id: func.id.as_str(),
            name: &func.qualified_name,
            signature: &func.signature.text,
            self_param: value,
            summary: cap_bytes(&spec.summary, 300),
            preconditions: texts(&spec.preconditions),
            postconditions: texts(&spec.postconditions),
            errors: texts(&spec.errors),
        });
        members.push((*f, value.clone()));
    }
    if functions.len() < 2 {
        return Ok(None);
    }
    let ids: Vec<String> = functions.iter().map(|f| f.id.to_string()).collect();
    let data = serde_json::json!({
        "type": ty.name,
        "declaration": ty.declaration,
        "functions": functions,
    });
    let prompt = prompt::render(Template::Invariants, ty.lang, &Vars::default(), &data);
    let narrow = |s: &mut serde_json::Value| {
        vouch_llm::schema::one_entry_per_id(s, "functions", "function", &ids);
    };
    let (reply, usage) = client
        .call_narrowed::<InvariantsReply>(crate::walk::STAGE, &prompt, narrow)
        .await?;
    let mut clauses: Vec<Clause> = Vec::new();
    for mut c in reply.invariants.into_iter().take(MAX_INVARIANTS) {
        c.text = cap_bytes(c.text.trim(), 300);
        c.from.clear();
        if !c.text.is_empty() && !clauses.iter().any(|k| k.text == c.text) {
            clauses.push(c);
        }
    }
    let roles = members
        .into_iter()
        .filter_map(|(f, value)| {
            let id = program.function(f).id.as_str();
            let role = reply.functions.iter().find(|r| r.function == id)?.role;
            Some((f, value, role))
        })
        .collect();
    Ok(Some((
        TypeInvariants {
            name: ty.name.clone(),
            clauses,
            roles,
        },
        usage,
    )))
}

/// `spec` with `inv` added for `func`, where the value goes by `value` and `func` plays
/// `role`: the invariants are preconditions of a function that takes a valid value
/// (`keeps`, `reads`, `ends`), and postconditions of one that makes or may change it
/// (`creates`, `keeps`). A formal fragment is written about `self`; it is kept, with
/// `self` replaced by the value's name, where it type-checks in `func`.
pub fn extend(
    spec: &Spec,
    func: &Function,
    types: &Arc<Types>,
    inv: &TypeInvariants,
    value: &str,
    role: Role,
) -> Spec {
    let mut out = spec.clone();
    if inv.clauses.is_empty() {
        return out;
    }
    let env = env_of(func, types);
    let name = &inv.name;
    // A value returned inside an `Option` or a `Result` may not be there at all.
    let wrapped = value == RESULT
        && func.signature.ret.as_deref().is_some_and(|r| {
            r.trim_start().starts_with("Option") || r.trim_start().starts_with("Result")
        });
    let formal = |c: &Clause, pos: Position| -> Option<String> {
        if wrapped {
            return None;
        }
        let e = formula::parse(c.formal.as_deref()?).ok()?;
        let to = Expr {
            kind: if value == RESULT {
                ExprKind::Result
            } else {
                ExprKind::Var(value.to_string())
            },
            span: (0, 0),
        };
        let map = HashMap::from([("self".to_string(), to)]);
        let e = formula::substitute(&e, &map)?;
        formula::check(&e, &env, pos).ok()?;
        Some(e.to_string())
    };
    let takes_valid = matches!(role, Role::Keeps | Role::Reads | Role::Ends) && value != RESULT;
    let leaves_valid = matches!(role, Role::Creates | Role::Keeps);
    for c in &inv.clauses {
        if takes_valid {
            out.preconditions.push(Clause {
                text: format!("the invariant of `{name}` holds of `{value}`: {}", c.text),
                formal: formal(c, Position::Pre),
                from: Vec::new(),
            });
        }
        if leaves_valid {
            // A value that failed to be made is no value: only success must make one.
            let verb = if role == Role::Creates {
                "when it succeeds, establishes"
            } else {
                "keeps"
            };
            out.postconditions.push(Clause {
                text: format!("{verb} the invariant of `{name}` for `{value}`: {}", c.text),
                formal: formal(c, Position::Post),
                from: Vec::new(),
            });
        }
    }
    out
}

/// The invariants a function's check extends its spec with: every type it takes or
/// makes, with its role there.
pub fn for_function(
    all: &[TypeInvariants],
    f: FnIdx,
) -> impl Iterator<Item = (&TypeInvariants, &str, Role)> {
    all.iter().flat_map(move |t| {
        t.roles
            .iter()
            .filter(move |(g, _, _)| *g == f)
            .map(move |(_, value, role)| (t, value.as_str(), *role))
    })
}
