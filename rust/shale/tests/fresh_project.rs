//! A new user's project: a fresh cargo package outside the repository that
//! depends on the `shale` crate by path, built and run with an environment
//! that says nothing about shale (no SHALE_*, LD_LIBRARY_PATH,
//! PKG_CONFIG_PATH, RUSTFLAGS...). Two machines:
//! - nothing installed (pkg-config finds no shale.pc): shale-sys builds
//!   the library from the repository's sources and links it statically;
//! - libshale installed (`cmake --install` of the build tree) where
//!   pkg-config finds it: shale-sys links its libshale.a, so the program
//!   still runs once the installation is gone.
//!
//! Slow (a CMake build of the library, two cargo builds): the two run one
//! after the other, not in parallel.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

mod common;
use common::TempDir;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const MAIN_RS: &str = r#"use shale::{Db, Options};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

fn main() -> shale::Result<()> {
    let dir = std::env::args().nth(1).expect("a db directory");
    let db = Db::open(&dir, Options::new())?;
    db.put_many([("fruit/apple", "red"), ("fruit/kiwi", "green"), ("veg/leek", "green")])?;
    let last = db.prefix("fruit/").next_back().transpose()?;
    let mut bytes = 0;
    let mut it = db.iter().borrowed();
    while let Some((key, value)) = it.next()? {
        bytes += key.len() + value.len();
    }
    drop(it);
    let report = block_on(db.verify_async()?)?;
    println!(
        "fresh app: libshale {}, last {:?}, {bytes} bytes, verify: {}",
        shale::version(),
        last.map(|(k, _)| String::from_utf8_lossy(&k).into_owned()),
        report.lines().last().unwrap_or("")
    );
    db.close()
}
"#;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn header_version() -> String {
    let h = std::fs::read_to_string(repo().join("include/shale.h")).unwrap();
    let line = h
        .lines()
        .find(|l| l.starts_with("#define SHALE_VERSION_STRING "))
        .expect("SHALE_VERSION_STRING");
    line.split('"').nth(1).unwrap().to_string()
}

/// A command with a user's environment: PATH and HOME (and where rustup
/// and cargo keep the toolchain), nothing else.
fn clean(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear();
    for var in [
        "PATH",
        "HOME",
        "CARGO_HOME",
        "RUSTUP_HOME",
        "RUSTUP_TOOLCHAIN",
        "TMPDIR",
    ] {
        if let Some(v) = std::env::var_os(var) {
            cmd.env(var, v);
        }
    }
    cmd
}

fn cargo() -> Command {
    clean(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn show(what: &str, out: &Output) -> String {
    format!(
        "{what}: {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `cargo new`-style project in `dir/app` depending on rust/shale by path.
fn new_project(dir: &Path) -> PathBuf {
    let app = dir.join("app");
    std::fs::create_dir_all(app.join("src")).unwrap();
    let shale = repo().join("rust/shale").canonicalize().unwrap();
    std::fs::write(
        app.join("Cargo.toml"),
        format!(
            "[package]\nname = \"fresh-app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nshale = {{ path = {:?} }}\n\n[workspace]\n",
            shale.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(app.join("src/main.rs"), MAIN_RS).unwrap();
    app
}

/// Builds the project with `env`; returns cargo's output (its stderr holds
/// shale-sys's warnings).
fn build(app: &Path, env: &[(&str, &Path)]) -> String {
    let mut cmd = cargo();
    cmd.args(["build", "--offline"]).current_dir(app);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run cargo");
    assert!(out.status.success(), "{}", show("cargo build", &out));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs the built program with an empty environment but PATH.
fn run_app(app: &Path, db: &Path) -> String {
    let out = clean(app.join("target/debug/fresh-app"))
        .arg(db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show("the program", &out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn expected_line() -> String {
    format!(
        "fresh app: libshale {}, last Some(\"fruit/kiwi\"), 42 bytes, verify: ",
        header_version()
    )
}

#[test]
fn builds_the_library_from_source_when_none_is_installed() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = TempDir::new("fresh-source");
    let app = new_project(tmp.path());
    // A machine without libshale: pkg-config looks only in an empty dir.
    let empty = tmp.path().join("no-pc-files");
    std::fs::create_dir_all(&empty).unwrap();
    let log = build(&app, &[("PKG_CONFIG_LIBDIR", &empty)]);
    assert!(
        log.contains("built it from") && log.contains("linked it statically"),
        "shale-sys did not build from source:\n{log}"
    );
    let out = run_app(&app, &tmp.path().join("db"));
    assert!(out.starts_with(&expected_line()), "{out}");
    assert!(out.contains("0 problems"), "{out}");
}

#[test]
fn links_an_installed_library_found_by_pkg_config() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = TempDir::new("fresh-pkgconfig");
    // The build tree this test run uses (rust/test.sh: SHALE_LIB_DIR).
    let build_dir = std::env::var_os("SHALE_LIB_DIR")
        .map(|d| PathBuf::from(d).join(".."))
        .unwrap_or_else(|| repo().join("build"));
    assert!(
        build_dir.join("lib/libshale.a").exists(),
        "no built libshale.a in {}/lib: build the library first (cmake --build build)",
        build_dir.display()
    );
    let prefix = tmp.path().join("prefix");
    let out = clean("cmake")
        .arg("--install")
        .arg(&build_dir)
        .arg("--prefix")
        .arg(&prefix)
        .output()
        .expect("run cmake --install");
    assert!(out.status.success(), "{}", show("cmake --install", &out));
    let pc_dir = std::fs::read_dir(&prefix)
        .unwrap()
        .map(|e| e.unwrap().path().join("pkgconfig"))
        .find(|p| p.join("shale.pc").exists())
        .unwrap_or_else(|| panic!("no lib*/pkgconfig/shale.pc under {}", prefix.display()));

    let app = new_project(tmp.path());
    let log = build(&app, &[("PKG_CONFIG_PATH", &pc_dir)]);
    assert!(
        !log.contains("built it from"),
        "built from source instead:\n{log}"
    );

    // The guide's idioms pass clippy in the user's project too.
    let mut clippy = cargo();
    clippy
        .args(["clippy", "--offline", "--quiet", "--", "-D", "warnings"])
        .current_dir(&app)
        .env("PKG_CONFIG_PATH", &pc_dir);
    let out = clippy.output().expect("run cargo clippy");
    assert!(out.status.success(), "{}", show("cargo clippy", &out));

    // Linked statically: the installation is not needed to run it.
    std::fs::remove_dir_all(&prefix).unwrap();
    let out = run_app(&app, &tmp.path().join("db"));
    assert!(out.starts_with(&expected_line()), "{out}");
}
