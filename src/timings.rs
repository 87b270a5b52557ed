//! Phase timings for profiling a build: when the `ABUSEDEFS_TIMINGS` environment variable
//! is set, each marked phase prints its wall time to standard error. Off by default; it
//! never changes what a command produces.

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
            "timing: {name:<28} {:>8.1} ms",
            (now - previous).as_secs_f64() * 1000.0
        );
    }
    *last = Some(now);
}
