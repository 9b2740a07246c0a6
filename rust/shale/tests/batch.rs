//! Write batches and the one-call many-key functions.

mod common;

use common::{open, strs};
use shale::{ErrorKind, WriteBatch};

#[test]
fn batch_put_delete_clear_len() {
    let (_dir, db) = open("batch");
    db.put(b"gone", b"x").unwrap();
    let mut b = WriteBatch::new();
    assert!(b.is_empty());
    b.put(b"a", b"1")
        .unwrap()
        .put(b"b", b"2")
        .unwrap()
        .delete(b"gone")
        .unwrap();
    assert_eq!(b.len(), 3);
    db.write(&b).unwrap();
    assert_eq!(strs(db.iter()), ["a", "b"]);
    // Reusable; clear empties it.
    b.clear();
    assert_eq!(b.len(), 0);
    db.write(&b).unwrap(); // empty batch: no-op
    b.put(b"c", b"3").unwrap();
    db.write(&b).unwrap();
    assert_eq!(strs(db.iter()), ["a", "b", "c"]);
}

#[test]
fn batch_is_applied_in_order() {
    let (_dir, db) = open("batch-order");
    let mut b = WriteBatch::default();
    b.put(b"k", b"1").unwrap();
    b.delete(b"k").unwrap();
    b.put(b"k", b"3").unwrap();
    db.write(&b).unwrap();
    assert_eq!(db.get(b"k").unwrap(), Some(b"3".to_vec()));
}

#[test]
fn batch_refuses_oversized_entries_and_stays_unchanged() {
    let mut b = WriteBatch::new();
    b.put(b"ok", b"v").unwrap();
    let err = b
        .put(vec![0u8; shale::sys::SHALE_MAX_KEY_SIZE + 1], b"v")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert_eq!(b.len(), 1);
    let err = b
        .put_many([
            (&b"x"[..], &b"1"[..]),
            (
                &vec![1u8; shale::sys::SHALE_MAX_KEY_SIZE + 1][..],
                &b"2"[..],
            ),
        ])
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(
        err.message().contains("key_lens[1]"),
        "names the index: {err}"
    );
    assert_eq!(b.len(), 1, "unchanged on error");
}

#[test]
fn batch_many() {
    let (_dir, db) = open("batch-many");
    let mut b = WriteBatch::new();
    b.put_many([("a", "1"), ("b", "2"), ("c", "3")]).unwrap();
    b.delete_many(["b"]).unwrap();
    b.put_many(Vec::<(&[u8], &[u8])>::new()).unwrap();
    assert_eq!(b.len(), 4);
    db.write(&b).unwrap();
    assert_eq!(strs(db.iter()), ["a", "c"]);
}

#[test]
fn batch_moves_to_another_thread() {
    let (_dir, db) = open("batch-send");
    let mut b = WriteBatch::new();
    b.put(b"t", b"1").unwrap();
    let b = std::thread::spawn(move || {
        let mut b = b;
        b.put(b"u", b"2").unwrap();
        b
    })
    .join()
    .unwrap();
    db.write(&b).unwrap();
    assert_eq!(strs(db.iter()), ["t", "u"]);
}

#[test]
fn get_put_delete_many() {
    let (_dir, db) = open("many");
    db.put_many([("a", "1"), ("b", ""), ("c", "333"), ("a", "later wins")])
        .unwrap();
    let got = db.get_many(["a", "b", "x", "c", "a", ""]).unwrap();
    assert_eq!(
        got,
        [
            Some(b"later wins".to_vec()),
            Some(Vec::new()),
            None,
            Some(b"333".to_vec()),
            Some(b"later wins".to_vec()),
            None
        ]
    );
    assert_eq!(
        db.get_many(Vec::<&[u8]>::new()).unwrap(),
        Vec::<Option<Vec<u8>>>::new()
    );
    assert_eq!(db.get_many(["nope", "none"]).unwrap(), [None, None]);
    db.delete_many(["a", "c", "never"]).unwrap();
    assert_eq!(strs(db.iter()), ["b"]);
    db.put_many(Vec::<(Vec<u8>, Vec<u8>)>::new()).unwrap();
    db.delete_many(Vec::<Vec<u8>>::new()).unwrap();
}

#[test]
fn many_refuses_a_bad_key_and_writes_nothing() {
    let (_dir, db) = open("many-bad");
    let big = vec![b'k'; shale::sys::SHALE_MAX_KEY_SIZE + 1];
    let err = db
        .put_many([(&b"ok"[..], &b"1"[..]), (&big[..], &b"2"[..])])
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(
        err.message().contains("key_lens[1]"),
        "names the index: {err}"
    );
    assert_eq!(db.get(b"ok").unwrap(), None, "nothing written");
    let err = db.get_many([&b"ok"[..], &big[..]]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let err = db.delete_many([&big[..]]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn large_many() {
    let (_dir, db) = open("many-large");
    let keys: Vec<Vec<u8>> = (0..10_000u32)
        .map(|i| format!("key{i:06}").into_bytes())
        .collect();
    db.put_many(keys.iter().map(|k| (k, k))).unwrap();
    let got = db.get_many(&keys).unwrap();
    assert!(got.iter().zip(&keys).all(|(v, k)| v.as_ref() == Some(k)));
    db.delete_many(keys.iter().step_by(2)).unwrap();
    assert_eq!(db.iter().count(), 5_000);
}
