//! The `abusedefs` binary: parses arguments, runs the command, maps the outcome to an exit
//! status. Everything else lives in the library.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

// Building a site allocates many small strings and values on two threads: mimalloc
// measured faster there than the system allocator (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = abusedefs::cli::Cli::parse();
    // Not locked for the whole run: the preview server reports from other threads.
    let mut out = io::stdout();
    let mut err = io::stderr();
    match abusedefs::cli::run(cli, &mut out, &mut err) {
        Ok(status) => ExitCode::from(status.code()),
        // A closed pipe (`abusedefs diff | head`) is not an error of ours.
        Err(e)
            if e.downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e:#}");
            ExitCode::from(abusedefs::cli::Status::Invalid.code())
        }
    }
}
