//! The walk-through of docs/rust.md as one program:
//! `cargo run --example tour` (from rust/). Built by `cargo test` too.

use shale::{ChangeKind, Db, ErrorKind, Options, SyncMode, WriteBatch};
use std::ops::Bound::{Excluded, Unbounded};
use std::sync::Arc;

/// Runs a future to its end on this thread: parks until the waker
/// unparks it.
fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let mut fut = std::pin::pin!(fut);
    let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    loop {
        if let std::task::Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

fn main() -> shale::Result<()> {
    let dir = std::env::temp_dir().join(format!("shale-tour-{}", std::process::id()));
    let result = tour(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn tour(dir: &std::path::Path) -> shale::Result<()> {
    std::fs::create_dir_all(dir).expect("create the example directory");
    let path = dir.join("db");
    let db = Db::open(
        &path,
        Options::new()
            .sync_mode(SyncMode::None)
            .write_buffer_size(16 << 20),
    )?;

    // Open, put, get.
    db.put(b"greeting", b"hello")?;
    match db.get(b"greeting")? {
        Some(value) => println!("{}", String::from_utf8_lossy(&value)),
        None => println!("not found"),
    }
    assert!(db.contains(b"greeting")?);
    db.delete(b"greeting")?;
    assert_eq!(db.get(b"greeting")?, None);
    db.put(b"big", vec![1u8; 1 << 20])?;
    assert_eq!(db.get_pinned(b"big")?.map(|v| v.len()), Some(1 << 20));
    db.delete(b"big")?;

    // Many keys, batches.
    db.put_many([("user/1", "ann"), ("user/2", "bob")])?;
    assert_eq!(
        db.get_many(["user/1", "user/3"])?,
        [Some(b"ann".to_vec()), None]
    );
    let mut batch = WriteBatch::new();
    batch.put(b"account/alice", b"90")?;
    batch.put(b"account/bob", b"110")?;
    batch.delete(b"pending/transfer-17")?;
    assert_eq!(batch.len(), 3);
    db.write(&batch)?;
    batch.clear();

    // Iteration.
    for entry in db.iter() {
        let (key, value) = entry?;
        println!("{} = {} bytes", String::from_utf8_lossy(&key), value.len());
    }
    for k in ["b", "ba", "c", "d", "e"] {
        db.put(k, k)?;
    }
    assert_eq!(db.range("b".."d").count(), 3);
    assert_eq!(db.range("b"..="d").count(), 4);
    assert_eq!(db.range("b"..).count(), 7);
    assert_eq!(db.range(..="d").count(), 6);
    assert_eq!(db.range::<&str>((Excluded("b"), Unbounded)).count(), 6);
    let users: Vec<_> = db.prefix("user/").collect::<shale::Result<_>>()?;
    assert_eq!(users.len(), 2);
    let last_user = db.prefix("user/").next_back().transpose()?;
    assert_eq!(last_user.map(|(k, _)| k), Some(b"user/2".to_vec()));
    let users_last_first: Vec<_> = db.prefix("user/").rev().collect::<shale::Result<_>>()?;
    assert_eq!(users_last_first[0].0, b"user/2");

    // Borrowed, zero-copy iteration.
    let mut total = 0;
    let mut it = db.prefix("user/").borrowed();
    while let Some((key, value)) = it.next()? {
        total += key.len() + value.len();
    }
    drop(it); // it borrows the db
    assert!(total > 0);
    let mut seen = Vec::new();
    db.range("a".."m")
        .borrowed()
        .rev()
        .for_each(|key, _value| seen.push(key.to_vec()))?;
    assert_eq!(seen.first().map(Vec::as_slice), Some(&b"e"[..]));

    // Snapshots.
    db.put(b"k", b"old")?;
    let snap = db.snapshot()?;
    db.put(b"k", b"new")?;
    assert_eq!(snap.get(b"k")?.as_deref(), Some(&b"old"[..]));
    assert_eq!(db.get(b"k")?.as_deref(), Some(&b"new"[..]));
    for entry in snap.prefix(b"k") {
        assert_eq!(entry?.1, b"old");
    }
    drop(snap);

    // Subscriptions.
    let sub = db.subscribe(b"user/", |kind, key, value| match kind {
        ChangeKind::Put => println!("set {:?} = {:?}", key, value),
        ChangeKind::Delete => println!("deleted {:?}", key),
    })?;
    db.put(b"user/7", b"eve")?;
    drop(sub);

    // Errors.
    match Db::open(&path, Options::new()) {
        Err(e) if e.kind() == ErrorKind::Locked => {
            eprintln!("{e}");
            assert_eq!(e.name(), "SHALE_E_LOCKED");
            assert_eq!(e.code(), -6);
        }
        other => panic!("expected Locked, got {other:?}"),
    }

    // Maintenance.
    db.sync()?;
    db.flush()?;
    db.compact_range(None, None)?;
    db.backup(dir.join("backup"))?;
    let _report = db.verify()?;
    db.verify_with_progress(Some(&mut |done, total| {
        println!("{done}/{total} bytes");
        true
    }))?;
    assert!(db.property("shale.stats")?.is_some());

    // Statistics.
    let stats = db.stats()?;
    println!("{stats:#?}");
    for (level, (files, bytes)) in stats.level_files.iter().zip(&stats.level_bytes).enumerate() {
        println!("L{level}: {files} files, {bytes} bytes");
    }
    assert!(stats.total_files() >= 1);

    // Background jobs.
    let job = db.backup_async(dir.join("backup-async"))?;
    job.result(None)?;
    let job = db.verify_async_with_progress(|done, total| {
        eprint!("\rverified {done}/{total} bytes");
        true
    })?;
    while !job.wait(Some(std::time::Duration::from_millis(200)))? {
        let s = job.status()?;
        println!("{:?}: {}/{} bytes", job.kind(), s.done, s.total);
    }
    let _report = job.result(None)?;
    let job = db.compact_range_async(None, None)?;
    job.cancel()?;
    match job.result(None) {
        Err(e) if e.kind() == ErrorKind::Cancelled => println!("stopped; the db is sound"),
        other => {
            other?;
        }
    }
    // Awaiting jobs, with no runtime (block_on below is the whole executor).
    async fn nightly(db: &Db, dest: &std::path::Path) -> shale::Result<String> {
        db.compact_range_async(None, None)?.await?;
        db.backup_async(dest)?.await?;
        db.verify_async()?.await
    }
    let report = block_on(nightly(&db, &dir.join("backup-nightly")))?;
    assert!(report.contains("0 problems"));
    db.close()?;

    // Threads.
    let db = Arc::new(Db::open(
        dir.join("threads"),
        Options::new().sync_mode(SyncMode::None),
    )?);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let db = Arc::clone(&db);
            std::thread::spawn(move || -> shale::Result<()> {
                for i in 0..1000 {
                    db.put(format!("t{t}/{i}"), b"x")?;
                }
                Ok(())
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap()?;
    }
    assert_eq!(db.iter().count(), 4000);
    Ok(())
}
