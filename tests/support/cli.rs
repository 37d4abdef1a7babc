//! Runs the `vouch` binary the way a user does, with the model variables of the
//! environment cleared and `envs` set.

#![allow(dead_code)]

use std::path::Path;
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
