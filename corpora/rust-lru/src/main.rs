//! `lrucache` command: replays a trace read from stdin through a TTL cache.
//!
//! Each line is `put KEY VALUE [TTL]`, `get KEY` or `tick SECONDS`; the
//! final statistics and the most recently looked-up keys are printed at the end.
//! The trace ends at the end of input or at the first line that is not UTF-8.

use std::io::{self, BufRead};

use lrucache::{LruCache, TtlCache, NEVER};

fn main() {
    let capacity = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(64);
    let Ok(mut cache) = TtlCache::<String, String>::new(capacity) else {
        eprintln!("capacity must be at least 1");
        std::process::exit(2);
    };
    let mut recent = LruCache::<String, u64>::new(8).expect("8 is not zero");
    let mut now: u64 = 0;
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["put", key, value] => cache.insert(key.to_string(), value.to_string(), now, NEVER),
            ["put", key, value, ttl] => match ttl.parse::<u64>() {
                Ok(ttl) => cache.insert(key.to_string(), value.to_string(), now, ttl),
                Err(_) => eprintln!("bad ttl {ttl:?}"),
            },
            ["get", key] => {
                match cache.get(&key.to_string(), now) {
                    Some(v) => println!("{key} = {v}"),
                    None => println!("{key} missing"),
                }
                recent.put(key.to_string(), now);
            }
            ["forget"] => match recent.evict_lru() {
                Some((key, _)) => println!("forgot {key}"),
                None => println!("nothing to forget"),
            },
            ["tick", secs] => now = now.saturating_add(secs.parse().unwrap_or(0)),
            [] => {}
            _ => eprintln!("cannot parse {line:?}"),
        }
    }
    println!("purged {} expired entries", cache.purge_expired(now));
    println!("{}", cache.stats().summary());
    for (key, at) in recent.drain() {
        println!("recently looked up: {key} at {at}");
    }
}
