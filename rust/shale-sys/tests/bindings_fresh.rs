//! The committed bindings are exactly what regenerate.sh produces from the
//! current include/shale.h: the header stays the single source of truth.
//! Fails (never skips) when bindgen is missing: CI must install it.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn committed_bindings_match_the_header() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let script = crate_dir.join("regenerate.sh");
    let committed = crate_dir.join("src/bindings.rs");

    let bindgen = std::env::var("BINDGEN").unwrap_or_else(|_| "bindgen".into());
    let found = Command::new(&bindgen).arg("--version").output();
    assert!(
        matches!(&found, Ok(o) if o.status.success()),
        "`{bindgen} --version` failed ({found:?}): bindgen is required to check that \
         rust/shale-sys/src/bindings.rs matches include/shale.h. Install it \
         (apt-get install bindgen, or cargo install bindgen-cli) and run the tests again."
    );

    let fresh = std::env::temp_dir().join(format!("shale-bindings-{}.rs", std::process::id()));
    let status = Command::new("sh")
        .arg(&script)
        .arg(&fresh)
        .status()
        .expect("run regenerate.sh");
    let generated = std::fs::read_to_string(&fresh);
    let _ = std::fs::remove_file(&fresh);
    assert!(status.success(), "regenerate.sh failed: {status}");
    let generated = generated.expect("read regenerated bindings");
    let current = std::fs::read_to_string(&committed).expect("read src/bindings.rs");

    if generated != current {
        let first = generated
            .lines()
            .zip(current.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| generated.lines().count().min(current.lines().count()));
        panic!(
            "rust/shale-sys/src/bindings.rs is stale: it differs from what include/shale.h \
             generates, first at line {}:\n  generated: {:?}\n  committed: {:?}\n\
             Run rust/shale-sys/regenerate.sh and commit the result.",
            first + 1,
            generated.lines().nth(first),
            current.lines().nth(first)
        );
    }
}
