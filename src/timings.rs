//! Phase timings for profiling a build: when the `ABUSEDEFS_TIMINGS` environment variable
//! is set, each marked phase prints its wall time to standard error. Off by default; it
//! never changes what a command produces. Each line also shows the resident memory.

use std::sync::Mutex;
use std::time::Instant;

static LAST: Mutex<Option<Instant>> = Mutex::new(None);

fn enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("ABUSEDEFS_TIMINGS").is_some())
}

/// Ends the phase `name`: prints the time since the previous mark (or since the first).
pub fn mark(name: &str) {
    if !enabled() {
        return;
    }
    let now = Instant::now();
    let Ok(mut last) = LAST.lock() else { return };
    if let Some(previous) = *last {
        eprintln!(
            "timing: {name:<28} {:>8.1} ms {:>8}",
            (now - previous).as_secs_f64() * 1000.0,
            resident().unwrap_or_default()
        );
    }
    *last = Some(now);
}

/// The resident memory now, as the kernel reports it (Linux), e.g. `123 MiB`.
fn resident() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(format!("{} MiB", kib / 1024))
}
