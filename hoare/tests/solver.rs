//! The solver against real Z3: proofs, counterexamples, rejected counterexamples,
//! vacuous preconditions, machine ranges and C division.

use vouch_hoare::{Decision, Solver};
use vouch_specgen::formula::{Env, Position, parse_checked};
use vouch_specgen::spec::env_of;
use vouch_specgen::types::Types;

fn env() -> Env {
    Env::new(
        [
            ("buf", "char *"),
            ("n", "size_t"),
            ("i", "int"),
            ("x", "int"),
            ("ok", "bool"),
            ("rb", "struct ring *"),
        ],
        Some("int"),
    )
}

fn f(text: &str, pos: Position) -> vouch_specgen::formula::Expr {
    parse_checked(text, &env(), pos).unwrap_or_else(|e| panic!("{text}: {}", e.render(text)))
}

fn pre(text: &str) -> vouch_specgen::formula::Expr {
    f(text, Position::Pre)
}

fn post(text: &str) -> vouch_specgen::formula::Expr {
    f(text, Position::Post)
}

#[test]
fn implications_are_proved_or_refuted_with_a_model() {
    let s = Solver::default();
    let e = env();
    let a = pre("buf != null && n <= len(buf)");
    let b = pre("i >= 0 && i < n");
    let goal = pre("i < len(buf)");
    assert!(matches!(
        s.implies(&e, &[&a, &b], &goal, "t"),
        Decision::Holds { .. }
    ));
    // Without the bound on i, Z3 finds i = n (or bigger) as a counterexample.
    match s.implies(&e, &[&a], &goal, "t") {
        Decision::Fails { model } => {
            let i: i128 = model["i"].parse().expect("i");
            let len: i128 = model["len(buf)"].parse().expect("len");
            assert!(i >= len, "{model:?}");
        }
        other => panic!("{other:?}"),
    }
    // An off-by-one bound: `i <= n` does not give `i < n`; Z3's model has i = n.
    match s.implies(&e, &[&pre("i >= 0 && i <= n")], &pre("i < n"), "t") {
        Decision::Fails { model } => assert_eq!(model["i"], model["n"], "{model:?}"),
        other => panic!("{other:?}"),
    }
    // Quantifiers over bounded ranges.
    let all = pre("forall k in 0..n: buf[k] != 0");
    let one = pre("i >= 0 && i < n");
    assert!(matches!(
        s.implies(&e, &[&all, &one], &pre("buf[i] != 0"), "t"),
        Decision::Holds { .. }
    ));
}

#[test]
fn machine_ranges_and_c_division_are_facts() {
    let s = Solver::default();
    let e = env();
    // An unsigned size is never negative; an int fits 32 bits.
    assert!(matches!(
        s.implies(&e, &[], &pre("n >= 0"), "t"),
        Decision::Holds { .. }
    ));
    assert!(matches!(
        s.implies(&e, &[], &pre("x <= 2147483647"), "t"),
        Decision::Holds { .. }
    ));
    assert!(matches!(
        s.implies(&e, &[], &pre("x + 1 <= 2147483647"), "t"),
        Decision::Fails { .. }
    ));
    // -7 / 2 is -3 and -7 % 2 is -1 in C, not -4 and 1.
    let neg = pre("x == -7");
    assert!(matches!(
        s.implies(&e, &[&neg], &pre("x / 2 == -3 && x % 2 == -1"), "t"),
        Decision::Holds { .. }
    ));
    // A parameter is the value passed: old(x) is x.
    let p = post("result == old(x) + 1");
    assert!(matches!(
        s.implies(&e, &[&p, &pre("x == 4")], &post("result == 5"), "t"),
        Decision::Holds { .. }
    ));
    // What a parameter points to has an entry value of its own.
    let p = post("result == old(buf[0]) + 1");
    assert!(matches!(
        s.implies(&e, &[&p, &post("buf[0] == 4")], &post("result == 5"), "t"),
        Decision::Fails { .. }
    ));
    assert!(matches!(
        s.implies(
            &e,
            &[&p, &post("old(buf[0]) == 4")],
            &post("result == 5"),
            "t"
        ),
        Decision::Holds { .. }
    ));
}

#[test]
fn a_field_used_as_a_pointer_or_buffer_is_decided() {
    // Struct layouts are not known: `rb->data` is whatever the formula uses it as.
    let s = Solver::default();
    let e = env();
    let p = pre("rb != null && rb->data != null && 0 <= rb->head < rb->cap");
    assert!(matches!(
        s.admits(&e, &[&p], &[&pre("rb->data == null")], "t"),
        Decision::Fails { .. }
    ));
    assert!(matches!(
        s.implies(&e, &[&p], &pre("rb->data != null"), "t"),
        Decision::Holds { .. }
    ));
    // Elements of a field: a fact about all of them gives the one at head.
    let all = pre("forall k in 0..rb->cap: rb->data[k] == 0");
    assert!(matches!(
        s.implies(&e, &[&p, &all], &pre("rb->data[rb->head] == 0"), "t"),
        Decision::Holds { .. }
    ));
    assert!(matches!(
        s.implies(&e, &[&all], &pre("rb->data[rb->head] == 0"), "t"),
        Decision::Fails { .. }
    ));
    // A field kept from entry: `old` reads the entry value.
    assert!(matches!(
        s.implies(
            &e,
            &[&post("rb->data == old(rb->data)")],
            &post("old(rb->data) != null ==> rb->data != null"),
            "t"
        ),
        Decision::Holds { .. }
    ));
}

/// A function's names typed through its program's struct layouts and typedefs.
fn typed_env(src: &str, function: &str) -> Env {
    let program = vouch_frontend::parse_source("t.c", src);
    let types = std::sync::Arc::new(Types::of(&program.types));
    let f = program
        .functions
        .iter()
        .find(|f| f.name == function)
        .expect(function);
    env_of(f, &types)
}

#[test]
fn a_field_of_a_known_layout_has_its_type_s_range() {
    let e = typed_env(
        "typedef struct { uint8_t *data; size_t count; unsigned short small; bool full; } rb_t;\n\
         int rb_peek(rb_t *rb, uint8_t *out) { return 0; }\n",
        "rb_peek",
    );
    let p = |t: &str| {
        parse_checked(t, &e, Position::Post).unwrap_or_else(|x| panic!("{}", x.render(t)))
    };
    let s = Solver::default();
    // The ranges of the declared types: proved from nothing.
    for goal in [
        "rb->count >= 0",
        "rb->small <= 65535",
        "rb->data[rb->count] <= 255",
        "*out >= 0",
    ] {
        assert!(
            matches!(s.implies(&e, &[], &p(goal), "t"), Decision::Holds { .. }),
            "{goal}"
        );
    }
    // A counterexample with a value its type cannot hold is rejected.
    assert!(matches!(
        s.admits(&e, &[], &[&p("rb->small == 70000")], "t"),
        Decision::Fails { .. }
    ));
    // A boolean field is a condition.
    assert!(matches!(
        s.implies(
            &e,
            &[&p("rb->full ==> rb->count > 0"), &p("rb->full")],
            &p("rb->count != 0"),
            "t"
        ),
        Decision::Holds { .. }
    ));
    // A `size_t` field wraps as the machine's does: `count + 1` may be 0.
    assert!(matches!(
        s.implies_wrapping(
            &e,
            &[],
            &[&p("result == rb->count + 1")],
            &p("result > 0"),
            "t"
        ),
        Some(Decision::Fails { .. })
    ));
}

#[test]
fn counterexamples_must_satisfy_the_preconditions() {
    let s = Solver::default();
    let e = env();
    let p = pre("buf != null && n > 0");
    assert!(
        matches!(
            s.admits(&e, &[&p], &[&pre("n == 0")], "t"),
            Decision::Fails { .. }
        ),
        "n = 0 breaks n > 0"
    );
    assert!(matches!(
        s.admits(&e, &[&p], &[&pre("n == 3")], "t"),
        Decision::Holds { .. }
    ));
    // A value outside the parameter's machine type is no counterexample either.
    assert!(matches!(
        s.admits(&e, &[], &[&pre("x == 1099511627776")], "t"),
        Decision::Fails { .. }
    ));
    // Values of what a parameter points to count as well.
    let bounded = pre("len(buf) >= n");
    assert!(matches!(
        s.admits(
            &e,
            &[&bounded],
            &[&pre("n == 4"), &pre("len(buf) == 3")],
            "t"
        ),
        Decision::Fails { .. }
    ));
}

#[test]
fn vacuous_preconditions_are_found_and_queries_can_be_dumped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Solver {
        timeout_ms: 2000,
        dump_dir: Some(dir.path().to_path_buf()),
    };
    let e = env();
    let contradiction = [pre("i > 10"), pre("i < 5")];
    let refs: Vec<_> = contradiction.iter().collect();
    assert!(matches!(
        s.satisfiable(&e, &refs, "vacuous/f#0"),
        Decision::Fails { .. }
    ));
    let fine = pre("i > 10 && ok");
    match s.satisfiable(&e, &[&fine], "sat f#0") {
        Decision::Holds { model } => assert_eq!(model["ok"], "true"),
        other => panic!("{other:?}"),
    }
    let dumped = std::fs::read_to_string(dir.path().join("vacuous_f_0.smt2")).expect("dumped");
    assert!(
        dumped.contains("(assert") && dumped.contains("(> i 10)"),
        "{dumped}"
    );
}

#[test]
fn unsigned_arithmetic_of_the_code_wraps() {
    let s = Solver::default();
    let e = Env::new(
        [("a", "unsigned int"), ("b", "unsigned int"), ("k", "int")],
        Some("unsigned int"),
    );
    let g = |t: &str| {
        parse_checked(t, &e, Position::Post).unwrap_or_else(|err| panic!("{t}: {}", err.render(t)))
    };
    let state = g("result == a - b");
    let goal = g("result <= a");
    // Read mathematically, `result` being unsigned silently rules out `a < b`...
    assert!(matches!(
        s.implies(&e, &[&state], &goal, "t"),
        Decision::Holds { .. }
    ));
    // ...but the machine wraps there, and Z3 finds it.
    match s.implies_wrapping(&e, &[], &[&state], &goal, "t") {
        Some(Decision::Fails { model }) => {
            let v = |n: &str| model[n].parse::<i128>().expect("a number");
            assert!(v("a") < v("b"), "{model:?}");
            assert_eq!(v("result"), v("a") - v("b") + (1 << 32), "{model:?}");
        }
        other => panic!("{other:?}"),
    }
    // A precondition that rules the wrap out restores the proof.
    let pre = parse_checked("b <= a", &e, Position::Pre).expect("parses");
    assert!(matches!(
        s.implies_wrapping(&e, &[&pre], &[&state], &goal, "t"),
        Some(Decision::Holds { .. })
    ));
    // Signed arithmetic does not wrap (it is undefined in C, a panic in Rust): nothing
    // to ask.
    let signed = g("k - 1 < k");
    assert_eq!(s.implies_wrapping(&e, &[], &[&signed], &goal, "t"), None);
}
