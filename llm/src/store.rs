//! The run store: one SQLite database (under `.vouch/` of the audited tree) holding every
//! model reply, keyed by a hash of everything that determines it, and the results of
//! work that is slow to repeat (a generated test's build and run), keyed the same way.
//!
//! A reply is written before it is used, so a run killed at any moment resumes without
//! repeating a finished call, and a second run on an unchanged tree makes none. The
//! database runs in WAL mode with a busy timeout, so several processes and threads may
//! read and write at once; a killed writer leaves it valid (SQLite's journal).
//! The API key is never part of what is stored: requests are stored as the messages,
//! schema and sampling parameters only.

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Version of the database layout; a database made by a newer vouch is refused.
pub const SCHEMA_VERSION: i64 = 1;
/// File name of the database inside `.vouch/`.
pub const DB_FILE: &str = "vouch.db";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the run store {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("the run store {path} failed: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path} does not exist (give a file written by `vouch cache export`)")]
    NoSuchFile { path: PathBuf },
    #[error("cannot create {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the run store {path} was made by a newer vouch (layout {found}, this vouch reads {SCHEMA_VERSION}); upgrade vouch or remove the file"
    )]
    NewerSchema { path: PathBuf, found: i64 },
    #[error("{path} is not a vouch run store")]
    NotAStore { path: PathBuf },
    #[error(
        "replay mode: no recorded reply for a `{template}` request to model `{model}` (key {key}); record it first with cache = \"read-write\""
    )]
    ReplayMiss {
        template: String,
        model: String,
        key: String,
    },
    #[error("the run store's lock was poisoned by a panic in another thread")]
    Poisoned,
    #[error("there is no run store to export (the cache is off)")]
    NoStore,
}

/// How the cache is used (`[llm] cache` in vouch.toml).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CacheMode {
    /// Read recorded replies and record new ones.
    #[default]
    ReadWrite,
    /// Read recorded replies; record nothing.
    ReadOnly,
    /// Neither read nor record.
    Off,
    /// Only recorded replies: a miss is an error (tests replay recorded runs this way).
    Replay,
}

impl std::str::FromStr for CacheMode {
    type Err = String;

    fn from_str(s: &str) -> Result<CacheMode, String> {
        match s {
            "read-write" => Ok(CacheMode::ReadWrite),
            "read-only" => Ok(CacheMode::ReadOnly),
            "off" => Ok(CacheMode::Off),
            "replay" => Ok(CacheMode::Replay),
            other => Err(format!(
                "unknown cache mode `{other}` (use read-write, read-only, off or replay)"
            )),
        }
    }
}

/// Everything that determines a reply. Its hash is the cache key.
#[derive(Clone, Debug, Serialize)]
pub struct RequestKey<'a> {
    pub model: &'a str,
    /// Prompt template id and version (`specgen.callee@3`): a new template version
    /// misses the cache on purpose.
    pub template: &'a str,
    /// The chat messages as sent (role and content).
    pub messages: &'a Value,
    /// The JSON schema of the expected reply, if any.
    pub schema: &'a Value,
    /// Sampling parameters (temperature, max tokens, seed, ...).
    pub params: &'a Value,
}

/// A 256-bit cache key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CacheKey([u8; 32]);

impl CacheKey {
    /// Hashes the canonical JSON of the request (object keys sorted).
    pub fn of(request: &RequestKey<'_>) -> CacheKey {
        CacheKey(*blake3::hash(&canonical_json(request)).as_bytes())
    }

    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn canonical_json(request: &RequestKey<'_>) -> Vec<u8> {
    // serde_json's `Value` keeps object keys in a BTreeMap (sorted), so going through
    // it makes the bytes independent of field and key order.
    let value = serde_json::to_value(request).unwrap_or(Value::Null);
    serde_json::to_vec(&value).unwrap_or_default()
}

/// Token counts of one call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// One recorded reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredReply {
    /// The reply text as the model sent it (before parsing or repair).
    pub content: String,
    pub usage: TokenUsage,
    pub latency_ms: u64,
    /// The model the server says answered.
    pub model: String,
    pub system_fingerprint: Option<String>,
}

/// What `vouch cache stats` shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StoreStats {
    pub replies: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Replies per (model, template), sorted.
    pub by_template: Vec<(String, String, u64)>,
    /// Recorded results of other work (generated tests' runs), per kind, sorted.
    pub results: Vec<(String, u64)>,
    pub file_bytes: u64,
}

/// A handle on the run store. Cheap to share behind an `Arc`; each call takes a short lock.
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// The store of an audited tree: `ROOT/.vouch/vouch.db`.
    pub fn path_for(root: &Path) -> PathBuf {
        let dir = if root.is_file() {
            root.parent().unwrap_or(Path::new("."))
        } else {
            root
        };
        dir.join(".vouch").join(DB_FILE)
    }

    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let store = Store {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        };
        store.init()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sql<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
        f(&mut conn).map_err(|source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        })
    }

    fn init(&self) -> Result<(), StoreError> {
        let not_a_store = |e: &rusqlite::Error| matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase);
        let result = self.sql(|c| {
            c.busy_timeout(Duration::from_secs(30))?;
            c.pragma_update(None, "journal_mode", "WAL")?;
            c.pragma_update(None, "synchronous", "NORMAL")?;
            c.execute_batch(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS replies (
                     key BLOB PRIMARY KEY,
                     model TEXT NOT NULL,
                     template TEXT NOT NULL,
                     request TEXT NOT NULL,
                     content TEXT NOT NULL,
                     answered_by TEXT NOT NULL,
                     prompt_tokens INTEGER NOT NULL,
                     completion_tokens INTEGER NOT NULL,
                     latency_ms INTEGER NOT NULL,
                     system_fingerprint TEXT,
                     created_at INTEGER NOT NULL
                 ) WITHOUT ROWID;
                 CREATE TABLE IF NOT EXISTS results (
                     key BLOB PRIMARY KEY,
                     kind TEXT NOT NULL,
                     value TEXT NOT NULL,
                     created_at INTEGER NOT NULL
                 ) WITHOUT ROWID;
                 INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1');",
            )?;
            c.query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get::<_, String>(0),
            )
        });
        let version = match result {
            Ok(v) => v,
            Err(StoreError::Sqlite { source, .. }) if not_a_store(&source) => {
                return Err(StoreError::NotAStore {
                    path: self.path.clone(),
                });
            }
            Err(e) => return Err(e),
        };
        readable_version(&version, &self.path)
    }

    pub fn get(&self, key: &CacheKey) -> Result<Option<StoredReply>, StoreError> {
        self.sql(|c| {
            c.query_row(
                "SELECT content, prompt_tokens, completion_tokens, latency_ms, answered_by, system_fingerprint
                 FROM replies WHERE key = ?1",
                params![&key.0[..]],
                |r| {
                    Ok(StoredReply {
                        content: r.get(0)?,
                        usage: TokenUsage { prompt_tokens: u(r.get(1)?), completion_tokens: u(r.get(2)?) },
                        latency_ms: u(r.get(3)?),
                        model: r.get(4)?,
                        system_fingerprint: r.get(5)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Records a reply. The first recording of a key wins; a later one is ignored.
    pub fn put(
        &self,
        request: &RequestKey<'_>,
        reply: &StoredReply,
    ) -> Result<CacheKey, StoreError> {
        let key = CacheKey::of(request);
        let request_json = String::from_utf8(canonical_json(request)).unwrap_or_default();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.sql(|c| {
            c.execute(
                "INSERT OR IGNORE INTO replies
                 (key, model, template, request, content, answered_by, prompt_tokens, completion_tokens,
                  latency_ms, system_fingerprint, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    &key.0[..],
                    request.model,
                    request.template,
                    request_json,
                    reply.content,
                    reply.model,
                    i(reply.usage.prompt_tokens),
                    i(reply.usage.completion_tokens),
                    i(reply.latency_ms),
                    reply.system_fingerprint,
                    i(now)
                ],
            )
        })?;
        Ok(key)
    }

    /// A recorded result of work, by the hash of all that determines it.
    pub fn get_result(&self, key: &[u8; 32]) -> Result<Option<String>, StoreError> {
        self.sql(|c| {
            c.query_row(
                "SELECT value FROM results WHERE key = ?1",
                params![&key[..]],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Records a result of `kind` (e.g. `testgen`); a later recording of the key replaces it.
    pub fn put_result(&self, key: &[u8; 32], kind: &str, value: &str) -> Result<(), StoreError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.sql(|c| {
            c.execute(
                "INSERT OR REPLACE INTO results (key, kind, value, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![&key[..], kind, value, i(now)],
            )
        })?;
        Ok(())
    }

    /// The stored requests of one template, oldest first (for tests and audits of
    /// what was sent).
    pub fn requests(&self, template: &str) -> Result<Vec<Value>, StoreError> {
        let texts: Vec<String> = self.sql(|c| {
            let mut stmt = c.prepare(
                "SELECT request FROM replies WHERE template = ?1 ORDER BY created_at, key",
            )?;
            let rows = stmt.query_map(params![template], |r| r.get::<_, String>(0))?;
            rows.collect()
        })?;
        Ok(texts
            .iter()
            .filter_map(|t| serde_json::from_str(t).ok())
            .collect())
    }

    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let (replies, prompt_tokens, completion_tokens) = self.sql(|c| {
            c.query_row(
                "SELECT COUNT(*), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0) FROM replies",
                [],
                |r| Ok((u(r.get(0)?), u(r.get(1)?), u(r.get(2)?))),
            )
        })?;
        let by_template = self.sql(|c| {
            let mut stmt =
                c.prepare("SELECT model, template, COUNT(*) FROM replies GROUP BY model, template ORDER BY model, template")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, u(r.get(2)?))))?;
            rows.collect()
        })?;
        let results = self.sql(|c| {
            let mut stmt =
                c.prepare("SELECT kind, COUNT(*) FROM results GROUP BY kind ORDER BY kind")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, u(r.get(1)?))))?;
            rows.collect()
        })?;
        let file_bytes = ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(format!("{}{s}", self.path.display())).ok())
            .map(|m| m.len())
            .sum();
        Ok(StoreStats {
            replies,
            prompt_tokens,
            completion_tokens,
            by_template,
            results,
            file_bytes,
        })
    }

    /// Deletes every recorded reply and result and returns how many replies there were.
    pub fn clear(&self) -> Result<u64, StoreError> {
        self.sql(|c| {
            let n = c.execute("DELETE FROM replies", [])?;
            c.execute("DELETE FROM results", [])?;
            c.execute_batch("VACUUM")?;
            Ok(n as u64)
        })
    }

    /// Writes a self-contained copy of the store to `dest` (for sharing between CI jobs).
    pub fn export(&self, dest: &Path) -> Result<u64, StoreError> {
        if dest.exists() {
            std::fs::remove_file(dest).map_err(|source| StoreError::Io {
                path: dest.to_path_buf(),
                source,
            })?;
        }
        let dest_text = dest.to_string_lossy().into_owned();
        self.sql(|c| {
            c.execute("VACUUM INTO ?1", params![dest_text])?;
            c.query_row("SELECT COUNT(*) FROM replies", [], |r| r.get(0).map(u))
        })
    }

    /// Adds the replies and results of an exported store; those already here are kept.
    /// Returns how many replies were added. The file is only read: it is opened
    /// read-only (a missing file is an error, not a new empty store), and a file in
    /// rollback-journal mode, as `export` writes it, gets no WAL files beside it.
    pub fn import(&self, src: &Path) -> Result<u64, StoreError> {
        if !src.is_file() {
            return Err(StoreError::NoSuchFile {
                path: src.to_path_buf(),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let incoming =
            Connection::open_with_flags(src, flags).map_err(|source| StoreError::Open {
                path: src.to_path_buf(),
                source,
            })?;
        let not_a_store = || StoreError::NotAStore {
            path: src.to_path_buf(),
        };
        // A store of a layout this vouch reads: its meta table says which.
        let version: String = incoming
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .map_err(|_| not_a_store())?;
        readable_version(&version, src)?;
        // Both tables must read with these columns, or it is no store. The rows then go
        // over one at a time (a shared CI store can be large).
        let mut replies = incoming
            .prepare(
                "SELECT key, model, template, request, content, answered_by, prompt_tokens,
                        completion_tokens, latency_ms, system_fingerprint, created_at FROM replies",
            )
            .map_err(|_| not_a_store())?;
        let mut results = incoming
            .prepare("SELECT key, kind, value, created_at FROM results")
            .map_err(|_| not_a_store())?;
        self.sql(|c| {
            // Copies every row of `from` with `insert`; returns how many were new.
            fn copy(
                from: &mut rusqlite::Statement<'_>,
                insert: &mut rusqlite::Statement<'_>,
            ) -> rusqlite::Result<usize> {
                let width = from.column_count();
                let mut rows = from.query([])?;
                let mut added = 0;
                while let Some(row) = rows.next()? {
                    let values = (0..width)
                        .map(|i| row.get::<_, rusqlite::types::Value>(i))
                        .collect::<rusqlite::Result<Vec<_>>>()?;
                    added += insert.execute(rusqlite::params_from_iter(values))?;
                }
                Ok(added)
            }
            let tx = c.transaction()?;
            let added = copy(
                &mut replies,
                &mut tx.prepare(
                    "INSERT OR IGNORE INTO replies (key, model, template, request, content,
                        answered_by, prompt_tokens, completion_tokens, latency_ms,
                        system_fingerprint, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )?,
            )?;
            copy(
                &mut results,
                &mut tx.prepare(
                    "INSERT OR IGNORE INTO results (key, kind, value, created_at)
                     VALUES (?1, ?2, ?3, ?4)",
                )?,
            )?;
            tx.commit()?;
            Ok(added as u64)
        })
    }

    /// Checks the database's integrity (`PRAGMA integrity_check`).
    pub fn check_integrity(&self) -> Result<bool, StoreError> {
        self.sql(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)))
            .map(|s| s == "ok")
    }
}

/// SQLite integers are signed; counts and durations are not.
fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// Refuses a store whose `schema_version` (from its meta table) this vouch cannot read.
fn readable_version(version: &str, path: &Path) -> Result<(), StoreError> {
    let found: i64 = version.parse().unwrap_or(i64::MAX);
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
        });
    }
    Ok(())
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The store as a cache in one of its modes.
#[derive(Debug)]
pub struct Cache {
    store: Option<Store>,
    mode: CacheMode,
    /// Replay mode: requests that found no recorded reply.
    misses: AtomicU64,
    /// The replies and results this run read or recorded (see [`Cache::export_used`]).
    used: Mutex<Used>,
}

#[derive(Debug, Default)]
struct Used {
    replies: std::collections::BTreeSet<[u8; 32]>,
    results: std::collections::BTreeSet<[u8; 32]>,
}

impl Cache {
    /// `store` may be `None` only with [`CacheMode::Off`].
    pub fn new(store: Option<Store>, mode: CacheMode) -> Cache {
        Cache {
            store,
            mode,
            misses: AtomicU64::new(0),
            used: Mutex::new(Used::default()),
        }
    }

    pub fn mode(&self) -> CacheMode {
        self.mode
    }

    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// In replay mode, how many requests so far found no recorded reply (each failed
    /// with [`StoreError::ReplayMiss`]): a run with any is not a repetition of the
    /// recorded one.
    pub fn replay_misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    /// A recorded reply for the request, if the mode reads; in replay mode a miss is
    /// an error.
    pub fn lookup(&self, request: &RequestKey<'_>) -> Result<Option<StoredReply>, StoreError> {
        let key = CacheKey::of(request);
        let found = match (&self.store, self.mode) {
            (_, CacheMode::Off) | (None, _) => None,
            (Some(s), _) => s.get(&key)?,
        };
        if found.is_some() {
            self.note_used(Some(key.0), None);
        }
        if found.is_none() && self.mode == CacheMode::Replay {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return Err(StoreError::ReplayMiss {
                template: request.template.to_string(),
                model: request.model.to_string(),
                key: key.hex(),
            });
        }
        Ok(found)
    }

    /// A recorded result, if the mode reads (replay reads too: a miss is no error, the
    /// work is simply done again).
    pub fn lookup_result(&self, key: &[u8; 32]) -> Result<Option<String>, StoreError> {
        let found = match (&self.store, self.mode) {
            (_, CacheMode::Off) | (None, _) => None,
            (Some(s), _) => s.get_result(key)?,
        };
        if found.is_some() {
            self.note_used(None, Some(*key));
        }
        Ok(found)
    }

    fn note_used(&self, reply: Option<[u8; 32]>, result: Option<[u8; 32]>) {
        if let Ok(mut used) = self.used.lock() {
            used.replies.extend(reply);
            used.results.extend(result);
        }
    }

    /// Writes to `dest` a store holding only the replies and results this run read or
    /// recorded: a recording of exactly this run, without what earlier runs left
    /// (replies to prompts since changed). Returns how many replies it holds.
    pub fn export_used(&self, dest: &Path) -> Result<u64, StoreError> {
        let Some(store) = &self.store else {
            return Err(StoreError::NoStore);
        };
        let (replies, results) = {
            let used = self.used.lock().map_err(|_| StoreError::Poisoned)?;
            (used.replies.clone(), used.results.clone())
        };
        store.export(dest)?;
        let out = Store::open(dest)?;
        out.sql(|c| {
            let tx = c.transaction()?;
            tx.execute_batch(
                "CREATE TEMP TABLE keep_replies (key BLOB PRIMARY KEY);
                 CREATE TEMP TABLE keep_results (key BLOB PRIMARY KEY);",
            )?;
            for k in &replies {
                tx.execute(
                    "INSERT INTO keep_replies (key) VALUES (?1)",
                    params![&k[..]],
                )?;
            }
            for k in &results {
                tx.execute(
                    "INSERT INTO keep_results (key) VALUES (?1)",
                    params![&k[..]],
                )?;
            }
            tx.execute_batch(
                "DELETE FROM replies WHERE key NOT IN (SELECT key FROM keep_replies);
                 DELETE FROM results WHERE key NOT IN (SELECT key FROM keep_results);",
            )?;
            tx.commit()
        })?;
        drop(out);
        // Compact it again, in the rollback-journal mode `export` writes.
        let tmp = dest.with_extension("compact.tmp");
        let out = Store::open(dest)?;
        let n = out.export(&tmp)?;
        drop(out);
        std::fs::rename(&tmp, dest).map_err(|source| StoreError::Io {
            path: dest.to_path_buf(),
            source,
        })?;
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", dest.display()));
        }
        Ok(n)
    }

    /// Records a result if the mode writes.
    pub fn record_result(&self, key: &[u8; 32], kind: &str, value: &str) -> Result<(), StoreError> {
        if let (Some(s), CacheMode::ReadWrite) = (&self.store, self.mode) {
            s.put_result(key, kind, value)?;
            self.note_used(None, Some(*key));
        }
        Ok(())
    }

    /// Records a reply if the mode writes.
    pub fn record(&self, request: &RequestKey<'_>, reply: &StoredReply) -> Result<(), StoreError> {
        if let (Some(s), CacheMode::ReadWrite) = (&self.store, self.mode) {
            s.put(request, reply)?;
            self.note_used(Some(CacheKey::of(request).0), None);
        }
        Ok(())
    }
}
