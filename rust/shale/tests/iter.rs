//! Iteration: bounds of every kind, prefixes, reverse, both ends, chunks.

mod common;

use common::{keys, open, strs};
use shale::Db;
use std::ops::Bound::{Excluded, Included, Unbounded};

fn abc(db: &Db) {
    for k in ["a", "b", "ba", "bb", "c", "d"] {
        db.put(k, format!("v-{k}")).unwrap();
    }
}

#[test]
fn full_iteration_forward_and_reverse() {
    let (_dir, db) = open("iter-all");
    assert_eq!(db.iter().count(), 0);
    assert_eq!(db.iter().rev().count(), 0);
    abc(&db);
    let all: Vec<_> = db.iter().collect::<shale::Result<_>>().unwrap();
    assert_eq!(all.len(), 6);
    assert_eq!(all[0], (b"a".to_vec(), b"v-a".to_vec()));
    assert_eq!(strs(db.iter()), ["a", "b", "ba", "bb", "c", "d"]);
    assert_eq!(strs(db.iter().rev()), ["d", "c", "bb", "ba", "b", "a"]);
}

#[test]
fn range_bounds_every_kind() {
    let (_dir, db) = open("iter-range");
    abc(&db);
    assert_eq!(strs(db.range("b".."c")), ["b", "ba", "bb"]);
    assert_eq!(strs(db.range("b"..="c")), ["b", "ba", "bb", "c"]);
    assert_eq!(strs(db.range("b"..)), ["b", "ba", "bb", "c", "d"]);
    assert_eq!(strs(db.range(.."b")), ["a"]);
    assert_eq!(strs(db.range(..="b")), ["a", "b"]);
    assert_eq!(
        strs(db.range::<&str>((Excluded("b"), Unbounded))),
        ["ba", "bb", "c", "d"]
    );
    assert_eq!(
        strs(db.range::<&str>((Excluded("b"), Included("bb")))),
        ["ba", "bb"]
    );
    assert_eq!(
        strs(db.range::<&str>((Excluded("b"), Excluded("bb")))),
        ["ba"]
    );
    assert_eq!(
        strs(db.range::<&str>((Unbounded::<&str>, Unbounded::<&str>))),
        ["a", "b", "ba", "bb", "c", "d"]
    );
    // Bounds that are not keys.
    assert_eq!(strs(db.range("aa".."bz")), ["b", "ba", "bb"]);
    assert_eq!(strs(db.range("aa"..="bz")), ["b", "ba", "bb"]);
    // Empty and inverted ranges.
    assert_eq!(strs(db.range("b".."b")), Vec::<String>::new());
    assert_eq!(strs(db.range("b"..="b")), ["b"]);
    assert_eq!(strs(db.range("c".."a")), Vec::<String>::new());
    // Byte-slice and Vec keys.
    assert_eq!(strs(db.range(&b"ba"[..]..&b"c"[..])), ["ba", "bb"]);
    assert_eq!(
        strs(db.range(b"ba".to_vec()..=b"c".to_vec())),
        ["ba", "bb", "c"]
    );
}

#[test]
fn range_bounds_in_reverse() {
    let (_dir, db) = open("iter-range-rev");
    abc(&db);
    assert_eq!(strs(db.range("b".."c").rev()), ["bb", "ba", "b"]);
    assert_eq!(strs(db.range("b"..="c").rev()), ["c", "bb", "ba", "b"]);
    assert_eq!(
        strs(db.range::<&str>((Excluded("b"), Included("c"))).rev()),
        ["c", "bb", "ba"]
    );
    assert_eq!(strs(db.range(..="a").rev()), ["a"]);
    assert_eq!(strs(db.range("e"..).rev()), Vec::<String>::new());
}

#[test]
fn inclusive_end_includes_the_key_but_not_its_extensions() {
    let (_dir, db) = open("iter-incl");
    for k in [&b"b"[..], b"b\0", b"b\0\0", b"b\x01", b"c"] {
        db.put(k, b"").unwrap();
    }
    assert_eq!(keys(db.range(&b"a"[..]..=&b"b"[..])), [b"b".to_vec()]);
    assert_eq!(
        keys(db.range(&b"a"[..]..=&b"b\0"[..])),
        [b"b".to_vec(), b"b\0".to_vec()]
    );
    assert_eq!(keys(db.range(&b"a"[..]..=&b"b"[..]).rev()), [b"b".to_vec()]);
}

#[test]
fn inclusive_end_at_the_maximum_key_size() {
    let (_dir, db) = open("iter-maxkey");
    let max = shale::sys::SHALE_MAX_KEY_SIZE;
    let top = vec![b'z'; max];
    let mut below = top.clone();
    *below.last_mut().unwrap() = b'y';
    let mut above = top.clone();
    *above.last_mut().unwrap() = b'{';
    for k in [&below, &top, &above] {
        db.put(k, b"v").unwrap();
    }
    assert_eq!(keys(db.range(..=top.clone())), [below.clone(), top.clone()]);
    assert_eq!(
        keys(db.range(..=top.clone()).rev()),
        [top.clone(), below.clone()]
    );
    assert_eq!(
        keys(db.range(&top[..]..=&top[..])),
        std::slice::from_ref(&top)
    );
    assert_eq!(
        keys(db.range::<&[u8]>((Excluded(&below[..]), Included(&top[..])))),
        std::slice::from_ref(&top)
    );
}

#[test]
fn prefix_stops_at_the_prefix() {
    let (_dir, db) = open("iter-prefix");
    abc(&db);
    db.put(b"b\xff", b"").unwrap();
    db.put(b"b\xff\xff", b"").unwrap();
    db.put(b"\xff", b"").unwrap();
    assert_eq!(strs(db.prefix("b").take(3)), ["b", "ba", "bb"]);
    assert_eq!(keys(db.prefix("b")).len(), 5);
    assert_eq!(
        keys(db.prefix(b"b\xff")),
        [b"b\xff".to_vec(), b"b\xff\xff".to_vec()]
    );
    assert_eq!(
        keys(db.prefix(b"b\xff").rev()),
        [b"b\xff\xff".to_vec(), b"b\xff".to_vec()]
    );
    assert_eq!(keys(db.prefix(b"\xff")), [b"\xff".to_vec()]);
    assert_eq!(strs(db.prefix("x")), Vec::<String>::new());
    assert_eq!(keys(db.prefix("")).len(), 9);
}

#[test]
fn both_ends_meet_in_the_middle() {
    let (_dir, db) = open("iter-both");
    for i in 0..10u8 {
        db.put([i], [i]).unwrap();
    }
    let mut it = db.iter();
    let mut seen = Vec::new();
    while let Some(front) = it.next() {
        seen.push(front.unwrap().0[0]);
        match it.next_back() {
            Some(back) => seen.push(back.unwrap().0[0]),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, (0..10).collect::<Vec<u8>>());
    assert!(it.next().is_none() && it.next_back().is_none());

    // Odd count, back first.
    let mut it = db.range([2u8]..[7u8]);
    let mut n = 0;
    while let Some(e) = if n % 2 == 0 {
        it.next_back()
    } else {
        it.next()
    } {
        e.unwrap();
        n += 1;
    }
    assert_eq!(n, 5);
}

#[test]
fn many_entries_cross_chunk_boundaries() {
    let (_dir, db) = open("iter-many");
    let n = 5000u32;
    db.put_many((0..n).map(|i| (i.to_be_bytes(), vec![b'v'; (i % 300) as usize])))
        .unwrap();
    let fwd: Vec<u32> = db
        .iter()
        .map(|e| {
            let (k, v) = e.unwrap();
            let i = u32::from_be_bytes(k.try_into().unwrap());
            assert_eq!(v.len() as u32, i % 300);
            i
        })
        .collect();
    assert_eq!(fwd, (0..n).collect::<Vec<_>>());
    let rev: Vec<u32> = db
        .iter()
        .rev()
        .map(|e| u32::from_be_bytes(e.unwrap().0.try_into().unwrap()))
        .collect();
    assert_eq!(rev, (0..n).rev().collect::<Vec<_>>());
    assert_eq!(
        db.range(100u32.to_be_bytes()..=4000u32.to_be_bytes())
            .count(),
        3901
    );
    // Large values: one chunk byte budget holds few of them.
    for i in 0..20u8 {
        db.put([b'z', i], vec![i; 300_000]).unwrap();
    }
    let big: Vec<_> = db.prefix("z").map(|e| e.unwrap()).collect();
    assert_eq!(big.len(), 20);
    assert!(big
        .iter()
        .enumerate()
        .all(|(i, (_, v))| v.len() == 300_000 && v[0] == i as u8));
}

#[test]
fn iterator_sees_one_point_in_time() {
    let (_dir, db) = open("iter-pit");
    abc(&db);
    let mut it = db.iter();
    assert_eq!(it.next().unwrap().unwrap().0, b"a");
    db.put(b"aa", b"new").unwrap();
    db.delete(b"d").unwrap();
    // Started before the writes: sees neither, from either end.
    assert_eq!(it.next_back().unwrap().unwrap().0, b"d");
    let rest: Vec<_> = it.map(|e| e.unwrap().0).collect();
    assert_eq!(
        rest,
        [b"b".to_vec(), b"ba".to_vec(), b"bb".to_vec(), b"c".to_vec()]
    );
}

#[test]
fn an_oversized_bound_is_an_error_item() {
    let (_dir, db) = open("iter-badbound");
    db.put(b"a", b"").unwrap();
    let big = vec![b'x'; shale::sys::SHALE_MAX_KEY_SIZE + 10];
    let mut it = db.range(big.clone()..);
    let err = it.next().unwrap().unwrap_err();
    assert_eq!(err.kind(), shale::ErrorKind::InvalidArgument);
    assert!(it.next().is_none(), "fused after an error");
}

#[test]
fn iterators_are_send() {
    let (_dir, db) = open("iter-send");
    abc(&db);
    let n = std::thread::scope(|s| {
        let it = db.prefix("b");
        s.spawn(move || it.count()).join().unwrap()
    });
    assert_eq!(n, 3);
}
