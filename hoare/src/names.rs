//! The names of a Z3 model as the formula language writes them, for what a report
//! shows: the solver names a field `field!len(self)` and a length of a field
//! `len((field!nodes self))`; a reader knows them as `self.len` and `len(self.nodes)`.

use vouch_specgen::formula::is_name;

/// `name`, a name of a [`crate::Model`], in the formula language: `field!f(p)` is
/// `p.f`, `elem(a, i)` is `a[i]`, `len(p)` stays, a name read at entry (`old!…`) is
/// `old(…)`, and the arguments (Z3's terms, `(field!nodes self)`, `(+ i 1)`) read the
/// same way. `None` when some part of it is not one of these.
pub fn readable(name: &str) -> Option<String> {
    let name = name.trim();
    let Some((head, rest)) = name.split_once('(') else {
        return atom(name);
    };
    let inner = rest.strip_suffix(')')?;
    let in_old = head.starts_with("old!");
    let args = crate::values::split_top(inner)
        .iter()
        .map(|a| term(&parse(a)?, in_old))
        .collect::<Option<Vec<String>>>()?;
    applied(head, &args, false)
}

/// A Z3 term: an atom or a parenthesized application.
enum Sexp {
    Atom(String),
    List(Vec<Sexp>),
}

fn parse(text: &str) -> Option<Sexp> {
    let tokens: Vec<String> = text
        .replace('(', " ( ")
        .replace(')', " ) ")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut at = 0;
    let s = sexp(&tokens, &mut at)?;
    (at == tokens.len()).then_some(s)
}

fn sexp(tokens: &[String], at: &mut usize) -> Option<Sexp> {
    let t = tokens.get(*at)?;
    *at += 1;
    match t.as_str() {
        "(" => {
            let mut items = Vec::new();
            while tokens.get(*at)? != ")" {
                items.push(sexp(tokens, at)?);
            }
            *at += 1;
            Some(Sexp::List(items))
        }
        ")" => None,
        _ => Some(Sexp::Atom(t.clone())),
    }
}

/// `s` read; `in_old` when an enclosing name is read at entry already, so an inner
/// `old!` adds nothing (`old!len((old!field!free self))` is `old(len(self.free))`).
fn term(s: &Sexp, in_old: bool) -> Option<String> {
    match s {
        Sexp::Atom(a) => atom(a),
        Sexp::List(items) => {
            let (Sexp::Atom(head), rest) = items.split_first()? else {
                return None;
            };
            let inner = in_old || head.starts_with("old!");
            let args = rest
                .iter()
                .map(|a| term(a, inner))
                .collect::<Option<Vec<String>>>()?;
            match (head.as_str(), &args[..]) {
                ("-", [x]) => Some(format!("-{x}")),
                (op @ ("+" | "-" | "*"), [x, y]) => Some(format!("({x} {op} {y})")),
                ("div", [x, y]) => Some(format!("({x} / {y})")),
                ("mod", [x, y]) => Some(format!("({x} % {y})")),
                _ => applied(head, &args, in_old),
            }
        }
    }
}

/// A plain name or a number; never one of the solver's own (`x!1`).
fn atom(a: &str) -> Option<String> {
    let number = !a.is_empty() && a.chars().all(|c| c.is_ascii_digit());
    (is_name(a) || number).then(|| a.to_string())
}

/// `head` applied to `args`, as the lowering names it (`len`, `field!f`, `elem`,
/// each perhaps `old!`, which says nothing more within `old(…)`).
fn applied(head: &str, args: &[String], in_old: bool) -> Option<String> {
    if let Some(now) = head.strip_prefix("old!") {
        let e = applied(now, args, true)?;
        return Some(if in_old { e } else { format!("old({e})") });
    }
    match (head, args) {
        ("len", [p]) => Some(format!("len({p})")),
        ("elem", [a, i]) => Some(format!("{a}[{i}]")),
        (field, [p]) => {
            let f = field.strip_prefix("field!")?;
            is_name(f).then(|| format!("{p}.{f}"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::readable;

    #[test]
    fn a_models_names_read_as_the_formula_language_writes_them() {
        for (name, shown) in [
            ("n", Some("n")),
            ("result", Some("result")),
            ("field!len(self)", Some("self.len")),
            ("old!field!hits(self)", Some("old(self.hits)")),
            ("len((field!nodes self))", Some("len(self.nodes)")),
            ("old!len((field!free self))", Some("old(len(self.free))")),
            (
                "old!len((old!field!free self))",
                Some("old(len(self.free))"),
            ),
            ("elem(a, (+ i 1))", Some("a[(i + 1)]")),
            ("field!count((elem rbs 0))", Some("rbs[0].count")),
            ("len(p!1)", None),
            ("field!x(", None),
            ("mystery(a)", None),
        ] {
            assert_eq!(readable(name).as_deref(), shown, "{name}");
        }
    }
}
