//! The live preview: serves the site from memory (no output folder is touched), rebuilds
//! on every change under the repository (debounced; the working tree is the draft, so an
//! editor sees edits not yet committed), reloads open pages through server-sent events,
//! and shows a failing build's diagnostics as a page until the next good build. Requests
//! are answered from the in-memory site only, so no path can reach the file system.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use notify::{self, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use crate::site::Site;

/// The path of the reload event stream; outside any page path a site can have.
pub const EVENTS: &str = "/__abusedefs/events";

/// The few lines of JavaScript injected into pages in preview only.
const RELOAD: &str = "<script>new EventSource(\"/__abusedefs/events\").onmessage = function () { location.reload(); };</script>";

/// What the preview currently serves.
pub enum Current {
    Site(Site),
    /// A failed build: the diagnostics, as text.
    Failed(String),
}

struct Shared {
    current: RwLock<Arc<Current>>,
    reload: broadcast::Sender<()>,
}

/// Renders the site (or the failure), given what is being served.
type Rebuild = dyn Fn(Option<&Current>) -> Current + Send + Sync;

/// Options of the preview server.
pub struct Options {
    pub bind: SocketAddr,
    /// The repository folder to watch.
    pub watch: PathBuf,
    /// Told how long each rebuild took (the command prints it).
    pub log: Arc<dyn Fn(Duration) + Send + Sync>,
}

/// Runs the server until interrupted. `rebuild` renders the site (or the failure), given
/// what is being served, and is called once at start and after every debounced change;
/// `ready` gets the bound address.
pub fn run(
    options: Options,
    rebuild: impl Fn(Option<&Current>) -> Current + Send + Sync + 'static,
    ready: impl FnOnce(SocketAddr, &Current),
) -> Result<()> {
    let first = rebuild(None);
    let (reload, _) = broadcast::channel(16);
    let shared = Arc::new(Shared {
        current: RwLock::new(Arc::new(first)),
        reload,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the server runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(options.bind)
            .await
            .with_context(|| format!("listening on {}", options.bind))?;
        let address = listener.local_addr()?;
        {
            let current = shared
                .current
                .read()
                .map_err(|_| anyhow::anyhow!("state lock poisoned"))?
                .clone();
            ready(address, &current);
        }
        let _watcher = watch(
            &options.watch,
            shared.clone(),
            Arc::new(rebuild),
            options.log.clone(),
        )?;
        let app = Router::new()
            .route(EVENTS, get(events))
            .fallback(page)
            .with_state(shared);
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving")
    })
}

/// Paths that never affect the site: build output, dependencies, git's object store.
fn ignored(path: &Path, root: &Path) -> bool {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let first = relative
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    // Lock files (git's), and editors' temporary and swap files, come and go around a
    // save; the save itself is the change that matters.
    let name = relative
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ["target", "node_modules", "site", ".abusedefs-cache"].contains(&first.as_str())
        || relative.starts_with(".git/objects")
        || [".lock", ".tmp", ".swp", ".swx", "~"]
            .iter()
            .any(|end| name.ends_with(end))
}

/// How long the tree must be quiet before a rebuild: an editor's save, or a `git commit`,
/// touches several files in a burst.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// Watches `root` and rebuilds after each burst of changes. Reads (which the build itself
/// makes, and inotify reports as opens) are not changes.
fn watch(
    root: &Path,
    shared: Arc<Shared>,
    rebuild: Arc<Rebuild>,
    log: Arc<dyn Fn(Duration) + Send + Sync>,
) -> Result<RecommendedWatcher> {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let root_owned = root.to_path_buf();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, EventKind::Access(_))
            || event.paths.iter().all(|p| ignored(p, &root_owned))
        {
            return;
        }
        let _ = tx.send(());
    })
    .context("starting the file watcher")?;
    watcher
        .watch(root, RecursiveMode::Recursive)
        .with_context(|| format!("watching {}", root.display()))?;
    std::thread::Builder::new()
        .name("abusedefs rebuild".into())
        .spawn(move || {
            while rx.recv().is_ok() {
                // Wait for the burst to end.
                while rx.recv_timeout(DEBOUNCE).is_ok() {}
                let started = Instant::now();
                let serving = shared.current.read().ok().map(|c| c.clone());
                let next = rebuild(serving.as_deref());
                if let Ok(mut current) = shared.current.write() {
                    *current = Arc::new(next);
                }
                let _ = shared.reload.send(());
                log(started.elapsed());
            }
        })
        .context("starting the rebuild thread")?;
    Ok(watcher)
}

async fn events(
    State(shared): State<Arc<Shared>>,
) -> Sse<impl tokio_stream::Stream<Item = Result<Event, std::convert::Infallible>>> {
    let stream = BroadcastStream::new(shared.reload.subscribe())
        .filter_map(|r| r.ok().map(|_| Ok(Event::default().data("reload"))));
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Maps a request path to a site path, or `None` for anything that could step outside
/// the site (`..`, backslashes, NUL, encoded or not).
pub fn site_path(raw: &str) -> Option<String> {
    let decoded = percent_decode(raw)?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return None;
    }
    let trimmed = decoded.trim_start_matches('/');
    if trimmed.split('/').any(|s| s == ".." || s == ".") {
        return None;
    }
    if trimmed.is_empty() || trimmed.ends_with('/') {
        Some(format!("{trimmed}index.html"))
    } else {
        Some(trimmed.to_string())
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("csv") => "text/csv; charset=utf-8",
        Some("ics") => "text/calendar; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn with_reload(html: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(html);
    match text.rfind("</body>") {
        Some(i) => format!("{}{RELOAD}{}", &text[..i], &text[i..]).into_bytes(),
        None => format!("{text}{RELOAD}").into_bytes(),
    }
}

fn respond(status: StatusCode, content_type: &str, body: Vec<u8>) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn page(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let current = match shared.current.read() {
        Ok(c) => c.clone(),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let site = match current.as_ref() {
        Current::Site(site) => site,
        Current::Failed(diagnostics) => {
            let html = format!(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build failed · abusedefs preview</title></head><body><main><h1>The build failed</h1><p>Fix these problems and save: the page reloads by itself.</p><pre>{}</pre></main>{RELOAD}</body></html>",
                crate::render::escape_html(diagnostics)
            );
            return respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/html; charset=utf-8",
                html.into_bytes(),
            );
        }
    };
    let found = site_path(uri.path()).and_then(|p| site.get(&p).map(|b| (p, b)));
    match found {
        Some((path, bytes)) if path.ends_with(".html") => {
            respond(StatusCode::OK, content_type(&path), with_reload(bytes))
        }
        Some((path, bytes)) => respond(StatusCode::OK, content_type(&path), bytes.clone()),
        None => {
            let body = site
                .get("404.html")
                .map(|b| with_reload(b))
                .unwrap_or_else(|| b"not found".to_vec());
            respond(StatusCode::NOT_FOUND, "text/html; charset=utf-8", body)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_pages_and_traversal_is_refused() {
        assert_eq!(site_path("/").as_deref(), Some("index.html"));
        assert_eq!(
            site_path("/definitions/phishing/").as_deref(),
            Some("definitions/phishing/index.html")
        );
        assert_eq!(site_path("/style.css").as_deref(), Some("style.css"));
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/a/%2E%2E/%2E%2E/x",
            "/..%2fx",
            "/a%5c..%5cx",
            "/%00",
            "/%zz",
            "/./x",
        ] {
            assert_eq!(site_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn build_output_git_objects_and_editor_files_are_not_changes() {
        let root = Path::new("/repo");
        for path in [
            "/repo/target/x",
            "/repo/.git/objects/ab/cd",
            "/repo/.git/index.lock",
            "/repo/definitions/terms/.phishing.md.swp",
            "/repo/definitions/terms/phishing.md~",
            "/repo/site/index.html",
        ] {
            assert!(ignored(Path::new(path), root), "{path}");
        }
        for path in [
            "/repo/definitions/terms/phishing.md",
            "/repo/.git/refs/heads/main",
            "/repo/templates/site/base.html",
        ] {
            assert!(!ignored(Path::new(path), root), "{path}");
        }
        // A temporary folder's name is not an editor's temporary file.
        assert!(!ignored(
            Path::new("/tmp/.tmpx/definitions/terms/a.md"),
            Path::new("/tmp/.tmpx")
        ));
    }

    #[test]
    fn the_reload_script_goes_before_the_end_of_body() {
        let html = with_reload(b"<html><body><p>x</p></body></html>");
        assert!(
            String::from_utf8(html)
                .unwrap()
                .ends_with(&format!("{RELOAD}</body></html>"))
        );
    }
}
