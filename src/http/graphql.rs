//! `POST /graphql` and `GET /graphql`: authentication, rate limit, execution under a
//! deadline, and a response that always carries `extensions.requestId` and
//! `extensions.timestamp`.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection};
use async_graphql::ServerError;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use tracing::Instrument;

use super::auth::{self, retry_seconds, Caller};
use super::nesting;
use super::persisted::Unresolved;
use super::{graphiql, HttpState};
use crate::domain::{abbreviate, format_timestamp};
use crate::error::{code, AppError};
use crate::graphql::{count_selections, inputs_check, root_fields, Loaders, RequestContext, SelectionCount};
use crate::telemetry::{AccessNote, RequestId};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// The metrics label of a request refused before its document was read.
const UNPARSED: &str = "unparsed";

/// An error outside the document (no location) with the contract's code.
fn coded_error(code: &str, message: &str) -> ServerError {
    let mut error = ServerError::new(message, None);
    error.extensions.get_or_insert_with(Default::default).set("code", code);
    error
}

/// A response after which the connection is closed, said so (`Connection: close`) so
/// that no client sends its next request on it.
fn closing(mut response: Response) -> Response {
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Whether reading a body failed on its size limit rather than on the connection.
fn is_length_limit(err: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// The media type a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    GraphqlResponse,
}

impl Format {
    fn of(headers: &HeaderMap) -> Self {
        let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if accept.contains(GRAPHQL_RESPONSE) {
            Self::GraphqlResponse
        } else {
            Self::Json
        }
    }

    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::Json => "application/json",
            Self::GraphqlResponse => GRAPHQL_RESPONSE,
        })
    }
}

pub async fn post(
    State(state): State<HttpState>,
    Extension(request_id): Extension<RequestId>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let respond = Responder::new(&state, &request_id, &headers);
    respond
        .answer(async {
            let caller = match respond.admit(&headers, peer.ip()).await {
                Ok(caller) => caller,
                Err(refused) => return Err(respond.discard_body(body, refused).await),
            };
            let body = respond.read_body(&headers, body).await?;
            let max_batch = state.limits.max_batch;
            let posted = requests_from_body(&body, max_batch).map_err(|refusal| match refusal {
                Refusal::Unparsable(message) => respond.parse_failed(&message),
                Refusal::BatchSize(message) => respond.bad_input(StatusCode::BAD_REQUEST, "body", &message),
            })?;
            match posted {
                Posted::One(request) => Ok(respond.execute(&caller, *request).await),
                Posted::Batch(requests) => Ok(respond.execute_batch(&caller, requests).await),
            }
        })
        .await
}

pub async fn get(
    State(state): State<HttpState>,
    Extension(request_id): Extension<RequestId>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let wants_html = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if wants_html && !query.contains("query=") {
        return graphiql::page().await.into_response();
    }
    let respond = Responder::new(&state, &request_id, &headers);
    respond
        .answer(async {
            let caller = respond.admit(&headers, peer.ip()).await?;
            let mut request = request_from_query_string(&query).map_err(|message| respond.parse_failed(&message))?;
            // A persisted query is looked up first: it may be a mutation, which GET may not run.
            respond
                .resolve_persisted(&caller, &mut request)
                .map_err(|answer| respond.render(StatusCode::OK, *answer))?;
            if Operation::of(&mut request).is_mutation {
                return Err(respond.error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    code::GRAPHQL_VALIDATION_FAILED,
                    "mutations are not allowed over GET; send them with POST",
                ));
            }
            Ok(respond.execute(&caller, request).await)
        })
        .await
}

/// What a POST body holds: one request, or a batch (a JSON array) of them.
enum Posted {
    One(Box<async_graphql::Request>),
    Batch(Vec<async_graphql::Request>),
}

/// Why a POST body is refused before anything runs.
enum Refusal {
    Unparsable(String),
    BatchSize(String),
}

impl From<nesting::TooDeep> for Refusal {
    fn from(err: nesting::TooDeep) -> Self {
        Self::Unparsable(err.to_string())
    }
}

/// A POST body as GraphQL requests, its nesting bounded before anything recursive reads it.
fn requests_from_body(body: &[u8], max_batch: usize) -> Result<Posted, Refusal> {
    let is_batch = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    if is_batch {
        nesting::check_batch(body)?;
        let requests: Vec<async_graphql::Request> = serde_json::from_slice(body)
            .map_err(|err| Refusal::Unparsable(format!("the body is not a batch of GraphQL requests: {err}")))?;
        if requests.is_empty() || requests.len() > max_batch {
            let message = format!("a batch holds 1 to {max_batch} requests; this one has {}", requests.len());
            return Err(Refusal::BatchSize(message));
        }
        for request in &requests {
            nesting::check_document(&request.query)?;
        }
        return Ok(Posted::Batch(requests));
    }
    nesting::check_body(body)?;
    let request: async_graphql::Request = serde_json::from_slice(body).map_err(|err| {
        Refusal::Unparsable(format!(
            "the body is not a GraphQL request ({{\"query\", \"variables\", \"operationName\"}}): {err}"
        ))
    })?;
    nesting::check_document(&request.query)?;
    Ok(Posted::One(Box::new(request)))
}

/// The parameters of a GET request, as GraphQL over HTTP names them.
#[derive(serde::Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

fn request_from_query_string(query: &str) -> Result<async_graphql::Request, String> {
    let params: GetParams = serde_urlencoded::from_str(query).map_err(|e| format!("bad query string: {e}"))?;
    let query = params.query.unwrap_or_default();
    nesting::check_document(&query).map_err(|e| e.to_string())?;
    let mut request = async_graphql::Request::new(query);
    if let Some(name) = params.operation_name.filter(|n| !n.is_empty()) {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables.filter(|v| !v.is_empty()) {
        nesting::check_variables(&variables).map_err(|e| e.to_string())?;
        let json: serde_json::Value =
            serde_json::from_str(&variables).map_err(|e| format!("`variables` is not JSON: {e}"))?;
        request = request.variables(async_graphql::Variables::from_json(json));
    }
    if let Some(extensions) = params.extensions.filter(|v| !v.is_empty()) {
        nesting::check_variables(&extensions).map_err(|e| e.to_string())?;
        request.extensions =
            serde_json::from_str(&extensions).map_err(|e| format!("`extensions` is not a JSON object: {e}"))?;
    }
    if request.query.is_empty() && !request.extensions.0.contains_key("persistedQuery") {
        return Err("the `query` parameter is required".to_owned());
    }
    Ok(request)
}

/// What the request would run, as far as its parse tells: for the GET rule, a metrics
/// label of bounded cardinality (the schema's root fields, never client text), and the
/// query guard's selection count. The document is parsed here once and stays in the
/// request, parsed, for async-graphql.
struct Operation {
    is_mutation: bool,
    is_subscription: bool,
    label: String,
    /// The chosen operation's name in the document, abbreviated, for the logs.
    name: Option<String>,
    selections: Option<usize>,
    /// Selections at its root: what it may run at once, for the workspace's fair share.
    root_fields: usize,
}

impl Operation {
    fn of(request: &mut async_graphql::Request) -> Self {
        let invalid = || Self {
            is_mutation: false,
            is_subscription: false,
            label: "invalid".to_owned(),
            name: None,
            selections: None,
            root_fields: 1,
        };
        let wanted = request.operation_name.clone();
        let Ok(doc) = request.parsed_query() else {
            return invalid();
        };
        let mut operation = Self::chosen(doc, wanted.as_deref()).unwrap_or_else(invalid);
        operation.selections = Some(count_selections(doc));
        operation
    }

    fn chosen(doc: &ExecutableDocument, wanted: Option<&str>) -> Option<Self> {
        let (name, op) = doc.operations.iter().find(|(name, _)| match (wanted, name) {
            (Some(wanted), Some(name)) => wanted == name.as_str(),
            (None, _) => true,
            _ => false,
        })?;
        let mut fields: Vec<&str> = op
            .node
            .selection_set
            .node
            .items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    root_fields().contains(name).then_some(name)
                }
                _ => None,
            })
            .map(|known| known.unwrap_or("other"))
            .collect();
        fields.sort_unstable();
        fields.dedup();
        Some(Self {
            is_mutation: op.node.ty == OperationType::Mutation,
            is_subscription: op.node.ty == OperationType::Subscription,
            label: fields.join("+"),
            name: name.map(|n| abbreviate(n, 64).into_owned()),
            selections: None,
            root_fields: op.node.selection_set.node.items.len(),
        })
    }
}

struct Responder<'a> {
    state: &'a HttpState,
    request_id: &'a RequestId,
    format: Format,
    started: Instant,
    /// What the access log line says of the request, filled in as it becomes known.
    access: Mutex<AccessNote>,
    finished: std::sync::atomic::AtomicBool,
}

/// A responder dropped before it answered was cancelled at the request's deadline.
impl Drop for Responder<'_> {
    fn drop(&mut self) {
        if !self.finished.load(std::sync::atomic::Ordering::Relaxed) {
            self.state.metrics.observe(&self.label(), "TIMEOUT", self.started.elapsed().as_secs_f64());
        }
    }
}

impl<'a> Responder<'a> {
    fn new(state: &'a HttpState, request_id: &'a RequestId, headers: &HeaderMap) -> Self {
        Self {
            state,
            request_id,
            format: Format::of(headers),
            started: Instant::now(),
            access: Mutex::new(AccessNote::default()),
            finished: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The answer `work` makes, refusal or not. The deadline layer around the handler may
    /// cancel it first: then the responder is dropped unfinished and counts a `TIMEOUT`.
    async fn answer(&self, work: impl Future<Output = Result<Response, Response>>) -> Response {
        let (Ok(response) | Err(response)) = work.await;
        self.finished.store(true, std::sync::atomic::Ordering::Relaxed);
        response
    }

    /// The caller, from the headers alone, before any of the body is read.
    async fn admit(&self, headers: &HeaderMap, peer: IpAddr) -> Result<Caller, Response> {
        let caller = auth::admit(self.state, headers, Some(peer)).await.map_err(|err| {
            self.state.metrics.observe(UNPARSED, err.code(), self.started.elapsed().as_secs_f64());
            self.app_error(&err)
        })?;
        self.note(|note| note.workspace = Some(caller.workspace.as_str().to_owned()));
        Ok(caller)
    }

    /// The body, at most `--max-body-bytes` of it, arriving within `--body-timeout`.
    async fn read_body(&self, headers: &HeaderMap, body: Body) -> Result<Bytes, Response> {
        let limit = self.state.limits.max_body_bytes;
        // The rest of the body is left unread, so the connection cannot serve another request.
        let too_large = || {
            let message = format!("the request body is larger than the limit of {limit} bytes");
            closing(self.bad_input(StatusCode::PAYLOAD_TOO_LARGE, "body", &message))
        };
        let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let timeout = self.state.limits.body_timeout;
        match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
            Ok(Ok(bytes)) => Ok(bytes),
            Ok(Err(err)) if is_length_limit(&err) => Err(too_large()),
            Ok(Err(_)) => {
                Err(closing(self.bad_input(StatusCode::BAD_REQUEST, "body", "the request body could not be read")))
            }
            Err(_) => Err(closing(self.bad_input(
                StatusCode::REQUEST_TIMEOUT,
                "body",
                &format!("the request body did not arrive within {} s", timeout.as_secs_f64()),
            ))),
        }
    }

    /// Lets a refused client finish sending, for a moment and up to the body limit,
    /// keeping nothing and parsing nothing: a client still writing when its connection
    /// closes sees a reset instead of the answer.
    async fn discard_body(&self, body: Body, refused: Response) -> Response {
        let limit = self.state.limits.max_body_bytes;
        let mut stream = body.into_data_stream();
        let drained = tokio::time::timeout(self.state.limits.body_timeout.min(Duration::from_secs(1)), async {
            let mut seen = 0usize;
            while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
                seen += chunk.map_err(|_| ())?.len();
                if seen > limit {
                    return Err(());
                }
            }
            Ok(())
        })
        .await;
        if matches!(drained, Ok(Ok(()))) {
            refused
        } else {
            closing(refused)
        }
    }

    async fn execute(&self, caller: &Caller, request: async_graphql::Request) -> Response {
        let (status, response) = self.run(caller, request).await;
        self.render(status, response)
    }

    /// A batch, each operation in turn, each counted against the key's rate limit (the
    /// first was counted on admission) and the query limits on its own; answered with
    /// their answers in the same order.
    async fn execute_batch(&self, caller: &Caller, requests: Vec<async_graphql::Request>) -> Response {
        let mut answers = Vec::with_capacity(requests.len());
        for (i, request) in requests.into_iter().enumerate() {
            if i > 0 {
                if let Err(wait) = self.state.rate_limiter.check(&caller.key_hash) {
                    self.state.metrics.rate_limited();
                    let message = format!("too many requests for this API key; retry in {} s", retry_seconds(wait));
                    let error = coded_error(code::RATE_LIMITED, &message);
                    answers.push(self.stamped(async_graphql::Response::from_errors(vec![error])));
                    continue;
                }
            }
            let (_, answer) = self.run(caller, request).await;
            answers.push(self.stamped(answer));
        }
        let code = answers.iter().find_map(|a| a.errors.first()?.extensions.as_ref()?.get("code").cloned());
        self.note(|note| note.label = "batch".to_owned());
        match serde_json::to_vec(&answers) {
            Ok(body) => self.json(StatusCode::OK, body, code),
            Err(err) => {
                tracing::error!(error = %err, "could not serialise a batch of GraphQL responses");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }

    /// A request that names a persisted query gets its text (or remembers it); `Err` is
    /// the answer when it cannot run.
    fn resolve_persisted(
        &self,
        caller: &Caller,
        request: &mut async_graphql::Request,
    ) -> Result<(), Box<async_graphql::Response>> {
        let error = match self.state.persisted.resolve(&caller.workspace, request) {
            Ok(()) => return Ok(()),
            // The message Apollo's link looks for, beside the contract's code.
            Err(Unresolved::NotFound) => coded_error(code::PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound"),
            Err(Unresolved::Invalid(err)) => err.to_server_error(),
        };
        let code = error.extensions.as_ref().and_then(|x| x.get("code")).map(ToString::to_string).unwrap_or_default();
        self.state.metrics.observe(UNPARSED, code.trim_matches('"'), self.started.elapsed().as_secs_f64());
        Err(Box::new(async_graphql::Response::from_errors(vec![error])))
    }

    /// One operation, checked, run and recoded; what it answers and with which status.
    async fn run(&self, caller: &Caller, mut request: async_graphql::Request) -> (StatusCode, async_graphql::Response) {
        if let Err(answer) = self.resolve_persisted(caller, &mut request) {
            return (StatusCode::OK, *answer);
        }
        let operation = Operation::of(&mut request);
        self.note(|note| {
            note.operation.clone_from(&operation.name);
            note.label.clone_from(&operation.label);
        });
        if let Some(n) = operation.selections {
            request = request.data(SelectionCount(n));
        }
        if operation.is_subscription {
            self.state.metrics.observe(
                &operation.label,
                code::GRAPHQL_VALIDATION_FAILED,
                self.started.elapsed().as_secs_f64(),
            );
            let message = "subscriptions are served over WebSocket at /graphql (graphql-transport-ws or graphql-ws)";
            let error = coded_error(code::GRAPHQL_VALIDATION_FAILED, message);
            let status = match self.format {
                Format::GraphqlResponse => StatusCode::BAD_REQUEST,
                Format::Json => StatusCode::OK,
            };
            return (status, async_graphql::Response::from_errors(vec![error]));
        }
        let operation_name = request.operation_name.clone();
        let variables = std::mem::take(&mut request.variables);
        let checked =
            request.parsed_query().ok().map(|doc| inputs_check::check(doc, operation_name.as_deref(), &variables));
        request.variables = variables;
        let sites = match checked.transpose() {
            Ok(sites) => sites,
            Err(err) => {
                self.state.metrics.observe(&operation.label, err.code(), self.started.elapsed().as_secs_f64());
                let status = match self.format {
                    Format::GraphqlResponse => StatusCode::BAD_REQUEST,
                    Format::Json => StatusCode::OK,
                };
                return (status, async_graphql::Response::from_errors(vec![err.to_server_error()]));
            }
        };
        // Waits for room in the workspace's share of the database (within the deadline).
        let _share = self.state.fair_share.enter(&caller.workspace, operation.root_fields).await;
        let span = tracing::info_span!(
            "graphql",
            operation = operation.name.as_deref().unwrap_or("-"),
            workspace = %caller.workspace,
        );
        let loaders = Loaders::new(&self.state.app.store, &caller.workspace);
        let request = request.data(RequestContext { workspace: caller.workspace.clone() }).data(loaders);
        let mut response = self.state.schema.execute(request).instrument(span).await;
        if let Some(sites) = sites {
            sites.recode(&mut response.errors);
        }
        let outcome = response
            .errors
            .first()
            .and_then(|e| e.extensions.as_ref())
            .and_then(|x| x.get("code"))
            .map_or_else(|| "ok".to_owned(), |c| c.to_string().trim_matches('"').to_owned());
        self.state.metrics.observe(&operation.label, &outcome, self.started.elapsed().as_secs_f64());
        (self.status_of(&response), response)
    }

    fn note(&self, change: impl FnOnce(&mut AccessNote)) {
        if let Ok(mut note) = self.access.lock() {
            change(&mut note);
        }
    }

    fn label(&self) -> String {
        self.access.lock().ok().map(|n| n.label.clone()).filter(|l| !l.is_empty()).unwrap_or_else(|| UNPARSED.into())
    }

    fn parse_failed(&self, message: &str) -> Response {
        self.state.metrics.observe(UNPARSED, code::GRAPHQL_PARSE_FAILED, self.started.elapsed().as_secs_f64());
        self.error(StatusCode::BAD_REQUEST, code::GRAPHQL_PARSE_FAILED, message)
    }

    fn status_of(&self, response: &async_graphql::Response) -> StatusCode {
        let has_code = |wanted: &str| {
            response.errors.iter().any(|e| {
                e.extensions
                    .as_ref()
                    .and_then(|x| x.get("code"))
                    .is_some_and(|c| *c == async_graphql::Value::from(wanted))
            })
        };
        if has_code(code::SERVICE_UNAVAILABLE) {
            StatusCode::SERVICE_UNAVAILABLE
        } else if self.format == Format::GraphqlResponse
            && (has_code(code::GRAPHQL_PARSE_FAILED) || has_code(code::GRAPHQL_VALIDATION_FAILED))
        {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        }
    }

    fn app_error(&self, err: &AppError) -> Response {
        let mut response =
            self.render(err.http_status(), async_graphql::Response::from_errors(vec![err.to_server_error()]));
        response.headers_mut().extend(err.http_headers());
        response
    }

    fn bad_input(&self, status: StatusCode, field: &str, message: &str) -> Response {
        let mut error = ServerError::new(message, None);
        let extensions = error.extensions.get_or_insert_with(Default::default);
        extensions.set("code", code::BAD_USER_INPUT);
        extensions.set("field", field);
        self.render(status, async_graphql::Response::from_errors(vec![error]))
    }

    fn error(&self, status: StatusCode, code: &str, message: &str) -> Response {
        self.render(status, async_graphql::Response::from_errors(vec![coded_error(code, message)]))
    }

    fn render(&self, status: StatusCode, response: async_graphql::Response) -> Response {
        let response = self.stamped(response);
        let code = response.errors.first().and_then(|e| e.extensions.as_ref()?.get("code").cloned());
        match serde_json::to_vec(&response) {
            Ok(body) => self.json(status, body, code),
            Err(err) => {
                tracing::error!(error = %err, "could not serialise a GraphQL response");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }

    /// The answer with the request's id and the time in its extensions.
    fn stamped(&self, mut response: async_graphql::Response) -> async_graphql::Response {
        let now = self.state.app.clock.now();
        response.extensions.insert("requestId".into(), async_graphql::Value::from(self.request_id.0.clone()));
        response.extensions.insert("timestamp".into(), async_graphql::Value::from(format_timestamp(now)));
        response
    }

    /// A serialised answer with its headers, and the access log's note.
    fn json(&self, status: StatusCode, body: Vec<u8>, code: Option<async_graphql::Value>) -> Response {
        let headers = [
            (header::CONTENT_TYPE, self.format.content_type()),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::VARY, HeaderValue::from_static("Authorization, X-Workspace-ID, Accept, Accept-Encoding")),
        ];
        let mut response = (status, headers, body).into_response();
        if let Ok(mut note) = self.access.lock() {
            note.code = code.map(|c| c.to_string().trim_matches('"').to_owned());
            response.extensions_mut().insert(note.clone());
        }
        response
    }
}
