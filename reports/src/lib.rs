//! The findings model and its renderers (JSON, SARIF, HTML, Markdown). Not built yet; see the reports issue.
