//! `POST /graphql` and `GET /graphql`: authentication, rate limit, execution under a
//! deadline, and a response that always carries `extensions.requestId` and
//! `extensions.timestamp`.

use std::time::{Duration, Instant};

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection};
use async_graphql::{ErrorExtensions, ServerError};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use tracing::Instrument;

use super::{auth, graphiql, HttpState};
use crate::domain::format_timestamp;
use crate::error::{code, AppError};
use crate::graphql::{count_selections, Loaders, RequestContext, SelectionCount};
use crate::telemetry::RequestId;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

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
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let respond = Responder::new(&state, &request_id, &headers);
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let limit = state.limits.max_body_bytes;
            let message = format!("the request body is larger than the limit of {limit} bytes");
            return respond.bad_input(StatusCode::PAYLOAD_TOO_LARGE, "body", &message);
        }
        Err(rejection) => return respond.error(rejection.status(), code::GRAPHQL_PARSE_FAILED, &rejection.body_text()),
    };
    match serde_json::from_slice::<async_graphql::Request>(&body) {
        Ok(request) => respond.execute(&headers, request).await,
        Err(err) => respond.error(
            StatusCode::BAD_REQUEST,
            code::GRAPHQL_PARSE_FAILED,
            &format!("the body is not a GraphQL request ({{\"query\", \"variables\", \"operationName\"}}): {err}"),
        ),
    }
}

pub async fn get(
    State(state): State<HttpState>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let wants_html = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if wants_html && !query.contains("query=") {
        return graphiql::page().await.into_response();
    }
    let respond = Responder::new(&state, &request_id, &headers);
    let mut request = match request_from_query_string(&query) {
        Ok(request) => request,
        Err(message) => return respond.error(StatusCode::BAD_REQUEST, code::GRAPHQL_PARSE_FAILED, &message),
    };
    if Operation::of(&mut request).is_mutation {
        return respond.error(
            StatusCode::METHOD_NOT_ALLOWED,
            code::GRAPHQL_VALIDATION_FAILED,
            "mutations are not allowed over GET; send them with POST",
        );
    }
    respond.execute(&headers, request).await
}

/// The parameters of a GET request, as GraphQL over HTTP names them.
#[derive(serde::Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
}

fn request_from_query_string(query: &str) -> Result<async_graphql::Request, String> {
    let params: GetParams = serde_urlencoded::from_str(query).map_err(|e| format!("bad query string: {e}"))?;
    let mut request = async_graphql::Request::new(params.query.ok_or("the `query` parameter is required")?);
    if let Some(name) = params.operation_name.filter(|n| !n.is_empty()) {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables.filter(|v| !v.is_empty()) {
        let json: serde_json::Value =
            serde_json::from_str(&variables).map_err(|e| format!("`variables` is not JSON: {e}"))?;
        request = request.variables(async_graphql::Variables::from_json(json));
    }
    Ok(request)
}

/// What the request would run, as far as its parse tells: for the GET rule, a metrics
/// label of bounded cardinality (the schema's root fields, never client text), and the
/// query guard's selection count. The document is parsed here once and stays in the
/// request, parsed, for async-graphql.
struct Operation {
    is_mutation: bool,
    label: String,
    selections: Option<usize>,
    /// Selections at its root: what it may run at once, for the workspace's fair share.
    root_fields: usize,
}

const ROOT_FIELDS: &[&str] = &[
    "conversations",
    "conversation",
    "assignConversation",
    "updateConversationStatus",
    "addConversationTags",
    "removeConversationTags",
    "addConversationNote",
    "__schema",
    "__type",
    "__typename",
];

impl Operation {
    fn of(request: &mut async_graphql::Request) -> Self {
        let invalid = || Self { is_mutation: false, label: "invalid".to_owned(), selections: None, root_fields: 1 };
        let wanted = request.operation_name.clone();
        let Ok(doc) = request.parsed_query() else {
            return invalid();
        };
        let mut operation = Self::chosen(doc, wanted.as_deref()).unwrap_or_else(invalid);
        operation.selections = Some(count_selections(doc));
        operation
    }

    fn chosen(doc: &ExecutableDocument, wanted: Option<&str>) -> Option<Self> {
        let op = doc.operations.iter().find_map(|(name, op)| match (wanted, name) {
            (Some(wanted), Some(name)) if wanted == name.as_str() => Some(op),
            (None, _) => Some(op),
            _ => None,
        })?;
        let mut fields: Vec<&str> = op
            .node
            .selection_set
            .node
            .items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => ROOT_FIELDS.iter().copied().find(|f| *f == field.node.name.node.as_str()),
                _ => None,
            })
            .map(|known| known.unwrap_or("other"))
            .collect();
        fields.sort_unstable();
        fields.dedup();
        Some(Self {
            is_mutation: op.node.ty == OperationType::Mutation,
            label: fields.join("+"),
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
}

impl<'a> Responder<'a> {
    fn new(state: &'a HttpState, request_id: &'a RequestId, headers: &HeaderMap) -> Self {
        Self { state, request_id, format: Format::of(headers), started: Instant::now() }
    }

    async fn execute(&self, headers: &HeaderMap, mut request: async_graphql::Request) -> Response {
        let operation = Operation::of(&mut request);
        if let Some(n) = operation.selections {
            request = request.data(SelectionCount(n));
        }
        let deadline = self.state.limits.request_timeout;
        let authorised = self.authorised(headers, request, &operation.label, operation.root_fields);
        match tokio::time::timeout(deadline, authorised).await {
            Ok(response) => response,
            Err(_) => {
                self.state.metrics.observe(&operation.label, "TIMEOUT", self.started.elapsed().as_secs_f64());
                tracing::warn!(timeout = ?deadline, "request cancelled at its deadline");
                self.error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    code::SERVICE_UNAVAILABLE,
                    &format!("the request did not finish within {} s and was cancelled", deadline.as_secs_f64()),
                )
            }
        }
    }

    async fn authorised(
        &self,
        headers: &HeaderMap,
        request: async_graphql::Request,
        label: &str,
        root_fields: usize,
    ) -> Response {
        let caller = match auth::authenticate(&self.state.app.store, headers).await {
            Ok(caller) => caller,
            Err(err) => {
                self.state.metrics.observe(label, err.code(), self.started.elapsed().as_secs_f64());
                return self.app_error(&err);
            }
        };
        if let Err(wait) = self.state.rate_limiter.check(&caller.key_hash) {
            self.state.metrics.rate_limited();
            self.state.metrics.observe(label, code::RATE_LIMITED, self.started.elapsed().as_secs_f64());
            return self.rate_limited(wait);
        }
        // Waits for room in the workspace's share of the database (within the deadline).
        let _share = self.state.fair_share.enter(&caller.workspace, root_fields).await;
        let span = tracing::info_span!(
            "graphql",
            operation = request.operation_name.as_deref().unwrap_or("-"),
            workspace = %caller.workspace,
        );
        let loaders = Loaders::new(&self.state.app.store, &caller.workspace);
        let request = request.data(RequestContext { workspace: caller.workspace }).data(loaders);
        let response = self.state.schema.execute(request).instrument(span).await;
        let outcome = response
            .errors
            .first()
            .and_then(|e| e.extensions.as_ref())
            .and_then(|x| x.get("code"))
            .map_or_else(|| "ok".to_owned(), |c| c.to_string().trim_matches('"').to_owned());
        self.state.metrics.observe(label, &outcome, self.started.elapsed().as_secs_f64());
        let status = self.status_of(&response);
        self.render(status, response)
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
        let status = match err {
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::ServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::BadUserInput { .. } | AppError::NotFound(_) => StatusCode::BAD_REQUEST,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let error = err.extend();
        let mut response = self
            .render(status, async_graphql::Response::from_errors(vec![error.into_server_error(Default::default())]));
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }

    fn rate_limited(&self, wait: Duration) -> Response {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let message = format!("too many requests for this API key; retry in {seconds} s");
        let mut response = self.error(StatusCode::TOO_MANY_REQUESTS, code::RATE_LIMITED, &message);
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
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
        let mut error = ServerError::new(message, None);
        error.extensions.get_or_insert_with(Default::default).set("code", code);
        self.render(status, async_graphql::Response::from_errors(vec![error]))
    }

    fn render(&self, status: StatusCode, mut response: async_graphql::Response) -> Response {
        let now = self.state.app.clock.now();
        response.extensions.insert("requestId".into(), async_graphql::Value::from(self.request_id.0.clone()));
        response.extensions.insert("timestamp".into(), async_graphql::Value::from(format_timestamp(now)));
        match serde_json::to_vec(&response) {
            Ok(body) => (status, [(header::CONTENT_TYPE, self.format.content_type())], body).into_response(),
            Err(err) => {
                tracing::error!(error = %err, "could not serialise a GraphQL response");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}
