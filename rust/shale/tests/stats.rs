//! Db::stats: the figures of shale_db_stats.

mod common;

use common::{open, opts, TempDir};
use shale::{Db, STATS_LEVELS};

#[test]
fn stats_follow_writes_flushes_and_compactions() {
    let (_dir, db) = open("stats");
    let before = db.stats().unwrap();
    assert_eq!(before.user_bytes_written, 0);
    assert_eq!(before.total_files(), 0);
    assert_eq!(before.level_files, [0; STATS_LEVELS]);
    assert_eq!(before.write_amplification, 0.0);

    let mut user_bytes = 0u64;
    for i in 0..2000u32 {
        let (k, v) = (format!("key{i:06}"), vec![b'v'; 100]);
        user_bytes += (k.len() + v.len()) as u64;
        db.put(k, v).unwrap();
    }
    let written = db.stats().unwrap();
    assert!(
        written.user_bytes_written >= user_bytes,
        "{} < {user_bytes}",
        written.user_bytes_written
    );
    assert!(written.approximate_keys >= 2000, "{written:?}");
    assert!(written.memtable_bytes > 0, "{written:?}");
    assert!(written.wal_bytes_written >= user_bytes, "{written:?}");
    assert!(written.write_amplification > 0.0, "{written:?}");

    db.flush().unwrap();
    let flushed = db.stats().unwrap();
    assert!(flushed.total_files() > 0, "{flushed:?}");
    assert!(flushed.level_bytes.iter().sum::<u64>() > 0, "{flushed:?}");
    for l in 0..STATS_LEVELS {
        assert_eq!(
            flushed.level_files[l] == 0,
            flushed.level_bytes[l] == 0,
            "level {l}"
        );
    }
    assert!(flushed.flushes > written.flushes, "{flushed:?}");
    assert!(flushed.flush_bytes_written > 0, "{flushed:?}");
    assert!(flushed.disk_bytes > 0, "{flushed:?}");

    // More writes: the counter only grows.
    db.put(b"one more", b"value").unwrap();
    let more = db.stats().unwrap();
    assert_eq!(more.user_bytes_written, flushed.user_bytes_written + 13);

    // Reads reach the table file through the cache.
    for i in (0..2000u32).step_by(7) {
        assert!(db.get(format!("key{i:06}")).unwrap().is_some());
    }
    let read = db.stats().unwrap();
    assert!(read.cache_hits + read.cache_misses > more.cache_hits + more.cache_misses);
    assert!(read.open_tables > 0, "{read:?}");

    db.compact_range(None, None).unwrap();
    let compacted = db.stats().unwrap();
    assert_eq!(db.iter().count(), 2001);
    assert!(compacted.total_files() > 0, "{compacted:?}");
}

#[test]
fn stats_are_debug_clone_and_match_the_text_property() {
    let (_dir, db) = open("stats-text");
    db.put(b"a", b"b").unwrap();
    let stats = db.stats().unwrap();
    let copy = stats.clone();
    assert_eq!(copy, stats);
    let debug = format!("{stats:?}");
    assert!(debug.contains("level_files"), "{debug}");
    assert!(debug.contains("write_amplification"), "{debug}");
    let text = db.property("shale.stats").unwrap().unwrap();
    assert!(!text.is_empty());
}

#[test]
fn counters_run_since_the_open() {
    let dir = TempDir::new("stats-reopen");
    {
        let db = Db::open(dir.db(), opts()).unwrap();
        db.put(b"k", b"v").unwrap();
        assert_eq!(db.stats().unwrap().user_bytes_written, 2);
        db.close().unwrap();
    }
    let db = Db::open(dir.db(), opts()).unwrap();
    let stats = db.stats().unwrap();
    assert_eq!(stats.user_bytes_written, 0);
    assert!(stats.approximate_keys >= 1, "{stats:?}");
}
