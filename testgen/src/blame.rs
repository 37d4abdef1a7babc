//! Where a failed test places its failure. A test confirms a claim about one function
//! only when it fails in that function: a sanitizer report or a panic located in
//! another function (another defect on the path, or the test's own set-up) shows
//! nothing about the claim.

use std::fmt;

/// The function a test is about: its name, its file (relative to the project root for
/// C, to the crate root for Rust) and its lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    pub name: String,
    pub file: String,
    pub start_line: u32,
    pub end_line: u32,
    /// Other functions a failure may lie in, as `(file, start line, end line)`: for a
    /// claim that the function calls another without establishing its precondition,
    /// the called function, which then fails on what it was given.
    pub also: Vec<(String, u32, u32)>,
    /// The claim is that the function calls another without its precondition. The
    /// test's own check of the clause then restates only its set-up (it built the
    /// state the precondition fails in), so it confirms nothing: only a failure inside
    /// the function or `also` does.
    pub callee_claim: bool,
    /// For such a claim: the function's own clauses said to break through the call.
    /// The test's check of one of these is a consequence in the function, not its
    /// set-up, and confirms the claim.
    pub consequences: Vec<String>,
}

impl Subject {
    /// The function `name` on lines `start_line..=end_line` of `file`, with no `also`.
    pub fn new(name: &str, file: &str, start_line: u32, end_line: u32) -> Subject {
        Subject {
            name: name.into(),
            file: file.into(),
            start_line,
            end_line,
            also: Vec::new(),
            callee_claim: false,
            consequences: Vec::new(),
        }
    }

    /// Whether a failed check (`vouch-assert: violated: MESSAGE`) is of one of the
    /// [`Subject::consequences`]: its message quotes the clause (its first 60
    /// characters, whitespace aside).
    pub fn checks_consequence(&self, line: &str) -> bool {
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let message = words(line.split("vouch-assert: violated:").nth(1).unwrap_or(""));
        self.consequences.iter().any(|c| {
            let c = words(c);
            let head: String = c.chars().take(60).collect();
            !head.is_empty() && message.contains(&head)
        })
    }

    /// Whether a source location is inside the function (or one of `also`). `path`
    /// may be absolute or carry a prefix (`/tmp/vouch/src/tree/src/a.c`); it matches
    /// when it ends with the subject's file on a path boundary.
    pub fn contains(&self, path: &str, line: u32) -> bool {
        let inside = |file: &str, start: u32, end: u32| {
            (start..=end).contains(&line) && same_file(path, file)
        };
        inside(&self.file, self.start_line, self.end_line)
            || self.also.iter().any(|(f, s, e)| inside(f, *s, *e))
    }
}

fn same_file(path: &str, file: &str) -> bool {
    let file = file.trim_start_matches("./");
    path == file
        || path
            .strip_suffix(file)
            .is_some_and(|before| before.ends_with('/'))
}

/// A source location from a report: `file:line`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub function: String,
    pub file: String,
    pub line: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.function.is_empty() {
            write!(f, "{}:{}", self.file, self.line)
        } else {
            write!(f, "`{}` ({}:{})", self.function, self.file, self.line)
        }
    }
}

/// What a report says about where it failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Blame {
    /// In the function under test.
    Subject,
    /// In audited code, but another function (the innermost place named).
    Elsewhere(Location),
    /// Nowhere in the audited code: the test's own code, or no location given.
    Unplaced,
}

/// The C sources of the audited tree sit under this directory in a harness's build.
const TREE: &str = "/tree/";

/// One frame of a sanitizer's stack trace: `#3 0x55d0 in fn /path/file.c:12:7`.
fn frame(line: &str) -> Option<Location> {
    let mut words = line.split_whitespace();
    if !words.next()?.starts_with('#') {
        return None;
    }
    let _address = words.next()?;
    if words.next()? != "in" {
        return None;
    }
    let function = words.next()?.to_string();
    let place = words.next()?;
    let (file, line) = split_location(place)?;
    Some(Location {
        function,
        file: file.to_string(),
        line,
    })
}

/// `file:line` or `file:line:column`.
fn split_location(place: &str) -> Option<(&str, u32)> {
    let mut parts = place.rsplitn(3, ':');
    let last = parts.next()?;
    let middle = parts.next()?;
    match (last.parse::<u32>(), middle.parse::<u32>(), parts.next()) {
        (Ok(_col), Ok(line), Some(file)) => Some((file, line)),
        (Ok(line), Err(_), _) => {
            // `file:line` only: the file is everything before the last colon.
            let file = place.rsplit_once(':')?.0;
            Some((file, line))
        }
        _ => None,
    }
}

/// The stacks that follow each line for which `starts` holds: after at most one line
/// of detail (`WRITE of size 1 at ...`), the frame lines up to the first line that is
/// not one.
fn stacks_after<'a>(text: &'a str, starts: impl Fn(&str) -> bool) -> Vec<Vec<Location>> {
    let lines: Vec<&'a str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if !starts(l) {
            continue;
        }
        let rest = &lines[i + 1..];
        let skip = usize::from(rest.first().is_some_and(|l| !is_frame_line(l)));
        let stack: Vec<Location> = rest[skip.min(rest.len())..]
            .iter()
            .take_while(|l| is_frame_line(l))
            .filter_map(|l| frame(l))
            .collect();
        out.push(stack);
    }
    out
}

/// A line of a stack trace, whether or not it names a source location.
fn is_frame_line(line: &str) -> bool {
    line.trim_start()
        .strip_prefix('#')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
}

/// The innermost frame of a stack that lies in the audited tree, judged against the
/// subject.
fn innermost(stack: &[Location], subject: &Subject) -> Blame {
    match stack.iter().find(|f| f.file.contains(TREE)) {
        Some(f) if subject.contains(&f.file, f.line) => Blame::Subject,
        Some(f) => Blame::Elsewhere(Location {
            function: f.function.clone(),
            file: tree_relative(&f.file).to_string(),
            line: f.line,
        }),
        None => Blame::Unplaced,
    }
}

fn tree_relative(path: &str) -> &str {
    path.rfind(TREE).map_or(path, |i| &path[i + TREE.len()..])
}

/// Where a C harness's sanitizer report places the failure:
/// - AddressSanitizer: the innermost audited frame of the faulting access, or, for a
///   use after free or a double free, of the earlier free (the function that freed
///   too early is the one at fault);
/// - UndefinedBehaviorSanitizer: the location of the `runtime error`;
/// - LeakSanitizer: any audited frame of a leaked block's allocation stack.
pub fn c_report(stderr: &str, subject: &Subject) -> Blame {
    if stderr.contains("ERROR: LeakSanitizer") {
        let stacks = stacks_after(stderr, |l| {
            l.contains("leak of") && l.trim_end().ends_with("allocated from:")
        });
        let mut first = Blame::Unplaced;
        for stack in &stacks {
            if stack
                .iter()
                .any(|f| f.file.contains(TREE) && subject.contains(&f.file, f.line))
            {
                return Blame::Subject;
            }
            if first == Blame::Unplaced {
                first = innermost(stack, subject);
            }
        }
        return first;
    }
    if let Some(l) = stderr.lines().find(|l| l.contains(": runtime error:")) {
        let place = l.split(": runtime error:").next().unwrap_or("");
        return match split_location(place) {
            Some((file, line)) if file.contains(TREE) => {
                if subject.contains(file, line) {
                    Blame::Subject
                } else {
                    Blame::Elsewhere(Location {
                        function: String::new(),
                        file: tree_relative(file).to_string(),
                        line,
                    })
                }
            }
            _ => Blame::Unplaced,
        };
    }
    let access = stacks_after(stderr, |l| l.contains("ERROR: AddressSanitizer"))
        .into_iter()
        .next()
        .unwrap_or_default();
    let blame = innermost(&access, subject);
    if blame == Blame::Subject {
        return blame;
    }
    let freed = stacks_after(stderr, |l| l.trim_start().starts_with("freed by thread"))
        .into_iter()
        .next()
        .unwrap_or_default();
    if innermost(&freed, subject) == Blame::Subject {
        return Blame::Subject;
    }
    blame
}

/// Where a Rust test's panics place the failure: `panicked at src/a.rs:12:5`. Any panic
/// in the function counts (a property test prints one per failing case it shrinks).
pub fn rust_panics(output: &str, subject: &Subject) -> Blame {
    let mut first = Blame::Unplaced;
    for l in output.lines() {
        let Some(at) = l.find("panicked at ") else {
            continue;
        };
        let place = l[at + "panicked at ".len()..]
            .trim_end()
            .trim_end_matches(':');
        let Some((file, line)) = split_location(place) else {
            continue;
        };
        if subject.contains(file, line) {
            return Blame::Subject;
        }
        if first == Blame::Unplaced && !file.starts_with('/') && !file.contains("library/") {
            first = Blame::Elsewhere(Location {
                function: String::new(),
                file: file.to_string(),
                line,
            });
        }
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject() -> Subject {
        Subject::new("pkt_decode", "src/packet.c", 70, 100)
    }

    #[test]
    fn frames_and_locations_are_read() {
        assert_eq!(
            frame("    #1 0x55bf in dispatch_packet /tmp/vouch/src/tree/src/dispatch.c:85"),
            Some(Location {
                function: "dispatch_packet".into(),
                file: "/tmp/vouch/src/tree/src/dispatch.c".into(),
                line: 85
            })
        );
        assert_eq!(
            frame("    #4 0x5612 in _start (/tmp/vouch/work/harness+0xc230)"),
            None
        );
        assert_eq!(
            split_location("src/list.rs:160:19"),
            Some(("src/list.rs", 160))
        );
        assert!(subject().contains("/x/tree/src/packet.c", 80));
        assert!(!subject().contains("/x/tree/xsrc/packet.c", 80));
        assert!(!subject().contains("/x/tree/src/packet.c", 101));
    }

    #[test]
    fn an_overflow_is_placed_by_its_innermost_audited_frame() {
        let inside = "==2==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x60\nWRITE of size 1 at 0x60 thread T0\n    #0 0x7f in __interceptor_memcpy ../sanitizer_common_interceptors.inc:827\n    #1 0x55 in pkt_decode /tmp/vouch/src/tree/src/packet.c:91\n    #2 0x55 in main /tmp/vouch/src/harness.c:20\n\n";
        assert_eq!(c_report(inside, &subject()), Blame::Subject);
        let callee = inside.replace(
            "pkt_decode /tmp/vouch/src/tree/src/packet.c:91",
            "rb_skip /tmp/vouch/src/tree/src/ringbuf.c:131",
        );
        assert_eq!(
            c_report(&callee, &subject()),
            Blame::Elsewhere(Location {
                function: "rb_skip".into(),
                file: "src/ringbuf.c".into(),
                line: 131
            })
        );
        let harness = "==2==ERROR: AddressSanitizer: SEGV on unknown address\n    #0 0x55 in main /tmp/vouch/src/harness.c:20\n";
        assert_eq!(c_report(harness, &subject()), Blame::Unplaced);
    }

    #[test]
    fn a_double_free_is_blamed_on_the_earlier_free() {
        let report = "==2==ERROR: AddressSanitizer: attempting double-free on 0x60 in thread T0:\n    #0 0x7f in free ../asan_malloc_linux.cpp:52\n    #1 0x55 in pkt_free /tmp/vouch/src/tree/src/packet.c:120\n    #2 0x55 in main /tmp/vouch/src/harness.c:30\n\n0x60 is located 0 bytes inside of 6-byte region\nfreed by thread T0 here:\n    #0 0x7f in free ../asan_malloc_linux.cpp:52\n    #1 0x55 in pkt_decode /tmp/vouch/src/tree/src/packet.c:93\n    #2 0x55 in main /tmp/vouch/src/harness.c:25\n";
        assert_eq!(c_report(report, &subject()), Blame::Subject);
    }

    #[test]
    fn ubsan_and_leaks_are_placed() {
        let ub = "/tmp/vouch/src/tree/src/packet.c:74:14: runtime error: signed integer overflow\n";
        assert_eq!(c_report(ub, &subject()), Blame::Subject);
        let ub = "/tmp/vouch/src/tree/src/packet.c:14:14: runtime error: signed integer overflow\n";
        assert!(matches!(c_report(ub, &subject()), Blame::Elsewhere(_)));
        // A claim that the subject calls `pkt_checksum` (lines 10-16) without its
        // precondition: a failure there counts.
        let caller = Subject {
            also: vec![("src/packet.c".into(), 10, 16)],
            ..subject()
        };
        assert_eq!(c_report(ub, &caller), Blame::Subject);
        let leak = "==2==ERROR: LeakSanitizer: detected memory leaks\n\nDirect leak of 5 byte(s) in 1 object(s) allocated from:\n    #0 0x7f in malloc ../asan_malloc_linux.cpp:69\n    #1 0x55 in copy_name /tmp/vouch/src/tree/src/dispatch.c:18\n    #2 0x55 in pkt_decode /tmp/vouch/src/tree/src/packet.c:88\n    #3 0x55 in main /tmp/vouch/src/harness.c:9\n";
        assert_eq!(c_report(leak, &subject()), Blame::Subject);
    }

    #[test]
    fn panics_are_placed_by_their_location() {
        let s = Subject::new("get", "src/list.rs", 155, 165);
        let out = "thread 'list::vouch_probe::vouch_probe' (121) panicked at src/list.rs:160:19:\nindex out of bounds";
        assert_eq!(rust_panics(out, &s), Blame::Subject);
        let other = "thread 't' panicked at src/lru.rs:40:5:\nboom";
        assert!(matches!(rust_panics(other, &s), Blame::Elsewhere(_)));
        assert_eq!(rust_panics("no panic here", &s), Blame::Unplaced);
    }

    /// A run that stopped with `stderr` (a failed check aborts: signal 6).
    fn failed(stderr: &str) -> crate::sandbox::RunOutput {
        crate::sandbox::RunOutput {
            exit: crate::sandbox::Exit::Signal(6),
            stdout: String::new(),
            stderr: stderr.into(),
            duration: std::time::Duration::from_millis(5),
        }
    }

    #[test]
    fn a_call_precondition_claim_is_not_confirmed_by_checking_the_precondition() {
        use crate::c::{Outcome, classify};
        let check = "vouch-assert: violated: `lookups` requires: hits + misses fits\n";
        assert!(matches!(
            classify(&failed(check), &subject()),
            Outcome::Confirmed { .. }
        ));
        let caller = Subject {
            also: vec![("src/packet.c".into(), 10, 16)],
            callee_claim: true,
            ..subject()
        };
        let outcome = classify(&failed(check), &caller);
        assert!(
            matches!(&outcome, Outcome::Inconclusive { why } if why.contains("its own set-up made")),
            "{outcome:?}"
        );
        // Rust: the probe's assertion likewise; a panic inside the callee confirms.
        let outcome = crate::rust::classify_rust(&failed(check), &caller);
        assert!(
            matches!(outcome, Outcome::Inconclusive { .. }),
            "{outcome:?}"
        );
        // A check of a clause of the function's own that the call is said to break
        // too is its consequence, not the set-up: it confirms.
        let consequence =
            "vouch-assert: violated: Returns -1   when n is 0, never reading a[-1].\n";
        let caller = Subject {
            consequences: vec!["Returns -1 when n is 0, never reading a[-1].".into()],
            ..caller
        };
        for outcome in [
            classify(&failed(consequence), &caller),
            crate::rust::classify_rust(&failed(consequence), &caller),
        ] {
            assert!(
                matches!(&outcome, Outcome::Confirmed { why } if why.contains("through the call")),
                "{outcome:?}"
            );
        }
        assert!(matches!(
            classify(&failed(check), &caller),
            Outcome::Inconclusive { .. }
        ));
        let ub = "/tmp/vouch/src/tree/src/packet.c:14:14: runtime error: signed integer overflow\n";
        assert!(matches!(
            classify(&failed(ub), &caller),
            Outcome::Confirmed { .. }
        ));
    }
}
