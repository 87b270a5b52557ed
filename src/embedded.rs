//! Files compiled into the binary by `build.rs`: the bundled registry, the demo history
//! and the default templates, each as (path inside its folder, bytes).

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The bytes of `path` in one of the embedded folders.
pub fn get(folder: &'static [(&'static str, &'static [u8])], path: &str) -> Option<&'static [u8]> {
    folder.iter().find(|(p, _)| *p == path).map(|(_, b)| *b)
}
