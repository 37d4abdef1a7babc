//! The offline model: llama.cpp's `llama-server` started on a free 127.0.0.1 port with
//! a GGUF model that `scripts/install-model` put under `~/.cache/vouch`, used through
//! the same client as any endpoint, and stopped when vouch stops.
//!
//! The server is killed when its handle is dropped, and, through Linux's parent-death
//! signal, also when vouch itself dies (Ctrl-C, a panic, SIGKILL): it never outlives
//! the run. Its output goes to a temporary file without a name, read back only to
//! explain a server that fails to start, so a run leaves no file behind either.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The models `scripts/install-model` installs, by the name used in `[llm] local_model`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
pub enum LocalModel {
    #[serde(rename = "smollm2")]
    SmolLm2,
    #[serde(rename = "qwen-0.5b")]
    QwenCoder05,
    #[serde(rename = "qwen-1.5b")]
    QwenCoder15,
}

impl LocalModel {
    pub fn name(self) -> &'static str {
        match self {
            LocalModel::SmolLm2 => "smollm2",
            LocalModel::QwenCoder05 => "qwen-0.5b",
            LocalModel::QwenCoder15 => "qwen-1.5b",
        }
    }

    /// The GGUF file name (kept in step with `scripts/install-model`).
    pub fn file_name(self) -> &'static str {
        match self {
            LocalModel::SmolLm2 => "SmolLM2-135M-Instruct.Q4_1.gguf",
            LocalModel::QwenCoder05 => "Qwen2.5-Coder-0.5B-Instruct.gguf",
            LocalModel::QwenCoder15 => "Qwen2.5-Coder-1.5B-Instruct.Q4_K_M.gguf",
        }
    }
}

impl std::str::FromStr for LocalModel {
    type Err = String;

    fn from_str(s: &str) -> Result<LocalModel, String> {
        match s {
            "smollm2" => Ok(LocalModel::SmolLm2),
            "qwen-0.5b" => Ok(LocalModel::QwenCoder05),
            "qwen-1.5b" => Ok(LocalModel::QwenCoder15),
            other => Err(format!(
                "unknown local model `{other}` (use smollm2, qwen-0.5b or qwen-1.5b)"
            )),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("{what} not found at {path}; install it with `scripts/install-model {model}`")]
    NotInstalled {
        what: &'static str,
        path: PathBuf,
        model: &'static str,
    },
    #[error("cannot start {path}: {source}")]
    Spawn {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create a temporary file in {dir} for llama-server's output: {source}")]
    Log {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot find a free port on 127.0.0.1: {0}")]
    Port(std::io::Error),
    #[error("llama-server exited before it was ready ({status}); its last output:\n{log}")]
    Exited { status: String, log: String },
    #[error("llama-server was not ready after {secs} s; its last output:\n{log}")]
    NotReady { secs: u64, log: String },
}

/// `~/.cache/vouch` (or `$VOUCH_CACHE`).
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("VOUCH_CACHE") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".cache").join("vouch")
}

/// The installed `llama-server` (the newest build under the cache) and the model file.
pub fn installed(model: LocalModel) -> Result<(PathBuf, PathBuf), LocalError> {
    let root = cache_dir();
    let builds = root.join("llama.cpp");
    let mut servers: Vec<PathBuf> = std::fs::read_dir(&builds)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path().join("llama-server"))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    servers.sort();
    let server = servers.pop().ok_or(LocalError::NotInstalled {
        what: "llama-server",
        path: builds.join("<version>/llama-server"),
        model: model.name(),
    })?;
    let gguf = root.join("models").join(model.file_name());
    if !gguf.is_file() {
        return Err(LocalError::NotInstalled {
            what: "the model",
            path: gguf,
            model: model.name(),
        });
    }
    Ok((server, gguf))
}

/// A running `llama-server`; dropping it stops the server.
#[derive(Debug)]
pub struct LocalServer {
    child: tokio::process::Child,
    base_url: String,
    /// The server's output, in an unnamed temporary file: nothing is left behind
    /// however vouch ends, even on SIGKILL.
    log: std::fs::File,
}

impl LocalServer {
    /// Starts `server` with `model` on a free port and waits (up to `ready_timeout`)
    /// until it answers `/health`.
    pub async fn start(
        server: &Path,
        model: &Path,
        context: u32,
        ready_timeout: Duration,
    ) -> Result<LocalServer, LocalError> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(LocalError::Port)?
            .port();
        // Unnamed (O_TMPFILE where the file system has it, else unlinked at once): the
        // server writes through its own descriptors and vouch reads with `pread`, so
        // neither moves the other's offset.
        let log_error = |source| LocalError::Log {
            dir: std::env::temp_dir(),
            source,
        };
        let log = tempfile::tempfile().map_err(log_error)?;
        let server_log = || log.try_clone().map_err(log_error);
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut cmd = tokio::process::Command::new(server);
        cmd.arg("-m")
            .arg(model)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--jinja",
                "-c",
                &context.to_string(),
            ])
            // One slot with the whole context: vouch sends one request at a time to it.
            // More slots, each keeping its own prompt cache, evaluate no fewer prompt
            // tokens on a recorded run (`scripts/bench-local-slots --store`).
            .args(["-t", &threads.to_string(), "--parallel", "1", "--no-webui"])
            .stdin(Stdio::null())
            .stdout(Stdio::from(server_log()?))
            .stderr(Stdio::from(server_log()?))
            .kill_on_drop(true);
        die_with_parent(&mut cmd);
        let child = cmd.spawn().map_err(|source| LocalError::Spawn {
            path: server.to_path_buf(),
            source,
        })?;
        let mut me = LocalServer {
            child,
            base_url: format!("http://127.0.0.1:{port}/v1"),
            log,
        };
        me.wait_ready(port, ready_timeout).await?;
        tracing::info!(url = %me.base_url, model = %model.display(), "local model server ready");
        Ok(me)
    }

    async fn wait_ready(&mut self, port: u16, timeout: Duration) -> Result<(), LocalError> {
        let started = Instant::now();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .ok();
        let url = format!("http://127.0.0.1:{port}/health");
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(LocalError::Exited {
                    status: status.to_string(),
                    log: self.log_tail(),
                });
            }
            if let Some(http) = &http
                && let Ok(resp) = http.get(&url).send().await
                && resp.status().is_success()
            {
                return Ok(());
            }
            if started.elapsed() > timeout {
                return Err(LocalError::NotReady {
                    secs: timeout.as_secs(),
                    log: self.log_tail(),
                });
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn log_tail(&self) -> String {
        use std::os::unix::fs::FileExt;
        // The last 16 KiB hold the last lines; `read_at` leaves the offset alone.
        let len = self.log.metadata().map_or(0, |m| m.len());
        let from = len.saturating_sub(16 * 1024);
        let mut buf = vec![0; (len - from) as usize];
        let n = self.log.read_at(&mut buf, from).unwrap_or(0);
        buf.truncate(n);
        let text = String::from_utf8_lossy(&buf);
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// The endpoint, for [`crate::LlmConfig::base_url`].
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The server's process id (for tests that check it is gone).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stops the server and waits for it to exit.
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// Asks Linux to send SIGKILL to the child when vouch dies, however it dies.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn die_with_parent(cmd: &mut tokio::process::Command) {
    // SAFETY: `pre_exec` runs in the forked child before exec; prctl is
    // async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            let r = libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
            if r == -1 {
                Err(std::io::Error::last_os_error())
            } else {
                Ok(())
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_cmd: &mut tokio::process::Command) {}

/// A client ready to use, and the local server behind it when `provider = "local"`
/// (stopped when this is dropped or [`Connected::close`]d).
#[derive(Debug)]
pub struct Connected {
    pub client: crate::Client,
    pub local: Option<LocalServer>,
}

impl Connected {
    pub async fn close(self) {
        if let Some(l) = self.local {
            l.stop().await;
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Local(#[from] LocalError),
    #[error(transparent)]
    Client(#[from] crate::LlmError),
}

/// Builds the client a configuration asks for: for `provider = "local"`, starts
/// llama-server with the installed model first and points the client at it.
pub async fn connect(
    mut config: crate::LlmConfig,
    key: Option<crate::ApiKey>,
    cache: crate::Cache,
) -> Result<Connected, ConnectError> {
    let mut local = None;
    if config.provider == crate::Provider::Local && config.cache == crate::CacheMode::Replay {
        // Only recorded replies are used: the model is named, never started.
        config
            .model
            .get_or_insert_with(|| config.local_model.name().to_string());
        config
            .base_url
            .get_or_insert_with(|| "http://127.0.0.1:9/v1".to_string());
    } else if config.provider == crate::Provider::Local {
        let (server, gguf) = installed(config.local_model)?;
        tracing::info!(model = %gguf.display(), "starting the local model");
        let started = LocalServer::start(
            &server,
            &gguf,
            config.local_context,
            Duration::from_secs(300),
        )
        .await?;
        config.base_url = Some(started.base_url().to_string());
        // The server answers one request at a time on this machine's cores; more in
        // flight would only queue there and run into the client's timeout.
        config.max_concurrency = 1;
        config.timeout_secs = config.timeout_secs.max(600);
        config
            .model
            .get_or_insert_with(|| config.local_model.name().to_string());
        local = Some(started);
    }
    let client = crate::Client::new(config, key, cache)?;
    Ok(Connected { client, local })
}
