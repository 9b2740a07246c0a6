//! Iterators over a range of keys, forward and backward, fetched in chunks.

use crate::db::Db;
use crate::error::{check, Error, Result};
use crate::ffi::{ptr, CBuf};
use crate::snapshot::Snapshot;
use shale_sys as sys;
use std::iter::FusedIterator;
use std::marker::PhantomData;
use std::ops::{Bound, RangeBounds};

/// One entry: (key, value).
pub type Entry = (Vec<u8>, Vec<u8>);

/// Entries fetched by the first call into the library; each further call
/// doubles it up to `MAX_CHUNK`, so `take(1)` stays cheap and long scans
/// cross the FFI rarely.
const FIRST_CHUNK: usize = 16;
const MAX_CHUNK: usize = 1024;
/// Byte budget of one chunk (keys + values) after its first entry.
const CHUNK_BYTES: usize = 1 << 20;

/// What an iterator covers, as the library's options plus the two cases the
/// library's bounds cannot express.
#[derive(Clone, Debug, Default)]
pub(crate) struct Bounds {
    /// Inclusive lower bound given to the library.
    lower: Option<Vec<u8>>,
    /// Exclusive upper bound given to the library.
    upper: Option<Vec<u8>>,
    prefix: Option<Vec<u8>>,
    /// An excluded start: the library gets it as an inclusive lower bound and
    /// this key is skipped here.
    skip: Option<Vec<u8>>,
    /// An included end of SHALE_MAX_KEY_SIZE bytes, whose successor (end +
    /// 0x00) would be over the key limit: checked here instead.
    last: Option<Vec<u8>>,
}

impl Bounds {
    pub(crate) fn all() -> Bounds {
        Bounds::default()
    }

    pub(crate) fn prefix(prefix: &[u8]) -> Bounds {
        Bounds {
            prefix: Some(prefix.to_vec()),
            ..Bounds::default()
        }
    }

    pub(crate) fn range<K: AsRef<[u8]>>(range: impl RangeBounds<K>) -> Bounds {
        let mut b = Bounds::default();
        match range.start_bound() {
            Bound::Included(k) => b.lower = Some(k.as_ref().to_vec()),
            Bound::Excluded(k) => {
                b.lower = Some(k.as_ref().to_vec());
                b.skip = Some(k.as_ref().to_vec());
            }
            Bound::Unbounded => {}
        }
        match range.end_bound() {
            Bound::Excluded(k) => b.upper = Some(k.as_ref().to_vec()),
            // Keys <= k are exactly the keys < k + [0] (memcmp order).
            Bound::Included(k) if k.as_ref().len() < sys::SHALE_MAX_KEY_SIZE => {
                let mut succ = k.as_ref().to_vec();
                succ.push(0);
                b.upper = Some(succ);
            }
            Bound::Included(k) => b.last = Some(k.as_ref().to_vec()),
            Bound::Unbounded => {}
        }
        b
    }
}

/// One C iterator walking in one direction, with the chunk it last fetched.
struct Cursor {
    raw: *mut sys::shale_iter,
    direction: i32,
    started: bool,
    exhausted: bool,
    chunk: Option<CBuf>,
    lens: Vec<usize>,
    count: usize,
    next: usize,
    offset: usize,
    chunk_size: usize,
    /// The last key yielded from this end, as (offset, length) in `chunk`:
    /// what the other end must not pass. No copy is needed when the chunk
    /// is replaced: `fetch` runs inside a step of this end, which then
    /// either yields an entry of the new chunk (and sets `last` again) or
    /// ends the walk for both ends, so the other end never sees it unset.
    last: Option<(usize, usize)>,
}

/// Where an entry is in its cursor's chunk: (offset, key length, value
/// length); the key is at offset, the value right after it.
type Span = (usize, usize, usize);

impl Cursor {
    fn new(direction: i32) -> Cursor {
        Cursor {
            raw: std::ptr::null_mut(),
            direction,
            started: false,
            exhausted: false,
            chunk: None,
            lens: Vec::new(),
            count: 0,
            next: 0,
            offset: 0,
            chunk_size: FIRST_CHUNK,
            last: None,
        }
    }

    /// Creates the C iterator and positions it on the first entry of its
    /// direction.
    fn start(
        &mut self,
        db: *mut sys::shale_db,
        snap: *mut sys::shale_snapshot,
        b: &Bounds,
    ) -> Result<()> {
        self.started = true;
        // SAFETY: plain data; all-zero is valid, then init fills it.
        let mut opts: sys::shale_iter_options = unsafe { std::mem::zeroed() };
        // SAFETY: opts is a writable shale_iter_options of the size given.
        unsafe {
            sys::shale_iter_options_init(&mut opts, std::mem::size_of::<sys::shale_iter_options>())
        };
        opts.snapshot = snap;
        if let Some(l) = &b.lower {
            (opts.lower_bound, opts.lower_bound_len) = (ptr(l), l.len());
        }
        if let Some(u) = &b.upper {
            (opts.upper_bound, opts.upper_bound_len) = (ptr(u), u.len());
        }
        if let Some(p) = &b.prefix {
            (opts.prefix, opts.prefix_len) = (ptr(p), p.len());
        }
        // SAFETY: db and snap are live (kept so by the Iter's borrow); the
        // bounds are borrowed for the call (the library copies them).
        check(unsafe { sys::shale_iter_new(db, &opts, &mut self.raw) })?;
        // SAFETY: self.raw is the live iterator just created, owned by self.
        let st = unsafe {
            match (self.direction, &b.last) {
                (sys::SHALE_ITER_FORWARD, _) => sys::shale_iter_first(self.raw),
                (_, Some(last)) => sys::shale_iter_seek_for_prev(self.raw, ptr(last), last.len()),
                (_, None) => sys::shale_iter_last(self.raw),
            }
        };
        if check(st)? == sys::SHALE_NOT_FOUND {
            self.exhausted = true;
        }
        Ok(())
    }

    /// Fetches the next chunk; false when there is none.
    fn fetch(&mut self) -> Result<bool> {
        self.last = None; // it pointed into the chunk being dropped
        self.chunk = None;
        self.lens.resize(2 * self.chunk_size, 0);
        let (mut data, mut count) = (std::ptr::null_mut(), 0usize);
        // SAFETY: live iterator owned by self; lens has 2 * chunk_size
        // writable elements; data and count writable.
        let st = check(unsafe {
            sys::shale_iter_next_many(
                self.raw,
                self.direction,
                self.chunk_size,
                CHUNK_BYTES,
                &mut data,
                self.lens.as_mut_ptr(),
                &mut count,
            )
        })?;
        if st == sys::SHALE_NOT_FOUND {
            self.exhausted = true;
            return Ok(false);
        }
        let total = self.lens[..2 * count].iter().sum();
        // SAFETY: on SHALE_OK data is an owned buffer of the count entries,
        // keys and values end to end: the sum of their lengths.
        self.chunk = Some(unsafe { CBuf::new(data, total) });
        (self.count, self.next, self.offset) = (count, 0, 0);
        self.chunk_size = (self.chunk_size * 2).min(MAX_CHUNK);
        Ok(true)
    }

    fn data(&self) -> &[u8] {
        self.chunk.as_ref().map(CBuf::as_slice).unwrap_or(&[])
    }

    /// Where the next entry in this cursor's direction is in its chunk
    /// (fetching the next chunk when this one is used up).
    fn next_span(&mut self) -> Result<Option<Span>> {
        if self.next == self.count && (self.exhausted || !self.fetch()?) {
            return Ok(None);
        }
        let (kl, vl) = (self.lens[2 * self.next], self.lens[2 * self.next + 1]);
        let start = self.offset;
        self.offset += kl + vl;
        self.next += 1;
        Ok(Some((start, kl, vl)))
    }

    fn key_at(&self, (at, kl, _): Span) -> &[u8] {
        &self.data()[at..at + kl]
    }

    fn entry_at(&self, (at, kl, vl): Span) -> (&[u8], &[u8]) {
        let data = self.data();
        (&data[at..at + kl], &data[at + kl..at + kl + vl])
    }

    /// The last key yielded from this end, if it has yielded one.
    fn last_key(&self) -> Option<&[u8]> {
        self.last.map(|(at, len)| &self.data()[at..at + len])
    }
}

impl Drop for Cursor {
    fn drop(&mut self) {
        self.chunk = None;
        // SAFETY: NULL or the live iterator owned by this cursor, freed once.
        unsafe { sys::shale_iter_free(self.raw) };
    }
}

/// The walk both [`Iter`] and [`RefIter`](crate::RefIter) are made of: two
/// cursors (one per end) over one snapshot, the bounds, and where the ends
/// stop. It hands out where an entry is in a cursor's chunk; the owned
/// iterator copies it out, the lending one lends it.
pub(crate) struct Walk<'a> {
    db: *mut sys::shale_db,
    /// The snapshot both cursors read; owned (freed on drop) when the
    /// iterator was made from the db rather than from a Snapshot.
    snap: *mut sys::shale_snapshot,
    owns_snap: bool,
    bounds: Bounds,
    front: Cursor,
    back: Cursor,
    done: bool,
    _borrow: PhantomData<&'a Db>,
}

impl<'a> Walk<'a> {
    fn new(db: &'a Db, snapshot: Option<&'a Snapshot<'_>>, bounds: Bounds) -> Walk<'a> {
        Walk {
            db: db.as_raw(),
            snap: snapshot.map_or(std::ptr::null_mut(), |s| s.as_raw()),
            owns_snap: false,
            bounds,
            front: Cursor::new(sys::SHALE_ITER_FORWARD),
            back: Cursor::new(sys::SHALE_ITER_BACKWARD),
            done: false,
            _borrow: PhantomData,
        }
    }

    /// The snapshot both ends read: the caller's, or one taken now (when the
    /// first entry is asked for) so that both ends see the same state.
    fn snapshot(&mut self) -> Result<*mut sys::shale_snapshot> {
        if self.snap.is_null() {
            // SAFETY: the db is live (borrowed for 'a); out writable.
            check(unsafe { sys::shale_snapshot_new(self.db, &mut self.snap) })?;
            if self.snap.is_null() {
                return Err(Error::new(
                    sys::SHALE_E_INTERNAL,
                    "shale_snapshot_new: NULL",
                ));
            }
            self.owns_snap = true;
        }
        Ok(self.snap)
    }

    fn step(&mut self, forward: bool) -> Result<Option<Span>> {
        let snap = self.snapshot()?;
        let Walk {
            db,
            bounds,
            front,
            back,
            ..
        } = self;
        let (cursor, other) = if forward {
            (front, &*back)
        } else {
            (back, &*front)
        };
        if !cursor.started {
            cursor.start(*db, snap, bounds)?;
        }
        loop {
            let Some(span) = cursor.next_span()? else {
                return Ok(None);
            };
            let k = cursor.key_at(span);
            if bounds.skip.as_deref() == Some(k) {
                continue;
            }
            if forward && bounds.last.as_deref().is_some_and(|last| k > last) {
                return Ok(None);
            }
            // Stop where the two ends meet.
            let crossed = match other.last_key() {
                Some(o) if forward => k >= o,
                Some(o) => k <= o,
                None => false,
            };
            if crossed {
                return Ok(None);
            }
            cursor.last = Some((span.0, span.1));
            return Ok(Some(span));
        }
    }

    /// The next entry from one end: where it is, or None at the end (for
    /// both ends from then on), or the error (once; the walk then ends).
    pub(crate) fn advance(&mut self, forward: bool) -> Result<Option<Span>> {
        if self.done {
            return Ok(None);
        }
        let r = self.step(forward);
        if !matches!(r, Ok(Some(_))) {
            // One end ran out, met the other, or failed: nothing is left.
            self.done = true;
        }
        r
    }

    /// The entry at `span`, as `advance(forward)` returned it, borrowed
    /// until the next call that takes `&mut self`.
    pub(crate) fn entry(&self, forward: bool, span: Span) -> (&[u8], &[u8]) {
        if forward {
            self.front.entry_at(span)
        } else {
            self.back.entry_at(span)
        }
    }
}

// SAFETY: the C iterators and snapshot are single-owner objects without
// thread affinity, owned by this value; the db they read is Sync.
unsafe impl Send for Walk<'_> {}

impl Drop for Walk<'_> {
    fn drop(&mut self) {
        if self.owns_snap {
            // SAFETY: our own snapshot, freed once; the C iterators keep their
            // own reference to it, and are freed by the cursors' Drop after.
            unsafe { sys::shale_snapshot_free(self.snap) };
        }
    }
}

impl std::fmt::Debug for Walk<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Walk")
            .field("bounds", &self.bounds)
            .field("done", &self.done)
            .finish()
    }
}

/// An iterator over entries `(key, value)` in key order, from one
/// consistent point in time; `.rev()` (or [`next_back`](Self::next_back))
/// walks from the end. Both ends may be used together: they stop where they
/// meet.
///
/// It borrows the db (or the snapshot it came from), and fetches entries
/// from the library in chunks. Items are `Result`s: an I/O error or a
/// corruption found while reading is yielded once, then the iterator ends.
/// Each item is an owned copy; [`borrowed`](Self::borrowed) turns it into a
/// [`RefIter`](crate::RefIter), which lends the entries in place instead.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("shale-doc-iter-{}", std::process::id()));
/// use shale::{Db, Options};
/// let db = Db::open(&dir, Options::new())?;
/// db.put_many([("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")])?;
/// // Keys as strings; the `?` passes on an error met while iterating.
/// fn keys(it: impl Iterator<Item = shale::Result<shale::Entry>>) -> shale::Result<Vec<String>> {
///     it.map(|e| e.map(|(k, _v)| String::from_utf8_lossy(&k).into_owned())).collect()
/// }
/// assert_eq!(keys(db.range("b"..="c"))?, ["b", "c"]);
/// assert_eq!(keys(db.range("b"..))?, ["b", "c", "d"]);
/// assert_eq!(keys(db.range(.."b"))?, ["a"]);
/// assert_eq!(keys(db.prefix("c"))?, ["c"]);
/// assert_eq!(keys(db.iter().rev())?, ["d", "c", "b", "a"]);
/// // The last entry: next_back (not .rev().next()).
/// assert_eq!(db.iter().next_back().transpose()?, Some((b"d".to_vec(), b"4".to_vec())));
/// # drop(db); std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), shale::Error>(())
/// ```
pub struct Iter<'a> {
    walk: Walk<'a>,
}

impl<'a> Iter<'a> {
    pub(crate) fn new(db: &'a Db, snapshot: Option<&'a Snapshot<'_>>, bounds: Bounds) -> Iter<'a> {
        Iter {
            walk: Walk::new(db, snapshot, bounds),
        }
    }

    fn owned(&mut self, forward: bool) -> Option<Result<Entry>> {
        match self.walk.advance(forward) {
            Ok(Some(span)) => {
                let (k, v) = self.walk.entry(forward, span);
                Some(Ok((k.to_vec(), v.to_vec())))
            }
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }

    /// The same walk as a lending iterator: entries borrowed from the
    /// library's buffers instead of copied (see [`RefIter`](crate::RefIter)).
    /// Entries already taken from this iterator are not seen again.
    pub fn borrowed(self) -> crate::RefIter<'a> {
        crate::RefIter::new(self.walk)
    }
}

impl Iterator for Iter<'_> {
    type Item = Result<Entry>;

    fn next(&mut self) -> Option<Self::Item> {
        self.owned(true)
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.owned(false)
    }
}

impl FusedIterator for Iter<'_> {}

impl std::fmt::Debug for Iter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Iter")
            .field("bounds", &self.walk.bounds)
            .field("done", &self.walk.done)
            .finish()
    }
}

impl Db {
    /// Every entry, in key order (`.rev()` for reverse), as of the first
    /// call to `next`/`next_back`.
    pub fn iter(&self) -> Iter<'_> {
        Iter::new(self, None, Bounds::all())
    }

    /// The entries whose keys are in `range`: `"a".."c"`, `"a"..="c"`,
    /// `"a"..`, `..b"z".as_slice()`, `(Bound::Excluded(k), Bound::Unbounded)`
    /// — any key type that is `AsRef<[u8]>`. Every kind of bound is honoured
    /// exactly, an inclusive end too.
    pub fn range<K: AsRef<[u8]>>(&self, range: impl RangeBounds<K>) -> Iter<'_> {
        Iter::new(self, None, Bounds::range(range))
    }

    /// The entries whose keys start with `prefix`, in key order.
    pub fn prefix(&self, prefix: impl AsRef<[u8]>) -> Iter<'_> {
        Iter::new(self, None, Bounds::prefix(prefix.as_ref()))
    }
}
