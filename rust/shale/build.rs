//! Adds the rpath to libshale's directory (found by shale-sys, which links
//! it) to this crate's tests, examples and doc-tests, so that they run
//! without LD_LIBRARY_PATH. `cargo:rustc-link-arg` printed by shale-sys
//! would only reach shale-sys's own targets.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=DEP_SHALE_LIB_DIR");
    if let Some(dir) = std::env::var_os("DEP_SHALE_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.to_string_lossy());
    }
}
