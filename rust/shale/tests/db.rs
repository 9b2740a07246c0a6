//! Opening, closing, point reads and writes, errors.

mod common;

use common::{open, opts, TempDir};
use shale::{Db, ErrorKind, Options};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

#[test]
fn put_get_delete_contains() {
    let (_dir, db) = open("basic");
    assert_eq!(db.get(b"missing").unwrap(), None);
    db.put(b"k", b"v").unwrap();
    assert_eq!(db.get(b"k").unwrap().as_deref(), Some(&b"v"[..]));
    assert!(db.contains(b"k").unwrap());
    db.put("k", "v2").unwrap();
    assert_eq!(db.get("k").unwrap(), Some(b"v2".to_vec()));
    db.delete(b"k").unwrap();
    assert_eq!(db.get(b"k").unwrap(), None);
    assert!(!db.contains(b"k").unwrap());
    db.delete(b"never there").unwrap();
}

#[test]
fn empty_values_and_keys_and_nul_bytes() {
    let (_dir, db) = open("empty");
    db.put(b"empty", b"").unwrap();
    assert_eq!(db.get(b"empty").unwrap(), Some(Vec::new()));
    assert!(db.contains(b"empty").unwrap());
    db.put(b"", b"empty key").unwrap();
    assert_eq!(db.get(b"").unwrap().as_deref(), Some(&b"empty key"[..]));
    db.put(b"a\0b", b"\0\0").unwrap();
    assert_eq!(db.get(b"a\0b").unwrap(), Some(vec![0, 0]));
    assert_eq!(db.get(b"a").unwrap(), None);
}

#[test]
fn pinned_reads() {
    let (_dir, db) = open("pinned");
    db.put(b"big", vec![7u8; 100_000]).unwrap();
    db.put(b"empty", b"").unwrap();
    let pin = db.get_pinned(b"big").unwrap().unwrap();
    assert_eq!(pin.len(), 100_000);
    assert!(pin.iter().all(|&b| b == 7));
    assert_eq!(&*db.get_pinned(b"empty").unwrap().unwrap(), b"");
    assert!(db.get_pinned(b"nope").unwrap().is_none());
    // A pin outlives the db and may move to another thread.
    db.close().unwrap();
    let len = std::thread::spawn(move || pin.len()).join().unwrap();
    assert_eq!(len, 100_000);
}

#[test]
fn data_survives_reopen() {
    let dir = TempDir::new("reopen");
    {
        let db = Db::open(dir.db(), opts()).unwrap();
        db.put(b"a", b"1").unwrap();
        db.close().unwrap();
    }
    let db = Db::open(dir.db(), opts()).unwrap();
    assert_eq!(db.get(b"a").unwrap(), Some(b"1".to_vec()));
}

#[test]
fn drop_closes_and_releases_the_lock() {
    let dir = TempDir::new("drop");
    let db = Db::open(dir.db(), opts()).unwrap();
    db.put(b"a", b"1").unwrap();
    drop(db);
    let db = Db::open(dir.db(), opts()).unwrap();
    assert!(db.contains(b"a").unwrap());
}

#[test]
fn second_open_is_locked_and_names_the_path() {
    let dir = TempDir::new("locked");
    let _db = Db::open(dir.db(), opts()).unwrap();
    let err = Db::open(dir.db(), opts()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Locked);
    assert_eq!(err.code(), shale::sys::SHALE_E_LOCKED);
    assert_eq!(err.name(), "SHALE_E_LOCKED");
    let path = dir.db();
    assert!(err.message().contains(path.to_str().unwrap()), "{err}");
    let shown = err.to_string();
    assert!(shown.starts_with("SHALE_E_LOCKED (-6): "), "{shown}");
    assert!(shown.contains(path.to_str().unwrap()));
    // std::error::Error and conversion to io::Error
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err.clone());
    assert_eq!(boxed.to_string(), shown);
    let io: std::io::Error = err.into();
    assert_eq!(io.kind(), std::io::ErrorKind::WouldBlock);
}

#[test]
fn missing_directory_without_create_is_an_io_error_with_errno() {
    let dir = TempDir::new("missing");
    let path = dir.path().join("nope").join("db");
    let err = Db::open(&path, opts().create_if_missing(false)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert_eq!(err.os_errno(), Some(2)); // ENOENT
    assert!(err.message().contains(path.to_str().unwrap()), "{err}");
}

#[test]
fn error_if_exists() {
    let dir = TempDir::new("exists");
    Db::open(dir.db(), opts()).unwrap().close().unwrap();
    let err = Db::open(dir.db(), opts().error_if_exists(true)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Exists);
}

#[test]
fn read_only_refuses_writes() {
    let dir = TempDir::new("ro");
    Db::open(dir.db(), opts()).unwrap().put(b"a", b"1").unwrap();
    let db = Db::open(dir.db(), opts().read_only(true)).unwrap();
    assert_eq!(db.get(b"a").unwrap(), Some(b"1".to_vec()));
    let err = db.put(b"b", b"2").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReadOnly);
    assert!(!err.message().is_empty());
}

#[test]
fn non_utf8_path() {
    let dir = TempDir::new("nonutf8");
    let path = dir.path().join(OsStr::from_bytes(b"db-\xff\xfe"));
    let db = Db::open(&path, opts()).unwrap();
    db.put(b"k", b"v").unwrap();
    db.close().unwrap();
    assert!(path.is_dir());
    let db = Db::open(&path, opts()).unwrap();
    assert!(db.contains(b"k").unwrap());
    // Properties are text: a non-UTF-8 path comes back lossily converted.
    assert_eq!(
        db.property("shale.path").unwrap().unwrap(),
        path.to_string_lossy()
    );
}

#[test]
fn path_with_nul_is_invalid_argument() {
    let err = Db::open(OsStr::from_bytes(b"a\0b"), opts()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains("NUL"));
}

#[test]
fn bad_option_is_named_in_the_message() {
    let dir = TempDir::new("badopt");
    let err = Db::open(dir.db(), Options::new().level_size_multiplier(1)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains("level_size_multiplier"), "{err}");
}

#[test]
fn key_over_the_limit_is_refused_with_a_message() {
    let (_dir, db) = open("limits");
    let big = vec![b'k'; shale::sys::SHALE_MAX_KEY_SIZE + 1];
    let err = db.put(&big, b"v").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().starts_with("shale_db_put"), "{err}");
    assert_eq!(db.get(&big).unwrap_err().kind(), ErrorKind::InvalidArgument);
    let max = vec![b'k'; shale::sys::SHALE_MAX_KEY_SIZE];
    db.put(&max, b"v").unwrap();
    assert!(db.contains(&max).unwrap());
}

#[test]
fn properties() {
    let (_dir, db) = open("props");
    db.put(b"a", b"1").unwrap();
    let seq: u64 = db
        .property("shale.sequence")
        .unwrap()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(seq >= 1);
    assert!(db.property("shale.stats").unwrap().is_some());
    assert_eq!(db.property("no.such.property").unwrap(), None);
}

#[test]
fn logger_receives_messages() {
    use std::sync::{Arc, Mutex};
    let dir = TempDir::new("logger");
    let got = Arc::new(Mutex::new(Vec::<String>::new()));
    let g = got.clone();
    let o = opts()
        .log_level(shale::LogLevel::Debug)
        .logger(move |_lvl, msg| g.lock().unwrap().push(msg.to_string()));
    let db = Db::open(dir.db(), o).unwrap();
    db.put(b"a", b"1").unwrap();
    db.close().unwrap();
    // The logger's Arc was released by the library at close.
    assert_eq!(Arc::strong_count(&got), 1);
    // A failed open frees the logger too.
    let g = got.clone();
    let o = opts()
        .create_if_missing(false)
        .logger(move |_, m| g.lock().unwrap().push(m.into()));
    assert!(Db::open(dir.path().join("none"), o).is_err());
    assert_eq!(Arc::strong_count(&got), 1);
}

#[test]
fn version() {
    assert_eq!(shale::version().split('.').count(), 3);
}

/// Use after close cannot be written: close(self) consumes the Db, and a
/// snapshot or iterator borrows it. (Compile-fail examples in the docs.)
#[test]
fn close_consumes() {
    let (_dir, db) = open("close");
    db.put(b"a", b"1").unwrap();
    db.close().unwrap();
}
