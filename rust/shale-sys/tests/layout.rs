//! The bindgen structs have the C compiler's layout: a tiny C program built
//! with `cc -I include` prints sizeof/offsetof of every public struct and
//! field, and the Rust side must agree (std::mem::offset_of!). Every field
//! bindgen declared must be in the lists below, so a field added to the
//! header cannot go unchecked. Also checks the macros written by hand in
//! lib.rs.

use shale_sys::*;
use std::collections::BTreeMap;
use std::mem::{offset_of, size_of};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// (struct, field) -> (offset, size); field "" is the whole struct.
type Layout = BTreeMap<(String, String), (usize, usize)>;

fn field_size<T, F>(_: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

macro_rules! layout {
    ($map:ident, $t:ident { $($f:ident),* $(,)? }) => {{
        $map.insert((stringify!($t).to_string(), String::new()), (0, size_of::<$t>()));
        $(
            $map.insert(
                (stringify!($t).to_string(), stringify!($f).to_string()),
                (offset_of!($t, $f), field_size(|s: &$t| &s.$f)),
            );
        )*
    }};
}

fn rust_layout() -> Layout {
    let mut m = Layout::new();
    layout!(
        m,
        shale_options {
            struct_size,
            create_if_missing,
            error_if_exists,
            read_only,
            sync_mode,
            salvage,
            log_level,
            logger,
            logger_user,
            logger_user_free,
            write_buffer_size,
            block_cache_capacity,
            block_size,
            bloom_bits_per_key,
            max_open_files,
            level0_compaction_trigger,
            level0_slowdown_trigger,
            level0_stop_trigger,
            target_file_size,
            level1_max_bytes,
            level_size_multiplier,
            reserved0,
        }
    );
    layout!(
        m,
        shale_iter_options {
            struct_size,
            snapshot,
            lower_bound,
            lower_bound_len,
            upper_bound,
            upper_bound_len,
            prefix,
            prefix_len,
        }
    );
    layout!(
        m,
        shale_stats {
            struct_size,
            approximate_keys,
            live_bytes,
            disk_bytes,
            level_files,
            level_bytes,
            memtable_bytes,
            cache_capacity,
            cache_usage,
            cache_hits,
            cache_misses,
            open_tables,
            flushes,
            compactions,
            compaction_bytes_read,
            compaction_bytes_written,
            flush_bytes_written,
            wal_bytes_written,
            user_bytes_written,
            bloom_checks,
            bloom_negatives,
            write_stalls,
            write_amplification,
        }
    );
    m
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `pub struct NAME { pub field: ..., }` with fields in bindings.rs.
fn bindgen_fields() -> BTreeMap<String, Vec<String>> {
    let text =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/bindings.rs"))
            .expect("read bindings.rs");
    let mut out = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("pub struct ") {
            if let Some(name) = rest.strip_suffix(" {") {
                current = Some(name.to_string());
                continue;
            }
        }
        if t == "}" {
            current = None;
            continue;
        }
        if let (Some(s), Some(rest)) = (&current, t.strip_prefix("pub ")) {
            if let Some((field, _)) = rest.split_once(':') {
                out.entry(s.clone())
                    .or_insert_with(Vec::new)
                    .push(field.trim().to_string());
            }
        }
    }
    out
}

fn c_layout(layout: &Layout) -> (Layout, BTreeMap<String, String>) {
    let mut src = String::from(
        "#include <stdio.h>\n#include <stddef.h>\n#include \"shale.h\"\n\
         #define F(T, f) printf(\"%s %s %zu %zu\\n\", #T, #f, offsetof(T, f), sizeof(((T *)0)->f))\n\
         int main(void) {\n",
    );
    for (s, f) in layout.keys() {
        if f.is_empty() {
            src += &format!("  printf(\"{s} - 0 %zu\\n\", sizeof({s}));\n");
        } else {
            src += &format!("  F({s}, {f});\n");
        }
    }
    for m in [
        "SHALE_MAX_KEY_SIZE",
        "SHALE_MAX_VALUE_SIZE",
        "SHALE_MAX_BATCH_SIZE",
        "SHALE_MISSING",
    ] {
        src += &format!("  printf(\"#{m} %zu\\n\", (size_t)({m}));\n");
    }
    src += "  return 0;\n}\n";

    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("shale-layout-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (c, exe) = (dir.join("layout.c"), dir.join("layout"));
    std::fs::write(&c, src).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let built = Command::new(&cc)
        .arg("-std=c99")
        .arg("-I")
        .arg(repo().join("include"))
        .arg(&c)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C compiler `{cc}` (set CC): {e}"));
    assert!(
        built.status.success(),
        "cc failed:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let run = Command::new(&exe).output().expect("run layout program");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(run.status.success());

    let mut m = Layout::new();
    let mut macros = BTreeMap::new();
    for line in String::from_utf8(run.stdout).unwrap().lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if let Some(name) = w[0].strip_prefix('#') {
            macros.insert(name.to_string(), w[1].to_string());
            continue;
        }
        let field = if w[1] == "-" {
            String::new()
        } else {
            w[1].to_string()
        };
        m.insert(
            (w[0].to_string(), field),
            (w[2].parse().unwrap(), w[3].parse().unwrap()),
        );
    }
    (m, macros)
}

#[test]
fn every_bindgen_struct_field_is_checked() {
    let listed = rust_layout();
    for (s, fields) in bindgen_fields() {
        for f in fields {
            assert!(
                listed.contains_key(&(s.clone(), f.clone())),
                "{s}.{f} is in bindings.rs but not checked by tests/layout.rs: add it"
            );
        }
    }
}

#[test]
fn struct_layouts_match_the_c_compiler() {
    let rust = rust_layout();
    let (c, _) = c_layout(&rust);
    assert_eq!(rust.len(), c.len());
    for (key, r) in &rust {
        let cl = c
            .get(key)
            .unwrap_or_else(|| panic!("{key:?} missing from the C output"));
        assert_eq!(
            r, cl,
            "{}.{}: Rust (offset, size) {r:?} != C {cl:?}",
            key.0, key.1
        );
    }
}

#[test]
fn hand_written_macros_match_the_header() {
    let (_, macros) = c_layout(&rust_layout());
    assert_eq!(macros["SHALE_MAX_KEY_SIZE"], SHALE_MAX_KEY_SIZE.to_string());
    assert_eq!(
        macros["SHALE_MAX_VALUE_SIZE"],
        SHALE_MAX_VALUE_SIZE.to_string()
    );
    assert_eq!(
        macros["SHALE_MAX_BATCH_SIZE"],
        SHALE_MAX_BATCH_SIZE.to_string()
    );
    assert_eq!(macros["SHALE_MISSING"], SHALE_MISSING.to_string());
}

#[test]
fn the_library_is_the_abi_we_were_generated_for() {
    // Also proves the link and the rpath work.
    assert_eq!(unsafe { shale_abi_version() }, SHALE_ABI_VERSION);
}
