//! Many threads sharing one `Arc<Db>`.

mod common;

use common::open;
use shale::{Db, WriteBatch};
use std::sync::Arc;

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn db_is_send_and_sync() {
    assert_send_sync::<Db>();
    assert_send_sync::<shale::Snapshot<'static>>();
    assert_send_sync::<shale::Subscription>();
    assert_send_sync::<shale::PinnedValue>();
    assert_send_sync::<shale::Error>();
}

#[test]
fn many_threads_share_an_arc_db() {
    let (_dir, db) = open("threads");
    let db = Arc::new(db);
    let threads = 8u32;
    let per = 500u32;
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let db = Arc::clone(&db);
            std::thread::spawn(move || {
                for i in 0..per {
                    let key = format!("t{t:02}/{i:05}");
                    db.put(&key, i.to_le_bytes()).unwrap();
                    assert_eq!(db.get(&key).unwrap().unwrap(), i.to_le_bytes());
                    if i % 50 == 0 {
                        let mut b = WriteBatch::new();
                        b.put(format!("batch/{t}/{i}"), b"x").unwrap();
                        db.write(&b).unwrap();
                        // Readers iterate while others write.
                        let n = db.prefix(format!("t{t:02}/")).count() as u32;
                        assert_eq!(n, i + 1);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(
        db.iter().count() as u32,
        threads * per + threads * (per / 50)
    );
    // Last Arc dropped: closed.
    let db = Arc::try_unwrap(db).expect("sole owner");
    db.close().unwrap();
}

#[test]
fn one_batch_written_from_two_threads_is_refused_not_undefined() {
    // A WriteBatch is single-owner; sharing &WriteBatch across threads is
    // allowed by the types and the library detects overlap (SHALE_E_BUSY).
    let (_dir, db) = open("threads-batch");
    let mut b = WriteBatch::new();
    for i in 0..2000u32 {
        b.put(i.to_be_bytes(), [0u8; 64]).unwrap();
    }
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..20 {
                    match db.write(&b) {
                        Ok(()) => {}
                        Err(e) => assert_eq!(e.kind(), shale::ErrorKind::Busy, "{e}"),
                    }
                }
            });
        }
    });
    assert_eq!(db.iter().count(), 2000);
}
