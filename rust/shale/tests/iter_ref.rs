//! The lending iterator (RefIter): the same entries as the owned one, lent
//! in place from the library's next_many buffers.

mod common;

use common::open;
use shale::{Db, Entry, ErrorKind, RefIter};
use std::ops::Bound::{Excluded, Included, Unbounded};

fn fill(db: &Db, n: u32) {
    db.put_many((0..n).map(|i| (i.to_be_bytes(), vec![b'v'; (i % 700) as usize])))
        .unwrap();
}

/// Every entry of a RefIter (forward), copied out.
fn drain(mut it: RefIter<'_>) -> Vec<Entry> {
    let mut out = Vec::new();
    while let Some((k, v)) = it.next().unwrap() {
        out.push((k.to_vec(), v.to_vec()));
    }
    assert!(it.next().unwrap().is_none(), "stays at its end");
    assert!(it.next_back().unwrap().is_none());
    out
}

fn owned(it: impl Iterator<Item = shale::Result<Entry>>) -> Vec<Entry> {
    it.collect::<shale::Result<_>>().unwrap()
}

type MakeIter<'a> = Box<dyn Fn() -> shale::Iter<'a> + 'a>;

fn cases(db: &Db) -> Vec<(&'static str, MakeIter<'_>)> {
    let b = |i: u32| i.to_be_bytes();
    vec![
        ("all", Box::new(|| db.iter())),
        ("range", Box::new(move || db.range(b(100)..b(4100)))),
        ("inclusive", Box::new(move || db.range(b(100)..=b(4100)))),
        (
            "excluded start",
            Box::new(move || db.range::<[u8; 4]>((Excluded(b(7)), Included(b(2000))))),
        ),
        (
            "unbounded",
            Box::new(|| db.range::<[u8; 4]>((Unbounded::<[u8; 4]>, Unbounded::<[u8; 4]>))),
        ),
        ("prefix", Box::new(|| db.prefix([0u8, 0, 0x0b]))),
        ("empty", Box::new(move || db.range(b(9000)..))),
    ]
}

#[test]
fn borrowed_gives_what_owned_gives() {
    let (_dir, db) = open("ref-same");
    fill(&db, 5000);
    for (name, make) in &cases(&db) {
        let want = owned(make());
        assert_eq!(drain(make().borrowed()), want, "{name}");
        let mut rev = want.clone();
        rev.reverse();
        assert_eq!(drain(make().borrowed().rev()), rev, "{name}, rev");
        assert_eq!(owned(make().rev()), rev, "{name}, owned rev");
    }
}

#[test]
fn both_ends_meet_across_chunks() {
    let (_dir, db) = open("ref-meet");
    fill(&db, 5000);
    // Alternating ends, and one end far ahead of the other: each key once.
    for pattern in [1usize, 3, 700] {
        let mut it = db.iter().borrowed();
        let mut seen = Vec::new();
        let mut step = 0usize;
        loop {
            let from_back = step % (pattern + 1) == pattern;
            let e = if from_back { it.next_back() } else { it.next() };
            match e.unwrap() {
                Some((k, _)) => seen.push(u32::from_be_bytes(k.try_into().unwrap())),
                None => break,
            }
            step += 1;
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..5000).collect::<Vec<_>>(), "pattern {pattern}");

        let mut it = db.iter();
        let mut seen = Vec::new();
        let mut step = 0usize;
        while let Some(e) = if step % (pattern + 1) == pattern {
            it.next_back()
        } else {
            it.next()
        } {
            seen.push(u32::from_be_bytes(e.unwrap().0.try_into().unwrap()));
            step += 1;
        }
        seen.sort_unstable();
        assert_eq!(
            seen,
            (0..5000).collect::<Vec<_>>(),
            "owned, pattern {pattern}"
        );
    }
}

/// The slices point into next_many's buffer — key 0, value 0, key 1, ...
/// end to end — so nothing was copied: within a chunk each key starts where
/// the previous value ended, and each value where its key ends.
#[test]
fn entries_are_lent_from_the_library_buffer() {
    let (_dir, db) = open("ref-zero-copy");
    fill(&db, 3000);
    let mut it = db.iter().borrowed();
    let (mut entries, mut contiguous, mut prev_end) = (0usize, 0usize, 0usize);
    while let Some((k, v)) = it.next().unwrap() {
        assert_eq!(v.as_ptr() as usize, k.as_ptr() as usize + k.len());
        if k.as_ptr() as usize == prev_end {
            contiguous += 1;
        }
        prev_end = v.as_ptr() as usize + v.len();
        entries += 1;
    }
    assert_eq!(entries, 3000);
    // Chunks of 16, 32, ... 1024 entries (and 1 MiB): a handful of breaks.
    assert!(
        entries - contiguous < 20,
        "{} of {entries} entries start a new buffer",
        entries - contiguous
    );
}

#[test]
fn continues_an_owned_iterator_and_reads_a_snapshot() {
    let (_dir, db) = open("ref-snap");
    fill(&db, 10);
    let snap = db.snapshot().unwrap();
    db.delete(3u32.to_be_bytes()).unwrap();
    let mut it = snap.iter();
    assert_eq!(it.next().unwrap().unwrap().0, 0u32.to_be_bytes());
    assert_eq!(it.next_back().unwrap().unwrap().0, 9u32.to_be_bytes());
    let rest: Vec<u32> = drain(it.borrowed())
        .into_iter()
        .map(|(k, _)| u32::from_be_bytes(k.try_into().unwrap()))
        .collect();
    assert_eq!(rest, (1..9).collect::<Vec<_>>(), "the snapshot still has 3");
    let mut n = 0;
    db.prefix([0u8, 0, 0])
        .borrowed()
        .for_each(|_, _| n += 1)
        .unwrap();
    assert_eq!(n, 9);
}

#[test]
fn an_error_is_returned_once_then_the_end() {
    let (_dir, db) = open("ref-err");
    db.put(b"a", b"").unwrap();
    let big = vec![b'x'; shale::sys::SHALE_MAX_KEY_SIZE + 10];
    let mut it = db.range(big.clone()..).borrowed();
    assert_eq!(it.next().unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert!(it.next().unwrap().is_none());
    let err = db
        .range(big..)
        .borrowed()
        .for_each(|_, _| panic!("no entry"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn empty_keys_and_values_and_large_values() {
    let (_dir, db) = open("ref-sizes");
    db.put(b"", b"").unwrap();
    db.put(b"e", b"").unwrap();
    for i in 0..6u8 {
        db.put([b'z', i], vec![i; 700_000]).unwrap();
    }
    let got = drain(db.iter().borrowed());
    assert_eq!(got.len(), 8);
    assert_eq!(got[0], (vec![], vec![]));
    assert_eq!(got[1], (b"e".to_vec(), vec![]));
    assert!(got[2..]
        .iter()
        .enumerate()
        .all(|(i, (_, v))| v.len() == 700_000 && v.iter().all(|&b| b == i as u8)));
}

#[test]
fn ref_iterators_are_send() {
    let (_dir, db) = open("ref-send");
    fill(&db, 100);
    let n = std::thread::scope(|s| {
        let mut it = db.iter().borrowed();
        s.spawn(move || {
            let mut n = 0;
            while it.next().unwrap().is_some() {
                n += 1;
            }
            n
        })
        .join()
        .unwrap()
    });
    assert_eq!(n, 100);
}
