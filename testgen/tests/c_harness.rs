//! The C harness runner with real gcc, sanitizers and bubblewrap: a planted heap
//! overflow in a `static` function is confirmed by ASan, a correct function is refuted,
//! a failed clause assertion is confirmed, an endless loop is stopped at the limit, and
//! generated code can neither reach the network nor write outside its tmpfs.

use std::path::Path;
use std::time::Duration;
use vouch_testgen::{CProject, Exit, Limits, Outcome, Sandbox, SandboxError, Subject, confirm};

const HEADER: &str = "#ifndef BUF_H\n#define BUF_H\n#include <stddef.h>\nint buf_sum(const int *xs, size_t n);\n#endif\n";

/// A little C tree: `fill` (static) writes one past the end; `buf_sum` is correct.
const BUF: &str = r#"#include <stdlib.h>
#include "buf.h"

static void fill(char *p, int n)
{
    for (int i = 0; i <= n; i++) {
        p[i] = 'x';
    }
}

int buf_sum(const int *xs, size_t n)
{
    int s = 0;
    for (size_t i = 0; i < n; i++) {
        s += xs[i];
    }
    return s;
}

int main(void)
{
    char b[8];
    fill(b, 7);
    return 0;
}
"#;

/// A harness body that makes `fill` overflow its heap buffer.
const OVERFLOW: &str =
    "int main(void)\n{\n    char *p = malloc(4);\n    fill(p, 4);\n    free(p);\n    return 0;\n}";

const UTIL: &str = "#include \"buf.h\"\nint twice(int x) { return 2 * x; }\n";

/// `copy` forgets that malloc may fail; `copy_checked` does not.
const DUP: &str = "#include <stdlib.h>\n#include <string.h>\n\nchar *copy(const char *s)\n{\n    char *p = malloc(strlen(s) + 1);\n    strcpy(p, s);\n    return p;\n}\n\nchar *copy_checked(const char *s)\n{\n    char *p = malloc(strlen(s) + 1);\n    if (p == NULL) {\n        return NULL;\n    }\n    strcpy(p, s);\n    return p;\n}\n";

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("include")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("src")).expect("mkdir");
    std::fs::write(dir.path().join("include/buf.h"), HEADER).expect("write");
    std::fs::write(dir.path().join("src/buf.c"), BUF).expect("write");
    std::fs::write(dir.path().join("src/util.c"), UTIL).expect("write");
    std::fs::write(dir.path().join("src/dup.c"), DUP).expect("write");
    dir
}

fn project(root: &Path) -> CProject {
    let files: Vec<(String, String)> = ["include/buf.h", "src/buf.c", "src/util.c", "src/dup.c"]
        .iter()
        .map(|p| {
            (
                p.to_string(),
                std::fs::read_to_string(root.join(p)).expect("read"),
            )
        })
        .collect();
    CProject::infer(root, &files)
}

/// A function of `src/buf.c` a harness is about.
fn about(name: &str) -> Subject {
    let (start_line, end_line) = match name {
        "fill" => (4, 9),
        "buf_sum" => (11, 18),
        other => panic!("no {other} in src/buf.c"),
    };
    Subject::new(name, "src/buf.c", start_line, end_line)
}

fn sandbox(time: Duration) -> Sandbox {
    Sandbox::new(
        Limits {
            time,
            ..Limits::default()
        },
        false,
    )
    .expect("bwrap works here (apt-get install bubblewrap)")
}

#[test]
fn the_build_is_inferred_from_the_tree() {
    let t = tree();
    let p = project(t.path());
    assert_eq!(p.include_dirs, vec!["include".to_string()]);
    assert_eq!(
        p.sources,
        vec!["src/dup.c".to_string(), "src/util.c".to_string()],
        "buf.c defines main"
    );
    // compile_commands.json adds its -I and -D flags.
    std::fs::write(
        t.path().join("compile_commands.json"),
        format!(
            r#"[{{"directory": "{}", "command": "cc -Iinclude -I gen -DNDEBUG -DLEVEL=2 -c src/util.c", "file": "src/util.c"}}]"#,
            t.path().display()
        ),
    )
    .expect("write");
    let p = project(t.path());
    assert_eq!(
        p.include_dirs,
        vec!["gen".to_string(), "include".to_string()]
    );
    assert_eq!(p.defines, vec!["LEVEL=2".to_string(), "NDEBUG".to_string()]);
}

#[test]
fn a_heap_overflow_in_a_static_function_is_confirmed_by_asan() {
    let t = tree();
    let c = confirm(
        &sandbox(Duration::from_secs(60)),
        &project(t.path()),
        &about("fill"),
        OVERFLOW,
    )
    .expect("run");
    match &c.outcome {
        Outcome::Confirmed { why } => {
            assert!(why.contains("heap-buffer-overflow"), "{why}\n{}", c.output)
        }
        other => panic!("{other:?}\n{}", c.output),
    }
    assert!(c.source.contains("#define main vouch_unit_main"));
    assert!(
        c.command.contains("bwrap") && c.command.contains("--unshare-all"),
        "{}",
        c.command
    );
    reproduces_the_overflow(&c);
}

/// The reproduce script, saved beside the harness, repeats the run from anywhere and
/// leaves nothing behind.
fn reproduces_the_overflow(c: &vouch_testgen::Confirmation) {
    let saved = tempfile::tempdir().expect("tempdir");
    std::fs::write(saved.path().join("VCH-1.c"), &c.source).expect("write");
    std::fs::write(saved.path().join("VCH-1.sh"), &c.reproduce).expect("write");
    let again = std::process::Command::new("sh")
        .arg(saved.path().join("VCH-1.sh"))
        .current_dir("/")
        .output()
        .expect("sh");
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        !again.status.success() && stderr.contains("heap-buffer-overflow"),
        "{:?}\n{stderr}\n{}",
        again.status,
        c.reproduce
    );
    assert_eq!(std::fs::read_dir(saved.path()).expect("dir").count(), 2);
}

#[test]
fn a_correct_function_is_refuted_and_a_failed_clause_confirmed() {
    let t = tree();
    let sb = sandbox(Duration::from_secs(60));
    let p = project(t.path());
    let passes = confirm(
        &sb,
        &p,
        &about("buf_sum"),
        "int main(void)\n{\n    int xs[3] = {1, 2, 3};\n    VOUCH_CHECK(buf_sum(xs, 3) == 6, \"returns the sum of xs\");\n    VOUCH_CHECK(twice(4) == 8, \"links the other sources\");\n    return 0;\n}",
    )
    .expect("run");
    assert_eq!(passes.outcome, Outcome::Refuted, "{}", passes.output);
    let fails = confirm(
        &sb,
        &p,
        &about("buf_sum"),
        "int main(void)\n{\n    int xs[2] = {1, 2};\n    VOUCH_CHECK(buf_sum(xs, 2) == 4, \"returns 4 for [1, 2]\");\n    return 0;\n}",
    )
    .expect("run");
    match &fails.outcome {
        Outcome::Confirmed { why } => assert!(why.contains("returns 4 for [1, 2]"), "{why}"),
        other => panic!("{other:?}\n{}", fails.output),
    }
    // A plain `assert` or a set-up check of the harness's own tests no claim.
    let asserted = confirm(
        &sb,
        &p,
        &about("buf_sum"),
        "#include <assert.h>\nint main(void)\n{\n    int xs[2] = {1, 2};\n    assert(buf_sum(xs, 2) == 4);\n    return 0;\n}",
    )
    .expect("run");
    match &asserted.outcome {
        Outcome::Inconclusive { why } => {
            assert!(
                why.contains("Assertion `buf_sum(xs, 2) == 4' failed.")
                    && why.contains("outside `buf_sum`"),
                "{why}"
            )
        }
        other => panic!("{other:?}\n{}", asserted.output),
    }
    let setup = confirm(
        &sb,
        &p,
        &about("buf_sum"),
        "int main(void)\n{\n    int *xs = malloc(2 * sizeof *xs);\n    VOUCH_REQUIRE(xs == NULL, \"no memory\");\n    return 0;\n}",
    )
    .expect("run");
    match &setup.outcome {
        Outcome::Inconclusive { why } => assert!(why.contains("set-up check"), "{why}"),
        other => panic!("{other:?}\n{}", setup.output),
    }
    // The overflow of `fill`, with the claim about `buf_sum`: another function's defect.
    let elsewhere = confirm(&sb, &p, &about("buf_sum"), OVERFLOW).expect("run");
    match &elsewhere.outcome {
        Outcome::Inconclusive { why } => {
            assert!(
                why.contains("`fill` (src/buf.c:7)") && why.contains("not in `buf_sum`"),
                "{why}"
            )
        }
        other => panic!("{other:?}\n{}", elsewhere.output),
    }
    let broken = confirm(
        &sb,
        &p,
        &about("buf_sum"),
        "int main(void) { return no_such_function(); }",
    )
    .expect("run");
    match &broken.outcome {
        Outcome::Inconclusive { why } => assert!(why.contains("did not build"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_endless_loop_is_stopped_at_the_time_limit() {
    let t = tree();
    let c = confirm(
        &sandbox(Duration::from_secs(8)),
        &project(t.path()),
        &about("buf_sum"),
        "#include <unistd.h>\nint main(void)\n{\n    if (fork() == 0) { for (;;) { } }\n    for (;;) { }\n}",
    )
    .expect("run");
    match &c.outcome {
        Outcome::Inconclusive { why } => assert!(why.contains("time limit"), "{why}"),
        other => panic!("{other:?}\n{}", c.output),
    }
}

#[test]
fn generated_code_reaches_no_network_and_writes_only_its_tmpfs() {
    let t = tree();
    let marker = t.path().join("escaped.txt");
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let body = format!(
        r#"#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
int main(void)
{{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {{0}};
    a.sin_family = AF_INET;
    a.sin_port = htons(80);
    inet_pton(AF_INET, "1.1.1.1", &a.sin_addr);
    int c = s < 0 ? -1 : connect(s, (struct sockaddr *)&a, sizeof a);
    printf("connect: %s\n", c == 0 ? "OPEN" : strerror(errno));
    const char *paths[] = {{"{marker}", "/etc/vouch-escape", "{home}/vouch-escape", "/tmp/vouch/work/ok.txt"}};
    for (int i = 0; i < 4; i++) {{
        FILE *f = fopen(paths[i], "w");
        printf("write %s: %s\n", paths[i], f ? "WRITTEN" : strerror(errno));
        if (f) fclose(f);
    }}
    return 0;
}}"#,
        marker = marker.display(),
    );
    let c = confirm(
        &sandbox(Duration::from_secs(60)),
        &project(t.path()),
        &about("buf_sum"),
        &body,
    )
    .expect("run");
    assert_eq!(c.outcome, Outcome::Refuted, "{}", c.output);
    assert!(!c.output.contains("connect: OPEN"), "{}", c.output);
    assert!(
        c.output.contains("connect: Network is unreachable"),
        "{}",
        c.output
    );
    assert!(
        c.output.contains("write /tmp/vouch/work/ok.txt: WRITTEN"),
        "its own tmpfs is writable: {}",
        c.output
    );
    assert_eq!(c.output.matches("WRITTEN").count(), 1, "{}", c.output);
    assert!(!marker.exists());
    assert!(!Path::new("/etc/vouch-escape").exists());
    assert!(!Path::new(&home).join("vouch-escape").exists());
}

#[test]
fn without_bwrap_nothing_runs_unless_allowed() {
    let empty = tempfile::tempdir().expect("tempdir");
    let path = Some(empty.path().as_os_str().to_owned());
    match Sandbox::with_path(path.clone(), Limits::default(), false) {
        Err(SandboxError::NoBwrap) => {}
        other => panic!("{other:?}"),
    }
    assert!(
        SandboxError::NoBwrap
            .to_string()
            .contains("apt-get install bubblewrap")
    );
    let open = Sandbox::with_path(path, Limits::default(), true).expect("allowed");
    assert!(!open.is_isolated());
    let run = open.run(&[], "echo unsandboxed; exit 3").expect("run");
    assert_eq!(run.exit, Exit::Code(3));
    assert_eq!(run.stdout.trim(), "unsandboxed");
    // An unsandboxed run's reproduce script is unsandboxed too, and works the same.
    let t = tree();
    let c = confirm(&open, &project(t.path()), &about("fill"), OVERFLOW).expect("run");
    assert!(
        matches!(c.outcome, Outcome::Confirmed { .. }),
        "{:?}",
        c.outcome
    );
    assert!(!c.reproduce.contains("bwrap"), "{}", c.reproduce);
    reproduces_the_overflow(&c);
    // A file name with a newline cannot end the script's comment early.
    let script = open.reproduce_script("runs a\nrm -rf /", ".c", "", &[], "true");
    assert_eq!(script.lines().nth(1), Some("# runs a rm -rf /"), "{script}");
}

#[test]
fn a_harness_that_redefines_the_function_under_test_uses_the_units_own() {
    use vouch_testgen::c::without_redefinitions;
    let body = "#include <assert.h>\nint buf_sum(const int *xs, size_t n);\nint buf_sum(const int *xs, size_t n)\n{\n    return 6;\n}\n\nstatic int helper(void) { return buf_sum(0, 0); }\n\nint main(void)\n{\n    int xs[2] = {1, 2};\n    VOUCH_CHECK(buf_sum(xs, 2) == 4, \"returns 4 for [1, 2]\");\n    return helper();\n}\n";
    let clean = without_redefinitions(body, &["buf_sum"]);
    assert!(!clean.contains("return 6;"), "{clean}");
    assert!(
        !clean.contains("int buf_sum(const int *xs, size_t n);"),
        "{clean}"
    );
    assert!(clean.contains("static int helper(void)"), "{clean}");
    assert!(clean.contains("VOUCH_CHECK(buf_sum(xs, 2) == 4"), "{clean}");
    // A copy whose braces do not close seems to run on over `main`: nothing is cut.
    let broken = "int buf_sum(const int *xs, size_t n)\n{\n    return 6;\n\nint main(void)\n{\n    return 0;\n}\n";
    assert_eq!(without_redefinitions(broken, &["buf_sum"]), broken);
    let t = tree();
    let c = confirm(
        &sandbox(Duration::from_secs(60)),
        &project(t.path()),
        &about("buf_sum"),
        &clean,
    )
    .expect("run");
    match &c.outcome {
        Outcome::Confirmed { why } => assert!(why.contains("returns 4 for [1, 2]"), "{why}"),
        other => panic!("{other:?}\n{}", c.output),
    }
}

#[test]
fn an_allocation_the_harness_makes_fail_shows_an_unchecked_malloc() {
    let t = tree();
    let sb = sandbox(Duration::from_secs(60));
    let p = project(t.path());
    let dup =
        |name: &str, start_line, end_line| Subject::new(name, "src/dup.c", start_line, end_line);
    // The next allocation of dup.c returns NULL: `copy` writes through it.
    let unchecked = confirm(
        &sb,
        &p,
        &dup("copy", 4, 9),
        "int main(void)\n{\n    VOUCH_FAIL_ALLOC(0);\n    char *c = copy(\"x\");\n    free(c);\n    return 0;\n}",
    )
    .expect("run");
    match &unchecked.outcome {
        Outcome::Confirmed { why } => assert!(why.contains("in `copy`"), "{why}"),
        other => panic!("{other:?}\n{}", unchecked.output),
    }
    // `copy_checked` reports it; the harness's own allocations are not affected.
    let checked = confirm(
        &sb,
        &p,
        &dup("copy_checked", 11, 19),
        "int main(void)\n{\n    char *mine = malloc(4);\n    VOUCH_REQUIRE(mine != NULL, \"the harness allocates\");\n    VOUCH_FAIL_ALLOC(0);\n    VOUCH_CHECK(copy_checked(\"x\") == NULL, \"returns NULL when memory runs out\");\n    char *c = copy_checked(\"y\");\n    VOUCH_CHECK(c != NULL && strcmp(c, \"y\") == 0, \"copies otherwise\");\n    free(c);\n    free(mine);\n    return 0;\n}",
    )
    .expect("run");
    assert_eq!(checked.outcome, Outcome::Refuted, "{}", checked.output);
}
