//! Change subscriptions: a closure called for every write under a prefix.

use crate::db::Db;
use crate::error::{check, Error, Result};
use crate::ffi::{bytes, ptr};
use shale_sys as sys;
use std::os::raw::{c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What happened to a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// The key was set (the value is given).
    Put,
    /// The key was removed (the value is empty).
    Delete,
}

/// The callback of a subscription.
pub type ChangeFn = Box<dyn Fn(ChangeKind, &[u8], &[u8]) + Send + Sync>;

/// What the library's `user` pointer points to.
struct Registration {
    f: ChangeFn,
    panics: Arc<AtomicU64>,
}

/// A live subscription; dropping it (or [`unsubscribe`](Self::unsubscribe))
/// ends it. It does not borrow the db: it may outlive it (closing the db
/// ends every subscription, and dropping this afterwards is harmless).
pub struct Subscription {
    raw: NonNull<sys::shale_subscription>,
    panics: Arc<AtomicU64>,
}

// SAFETY: shale_unsubscribe is thread-safe and has no thread affinity.
unsafe impl Send for Subscription {}
// SAFETY: no `&self` method calls the library.
unsafe impl Sync for Subscription {}

impl Db {
    /// Calls `f(kind, key, value)` for every change, made through this db
    /// handle, to a key starting with `prefix` (empty: every key).
    ///
    /// `f` runs on the thread that made the write, after the write is
    /// durable and visible and before that write call returns; entries of a
    /// batch arrive in order. Writes from several threads may call it
    /// concurrently. It may read and write the db and drop its own
    /// [`Subscription`]; it must not close the db (that fails with
    /// [`ErrorKind::Busy`](crate::ErrorKind::Busy)) nor drop another
    /// subscription that may be running at the same moment.
    ///
    /// A panic in `f` is caught in the callback (it must not unwind into the
    /// library), printed by the panic hook as usual and counted by
    /// [`Subscription::panics`]; the write that triggered it has succeeded and
    /// is not affected.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("shale-doc-sub-{}", std::process::id()));
    /// use shale::{ChangeKind, Db, Options};
    /// use std::sync::{Arc, Mutex};
    /// let db = Db::open(&dir, Options::new())?;
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = seen.clone();
    /// let sub = db.subscribe(b"user/", move |kind, key, _value| {
    ///     log.lock().unwrap().push((kind, key.to_vec()));
    /// })?;
    /// db.put(b"user/1", b"ann")?;
    /// db.put(b"other", b"x")?;
    /// db.delete(b"user/1")?;
    /// drop(sub);
    /// assert_eq!(*seen.lock().unwrap(), [
    ///     (ChangeKind::Put, b"user/1".to_vec()),
    ///     (ChangeKind::Delete, b"user/1".to_vec()),
    /// ]);
    /// # drop(db); std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), shale::Error>(())
    /// ```
    pub fn subscribe<F>(&self, prefix: impl AsRef<[u8]>, f: F) -> Result<Subscription>
    where
        F: Fn(ChangeKind, &[u8], &[u8]) + Send + Sync + 'static,
    {
        let panics = Arc::new(AtomicU64::new(0));
        let user = Box::into_raw(Box::new(Registration {
            f: Box::new(f),
            panics: panics.clone(),
        }));
        let p = prefix.as_ref();
        let mut out = std::ptr::null_mut();
        // SAFETY: live handle; prefix borrowed (copied); user is ours until
        // the library calls free_registration exactly once.
        let st = unsafe {
            sys::shale_db_subscribe(
                self.as_raw(),
                ptr(p),
                p.len(),
                Some(on_change),
                user as *mut c_void,
                Some(free_registration),
                &mut out,
            )
        };
        if let Err(e) = check(st) {
            // SAFETY: on failure the library does not call user_free: the
            // registration is still ours to free.
            drop(unsafe { Box::from_raw(user) });
            return Err(e);
        }
        let raw = NonNull::new(out)
            .ok_or_else(|| Error::new(sys::SHALE_E_INTERNAL, "shale_db_subscribe: NULL"))?;
        Ok(Subscription { raw, panics })
    }
}

impl Subscription {
    /// Ends the subscription: when this returns the callback is not running
    /// (unless this is called from inside it) and never runs again.
    pub fn unsubscribe(self) -> Result<()> {
        let me = std::mem::ManuallyDrop::new(self);
        // SAFETY: live handle, consumed once. Also valid after the db closed.
        let st = check(unsafe { sys::shale_unsubscribe(me.raw.as_ptr()) });
        // SAFETY: `me` is not used again; release our Arc.
        drop(unsafe { std::ptr::read(&me.panics) });
        st.map(drop)
    }

    /// How many times the callback has panicked (each panic was caught).
    pub fn panics(&self) -> u64 {
        self.panics.load(Ordering::Relaxed)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        // SAFETY: live handle, consumed once.
        unsafe { sys::shale_unsubscribe(self.raw.as_ptr()) };
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("raw", &self.raw)
            .field("panics", &self.panics())
            .finish()
    }
}

/// The `shale_change_fn` trampoline. Never unwinds: a panic is caught here.
extern "C" fn on_change(
    user: *mut c_void,
    kind: i32,
    key: *const c_void,
    key_len: usize,
    value: *const c_void,
    value_len: usize,
) -> c_int {
    // SAFETY: user is our Registration, alive until free_registration, which
    // the library calls only after the last on_change has returned.
    let reg = unsafe { &*(user as *const Registration) };
    let kind = if kind == sys::SHALE_CHANGE_DELETE {
        ChangeKind::Delete
    } else {
        ChangeKind::Put
    };
    // SAFETY: key and value are borrowed (out) for the call.
    let (k, v) = unsafe { (bytes(key, key_len), bytes(value, value_len)) };
    if catch_unwind(AssertUnwindSafe(|| (reg.f)(kind, k, v))).is_err() {
        reg.panics.fetch_add(1, Ordering::Relaxed);
    }
    0
}

/// The `user_free` of a subscription: drops the closure (catching a panic
/// from its Drop too).
extern "C" fn free_registration(user: *mut c_void) {
    // SAFETY: called exactly once, with the pointer made by Box::into_raw.
    let reg = unsafe { Box::from_raw(user as *mut Registration) };
    let _ = catch_unwind(AssertUnwindSafe(|| drop(reg)));
}
