//! Change subscriptions, including callbacks that panic.

mod common;

use common::open;
use shale::{ChangeKind, WriteBatch};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

type Seen = Arc<Mutex<Vec<(ChangeKind, Vec<u8>, Vec<u8>)>>>;

fn recorder() -> (
    Seen,
    impl Fn(ChangeKind, &[u8], &[u8]) + Send + Sync + 'static,
) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    (seen, move |kind, k: &[u8], v: &[u8]| {
        s.lock().unwrap().push((kind, k.to_vec(), v.to_vec()))
    })
}

#[test]
fn receives_puts_and_deletes_under_its_prefix() {
    let (_dir, db) = open("sub");
    let (seen, f) = recorder();
    let sub = db.subscribe(b"p/", f).unwrap();
    db.put(b"p/1", b"one").unwrap();
    db.put(b"q/1", b"other").unwrap();
    db.delete(b"p/1").unwrap();
    let mut b = WriteBatch::new();
    b.put(b"p/2", b"two")
        .unwrap()
        .put(b"p/3", b"")
        .unwrap()
        .delete(b"p/2")
        .unwrap();
    db.write(&b).unwrap();
    db.put_many([("p/4", "four"), ("x", "y")]).unwrap();
    sub.unsubscribe().unwrap();
    db.put(b"p/5", b"after").unwrap();
    let got = seen.lock().unwrap().clone();
    assert_eq!(
        got,
        [
            (ChangeKind::Put, b"p/1".to_vec(), b"one".to_vec()),
            (ChangeKind::Delete, b"p/1".to_vec(), vec![]),
            (ChangeKind::Put, b"p/2".to_vec(), b"two".to_vec()),
            (ChangeKind::Put, b"p/3".to_vec(), vec![]),
            (ChangeKind::Delete, b"p/2".to_vec(), vec![]),
            (ChangeKind::Put, b"p/4".to_vec(), b"four".to_vec()),
        ]
    );
}

#[test]
fn closure_is_freed_when_the_subscription_ends() {
    let (_dir, db) = open("sub-free");
    let token = Arc::new(());
    let t = token.clone();
    let sub = db
        .subscribe(b"", move |_, _, _| {
            let _ = &t;
        })
        .unwrap();
    assert_eq!(Arc::strong_count(&token), 2);
    drop(sub);
    assert_eq!(
        Arc::strong_count(&token),
        1,
        "user_free dropped the closure"
    );

    // Closing the db ends subscriptions too; dropping one afterwards is fine.
    let t = token.clone();
    let sub = db
        .subscribe(b"", move |_, _, _| {
            let _ = &t;
        })
        .unwrap();
    db.close().unwrap();
    assert_eq!(Arc::strong_count(&token), 1);
    drop(sub);
}

#[test]
fn a_panicking_callback_does_not_crash_the_process() {
    let (_dir, db) = open("sub-panic");
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let sub = db
        .subscribe(b"", move |_, key, _| {
            c.fetch_add(1, Ordering::SeqCst);
            if key == b"boom" {
                panic!("subscriber bug (expected by this test)");
            }
        })
        .unwrap();
    db.put(b"ok", b"1").unwrap();
    db.put(b"boom", b"2").unwrap(); // the write succeeds
    db.put(b"after", b"3").unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(sub.panics(), 1);
    assert_eq!(db.get(b"boom").unwrap(), Some(b"2".to_vec()));
}

#[test]
fn callback_may_read_and_write_the_db() {
    let (_dir, db) = open("sub-reentrant");
    let db = Arc::new(db);
    let weak = Arc::downgrade(&db);
    let sub = db
        .subscribe(b"in/", move |kind, key, value| {
            if let (ChangeKind::Put, Some(db)) = (kind, weak.upgrade()) {
                assert_eq!(db.get(key).unwrap().as_deref(), Some(value));
                let mut out = b"out/".to_vec();
                out.extend_from_slice(&key[3..]);
                db.put(out, value).unwrap();
            }
        })
        .unwrap();
    db.put(b"in/a", b"1").unwrap();
    assert_eq!(db.get(b"out/a").unwrap(), Some(b"1".to_vec()));
    drop(sub);
}

#[test]
fn writes_from_many_threads_are_all_delivered() {
    let (_dir, db) = open("sub-threads");
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let _sub = db.subscribe(b"", move |_, _, _| {
        c.fetch_add(1, Ordering::Relaxed);
    });
    std::thread::scope(|s| {
        for t in 0..4u8 {
            let db = &db;
            s.spawn(move || {
                for i in 0..250u32 {
                    db.put([&[t][..], &i.to_be_bytes()].concat(), b"").unwrap();
                }
            });
        }
    });
    assert_eq!(count.load(Ordering::Relaxed), 1000);
}
