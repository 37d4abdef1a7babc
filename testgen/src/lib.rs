//! Tests that trigger each reported violation, built and run in a sandbox to confirm it. Not built yet; see the testgen issue.
