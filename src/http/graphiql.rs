//! GraphiQL. The two headers come from the page's URL fragment
//! (`#workspaceId=…&apiKey=…`, which `serve --demo` prints), so they are filled in
//! without the server ever putting a key into a page.

use axum::response::Html;

pub async fn page() -> Html<&'static str> {
    Html(PAGE)
}

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>inbox-gateway · GraphiQL</title>
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@3.8.3/graphiql.min.css">
  <script crossorigin src="https://unpkg.com/react@18.3.1/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@3.8.3/graphiql.min.js"></script>
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
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultQuery: query,
        headers: Object.keys(headers).length ? JSON.stringify(headers, null, 2) : undefined,
        shouldPersistHeaders: true,
        defaultEditorToolsVisibility: Object.keys(headers).length ? "headers" : false,
      }),
    );
  </script>
</body>
</html>
"#;
