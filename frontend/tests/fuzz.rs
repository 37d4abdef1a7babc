//! Random and mutated C and Rust never make the frontend or the call graph panic.

use proptest::prelude::*;
use vouch_frontend::parse_source;

const C_SEED: &str = include_str!("../../callgraph/test_data/c_basics/src/rec.c");
const RS_SEED: &str = include_str!("../../callgraph/test_data/rust_basics/src/lib.rs");

fn check(path: &str, text: &str) {
    let program = parse_source(path, text);
    let graph = vouch_callgraph::CallGraph::build(&program);
    // Spans stay inside the text and on char boundaries.
    for f in &program.functions {
        assert!(f.span.end_byte as usize <= text.len());
        assert!(text.is_char_boundary(f.span.start_byte as usize));
    }
    assert_eq!(
        graph.sccs.iter().map(Vec::len).sum::<usize>(),
        program.functions.len()
    );
}

/// Applies byte-level edits (delete, duplicate, insert tokens) to a seed.
fn mutate(seed: &str, edits: &[(usize, usize, u8)]) -> String {
    let mut b = seed.as_bytes().to_vec();
    const TOKENS: &[&str] = &[
        "{",
        "}",
        "(",
        ")",
        ";",
        "fn ",
        "static ",
        "#define X(a) a(",
        "::",
        "/*",
        "\"",
        "'",
        "impl",
        "<",
        ">",
        "\n#if 1\n",
        "->",
    ];
    for &(pos, len, op) in edits {
        if b.is_empty() {
            break;
        }
        let p = pos % b.len();
        let l = len.min(b.len() - p);
        match op % 3 {
            0 => {
                b.drain(p..p + l);
            }
            1 => {
                let chunk: Vec<u8> = b[p..p + l].to_vec();
                b.splice(p..p, chunk);
            }
            _ => {
                let t = TOKENS[len % TOKENS.len()].as_bytes();
                b.splice(p..p, t.iter().copied());
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_text_never_panics(s in "\\PC{0,400}") {
        check("r.c", &s);
        check("r.rs", &s);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let s = String::from_utf8_lossy(&bytes);
        check("b.c", &s);
        check("b.rs", &s);
    }

    #[test]
    fn mutated_c_never_panics(edits in proptest::collection::vec((0usize..5000, 0usize..40, any::<u8>()), 1..12)) {
        check("m.c", &mutate(C_SEED, &edits));
    }

    #[test]
    fn mutated_rust_never_panics(edits in proptest::collection::vec((0usize..5000, 0usize..40, any::<u8>()), 1..12)) {
        check("m.rs", &mutate(RS_SEED, &edits));
    }
}
