//! Snapshots: isolation for reads and iteration.

mod common;

use common::{keys, open, strs};

#[test]
fn snapshot_isolation_for_reads() {
    let (_dir, db) = open("snap");
    db.put(b"a", b"1").unwrap();
    db.put(b"b", b"1").unwrap();
    let snap = db.snapshot().unwrap();
    db.put(b"a", b"2").unwrap();
    db.delete(b"b").unwrap();
    db.put(b"c", b"new").unwrap();
    assert_eq!(snap.get(b"a").unwrap(), Some(b"1".to_vec()));
    assert_eq!(snap.get(b"b").unwrap(), Some(b"1".to_vec()));
    assert_eq!(snap.get(b"c").unwrap(), None);
    assert!(snap.contains(b"b").unwrap());
    assert!(!snap.contains(b"c").unwrap());
    assert_eq!(&*snap.get_pinned(b"a").unwrap().unwrap(), b"1");
    assert_eq!(
        snap.get_many(["a", "b", "c"]).unwrap(),
        [Some(b"1".to_vec()), Some(b"1".to_vec()), None]
    );
    assert_eq!(db.get(b"a").unwrap(), Some(b"2".to_vec()));
    assert!(std::ptr::eq(snap.db(), &db));
}

#[test]
fn snapshot_isolation_for_iteration() {
    let (_dir, db) = open("snap-iter");
    for k in ["a", "b", "c"] {
        db.put(k, k).unwrap();
    }
    let snap = db.snapshot().unwrap();
    db.delete(b"b").unwrap();
    db.put(b"bb", b"x").unwrap();
    db.put(b"d", b"x").unwrap();
    assert_eq!(strs(snap.iter()), ["a", "b", "c"]);
    assert_eq!(strs(snap.iter().rev()), ["c", "b", "a"]);
    assert_eq!(strs(snap.range("b"..)), ["b", "c"]);
    assert_eq!(strs(snap.range(.."c").rev()), ["b", "a"]);
    assert_eq!(strs(snap.prefix("b")), ["b"]);
    assert_eq!(strs(db.iter()), ["a", "bb", "c", "d"]);
    assert_eq!(strs(db.prefix("b")), ["bb"]);
}

#[test]
fn snapshot_shared_between_threads() {
    let (_dir, db) = open("snap-threads");
    for i in 0..100u32 {
        db.put(i.to_be_bytes(), b"old").unwrap();
    }
    let snap = db.snapshot().unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..100u32 {
                db.put(i.to_be_bytes(), b"new").unwrap();
            }
        });
        for _ in 0..4 {
            s.spawn(|| {
                for i in 0..100u32 {
                    assert_eq!(
                        snap.get(i.to_be_bytes()).unwrap().as_deref(),
                        Some(&b"old"[..])
                    );
                }
                assert_eq!(keys(snap.iter()).len(), 100);
            });
        }
    });
}

#[test]
fn many_snapshots_each_at_their_moment() {
    let (_dir, db) = open("snap-many");
    let mut snaps = Vec::new();
    for i in 0..5u8 {
        db.put(b"k", [i]).unwrap();
        snaps.push(db.snapshot().unwrap());
    }
    for (i, s) in snaps.iter().enumerate() {
        assert_eq!(s.get(b"k").unwrap(), Some(vec![i as u8]));
    }
}
