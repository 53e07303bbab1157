//! GraphiQL, with every asset served from here: no CDN, so the page works offline and
//! behind a proxy that lets nothing out. The assets (pinned npm builds, see
//! `assets/graphiql/README.md`) are compiled into the binary and served under names that
//! carry a hash of their content, cacheable for a year; the page itself is revalidated.
//!
//! The two headers come from the page's URL fragment (`#workspaceId=…&apiKey=…`, which
//! `serve --demo` prints), so they are filled in without the server ever putting a key
//! into a page, and the key stays out of the browser's storage unless the user turns on
//! GraphiQL's "persist headers" setting.

use std::io::Write;
use std::sync::{LazyLock, OnceLock};

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};

/// Where the hashed names live.
const PREFIX: &str = "/graphiql/";

/// A year, as the contract asks for content-hashed assets.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One shipped file.
struct Asset {
    /// The name it is served under: the file's name with the first 16 hex digits of its
    /// SHA-256 before the extension (`graphiql.0123456789abcdef.min.js`).
    name: String,
    content_type: &'static str,
    body: &'static [u8],
    /// The body gzipped once, on first use.
    gzipped: OnceLock<Vec<u8>>,
}

impl Asset {
    fn new(file: &str, content_type: &'static str, body: &'static [u8]) -> Self {
        let hash = hex::encode(&Sha256::digest(body)[..8]);
        let name = match file.split_once('.') {
            Some((stem, extension)) => format!("{stem}.{hash}.{extension}"),
            None => format!("{file}.{hash}"),
        };
        Self { name, content_type, body, gzipped: OnceLock::new() }
    }

    fn path(&self) -> String {
        format!("{PREFIX}{}", self.name)
    }
}

fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 3), Compression::best());
    // Writing to a Vec cannot fail.
    encoder.write_all(body).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

struct Assets {
    script: Asset,
    style: Asset,
    react: Asset,
    react_dom: Asset,
    page: String,
}

impl Assets {
    fn all(&self) -> [&Asset; 4] {
        [&self.script, &self.style, &self.react, &self.react_dom]
    }
}

static ASSETS: LazyLock<Assets> = LazyLock::new(|| {
    const JS: &str = "text/javascript; charset=utf-8";
    let script = Asset::new("graphiql.min.js", JS, include_bytes!("../../assets/graphiql/graphiql.min.js"));
    let style = Asset::new(
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.css"),
    );
    let react =
        Asset::new("react.production.min.js", JS, include_bytes!("../../assets/graphiql/react.production.min.js"));
    let react_dom = Asset::new(
        "react-dom.production.min.js",
        JS,
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    );
    let page = PAGE
        .replace("{style}", &style.path())
        .replace("{react}", &react.path())
        .replace("{react_dom}", &react_dom.path())
        .replace("{script}", &script.path());
    Assets { script, style, react, react_dom, page }
});

/// The page: revalidated on every load, so a new binary's asset names are picked up.
pub async fn page() -> Response {
    ([(header::CACHE_CONTROL, "no-cache")], Html(ASSETS.page.as_str())).into_response()
}

/// One asset by its hashed name; gzipped when the client takes gzip (compressed once,
/// not per request). Unknown names, including an older binary's, are 404.
pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = ASSETS.all().into_iter().find(|asset| asset.name == name) else {
        return (StatusCode::NOT_FOUND, [(header::CACHE_CONTROL, "no-store")], "no such asset").into_response();
    };
    let mut response = if accepts_gzip(&headers) {
        let mut response = asset.gzipped.get_or_init(|| gzip(asset.body)).as_slice().into_response();
        response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        response
    } else {
        asset.body.into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

/// True when `Accept-Encoding` lists gzip with a non-zero quality.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|value| value.to_str().ok()).any(|value| {
        value.split(',').any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts
                .any(|param| param.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()).is_some_and(|q| q <= 0.0));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
    })
}

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>inbox-gateway · GraphiQL</title>
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="{style}">
  <script src="{react}"></script>
  <script src="{react_dom}"></script>
  <script src="{script}"></script>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script>
    const params = new URLSearchParams(window.location.hash.slice(1));
    const headers = {};
    if (params.get("apiKey")) headers["Authorization"] = "Bearer " + params.get("apiKey");
    if (params.get("workspaceId")) headers["X-Workspace-ID"] = params.get("workspaceId");
    const fetcher = GraphiQL.createFetcher({ url: window.location.origin + "/graphql" });
    const query = `# The open voice and SMS conversations, most recent activity first.
query Inbox {
  conversations(filter: {status: OPEN, channels: [VOICE, SMS]}, limit: 10) {
    conversations {
      id channel priority summary tags lastActivityAt
      customer { name phone }
      assignee { name }
    }
    pagination { total hasMore }
  }
}
`;
    // Headers (the API key) stay out of the browser's storage unless the user turns on
    // "Persist headers" in GraphiQL's settings. GraphiQL already leaves them out of its
    // tabs then, but its history keeps each query's headers: this storage drops the
    // `headers` of every entry of the history, favourites and tabs, and the headers
    // editor's own entry.
    const withEntries = ["graphiql:queries", "graphiql:favorites", "graphiql:tabState"];
    const keepsHeaders = () => localStorage.getItem("graphiql:shouldPersistHeaders") === "true";
    const dropHeaders = (value) => {
      if (Array.isArray(value)) return value.map(dropHeaders);
      if (value === null || typeof value !== "object") return value;
      return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "headers").map(([k, v]) => [k, dropHeaders(v)]));
    };
    const storage = {
      getItem: (key) => localStorage.getItem(key),
      setItem: (key, value) => {
        if (keepsHeaders()) return localStorage.setItem(key, value);
        if (key === "graphiql:headers") return localStorage.removeItem(key);
        let kept = value;
        if (withEntries.includes(key)) {
          try { kept = JSON.stringify(dropHeaders(JSON.parse(value))); } catch (_) { /* not JSON: kept as it is */ }
        }
        localStorage.setItem(key, kept);
      },
      removeItem: (key) => localStorage.removeItem(key),
      clear: () => localStorage.clear(),
      key: (index) => localStorage.key(index),
      get length() { return localStorage.length; },
    };
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {
        fetcher,
        storage,
        defaultQuery: query,
        headers: Object.keys(headers).length ? JSON.stringify(headers, null, 2) : undefined,
        defaultEditorToolsVisibility: Object.keys(headers).length ? "headers" : false,
      }),
    );
  </script>
</body>
</html>
"#;
