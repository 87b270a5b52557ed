//! Embeds the bundled registry, the demo history and the default templates in the binary,
//! so that `abusedefs demo` and `abusedefs new` work from any folder.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::Path;

fn main() {
    let root = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut code = String::new();
    for (name, folder) in [
        ("DEFINITIONS", "definitions"),
        ("DEMO", "demo"),
        ("TEMPLATES", "templates"),
    ] {
        let base = Path::new(&root).join(folder);
        println!("cargo:rerun-if-changed={}", base.display());
        let mut files = Vec::new();
        collect(&base, &base, &mut files);
        files.sort();
        writeln!(code, "pub static {name}: &[(&str, &[u8])] = &[").unwrap();
        for (relative, full) in files {
            println!("cargo:rerun-if-changed={full}");
            writeln!(code, "    ({relative:?}, include_bytes!({full:?})),").unwrap();
        }
        writeln!(code, "];").unwrap();
    }
    // A fingerprint of everything the binary is built from, for the build cache: a binary
    // built from other sources never reuses another's cached results.
    let mut sources = Vec::new();
    for folder in ["src", "templates", "definitions", "demo"] {
        let base = Path::new(&root).join(folder);
        println!("cargo:rerun-if-changed={}", base.display());
        collect(&base, &base, &mut sources);
    }
    sources.push(("Cargo.lock".into(), format!("{root}/Cargo.lock")));
    sources.push(("build.rs".into(), format!("{root}/build.rs")));
    sources.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for (relative, full) in &sources {
        relative.hash(&mut hasher);
        fs::read(full).unwrap_or_default().hash(&mut hasher);
    }
    writeln!(
        code,
        "pub const BUILD_ID: &str = \"{}-{:016x}\";",
        env::var("CARGO_PKG_VERSION").unwrap_or_default(),
        hasher.finish()
    )
    .unwrap();
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    fs::write(out, code).expect("OUT_DIR is writable");
}

fn collect(base: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(base, &path, files);
        } else if kind.is_file() {
            let relative = path
                .strip_prefix(base)
                .expect("below base")
                .to_string_lossy()
                .replace('\\', "/");
            files.push((relative, path.to_string_lossy().into_owned()));
        }
    }
}
