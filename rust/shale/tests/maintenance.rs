//! flush, sync, compaction, backup, verify.

mod common;

use common::{open, opts, strs, TempDir};
use shale::{Db, ErrorKind};

#[test]
fn flush_compact_sync_verify() {
    let (_dir, db) = open("maint");
    for i in 0..2000u32 {
        db.put(i.to_be_bytes(), vec![b'x'; 100]).unwrap();
    }
    db.sync().unwrap();
    db.flush().unwrap();
    for i in 0..1000u32 {
        db.delete(i.to_be_bytes()).unwrap();
    }
    db.compact_range(None, None).unwrap();
    db.compact_range(Some(&[0, 0, 0, 0]), Some(&[0, 0, 0, 9]))
        .unwrap();
    assert_eq!(db.iter().count(), 1000);
    let report = db.verify().unwrap();
    assert!(!report.is_empty());
}

#[test]
fn progress_can_cancel_and_panics_resume_after_the_call() {
    let (_dir, db) = open("maint-progress");
    for i in 0..5000u32 {
        db.put(i.to_be_bytes(), vec![b'x'; 200]).unwrap();
    }
    db.flush().unwrap();
    let mut calls = 0;
    db.verify_with_progress(Some(&mut |_done, _total| {
        calls += 1;
        true
    }))
    .unwrap();
    assert!(calls > 0);
    let err = db
        .verify_with_progress(Some(&mut |_, _| false))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);

    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = db.verify_with_progress(Some(&mut |_, _| {
            panic!("progress bug (expected by this test)")
        }));
    }));
    assert!(
        caught.is_err(),
        "the panic is re-raised on the caller's thread"
    );
    // The db is still usable.
    db.put(b"still", b"works").unwrap();
    assert!(db.contains(b"still").unwrap());
}

#[test]
fn backup_opens_as_a_db() {
    let (dir, db) = open("maint-backup");
    db.put_many([("a", "1"), ("b", "2")]).unwrap();
    let dest = dir.path().join("backup");
    db.backup(&dest).unwrap();
    let err = db.backup(&dest).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Exists);
    let copy = Db::open(&dest, opts()).unwrap();
    assert_eq!(strs(copy.iter()), ["a", "b"]);
}

#[test]
fn corruption_is_reported_with_the_file() {
    let dir = TempDir::new("maint-corrupt");
    {
        let db = Db::open(dir.db(), opts()).unwrap();
        for i in 0..3000u32 {
            db.put(i.to_be_bytes(), vec![b'v'; 100]).unwrap();
        }
        db.flush().unwrap();
        db.close().unwrap();
    }
    // Flip bytes in the middle of every table file.
    let mut damaged = 0;
    for entry in std::fs::read_dir(dir.db()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".sst") {
            let mut bytes = std::fs::read(&path).unwrap();
            let mid = bytes.len() / 3;
            for b in &mut bytes[mid..mid + 16] {
                *b ^= 0xff;
            }
            std::fs::write(&path, bytes).unwrap();
            damaged += 1;
        }
    }
    assert!(damaged > 0, "flush wrote no .sst table file");
    let db = match Db::open(dir.db(), opts()) {
        Ok(db) => db,
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Corruption, "{e}");
            return;
        }
    };
    let err = db.verify().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corruption, "{err}");
    assert!(!err.message().is_empty());
}
