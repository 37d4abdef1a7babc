//! The findings model and its renderers: `findings.json` (the model itself, versioned),
//! SARIF 2.1.0, a self-contained HTML viewer and a Markdown summary for pull requests.
//! Knows nothing of parsing, models or solvers: the `cli` fills a `Report`.

pub mod html;
pub mod markdown;
pub mod model;
pub mod sarif;
pub mod suppress;

pub use html::{HtmlError, to_html};
pub use markdown::to_markdown;
pub use model::{
    BaselineState, Binding, CallerSite, ClauseRef, DecidedBy, Finding, FixedFinding, Kind, Report,
    RunInfo, SCHEMA_VERSION, Severity, Skipped, Source, SpecView, Status, Step, Summary,
    SuppressionSite, TestEvidence, Timing, Unknown, Usage, finding_id, findings_schema,
    fingerprint,
};
pub use sarif::{to_sarif, to_sarif_string};
