//! `abusedefs serve` through the real binary: it serves the site from memory, rebuilds
//! when a file is saved, shows a failing build as an error page, recovers, and refuses
//! paths outside the site.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;

struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(repo: &std::path::Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_abusedefs"))
        .args(["serve", "--port", "0", "--today", "2024-07-01"])
        .current_dir(repo)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("serve announces itself");
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    Server { child, address }
}

/// A raw HTTP/1.1 GET, so that the path reaches the server exactly as written.
fn get(server: &Server, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(&server.address).expect("connects");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Polls `path` until `ok` holds, for up to 30 seconds (a readiness wait, not a timing
/// assertion: how fast it happens is measured elsewhere).
fn wait_for(server: &Server, path: &str, ok: impl Fn(u16, &str) -> bool) -> (u16, String) {
    let mut last = (0, String::new());
    for _ in 0..300 {
        last = get(server, path);
        if ok(last.0, &last.1) {
            return last;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{path} never became ready: {} {}", last.0, last.1);
}

#[test]
fn serve_rebuilds_on_save_shows_errors_and_recovers() {
    let git = Git::with_base();
    git.commit("Release 1.0", "2024-01-15");
    let server = start(git.path());
    let (status, home) = get(&server, "/");
    assert_eq!(status, 200);
    assert!(home.contains("<h1>Test Registry</h1>"), "{home}");
    assert!(
        home.contains("/__abusedefs/events"),
        "the reload script is injected"
    );
    let page = "/definitions/phishing/index.html";
    assert!(get(&server, page).1.contains("revealing credentials"));

    git.edit(
        "definitions/terms/phishing.md",
        "revealing credentials",
        "revealing passwords",
    );
    let (_, edited) = wait_for(&server, page, |s, b| {
        s == 200 && b.contains("revealing passwords")
    });
    assert!(!edited.contains("revealing credentials"));
    // The unsaved-to-git edit is the draft.
    assert!(get(&server, "/draft/").1.contains("passwords"));

    git.edit(
        "definitions/terms/phishing.md",
        "kind: abuse-type",
        "kind: [abuse-type",
    );
    let (status, error) = wait_for(&server, page, |s, _| s == 500);
    assert_eq!(status, 500);
    assert!(
        error.contains("The build failed") && error.contains("definitions/terms/phishing.md:"),
        "{error}"
    );
    assert!(
        error.contains("/__abusedefs/events"),
        "the error page reloads too"
    );

    git.edit(
        "definitions/terms/phishing.md",
        "kind: [abuse-type",
        "kind: abuse-type",
    );
    wait_for(&server, page, |s, b| {
        s == 200 && b.contains("revealing passwords")
    });
}

#[test]
fn serve_answers_only_from_the_site() {
    let git = Git::with_base();
    git.commit("Release 1.0", "2024-01-15");
    let server = start(git.path());
    for path in [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/definitions/..%2f..%2f..%2fetc/passwd",
        "/..\\..\\etc\\passwd",
        "/definitions/registry.yaml",
        "/.git/config",
        "/%00",
    ] {
        let (status, body) = get(&server, path);
        assert_eq!(status, 404, "{path}");
        assert!(
            !body.contains("root:") && !body.contains("[core]") && !body.contains("schema: 1"),
            "{path}: {body}"
        );
    }
    let (status, css) = get(&server, "/style.css");
    assert_eq!(status, 200);
    assert!(css.contains("system-ui"));
}

#[test]
fn serve_listens_on_loopback_by_default() {
    let git = Git::with_base();
    git.commit("Release 1.0", "2024-01-15");
    let server = start(git.path());
    assert!(
        server.address.starts_with("127.0.0.1:"),
        "{}",
        server.address
    );
}
