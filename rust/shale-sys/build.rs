//! Finds or builds libshale and links it, with no environment variable
//! needed. First match wins:
//!
//! 1. `SHALE_LIB_DIR`, if set: that directory's library (a developer's
//!    build tree, e.g. `<repo>/build/lib`). Linked dynamically, with an rpath
//!    for this workspace's own tests and examples; `SHALE_STATIC=1` links
//!    its `libshale.a` instead.
//! 2. pkg-config: an installed libshale at least as new as this crate
//!    (`pkg-config shale`, so `PKG_CONFIG_PATH` is honoured). Its
//!    `libshale.a` is linked statically when it was installed (the program
//!    then needs nothing at run time), else its shared library
//!    (`SHALE_STATIC=0` forces that). `SHALE_NO_PKG_CONFIG=1` skips this step.
//! 3. The repository's own sources (this crate is `rust/shale-sys` of the
//!    repository; a path or git dependency has them): built with CMake into
//!    `OUT_DIR` (only the static library, Release) and linked statically, as
//!    the rocksdb and lmdb crates do with their bundled sources. Needs
//!    `cmake` and a C++20 compiler; `cargo` rebuilds it when a source
//!    changes (CMake's build is incremental).
//!
//! A static link also links the C++ runtime, as `cmake/shale.pc.in` lists
//! (`Libs.private`). For a dynamic link the library directory is handed to
//! dependent crates as `DEP_SHALE_LIB_DIR` (this crate declares
//! `links = "shale"`) so that they can add the same rpath:
//! `cargo:rustc-link-arg` only applies to the crate that prints it.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How libshale is linked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Link {
    Static,
    Dynamic,
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    for var in [
        "SHALE_LIB_DIR",
        "SHALE_STATIC",
        "SHALE_NO_PKG_CONFIG",
        "PKG_CONFIG_PATH",
        "PKG_CONFIG_LIBDIR",
        "PKG_CONFIG_SYSROOT_DIR",
        "CMAKE",
        "CC",
        "CXX",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let repo = manifest.join("../..");
    let forced = match env::var("SHALE_STATIC").ok().as_deref() {
        None | Some("") => None,
        Some("0") => Some(Link::Dynamic),
        Some(_) => Some(Link::Static),
    };

    if let Some(dir) = env::var_os("SHALE_LIB_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        let dir = dir.canonicalize().unwrap_or(dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        let link = forced.unwrap_or(Link::Dynamic);
        if link == Link::Static && !dir.join("libshale.a").exists() {
            fail(&format!(
                "SHALE_STATIC=1 but there is no libshale.a in SHALE_LIB_DIR={}",
                dir.display()
            ));
        }
        if link == Link::Dynamic && !has_shared(&dir) {
            fail(&format!(
                "no libshale.so or libshale.so.1 in SHALE_LIB_DIR={}; build it \
                 (cmake --build build --target shale) or unset SHALE_LIB_DIR",
                dir.display()
            ));
        }
        emit(&dir, link, &private_libs_of_source(&repo));
        return;
    }

    let mut why_not = Vec::new();
    if env::var_os("SHALE_NO_PKG_CONFIG").is_some_and(|v| !v.is_empty() && v != "0") {
        why_not.push("pkg-config: skipped (SHALE_NO_PKG_CONFIG)".to_string());
    } else {
        match pkg_config() {
            Ok((dir, libs)) => {
                let link = forced.unwrap_or(if dir.join("libshale.a").exists() {
                    Link::Static
                } else {
                    Link::Dynamic
                });
                emit(&dir, link, &libs);
                return;
            }
            Err(e) => why_not.push(format!("pkg-config: {e}")),
        }
    }

    match build_from_source(&repo) {
        Ok(dir) => {
            println!(
                "cargo:warning=shale-sys: no installed libshale ({}); built it from {} and \
                 linked it statically",
                why_not.join("; "),
                repo.canonicalize().unwrap_or(repo.clone()).display()
            );
            emit(&dir, Link::Static, &private_libs_of_source(&repo));
        }
        Err(e) => fail(&format!(
            "no libshale to link.\n  {}\n  building it from the repository's sources: {e}\n\
             Install libshale (cmake --install build; pkg-config must find shale.pc), \
             or install cmake and a C++20 compiler so that shale-sys can build it, \
             or set SHALE_LIB_DIR to a directory holding libshale.so.",
            why_not.join("\n  ")
        )),
    }
}

fn has_shared(dir: &Path) -> bool {
    dir.join("libshale.so").exists() || dir.join("libshale.so.1").exists()
}

/// The link lines for libshale in `dir`; `private` are the libraries a
/// static libshale needs (the C++ runtime).
fn emit(dir: &Path, link: Link, private: &[String]) {
    println!("cargo:rustc-link-search=native={}", dir.display());
    match link {
        Link::Static => {
            println!("cargo:rustc-link-lib=static=shale");
            for lib in private {
                println!("cargo:rustc-link-lib=dylib={lib}");
            }
            println!("cargo:static=1");
        }
        Link::Dynamic => {
            if dir.join("libshale.so").exists() {
                println!("cargo:rustc-link-lib=dylib=shale");
            } else {
                // No development symlink (libshale.so): link the SONAME itself.
                println!("cargo:rustc-link-lib=dylib:+verbatim=libshale.so.1");
            }
            println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
            println!("cargo:lib_dir={}", dir.display());
        }
    }
}

/// `-lfoo` words of a pkg-config or .pc line, without shale itself.
fn lib_names(line: &str) -> Vec<String> {
    line.split_whitespace()
        .filter_map(|w| w.strip_prefix("-l"))
        .filter(|l| *l != "shale")
        .map(str::to_string)
        .collect()
}

/// The `Libs.private` of `cmake/shale.pc.in`: what the static library needs.
fn private_libs_of_source(repo: &Path) -> Vec<String> {
    let pc = repo.join("cmake/shale.pc.in");
    println!("cargo:rerun-if-changed={}", pc.display());
    let text = std::fs::read_to_string(&pc).unwrap_or_default();
    match text.lines().find_map(|l| l.strip_prefix("Libs.private:")) {
        Some(line) => lib_names(line),
        None => vec!["stdc++".into(), "m".into()],
    }
}

fn pkg_config_cmd() -> Command {
    Command::new(env::var_os("PKG_CONFIG").unwrap_or_else(|| "pkg-config".into()))
}

/// An installed libshale: (its libdir, its private libraries).
fn pkg_config() -> Result<(PathBuf, Vec<String>), String> {
    let wanted = env::var("CARGO_PKG_VERSION").expect("CARGO_PKG_VERSION");
    let run = |args: &[&str]| -> Result<String, String> {
        let out = pkg_config_cmd()
            .args(args)
            .arg("shale")
            .output()
            .map_err(|e| format!("cannot run pkg-config ({e})"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    };
    let found = run(&["--modversion"]).map_err(|_| "no shale.pc found".to_string())?;
    run(&["--atleast-version", &wanted])
        .map_err(|_| format!("found libshale {found}, this crate needs >= {wanted}"))?;
    let dir = PathBuf::from(run(&["--variable=libdir"])?);
    let libs = lib_names(&run(&["--static", "--libs"])?);
    if !dir.join("libshale.a").exists() && !has_shared(&dir) {
        return Err(format!(
            "shale.pc names libdir {}, which holds no libshale",
            dir.display()
        ));
    }
    println!("cargo:rerun-if-changed={}", dir.display());
    Ok((dir, libs))
}

/// Builds libshale.a from the repository with CMake into OUT_DIR; returns
/// the directory that holds it.
fn build_from_source(repo: &Path) -> Result<PathBuf, String> {
    if !repo.join("CMakeLists.txt").exists() || !repo.join("include/shale.h").exists() {
        return Err(format!(
            "{} is not the shale repository (no CMakeLists.txt and include/shale.h)",
            repo.display()
        ));
    }
    // Rebuild when the library's sources change (cargo scans directories).
    for part in ["CMakeLists.txt", "cmake", "include", "src", "capi"] {
        println!("cargo:rerun-if-changed={}", repo.join(part).display());
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let build = out.join("libshale-build");
    let cmake = env::var_os("CMAKE").unwrap_or_else(|| "cmake".into());
    let jobs = env::var("NUM_JOBS").unwrap_or_else(|_| "2".into());
    let steps: [Vec<std::ffi::OsString>; 2] = [
        vec![
            "-S".into(),
            repo.into(),
            "-B".into(),
            build.clone().into(),
            "-DCMAKE_BUILD_TYPE=Release".into(),
            "-DSHALE_BUILD_TESTS=OFF".into(),
            "-DSHALE_BUILD_EXAMPLES=OFF".into(),
            "-DSHALE_BUILD_BENCH=OFF".into(),
            "-DSHALE_BUILD_TOOLS=OFF".into(),
        ],
        vec![
            "--build".into(),
            build.clone().into(),
            "--target".into(),
            "shale_static".into(),
            "--parallel".into(),
            jobs.into(),
        ],
    ];
    for args in steps {
        // Output captured, not inherited: a line of CMake's on this script's
        // stdout that began with "cargo:" would be read as an instruction.
        let run = Command::new(&cmake).args(&args).output().map_err(|e| {
            format!(
                "cannot run {} ({e}); install cmake",
                Path::new(&cmake).display()
            )
        })?;
        if !run.status.success() {
            return Err(format!(
                "`{} {}` failed ({}):\n{}{}",
                Path::new(&cmake).display(),
                args.iter()
                    .map(|a| a.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join(" "),
                run.status,
                String::from_utf8_lossy(&run.stdout),
                String::from_utf8_lossy(&run.stderr)
            ));
        }
    }
    let lib = build.join("lib");
    if lib.join("libshale.a").exists() {
        Ok(lib)
    } else {
        Err(format!(
            "the CMake build made no {}",
            lib.join("libshale.a").display()
        ))
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("shale-sys: {msg}");
    // cargo shows a build script's stderr when it fails; the panic makes
    // the failure one line in its summary as well.
    panic!("shale-sys: cannot link libshale (see above)");
}
