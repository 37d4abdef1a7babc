//! Runs the `vouch` binary the way a user does, with the model variables of the
//! environment cleared and `envs` set.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

pub async fn vouch(args: &[&str], envs: &[(&str, &str)]) -> Output {
    vouch_in(Path::new("."), args, envs).await
}

/// `vouch` run from `dir`.
pub async fn vouch_in(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_vouch"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("OPENAI_BASE_URL")
        .env_remove("OPENAI_API_BASE")
        .env_remove("OPENAI_API_KEY");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().await.expect("run vouch")
}

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("repo root")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A report directory's findings.json.
pub fn findings(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("findings.json")).expect("findings.json");
    serde_json::from_str(&text).expect("findings.json is JSON")
}

/// Copies a tree into `to` (files and folders only).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read the tree") {
        let entry = entry.expect("entry");
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}
