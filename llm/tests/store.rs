//! The run store against a real SQLite file: keys, modes, concurrent writers, a writer
//! killed with SIGKILL, export and import.

use serde_json::{Value, json};
use std::path::Path;
use vouch_llm::{
    Cache, CacheKey, CacheMode, RequestKey, Store, StoreError, StoredReply, TokenUsage,
};

fn reply(content: &str) -> StoredReply {
    StoredReply {
        content: content.to_string(),
        usage: TokenUsage {
            prompt_tokens: 100,
            completion_tokens: 20,
        },
        latency_ms: 7,
        model: "m-1".into(),
        system_fingerprint: Some("fp".into()),
    }
}

struct Req {
    messages: Value,
    schema: Value,
    params: Value,
}

impl Req {
    fn new(i: usize) -> Req {
        Req {
            messages: json!([{"role": "user", "content": format!("question {i}")}]),
            schema: json!({"type": "object", "properties": {"a": {"type": "integer"}}}),
            params: json!({"temperature": 0.0, "max_tokens": 64}),
        }
    }

    fn key<'a>(&'a self, model: &'a str, template: &'a str) -> RequestKey<'a> {
        RequestKey {
            model,
            template,
            messages: &self.messages,
            schema: &self.schema,
            params: &self.params,
        }
    }
}

#[test]
fn keys_cover_everything_that_determines_a_reply_and_nothing_else() {
    let r = Req::new(1);
    let base = CacheKey::of(&r.key("m", "spec@1"));
    assert_eq!(base, CacheKey::of(&r.key("m", "spec@1")));
    assert_ne!(base, CacheKey::of(&r.key("m2", "spec@1")));
    assert_ne!(base, CacheKey::of(&r.key("m", "spec@2")));
    let mut other = Req::new(1);
    other.params = json!({"temperature": 0.5, "max_tokens": 64});
    assert_ne!(base, CacheKey::of(&other.key("m", "spec@1")));
    // Key order inside JSON objects does not matter.
    let mut reordered = Req::new(1);
    reordered.params =
        serde_json::from_str(r#"{"max_tokens": 64, "temperature": 0.0}"#).expect("json");
    assert_eq!(base, CacheKey::of(&reordered.key("m", "spec@1")));
}

#[test]
fn replies_round_trip_and_the_first_recording_wins() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&Store::path_for(tmp.path())).expect("open");
    assert!(tmp.path().join(".vouch/vouch.db").is_file());
    let r = Req::new(1);
    let key = store.put(&r.key("m", "t@1"), &reply("first")).expect("put");
    store
        .put(&r.key("m", "t@1"), &reply("second"))
        .expect("put again");
    assert_eq!(store.get(&key).expect("get"), Some(reply("first")));
    let stats = store.stats().expect("stats");
    assert_eq!(
        (stats.replies, stats.prompt_tokens, stats.completion_tokens),
        (1, 100, 20)
    );
    assert_eq!(stats.by_template, [("m".to_string(), "t@1".to_string(), 1)]);
    let requests = store.requests("t@1").expect("requests");
    assert_eq!(requests[0]["messages"][0]["content"], "question 1");
    assert_eq!(store.clear().expect("clear"), 1);
    assert_eq!(store.get(&key).expect("get"), None);
}

#[test]
fn modes_read_and_write_as_documented() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("db");
    let (known, unknown) = (Req::new(1), Req::new(2));
    Store::open(&path)
        .expect("open")
        .put(&known.key("m", "t@1"), &reply("x"))
        .expect("put");
    let open = || Some(Store::open(&path).expect("open"));

    let rw = Cache::new(open(), CacheMode::ReadWrite);
    assert!(rw.lookup(&known.key("m", "t@1")).expect("lookup").is_some());
    assert!(
        rw.lookup(&unknown.key("m", "t@1"))
            .expect("lookup")
            .is_none()
    );

    let ro = Cache::new(open(), CacheMode::ReadOnly);
    ro.record(&unknown.key("m", "t@1"), &reply("y"))
        .expect("record is a no-op");
    assert!(
        ro.lookup(&unknown.key("m", "t@1"))
            .expect("lookup")
            .is_none()
    );

    let off = Cache::new(open(), CacheMode::Off);
    assert!(
        off.lookup(&known.key("m", "t@1"))
            .expect("lookup")
            .is_none()
    );

    let replay = Cache::new(open(), CacheMode::Replay);
    assert!(
        replay
            .lookup(&known.key("m", "t@1"))
            .expect("hit")
            .is_some()
    );
    let err = replay
        .lookup(&unknown.key("m", "t@1"))
        .expect_err("a miss is an error in replay mode");
    assert!(matches!(err, StoreError::ReplayMiss { .. }));
    assert!(
        err.to_string()
            .contains("no recorded reply for a `t@1` request"),
        "{err}"
    );
    // Misses are counted (a hit is not; nor is a miss outside replay mode).
    assert_eq!(replay.replay_misses(), 1);
    assert_eq!(rw.replay_misses(), 0);

    rw.record(&unknown.key("m", "t@1"), &reply("y"))
        .expect("record");
    assert!(
        replay
            .lookup(&unknown.key("m", "t@1"))
            .expect("now recorded")
            .is_some()
    );
    assert_eq!("replay".parse::<CacheMode>(), Ok(CacheMode::Replay));
    assert!("sometimes".parse::<CacheMode>().is_err());
}

#[test]
fn many_writers_at_once_lose_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("db");
    Store::open(&path).expect("create");
    std::thread::scope(|s| {
        for t in 0..8 {
            let path = &path;
            s.spawn(move || {
                // A connection per thread, as separate processes would have.
                let store = Store::open(path).expect("open");
                for i in 0..50 {
                    let r = Req::new(t * 1000 + i);
                    store.put(&r.key("m", "t@1"), &reply("r")).expect("put");
                }
            });
        }
    });
    let store = Store::open(&path).expect("open");
    assert_eq!(store.stats().expect("stats").replies, 400);
    assert!(store.check_integrity().expect("integrity"));
}

/// Run only as a child of `a_writer_killed_with_sigkill_leaves_a_valid_store`.
#[test]
#[ignore = "a helper process for the SIGKILL test"]
fn child_writer() {
    let Some(path) = std::env::var_os("VOUCH_TEST_STORE") else {
        return;
    };
    let store = Store::open(Path::new(&path)).expect("open");
    for i in 0.. {
        let r = Req::new(i);
        store
            .put(&r.key("m", "t@1"), &reply(&"x".repeat(2000)))
            .expect("put");
        if i == 20 {
            std::fs::write(format!("{}.ready", path.to_string_lossy()), b"").expect("ready");
        }
    }
}

#[test]
fn a_writer_killed_with_sigkill_leaves_a_valid_store() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("db");
    let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--ignored", "--exact", "child_writer", "--nocapture"])
        .env("VOUCH_TEST_STORE", &path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn writer");
    let ready = tmp.path().join("db.ready");
    let started = std::time::Instant::now();
    while !ready.exists() {
        assert!(
            started.elapsed().as_secs() < 60,
            "the writer never got going"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::thread::sleep(std::time::Duration::from_millis(50));
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let store = Store::open(&path).expect("reopen after the kill");
    assert!(store.check_integrity().expect("integrity check"));
    let n = store.stats().expect("stats").replies;
    assert!(n > 20, "only {n} replies survived");
    // Every surviving reply is whole.
    let r = Req::new(0);
    let got = store
        .get(&CacheKey::of(&r.key("m", "t@1")))
        .expect("get")
        .expect("first reply kept");
    assert_eq!(got.content.len(), 2000);
}

#[test]
fn export_and_import_share_a_cache_as_one_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = Store::open(&tmp.path().join("a.db")).expect("a");
    let b = Store::open(&tmp.path().join("b.db")).expect("b");
    for i in 0..5 {
        a.put(&Req::new(i).key("m", "t@1"), &reply("from a"))
            .expect("put");
    }
    b.put(&Req::new(0).key("m", "t@1"), &reply("from b"))
        .expect("put");
    let file = tmp.path().join("shared.db");
    assert_eq!(a.export(&file).expect("export"), 5);
    assert_eq!(b.import(&file).expect("import"), 4);
    assert_eq!(b.stats().expect("stats").replies, 5);
    let kept = b
        .get(&CacheKey::of(&Req::new(0).key("m", "t@1")))
        .expect("get")
        .expect("present");
    assert_eq!(
        kept.content, "from b",
        "an import keeps what was already recorded"
    );
    std::fs::write(
        tmp.path().join("junk.db"),
        b"this is not sqlite, just some bytes long enough to matter....",
    )
    .expect("write");
    let err = b
        .import(&tmp.path().join("junk.db"))
        .expect_err("junk is refused");
    assert!(
        err.to_string().contains("is not a vouch run store"),
        "{err}"
    );
    // An empty SQLite database is no store either.
    rusqlite::Connection::open(tmp.path().join("empty.db"))
        .and_then(|c| c.execute_batch("CREATE TABLE t (x INTEGER)"))
        .expect("sqlite");
    let err = b
        .import(&tmp.path().join("empty.db"))
        .expect_err("a database without vouch's tables is refused");
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
    // A missing file is an error, and is not created.
    let missing = tmp.path().join("gone").join("nothing.db");
    let err = b.import(&missing).expect_err("nothing to import");
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!missing.parent().expect("dir").exists());
    // The imported file is only read: no WAL files appear beside it, and it is unchanged.
    let before = std::fs::read(&file).expect("read");
    let c = Store::open(&tmp.path().join("c.db")).expect("c");
    assert_eq!(c.import(&file).expect("import"), 5);
    assert_eq!(std::fs::read(&file).expect("read"), before);
    for suffix in ["-wal", "-shm", "-journal"] {
        let side = tmp.path().join(format!("shared.db{suffix}"));
        assert!(!side.exists(), "{} appeared", side.display());
    }
}

#[test]
fn a_store_of_a_newer_layout_is_refused_by_open_and_by_import() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let newer = tmp.path().join("newer.db");
    drop(Store::open(&newer).expect("store"));
    rusqlite::Connection::open(&newer)
        .and_then(|c| {
            c.execute(
                "UPDATE meta SET value = '999' WHERE key = 'schema_version'",
                [],
            )
        })
        .expect("sqlite");
    let err = Store::open(&newer).expect_err("open refuses it");
    assert!(
        matches!(err, StoreError::NewerSchema { found: 999, .. }),
        "{err}"
    );
    let here = Store::open(&tmp.path().join("here.db")).expect("store");
    let err = here.import(&newer).expect_err("import refuses it");
    assert!(
        matches!(err, StoreError::NewerSchema { found: 999, .. }),
        "{err}"
    );
}

#[test]
fn results_travel_with_an_export_and_go_with_a_clear() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = Store::open(&tmp.path().join("a.db")).expect("a");
    a.put_result(&[1; 32], "testgen", "{\"outcome\":\"refuted\"}")
        .expect("put");
    a.put_result(&[2; 32], "testgen", "first").expect("put");
    a.put_result(&[2; 32], "testgen", "second").expect("put");
    assert_eq!(
        a.get_result(&[2; 32]).expect("get").as_deref(),
        Some("second")
    );
    assert_eq!(a.get_result(&[3; 32]).expect("get"), None);
    assert_eq!(
        a.stats().expect("stats").results,
        [("testgen".to_string(), 2)]
    );

    let file = tmp.path().join("shared.db");
    a.export(&file).expect("export");
    let b = Store::open(&tmp.path().join("b.db")).expect("b");
    b.import(&file).expect("import");
    assert_eq!(
        b.get_result(&[1; 32]).expect("get").as_deref(),
        Some("{\"outcome\":\"refuted\"}")
    );
    b.clear().expect("clear");
    assert_eq!(b.get_result(&[1; 32]).expect("get"), None);
    assert!(b.stats().expect("stats").results.is_empty());

    // A read-only cache reads results but keeps none; an off cache does neither.
    let ro = Cache::new(
        Some(Store::open(&tmp.path().join("a.db")).expect("a")),
        CacheMode::ReadOnly,
    );
    assert!(ro.lookup_result(&[1; 32]).expect("get").is_some());
    ro.record_result(&[9; 32], "testgen", "x").expect("record");
    assert_eq!(a.get_result(&[9; 32]).expect("get"), None);
    let off = Cache::new(
        Some(Store::open(&tmp.path().join("a.db")).expect("a")),
        CacheMode::Off,
    );
    assert!(off.lookup_result(&[1; 32]).expect("get").is_none());
}
