//! Test support: unique temporary directories (std only), removed on drop.
#![allow(dead_code)]

use shale::{Db, Options, SyncMode};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "shale-rs-{tag}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A path for a db inside this directory.
    pub fn db(&self) -> PathBuf {
        self.0.join("db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Fast options for tests: no fsync per write.
pub fn opts() -> Options {
    Options::new().sync_mode(SyncMode::None)
}

pub fn open(tag: &str) -> (TempDir, Db) {
    let dir = TempDir::new(tag);
    let db = Db::open(dir.db(), opts()).expect("open");
    (dir, db)
}

pub fn keys(it: impl Iterator<Item = shale::Result<shale::Entry>>) -> Vec<Vec<u8>> {
    it.map(|e| e.expect("entry").0).collect()
}

pub fn strs(it: impl Iterator<Item = shale::Result<shale::Entry>>) -> Vec<String> {
    keys(it)
        .into_iter()
        .map(|k| String::from_utf8(k).unwrap())
        .collect()
}
