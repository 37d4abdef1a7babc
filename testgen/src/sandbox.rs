//! The sandbox for generated code: bubblewrap with a read-only root, a private tmpfs
//! for work, no network and no other namespaces shared, a time limit, a memory limit
//! (resident set of the whole process group), caps on file size and output, and the
//! whole process group killed at any limit. Without `bwrap` it refuses to run anything
//! unless an unsandboxed run was asked for explicitly.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where the sandbox sees the files it is given, read-only.
pub const SRC_DIR: &str = "/tmp/vouch/src";
/// The sandbox's writable work directory (on its private tmpfs).
pub const WORK_DIR: &str = "/tmp/vouch/work";

/// Limits of one run.
#[derive(Clone, Debug)]
pub struct Limits {
    pub time: Duration,
    /// Resident memory of the whole process group.
    pub memory_bytes: u64,
    /// Largest file a process may write.
    pub file_bytes: u64,
    /// Most bytes kept of stdout and of stderr each.
    pub output_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            time: Duration::from_secs(10),
            memory_bytes: 1 << 30,
            file_bytes: 64 << 20,
            output_bytes: 64 * 1024,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "bwrap (bubblewrap) is not installed, and vouch runs generated tests only inside it: install it (Debian: apt-get install bubblewrap), or allow unsandboxed runs explicitly"
    )]
    NoBwrap,
    #[error("bwrap is installed but cannot create a sandbox here: {0}")]
    Broken(String),
    #[error("cannot start {0}: {1}")]
    Spawn(String, std::io::Error),
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
    /// Killed at the time limit.
    TimedOut,
    /// Killed at the memory limit.
    OutOfMemory,
}

#[derive(Clone, Debug)]
pub struct RunOutput {
    pub exit: Exit,
    pub stdout: String,
    pub stderr: String,
    pub duration: Duration,
}

impl RunOutput {
    pub fn success(&self) -> bool {
        self.exit == Exit::Code(0)
    }
}

/// Runs shell scripts with the limits, isolated by bwrap (or, when explicitly allowed,
/// not isolated).
#[derive(Clone, Debug)]
pub struct Sandbox {
    bwrap: Option<PathBuf>,
    pub limits: Limits,
}

impl Sandbox {
    /// The bubblewrap sandbox, checked to work; without bwrap, an error unless
    /// `allow_unsandboxed`, which runs without isolation (limits still apply).
    pub fn new(limits: Limits, allow_unsandboxed: bool) -> Result<Sandbox, SandboxError> {
        Sandbox::with_path(std::env::var_os("PATH"), limits, allow_unsandboxed)
    }

    /// As `new`, looking for `bwrap` in the given `PATH`.
    pub fn with_path(
        path: Option<std::ffi::OsString>,
        limits: Limits,
        allow_unsandboxed: bool,
    ) -> Result<Sandbox, SandboxError> {
        let found = path.and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("bwrap"))
                .find(|p| p.is_file())
        });
        match found {
            Some(bwrap) => {
                let sandbox = Sandbox {
                    bwrap: Some(bwrap),
                    limits,
                };
                let probe = sandbox.run(&[], "true")?;
                if !probe.success() {
                    return Err(SandboxError::Broken(probe.stderr.trim().to_string()));
                }
                Ok(sandbox)
            }
            None if allow_unsandboxed => Ok(Sandbox {
                bwrap: None,
                limits,
            }),
            None => Err(SandboxError::NoBwrap),
        }
    }

    pub fn is_isolated(&self) -> bool {
        self.bwrap.is_some()
    }

    /// The bwrap arguments before the command: `binds` are (host path, name under
    /// `SRC_DIR`) pairs, mounted read-only.
    fn bwrap_args(&self, binds: &[(PathBuf, String)]) -> Vec<String> {
        let mut a: Vec<String> = [
            "--ro-bind",
            "/",
            "/",
            "--dev",
            "/dev",
            "--proc",
            "/proc",
            "--tmpfs",
            "/tmp",
            "--dir",
            WORK_DIR,
            "--chdir",
            WORK_DIR,
            "--unshare-all",
            "--die-with-parent",
            "--setenv",
            "HOME",
            WORK_DIR,
            "--setenv",
            "TMPDIR",
            WORK_DIR,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (host, name) in binds {
            a.push("--ro-bind".into());
            a.push(host.display().to_string());
            a.push(format!("{SRC_DIR}/{name}"));
        }
        a
    }

    /// The command line of a run: `binds` and `script` as given to [`Sandbox::run`].
    pub fn command_line(&self, binds: &[(PathBuf, String)], script: &str) -> String {
        let words: Vec<(String, String)> = binds
            .iter()
            .map(|(host, name)| (shell_quote(&host.display().to_string()), name.clone()))
            .collect();
        self.command_words(&words, script)
    }

    /// The command of a run with each bind's host side given as a shell word (`"$test"`).
    fn command_words(&self, binds: &[(String, String)], script: &str) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(b) = &self.bwrap {
            parts.push(shell_quote(&b.display().to_string()));
            parts.extend(self.bwrap_args(&[]).iter().map(|s| shell_quote(s)));
            for (host, name) in binds {
                parts.push("--ro-bind".into());
                parts.push(host.clone());
                parts.push(shell_quote(&format!("{SRC_DIR}/{name}")));
            }
            parts.push("--".into());
        }
        parts.push("sh".into());
        parts.push("-c".into());
        parts.push(shell_quote(script));
        parts.join(" ")
    }

    /// A shell script that repeats a run by hand, in the same sandbox and under the same
    /// time limit, from the test saved beside it under its own name with `test_ext`
    /// (`F1.sh` runs `F1.c`). In it, `$test` is that test's path and `$scratch` a
    /// directory removed at the end; `setup` (shell lines) prepares what `binds` name,
    /// whose host sides are shell words. The script exits as the run did.
    pub fn reproduce_script(
        &self,
        what: &str,
        test_ext: &str,
        setup: &str,
        binds: &[(String, String)],
        script: &str,
    ) -> String {
        // A comment stays one line, whatever the file names in it hold.
        let what: String = what
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let mut s = format!(
            "#!/bin/sh\n\
# {what}\n\
# Written by vouch; run it from anywhere with `sh`. It exits as the test did.\n\
set -e\n\
here=$(cd \"$(dirname \"$0\")\" && pwd)\n\
test=\"$here/$(basename \"$0\" .sh){test_ext}\"\n\
scratch=$(mktemp -d)\n\
trap 'rm -rf \"$scratch\"' EXIT\n"
        );
        if !setup.is_empty() {
            s.push_str(setup.trim_end());
            s.push('\n');
        }
        let time = self.limits.time.as_secs().max(1);
        s.push_str("set +e\n");
        if self.bwrap.is_some() {
            s.push_str(&format!(
                "timeout -k 5 {time} {}\n",
                self.command_words(binds, script)
            ));
        } else {
            // No isolation, as the run had none: the binds are symlinks in the scratch
            // directory, which stands in for the sandbox's directories.
            s.push_str("mkdir \"$scratch/src\" \"$scratch/work\"\n");
            for (host, name) in binds {
                s.push_str(&format!(
                    "ln -s {host} \"$scratch/src/\"{}\n",
                    shell_quote(name)
                ));
            }
            let script = script
                .replace(SRC_DIR, "$VOUCH_SRC")
                .replace(WORK_DIR, "$VOUCH_WORK");
            s.push_str(&format!(
                "cd \"$scratch/work\" && VOUCH_SRC=\"$scratch/src\" VOUCH_WORK=\"$scratch/work\" timeout -k 5 {time} sh -c {}\n",
                shell_quote(&script)
            ));
        }
        s
    }

    /// Runs `script` with `sh -c` in the work directory, `binds` visible read-only under
    /// `SRC_DIR`.
    pub fn run(
        &self,
        binds: &[(PathBuf, String)],
        script: &str,
    ) -> Result<RunOutput, SandboxError> {
        let scratch;
        let mut cmd = match &self.bwrap {
            Some(b) => {
                let mut c = Command::new(b);
                c.args(self.bwrap_args(binds))
                    .arg("--")
                    .arg("sh")
                    .arg("-c")
                    .arg(script);
                c
            }
            None => {
                // No isolation: a scratch directory stands in for the work dir, and
                // the binds are symlinks under it.
                scratch = tempfile::tempdir()
                    .map_err(|e| SandboxError::Spawn("a scratch directory".into(), e))?;
                let src = scratch.path().join("src");
                let work = scratch.path().join("work");
                std::fs::create_dir_all(&src)
                    .map_err(|e| SandboxError::Spawn("a scratch directory".into(), e))?;
                std::fs::create_dir_all(&work)
                    .map_err(|e| SandboxError::Spawn("a scratch directory".into(), e))?;
                for (host, name) in binds {
                    let _ = std::os::unix::fs::symlink(host, src.join(name));
                }
                let script = script
                    .replace(SRC_DIR, &src.display().to_string())
                    .replace(WORK_DIR, &work.display().to_string());
                let mut c = Command::new("sh");
                c.arg("-c").arg(script).current_dir(&work);
                c
            }
        };
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let limits = self.limits.clone();
        set_rlimits(&mut cmd, &limits);
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| SandboxError::Spawn(format!("{cmd:?}"), e))?;
        let pgid = child.id() as i32;
        let out = child.stdout.take().map(|s| reader(s, limits.output_bytes));
        let err = child.stderr.take().map(|s| reader(s, limits.output_bytes));
        let exit = loop {
            match child.try_wait() {
                Ok(Some(status)) => {
                    use std::os::unix::process::ExitStatusExt;
                    break match (status.code(), status.signal()) {
                        (Some(c), _) => Exit::Code(c),
                        (None, Some(s)) => Exit::Signal(s),
                        (None, None) => Exit::Code(-1),
                    };
                }
                Ok(None) => {}
                Err(_) => break Exit::Code(-1),
            }
            if started.elapsed() > limits.time {
                kill_group(pgid);
                let _ = child.wait();
                break Exit::TimedOut;
            }
            if group_rss(pgid) > limits.memory_bytes {
                kill_group(pgid);
                let _ = child.wait();
                break Exit::OutOfMemory;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // Whatever the script left behind in its group goes too.
        kill_group(pgid);
        let join = |h: Option<std::thread::JoinHandle<String>>| {
            h.and_then(|h| h.join().ok()).unwrap_or_default()
        };
        Ok(RunOutput {
            exit,
            stdout: join(out),
            stderr: join(err),
            duration: started.elapsed(),
        })
    }
}

/// `s` as one shell word: as it is when it holds only safe characters, else in single
/// quotes.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-=:,+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `path` made absolute (a reproduce script may run from anywhere).
pub fn absolute(path: &std::path::Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Reads a pipe to the end, keeping at most `cap` bytes.
fn reader<R: Read + Send + 'static>(mut r: R, cap: usize) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 8192];
        let mut dropped = 0usize;
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = cap.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                    dropped += n.saturating_sub(room);
                }
            }
        }
        let mut s = String::from_utf8_lossy(&kept).into_owned();
        if dropped > 0 {
            s.push_str(&format!("\n[{dropped} more bytes cut]\n"));
        }
        s
    })
}

#[allow(unsafe_code)]
fn kill_group(pgid: i32) {
    // SAFETY: kill(2) with a negative pid signals a process group; no memory is touched.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

#[allow(unsafe_code)]
fn set_rlimits(cmd: &mut Command, limits: &Limits) {
    use std::os::unix::process::CommandExt;
    let file = limits.file_bytes;
    let cpu = limits.time.as_secs() + 2;
    // SAFETY: the closure runs in the child between fork and exec and only calls
    // setrlimit(2), which is async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            let set = |res, v: u64| {
                let l = libc::rlimit {
                    rlim_cur: v,
                    rlim_max: v,
                };
                libc::setrlimit(res, &l);
            };
            set(libc::RLIMIT_FSIZE, file);
            set(libc::RLIMIT_CPU, cpu);
            set(libc::RLIMIT_CORE, 0);
            Ok(())
        });
    }
}

/// Resident memory of every process in the group, from /proc.
fn group_rss(pgid: i32) -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let page = 4096u64;
    let mut total = 0;
    for e in dir.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the command name (which may hold spaces) in parentheses.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // state ppid pgrp ...: pgrp is the third; rss (pages) is field 24 of stat, the 22nd here.
        if fields.get(2).and_then(|p| p.parse::<i32>().ok()) != Some(pgid) {
            continue;
        }
        total += fields
            .get(21)
            .and_then(|r| r.parse::<u64>().ok())
            .unwrap_or(0)
            * page;
    }
    total
}
