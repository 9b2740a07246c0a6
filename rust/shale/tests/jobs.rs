//! Background jobs: compact_range_async, backup_async, verify_async, Job.

mod common;

use common::{opts, strs, TempDir};
use shale::{Db, ErrorKind, Job, JobKind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::time::Duration;

/// Enough data in several table files that every job reports progress
/// more than once (so it has a safe point after its first progress call).
fn filled(tag: &str) -> (TempDir, Db) {
    let dir = TempDir::new(tag);
    let db = Db::open(dir.db(), opts().write_buffer_size(256 * 1024)).unwrap();
    for batch in 0..8u32 {
        db.put_many((0..1000u32).map(|i| (key(batch * 1000 + i), vec![b'v'; 200])))
            .unwrap();
        db.flush().unwrap();
    }
    (dir, db)
}

fn key(i: u32) -> String {
    format!("key{i:06}")
}

fn assert_intact(db: &Db) {
    assert_eq!(db.iter().count(), 8000);
    assert_eq!(db.get(key(4321)).unwrap().unwrap(), vec![b'v'; 200]);
    db.verify().unwrap();
}

/// Sends once on drop: tells when (and how often) a closure was dropped.
struct DropSignal(Sender<()>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// Waits for the closure holding the DropSignal to be dropped, then checks
/// it was dropped exactly once (the sender is gone with it).
fn assert_dropped_once(rx: &Receiver<()>) {
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the progress closure was never dropped");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

/// A progress closure that counts its calls and checks done <= total.
fn counting(calls: Arc<AtomicU64>, dropped: Sender<()>) -> impl FnMut(u64, u64) -> bool + Send {
    let signal = DropSignal(dropped);
    move |done, total| {
        let _keep = &signal;
        assert!(done <= total || total == 0, "{done} > {total}");
        calls.fetch_add(1, Ordering::Relaxed);
        true
    }
}

#[test]
fn verify_async_finishes_with_the_report() {
    let (_dir, db) = filled("job-verify");
    let calls = Arc::new(AtomicU64::new(0));
    let (tx, rx) = channel();
    let job = db
        .verify_async_with_progress(counting(calls.clone(), tx))
        .unwrap();
    assert_eq!(job.kind(), JobKind::Verify);
    assert!(job.wait(None).unwrap());
    let status = job.status().unwrap();
    assert!(status.finished);
    assert!(status.result.is_ok(), "{:?}", status.result);
    assert!(
        status.total > 0 && status.done == status.total,
        "{status:?}"
    );
    let report = status.message.unwrap();
    assert!(!report.is_empty());
    assert_eq!(job.result(None).unwrap(), report);
    assert!(calls.load(Ordering::Relaxed) > 1);
    assert!(!job.panicked());
    assert_dropped_once(&rx);
    // Without a closure too.
    let plain = db.verify_async().unwrap();
    assert!(!plain.result(None).unwrap().is_empty());
}

#[test]
fn backup_async_makes_a_copy_that_opens() {
    let (dir, db) = filled("job-backup");
    let dest = dir.path().join("backup");
    let calls = Arc::new(AtomicU64::new(0));
    let (tx, rx) = channel();
    let job = db
        .backup_async_with_progress(&dest, counting(calls.clone(), tx))
        .unwrap();
    assert_eq!(job.kind(), JobKind::Backup);
    assert_eq!(job.result(None).unwrap(), "");
    assert!(calls.load(Ordering::Relaxed) > 1);
    assert_dropped_once(&rx);
    let copy = Db::open(&dest, opts()).unwrap();
    assert_intact(&copy);
    drop(copy);

    let dest2 = dir.path().join("backup2");
    db.backup_async(&dest2).unwrap().result(None).unwrap();
    assert_intact(&Db::open(&dest2, opts()).unwrap());
}

#[test]
fn compact_range_async_keeps_the_data() {
    let (_dir, db) = filled("job-compact");
    for i in 0..4000u32 {
        db.delete(key(i * 2 + 1)).unwrap();
    }
    let before = db.stats().unwrap();
    let calls = Arc::new(AtomicU64::new(0));
    let (tx, rx) = channel();
    let job = db
        .compact_range_async_with_progress(None, None, counting(calls.clone(), tx))
        .unwrap();
    assert_eq!(job.kind(), JobKind::Compact);
    assert_eq!(job.result(None).unwrap(), "");
    assert!(calls.load(Ordering::Relaxed) > 0);
    assert_dropped_once(&rx);
    let after = db.stats().unwrap();
    assert!(after.compactions > before.compactions, "{after:?}");
    assert_eq!(db.iter().count(), 4000);
    assert_eq!(strs(db.range(key(0)..key(6))), [key(0), key(2), key(4)]);
    // A bounded range, no closure.
    db.compact_range_async(Some(key(10).as_bytes()), Some(key(20).as_bytes()))
        .unwrap()
        .result(None)
        .unwrap();
    assert_eq!(db.iter().count(), 4000);
    db.verify().unwrap();
}

#[test]
fn a_closure_returning_false_cancels() {
    let (dir, db) = filled("job-cancel-false");
    let verify = db.verify_async_with_progress(|_, _| false).unwrap();
    let err = verify.result(None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    let status = verify.status().unwrap();
    assert!(status.finished);
    assert_eq!(status.result.unwrap_err().kind(), ErrorKind::Cancelled);

    let dest = dir.path().join("backup");
    let backup = db.backup_async_with_progress(&dest, |_, _| false).unwrap();
    assert_eq!(
        backup.result(None).unwrap_err().kind(),
        ErrorKind::Cancelled
    );
    // The partial copy is removed.
    assert!(!dest.exists() || std::fs::read_dir(&dest).unwrap().next().is_none());

    let compact = db
        .compact_range_async_with_progress(None, None, |_, _| false)
        .unwrap();
    assert_eq!(
        compact.result(None).unwrap_err().kind(),
        ErrorKind::Cancelled
    );
    assert_intact(&db);
}

/// A progress closure that, on its first call, says so on `started` and
/// blocks until `go` (then continues, and later calls return true).
fn gated(started: Sender<()>, go: Receiver<()>) -> impl FnMut(u64, u64) -> bool + Send {
    let mut first = true;
    move |_, _| {
        if first {
            first = false;
            started.send(()).unwrap();
            go.recv().unwrap();
        }
        true
    }
}

#[test]
fn job_cancel_stops_a_running_job() {
    let (dir, db) = filled("job-cancel");
    for (kind, start) in [
        (
            JobKind::Verify,
            Box::new(|db: &Db, f| db.verify_async_with_progress(f))
                as Box<dyn Fn(&Db, _) -> shale::Result<Job>>,
        ),
        (
            JobKind::Backup,
            Box::new(|db: &Db, f| db.backup_async_with_progress(dir.path().join("b"), f)),
        ),
        (
            JobKind::Compact,
            Box::new(|db: &Db, f| db.compact_range_async_with_progress(None, None, f)),
        ),
    ] {
        let (started_tx, started) = channel();
        let (go, go_rx) = channel();
        let job = start(&db, gated(started_tx, go_rx)).unwrap();
        assert_eq!(job.kind(), kind);
        started.recv().unwrap();
        // The job is inside its first progress call: certainly running.
        assert!(!job.wait(Some(Duration::ZERO)).unwrap());
        assert!(!job.wait(Some(Duration::from_micros(10))).unwrap());
        let running = job.status().unwrap();
        assert!(!running.finished && running.result.is_ok() && running.message.is_none());
        let timeout = job.result(Some(Duration::ZERO)).unwrap_err();
        assert_eq!(timeout.kind(), ErrorKind::Timeout);
        job.cancel().unwrap();
        go.send(()).unwrap();
        let err = job.result(None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Cancelled, "{kind:?}: {err}");
        job.cancel().unwrap(); // harmless once finished
        assert!(job.wait(Some(Duration::ZERO)).unwrap());
    }
    assert!(
        !dir.path().join("b").exists()
            || std::fs::read_dir(dir.path().join("b"))
                .unwrap()
                .next()
                .is_none()
    );
    assert_intact(&db);
}

#[test]
fn a_panicking_closure_cancels_the_job() {
    let (_dir, db) = filled("job-panic");
    let calls = Arc::new(AtomicU64::new(0));
    let (tx, rx) = channel();
    let counter = calls.clone();
    let signal = DropSignal(tx);
    let job = db
        .verify_async_with_progress(move |_, _| {
            let _keep = &signal;
            counter.fetch_add(1, Ordering::Relaxed);
            panic!("progress bug (expected by this test)")
        })
        .unwrap();
    let err = job.result(None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    assert!(err.message().contains("panicked"), "{err}");
    assert!(job.panicked());
    // Called once: after the panic the closure is not called again.
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    let payload = job.take_panic().expect("the panic's payload");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"progress bug (expected by this test)")
    );
    assert!(job.take_panic().is_none());
    assert_dropped_once(&rx);
    drop(job);
    assert_intact(&db);
}

#[test]
fn dropping_a_running_job_cancels_and_waits() {
    let (dir, db) = filled("job-drop");
    let dest = dir.path().join("backup");
    let (started_tx, started) = channel();
    let (go, go_rx) = channel();
    let in_closure = Arc::new(AtomicU64::new(0));
    let flag = in_closure.clone();
    let mut gate = gated(started_tx, go_rx);
    let job = db
        .backup_async_with_progress(&dest, move |done, total| {
            flag.fetch_add(1, Ordering::SeqCst);
            let r = gate(done, total);
            flag.fetch_sub(1, Ordering::SeqCst);
            r
        })
        .unwrap();
    started.recv().unwrap();
    // Let the closure go on only from another thread: drop must wait for it.
    let releaser = std::thread::spawn(move || go.send(()).unwrap());
    drop(job);
    assert_eq!(
        in_closure.load(Ordering::SeqCst),
        0,
        "the closure still runs"
    );
    releaser.join().unwrap();
    // Cancelled (the partial copy removed) or complete: never half a copy.
    let empty = !dest.exists() || std::fs::read_dir(&dest).unwrap().next().is_none();
    if !empty {
        assert_intact(&Db::open(&dest, opts()).unwrap());
    }
    assert_intact(&db);
}

#[test]
fn closing_the_db_cancels_and_waits_for_its_jobs() {
    let (dir, db) = filled("job-close");
    let (started_tx, started) = channel();
    let (go, go_rx) = channel();
    let (dropped_tx, dropped) = channel();
    let signal = DropSignal(dropped_tx);
    let mut gate = gated(started_tx, go_rx);
    let job = db
        .verify_async_with_progress(move |done, total| {
            let _keep = &signal;
            gate(done, total)
        })
        .unwrap();
    // A second job that may or may not have begun when the db closes.
    let other = db.compact_range_async(None, None).unwrap();
    started.recv().unwrap();
    // The verify job is inside its progress closure: running. Close must
    // wait for it; it is let go from another thread.
    let releaser = std::thread::spawn(move || go.send(()).unwrap());
    db.close().unwrap();
    releaser.join().unwrap();
    // close returned: both jobs have finished, and their handles still work.
    for j in [&job, &other] {
        assert!(j.wait(Some(Duration::ZERO)).unwrap(), "{:?}", j.kind());
        assert!(j.status().unwrap().finished);
        j.cancel().unwrap();
    }
    // Each finished or was cancelled by the close, whether it was running
    // or had not begun (before the fix, that one ended with an I/O error).
    for j in [&job, &other] {
        if let Err(e) = j.status().unwrap().result {
            assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
        }
    }
    assert_dropped_once(&dropped);
    drop((job, other));
    let db = Db::open(dir.db(), opts()).unwrap();
    assert_intact(&db);
}

#[test]
fn bad_arguments_fail_at_the_start_and_free_the_closure() {
    let (dir, db) = filled("job-args");
    let dest = dir.path().join("not-empty");
    std::fs::create_dir_all(&dest).unwrap();
    std::fs::write(dest.join("someone-elses-file"), b"x").unwrap();
    let (tx, rx) = channel();
    let signal = DropSignal(tx);
    let err = db
        .backup_async_with_progress(&dest, move |_, _| {
            let _keep = &signal;
            true
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Exists, "{err}");
    // A failed start frees the closure before returning, exactly once.
    assert_eq!(rx.try_recv(), Ok(()));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(
        std::fs::read(dest.join("someone-elses-file")).unwrap(),
        b"x"
    );

    let err = db.backup_async("bad\0path").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let huge = vec![b'k'; shale::sys::SHALE_MAX_KEY_SIZE + 1];
    let err = db.compact_range_async(Some(&huge), None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    db.close().unwrap();

    let ro = Db::open(dir.db(), opts().read_only(true)).unwrap();
    let err = ro.compact_range_async(None, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReadOnly, "{err}");
    ro.verify_async().unwrap().result(None).unwrap();
}

#[test]
fn jobs_are_send_and_sync_and_can_be_waited_on_elsewhere() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let (_dir, db) = filled("job-threads");
    let job = Arc::new(db.verify_async().unwrap());
    send_sync(&*job);
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let job = job.clone();
            std::thread::spawn(move || job.result(None).unwrap())
        })
        .collect();
    let reports: Vec<String> = waiters.into_iter().map(|w| w.join().unwrap()).collect();
    assert!(reports.iter().all(|r| !r.is_empty() && *r == reports[0]));
}
