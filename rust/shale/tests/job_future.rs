//! Job as a Future: awaited with a minimal executor written here (std
//! only, no runtime), woken by the job's done callback.

mod common;

use common::{opts, TempDir};
use shale::{Db, ErrorKind, Job};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::channel;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// Unparks the polling thread and counts its wakes.
struct Unpark {
    thread: Thread,
    wakes: AtomicUsize,
}

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        self.thread.unpark();
    }
}

/// Polls `fut` until it is ready, parking between polls; only a wake (or a
/// spurious unpark) makes it poll again. Returns the output and the number
/// of wakes. Fails if nothing wakes it within 60 s.
fn block_on<F: Future>(fut: F) -> (F::Output, usize) {
    let mut fut = pin!(fut);
    let unpark = Arc::new(Unpark {
        thread: std::thread::current(),
        wakes: AtomicUsize::new(0),
    });
    let waker = Waker::from(unpark.clone());
    let mut cx = Context::from_waker(&waker);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return (out, unpark.wakes.load(Ordering::SeqCst));
        }
        assert!(Instant::now() < deadline, "the future was never woken");
        std::thread::park_timeout(Duration::from_secs(1));
    }
}

/// Polls once with a waker that counts its wakes.
fn poll_once<F: Future + Unpin>(fut: &mut F, wakes: &Arc<Unpark>) -> Poll<F::Output> {
    let waker = Waker::from(wakes.clone());
    std::pin::Pin::new(fut).poll(&mut Context::from_waker(&waker))
}

fn filled(tag: &str) -> (TempDir, Db) {
    let dir = TempDir::new(tag);
    let db = Db::open(dir.db(), opts().write_buffer_size(256 * 1024)).unwrap();
    for batch in 0..4u32 {
        db.put_many((0..1000u32).map(|i| (format!("key{:06}", batch * 1000 + i), vec![b'v'; 200])))
            .unwrap();
        db.flush().unwrap();
    }
    (dir, db)
}

#[test]
fn awaiting_gives_the_outcome_result_gives() {
    let (dir, db) = filled("fut-outcome");
    let job = db.verify_async().unwrap();
    let (report, _) = block_on(&job);
    let report = report.unwrap();
    assert!(report.contains("0 problems"), "{report}");
    // Ready means finished: the same report, no waiting.
    assert_eq!(report, job.result(Some(Duration::ZERO)).unwrap());
    let (again, _) = block_on(job);
    assert_eq!(again.unwrap(), report);

    let dest = dir.path().join("copy");
    let (out, _) = block_on(db.backup_async(&dest).unwrap());
    assert_eq!(out.unwrap(), "");
    let copy = Db::open(&dest, opts()).unwrap();
    assert_eq!(copy.iter().count(), 4000);

    let (out, _) = block_on(async { db.compact_range_async(None, None)?.await });
    assert_eq!(out.unwrap(), "");
}

/// Pending while the job runs, ready once its done callback woke the task:
/// the wake comes from the job's thread, not from polling again.
#[test]
fn pending_until_the_done_callback_wakes_the_task() {
    let (_dir, db) = filled("fut-pending");
    let (release, gate) = channel::<()>();
    // The first progress call waits until the test has seen Pending.
    let mut job = db
        .verify_async_with_progress(move |_, _| {
            let _ = gate.recv_timeout(Duration::from_secs(30));
            true
        })
        .unwrap();
    let counter = Arc::new(Unpark {
        thread: std::thread::current(),
        wakes: AtomicUsize::new(0),
    });
    assert!(poll_once(&mut job, &counter).is_pending());
    assert!(poll_once(&mut job, &counter).is_pending()); // the same waker, once
    assert_eq!(counter.wakes.load(Ordering::SeqCst), 0);
    drop(release); // every progress call goes on from now
    job.wait(None).unwrap();
    assert_eq!(
        counter.wakes.load(Ordering::SeqCst),
        1,
        "woken once by done"
    );
    match poll_once(&mut job, &counter) {
        Poll::Ready(r) => assert!(r.unwrap().contains("0 problems")),
        Poll::Pending => panic!("pending after the job finished"),
    }
}

#[test]
fn a_finished_job_is_ready_at_the_first_poll() {
    let (_dir, db) = filled("fut-done");
    let job = db.verify_async().unwrap();
    job.wait(None).unwrap();
    let (out, wakes) = block_on(job);
    assert!(out.is_ok());
    assert_eq!(wakes, 0);
}

#[test]
fn cancelled_and_panicking_jobs_give_their_error() {
    let (_dir, db) = filled("fut-cancel");
    let (out, _) = block_on(
        db.compact_range_async_with_progress(None, None, |_, _| false)
            .unwrap(),
    );
    assert_eq!(out.unwrap_err().kind(), ErrorKind::Cancelled);

    let (out, _) = block_on(
        db.verify_async_with_progress(|_, _| panic!("progress panics"))
            .unwrap(),
    );
    let err = out.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    assert!(err.to_string().contains("panicked"), "{err}");

    // Awaiting &Job keeps the job: cancelled from another thread meanwhile.
    let (go, gate) = channel::<()>();
    let job = db
        .verify_async_with_progress(move |_, _| {
            let _ = gate.recv_timeout(Duration::from_secs(30));
            true
        })
        .unwrap();
    let (out, _) = std::thread::scope(|s| {
        s.spawn(|| {
            job.cancel().unwrap();
            drop(go);
        });
        block_on(&job)
    });
    assert_eq!(out.unwrap_err().kind(), ErrorKind::Cancelled);
    assert!(job.status().unwrap().finished);
}

#[test]
fn many_tasks_await_one_job() {
    let (_dir, db) = filled("fut-many");
    let (go, gate) = channel::<()>();
    let job: Job = db
        .verify_async_with_progress(move |_, _| {
            let _ = gate.recv_timeout(Duration::from_secs(30));
            true
        })
        .unwrap();
    let outs: Vec<_> = std::thread::scope(|s| {
        let tasks: Vec<_> = (0..3).map(|_| s.spawn(|| block_on(&job))).collect();
        std::thread::sleep(Duration::from_millis(50)); // let them poll first
        drop(go);
        tasks.into_iter().map(|t| t.join().unwrap()).collect()
    });
    for (out, _) in outs {
        assert!(out.unwrap().contains("0 problems"));
    }
}

#[test]
fn closing_the_db_ends_an_awaited_job() {
    let (_dir, db) = filled("fut-close");
    let job = db
        .compact_range_async_with_progress(None, None, |_, _| {
            std::thread::sleep(Duration::from_millis(2));
            true
        })
        .unwrap();
    db.close().unwrap();
    let (out, _) = block_on(job);
    match out {
        Ok(_) => {}
        Err(e) => assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}"),
    }
}
