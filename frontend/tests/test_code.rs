//! Which functions are test code: checked by name and place, never by a substring.

use vouch_frontend::{FnIdx, Program, parse_source};

fn tests_in(program: &Program) -> Vec<(String, bool)> {
    (0..program.functions.len())
        .map(|i| {
            let f = FnIdx(i as u32);
            (program.function(f).name.clone(), program.is_test_code(f))
        })
        .collect()
}

fn one_c_function_is_test(path: &str) -> bool {
    let program = parse_source(path, "int f(int x) { return x; }\n");
    assert_eq!(program.functions.len(), 1, "{path}");
    program.is_test_code(FnIdx(0))
}

#[test]
fn c_test_code_is_found_by_its_directory_or_file_name() {
    for path in [
        "tests/ring.c",
        "test/ring.c",
        "src/testing/ring.c",
        "src/test_ring.c",
        "src/ring_test.c",
        "src/ring_tests.c",
    ] {
        assert!(one_c_function_is_test(path), "{path}");
    }
    for path in [
        "src/ring.c",
        "src/contest.c",
        "src/testing.c",
        "src/attest_ring.c",
        "latest/ring.c",
    ] {
        assert!(!one_c_function_is_test(path), "{path}");
    }
}

#[test]
fn rust_test_functions_and_cfg_test_modules_are_test_code() {
    let src = "pub fn f() -> u32 { 1 }\n\
               #[test]\nfn t() { assert_eq!(f(), 1); }\n\
               #[cfg(test)]\nmod tests {\n    fn helper() -> u32 { super::f() }\n}\n";
    let program = parse_source("src/lib.rs", src);
    let mut found = tests_in(&program);
    found.sort();
    assert_eq!(
        found,
        vec![
            ("f".to_string(), false),
            ("helper".to_string(), true),
            ("t".to_string(), true),
        ]
    );
}
