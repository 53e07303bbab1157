//! The `serve` process itself: SIGTERM, and waiting for a database.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Kills the child when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(database_url: &str, port: u16, extra: &[&str]) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_inbox-gateway"))
        .args(["--database-url", database_url, "serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    Child(child)
}

#[tokio::test]
async fn sigterm_stops_serving_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("serve.db").display());
    let port = free_port();
    let mut child = serve(&url, port, &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await.is_err() {
        assert!(Instant::now() < deadline, "the server came up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pid = child.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "exited after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status.code(), Some(0));
}

#[test]
fn wait_for_database_logs_and_keeps_trying() {
    let port = free_port();
    let mut child = serve(
        "postgres://postgres@127.0.0.1:1/unreachable",
        port,
        &["--wait-for-database", "--db-acquire-timeout", "0.5"],
    );
    let stderr = BufReader::new(child.0.stderr.take().unwrap());
    let retries = stderr
        .lines()
        .map_while(Result::ok)
        .filter(|line| line.contains("database unreachable; retrying"))
        .take(2)
        .count();
    assert_eq!(retries, 2, "two retries logged");
    assert!(child.0.try_wait().unwrap().is_none(), "still waiting");
}

#[test]
fn bad_limits_are_refused_on_one_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_inbox-gateway"))
        .args(["--database-url", "sqlite::memory:", "serve", "--request-timeout=-1"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("--request-timeout takes seconds"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}
