//! The lending iterator: entries borrowed from the buffers that
//! `shale_iter_next_many` fills, with no copy.

use crate::error::Result;
use crate::iter::Walk;

/// A lending iterator over `(key, value)` in key order: each entry is a pair
/// of slices into the buffer the library filled for a whole chunk of
/// entries (`shale_iter_next_many`), valid until the next call on this
/// iterator. Nothing is copied, so a scan costs one FFI crossing and one
/// buffer per chunk (up to 1024 entries), whatever their size.
///
/// Made by [`Iter::borrowed`](crate::Iter::borrowed) from any iterator —
/// `db.iter()`, `db.range(..)`, `db.prefix(..)`, their snapshot forms — so
/// it covers the same range, from the same point in time, and its two ends
/// ([`next`](Self::next), [`next_back`](Self::next_back)) stop where they
/// meet as the owned [`Iter`](crate::Iter)'s do.
///
/// It cannot be a std [`Iterator`]: an `Iterator`'s items must outlive the
/// next call, and these point into a buffer the next call may free. So it
/// is a `while let` loop (or [`for_each`](Self::for_each)):
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("shale-doc-refiter-{}", std::process::id()));
/// use shale::{Db, Options};
/// let db = Db::open(&dir, Options::new())?;
/// db.put_many([("fruit/apple", "red"), ("fruit/kiwi", "green"), ("veg/leek", "green")])?;
/// let mut bytes = 0;
/// let mut it = db.prefix("fruit/").borrowed();
/// while let Some((key, value)) = it.next()? {
///     bytes += key.len() + value.len(); // &[u8]s into the library's buffer
/// }
/// assert_eq!(bytes, 29);
/// // Copy what you keep.
/// let mut greens = Vec::new();
/// db.iter().borrowed().for_each(|key, value| {
///     if value == b"green" {
///         greens.push(key.to_vec());
///     }
/// })?;
/// assert_eq!(greens, [b"fruit/kiwi".to_vec(), b"veg/leek".to_vec()]);
/// # drop(it); drop(db); std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), shale::Error>(())
/// ```
///
/// An entry cannot be kept across the next call; the borrow checker says so:
///
/// ```compile_fail,E0499
/// # let db = shale::Db::open("/tmp/never-opened", shale::Options::new()).unwrap();
/// let mut it = db.iter().borrowed();
/// let first = it.next().unwrap();
/// let second = it.next().unwrap(); // error: `it` is still borrowed by `first`
/// drop((first, second));
/// ```
///
/// Errors are as for [`Iter`](crate::Iter): an I/O error or a corruption
/// met while reading is returned once, then the iterator is at its end.
#[derive(Debug)]
pub struct RefIter<'a> {
    walk: Walk<'a>,
    /// After [`rev`](Self::rev): `next` walks from the end.
    reversed: bool,
}

impl<'a> RefIter<'a> {
    pub(crate) fn new(walk: Walk<'a>) -> RefIter<'a> {
        RefIter {
            walk,
            reversed: false,
        }
    }

    fn lend(&mut self, forward: bool) -> Result<Option<(&[u8], &[u8])>> {
        Ok(match self.walk.advance(forward)? {
            Some(span) => Some(self.walk.entry(forward, span)),
            None => None,
        })
    }

    /// The next entry (in key order; from the end after [`rev`](Self::rev)),
    /// `Ok(None)` at the end. The slices are valid until the next call on
    /// this iterator.
    // The name a reader expects (as rusqlite's Rows::next); it cannot be
    // Iterator::next, whose items outlive the call.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<(&[u8], &[u8])>> {
        let forward = !self.reversed;
        self.lend(forward)
    }

    /// The next entry from the other end: the largest key not yet returned
    /// (the smallest after [`rev`](Self::rev)).
    pub fn next_back(&mut self) -> Result<Option<(&[u8], &[u8])>> {
        let forward = self.reversed;
        self.lend(forward)
    }

    /// The same iterator walking the other way: `next` and `next_back`
    /// swapped.
    pub fn rev(mut self) -> RefIter<'a> {
        self.reversed = !self.reversed;
        self
    }

    /// Calls `f(key, value)` for every remaining entry; stops at the first
    /// error and returns it.
    pub fn for_each<F: FnMut(&[u8], &[u8])>(mut self, mut f: F) -> Result<()> {
        while let Some((k, v)) = self.next()? {
            f(k, v);
        }
        Ok(())
    }
}
