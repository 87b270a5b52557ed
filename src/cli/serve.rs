//! `abusedefs serve`: the live preview for editors. Builds in memory with the same code as
//! `build`, serves on loopback unless `--bind` says otherwise, and rebuilds on change.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};

use anyhow::Result;

use crate::diagnostics::{self, Format};
use crate::serve::{self, Current};

use super::build::{self, Rendered};
use super::{RepoArgs, Status};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    repo: RepoArgs,
    /// The port to listen on (0: any free port)
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// The address to listen on; only loopback unless you choose otherwise
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Leave the draft out of the preview
    #[arg(long)]
    no_draft: bool,
    /// The date the revision cycle is computed for
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<String>,
}

pub fn run(args: Args, out: &mut dyn Write, _err: &mut dyn Write) -> Result<Status> {
    let location = args.repo.locate()?;
    let build_args = build::Args {
        repo: args.repo.clone(),
        out: std::path::PathBuf::from("unused-in-preview"),
        no_draft: args.no_draft,
        today: args.today.clone(),
        base_url: None,
        preview: true,
    };
    // What the last successful build was made from: its unchanged parts are copied
    // from the site being served instead of rendered again.
    let memo = std::sync::Mutex::new(build::Previous::default());
    let rebuild = move |serving: Option<&Current>| {
        let mut warnings = Vec::new();
        let last = memo.lock().map(|m| m.clone()).unwrap_or_default();
        let previous = match serving {
            Some(Current::Site(site)) => Some((&last, site)),
            _ => None,
        };
        match build::render_reusing(&build_args, &mut warnings, previous) {
            Ok((Rendered::Site(site), next)) => {
                if let Ok(mut memo) = memo.lock() {
                    *memo = next;
                }
                Current::Site(site)
            }
            Ok((Rendered::Invalid(d), _)) => {
                let mut text = Vec::new();
                let _ = diagnostics::write(&mut text, &d, Format::Human);
                Current::Failed(String::from_utf8_lossy(&text).into_owned())
            }
            Err(e) => Current::Failed(format!("error: {e:#}")),
        }
    };
    let log = std::sync::Arc::new(|took: std::time::Duration| {
        let _ = writeln!(std::io::stderr(), "rebuilt in {} ms", took.as_millis());
    });
    let options = serve::Options {
        bind: SocketAddr::new(args.bind, args.port),
        watch: location.root.clone(),
        log,
    };
    let mut announce = Vec::new();
    serve::run(options, rebuild, |address, current| {
        let state = match current {
            Current::Site(site) => format!(
                "{} pages",
                site.keys().filter(|p| p.ends_with(".html")).count()
            ),
            Current::Failed(_) => "the build failed: the page shows why".to_string(),
        };
        let _ = writeln!(
            announce,
            "serving http://{address}/ ({state}); rebuilding on every change; Ctrl-C stops"
        );
        let _ = out.write_all(&announce);
        let _ = out.flush();
    })?;
    Ok(Status::Success)
}
