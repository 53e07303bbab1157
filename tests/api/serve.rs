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

/// What `serve --demo` printed on stdout: the demo workspace and a key.
fn demo_credentials(child: &mut Child) -> (String, String) {
    let stdout = BufReader::new(child.0.stdout.take().expect("stdout is piped"));
    let line = stdout.lines().next().expect("one line").expect("readable");
    let printed: serde_json::Value = serde_json::from_str(&line).expect("JSON");
    (printed["workspace_id"].as_str().unwrap().to_owned(), printed["api_key"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn logs_have_one_access_line_per_request_and_no_client_values() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("logs.db").display());
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_inbox-gateway"))
        .args([
            "--database-url",
            &url,
            "--log-format",
            "json",
            "serve",
            "--demo",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut child = Child(child);
    // Read as it comes: a full pipe would stall the server's logging.
    let mut stderr = child.0.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut logs = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut logs).unwrap();
        logs
    });
    let (workspace, key) = demo_credentials(&mut child);
    let client = reqwest::Client::new();
    let graphql = format!("http://127.0.0.1:{port}/graphql");
    let send = |request: reqwest::RequestBuilder| async {
        request.bearer_auth(&key).header("X-Workspace-ID", &workspace).send().await.unwrap().status()
    };
    let search = "{ conversations(filter: {search: \"zebrasecretword\"}) { pagination { total } } }";
    assert_eq!(send(client.get(&graphql).query(&[("query", search)])).await, 200);
    let with_variables = serde_json::json!({
        "query": "query Secret($s: String) { conversations(filter: {search: $s}) { pagination { total } } }",
        "variables": {"s": "variablesecretword"},
    });
    assert_eq!(send(client.post(&graphql).json(&with_variables)).await, 200);
    let huge_id = "x".repeat(500_000);
    let unknown = serde_json::json!({
        "query": "mutation Tag($id: ID!) { addConversationTags(input: {conversationId: $id, tags: [\"vip\"]}) { conversation { id } } }",
        "variables": {"id": huge_id},
    });
    assert_eq!(send(client.post(&graphql).json(&unknown)).await, 200);
    let bad = serde_json::json!({"query": "{ conversations(limit: 0) { pagination { total } } }"});
    assert_eq!(send(client.post(&graphql).json(&bad)).await, 200);
    let rest = format!("http://127.0.0.1:{port}/v1/inbox/conversations");
    assert_eq!(send(client.get(&rest).query(&[("search", "restsecretword")])).await, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = child.0.kill();
    let _ = child.0.wait();
    let logs = reader.join().unwrap();

    assert!(!logs.contains('\u{1b}'), "no colour codes when stderr is not a terminal");
    for secret in ["zebrasecretword", "variablesecretword", "Secret($s", "restsecretword"] {
        assert!(!logs.contains(secret), "{secret} was logged");
    }
    let lines: Vec<serde_json::Value> = logs.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let long = logs.lines().find(|l| l.len() >= 4_096);
    assert!(
        long.is_none(),
        "no line carries a client value at full size: {}",
        &long.unwrap_or_default()[..400.min(long.unwrap_or_default().len())]
    );
    assert!(lines.iter().all(|l| l["level"] != "ERROR"), "client errors are not ERROR lines:\n{logs}");
    let access: Vec<&serde_json::Value> = lines.iter().filter(|l| l["target"] == "inbox_gateway::access").collect();
    assert_eq!(access.len(), 5, "one access line per request:\n{logs}");
    let codes: Vec<&str> = access.iter().map(|l| l["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["-", "-", "NOT_FOUND", "BAD_USER_INPUT", "-"]);
    let (graphql_lines, rest_line) = access.split_at(4);
    assert_eq!(rest_line[0]["workspace"], workspace.as_str(), "the REST caller's workspace: {}", rest_line[0]);
    assert_eq!(rest_line[0]["span"]["path"], "/v1/inbox/conversations");
    assert_eq!(rest_line[0]["status"], 200);
    for line in graphql_lines {
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["status"], 200);
        assert!(line["latency_ms"].as_f64().is_some(), "{line}");
        assert_eq!(line["workspace"], workspace.as_str());
        assert!(line["span"]["request_id"].as_str().unwrap().starts_with("req_"), "{line}");
        assert_eq!(line["span"]["path"], "/graphql");
    }
    assert_eq!(access[1]["operation"], "Secret");
    assert_eq!(access[2]["operation"], "Tag");
}
