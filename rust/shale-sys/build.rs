//! Links libshale.
//!
//! Where the library is looked for, first match wins:
//! 1. `SHALE_LIB_DIR`, if set (e.g. `/work/main/build-rs/lib`);
//! 2. the repository's own CMake build, `<repo>/build/lib`, found relative to
//!    this crate (what CI builds);
//! 3. the system's library path (an installed libshale).
//!
//! For 1 and 2 an rpath to that directory is added to this crate's tests, and
//! the directory is handed to dependent crates as `DEP_SHALE_LIB_DIR` (this
//! crate declares `links = "shale"`) so that they can add the same rpath:
//! `cargo:rustc-link-arg` only applies to the crate that prints it.

use std::env;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SHALE_LIB_DIR");

    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let repo_build = manifest.join("../../build/lib");

    let dir = match env::var_os("SHALE_LIB_DIR") {
        Some(d) if !d.is_empty() => {
            let d = PathBuf::from(d);
            if !d.is_dir() {
                println!(
                    "cargo:warning=SHALE_LIB_DIR={} is not a directory",
                    d.display()
                );
            }
            Some(d)
        }
        _ if has_library(&repo_build) => Some(repo_build),
        _ => None,
    };

    match dir {
        Some(dir) => {
            let dir = dir.canonicalize().unwrap_or(dir);
            println!("cargo:rerun-if-changed={}", dir.display());
            println!("cargo:rustc-link-search=native={}", dir.display());
            if dir.join("libshale.so").exists() {
                println!("cargo:rustc-link-lib=dylib=shale");
            } else if dir.join("libshale.so.1").exists() {
                // No development symlink (libshale.so): link the SONAME itself.
                println!("cargo:rustc-link-lib=dylib:+verbatim=libshale.so.1");
            } else {
                println!(
                    "cargo:warning=no libshale.so or libshale.so.1 in {}; build it with cmake first",
                    dir.display()
                );
                println!("cargo:rustc-link-lib=dylib=shale");
            }
            println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
            println!("cargo:lib_dir={}", dir.display());
        }
        None => println!("cargo:rustc-link-lib=dylib=shale"),
    }
}

fn has_library(dir: &Path) -> bool {
    dir.join("libshale.so").exists() || dir.join("libshale.so.1").exists()
}
