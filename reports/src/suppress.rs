//! Inline suppressions: `// vouch-ignore[kind]: reason` on a finding's line or the line
//! above it (or on the function's first line or the line above it). A reason is required;
//! a suppression that matches nothing is reported as unused.

use crate::model::{Kind, Report, SuppressionSite};

const MARKER: &str = "vouch-ignore[";

/// The suppressions in one file's text, and what is wrong with the malformed ones.
pub fn scan(file: &str, text: &str) -> (Vec<SuppressionSite>, Vec<String>) {
    let mut found = Vec::new();
    let mut diagnostics = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        let line_no = i as u32 + 1;
        let rest = &line[at + MARKER.len()..];
        let Some(close) = rest.find(']') else {
            diagnostics.push(format!(
                "{file}:{line_no}: `vouch-ignore[` without a closing `]`; ignored"
            ));
            continue;
        };
        let kind = rest[..close].trim().to_string();
        if kind != "all" && Kind::from_name(&kind).is_none() {
            let known: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
            diagnostics.push(format!(
                "{file}:{line_no}: unknown kind `{kind}` in vouch-ignore (use one of {}, or all); ignored",
                known.join(", ")
            ));
            continue;
        }
        let after = rest[close + 1..].trim_start();
        let reason = after
            .strip_prefix(':')
            .unwrap_or("")
            .trim()
            .trim_end_matches("*/")
            .trim()
            .to_string();
        if reason.is_empty() {
            diagnostics.push(format!(
                "{file}:{line_no}: vouch-ignore[{kind}] needs a reason after a colon, e.g. `// vouch-ignore[{kind}]: callers never pass 0`; ignored"
            ));
            continue;
        }
        found.push(SuppressionSite {
            file: file.to_string(),
            line: line_no,
            kind,
            reason,
        });
    }
    (found, diagnostics)
}

/// Marks every finding a suppression covers and records the suppressions that cover
/// nothing. Call before `Report::finalize`.
pub fn apply(report: &mut Report, suppressions: Vec<SuppressionSite>) {
    let mut used = vec![false; suppressions.len()];
    for f in &mut report.findings {
        let covers = |s: &SuppressionSite| {
            s.file == f.file
                && (s.kind == "all" || s.kind == f.kind.name())
                && [f.line, f.start_line]
                    .iter()
                    .any(|&l| s.line == l || s.line + 1 == l)
        };
        if let Some(i) = suppressions.iter().position(covers) {
            used[i] = true;
            f.suppression = Some(suppressions[i].clone());
        }
    }
    report.unused_suppressions = suppressions
        .into_iter()
        .zip(used)
        .filter(|(_, u)| !u)
        .map(|(s, _)| s)
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kind_and_reason_and_rejects_what_is_malformed() {
        let text = "int a;\n// vouch-ignore[postcondition]: callers clamp n first\n\
/* vouch-ignore[all]: generated code */\n// vouch-ignore[error-contract]\n\
// vouch-ignore[typo]: x\n// vouch-ignore[postcondition:\n";
        let (found, diags) = scan("a.c", text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].line, 2);
        assert_eq!(found[0].kind, "postcondition");
        assert_eq!(found[0].reason, "callers clamp n first");
        assert_eq!(found[1].kind, "all");
        assert_eq!(found[1].reason, "generated code");
        assert_eq!(diags.len(), 3, "{diags:?}");
        assert!(diags[0].starts_with("a.c:4:") && diags[0].contains("needs a reason"));
        assert!(diags[1].contains("unknown kind `typo`"));
        assert!(diags[2].contains("closing"));
    }
}
