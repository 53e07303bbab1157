//! `POST /graphql` and `GET /graphql`: authentication, execution, and a response that
//! always carries `extensions.requestId` and `extensions.timestamp`.

use async_graphql::parser::types::OperationType;
use async_graphql::{ErrorExtensions, ServerError};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use tracing::Instrument;

use super::{auth, graphiql, HttpState};
use crate::domain::format_timestamp;
use crate::error::{code, AppError};
use crate::graphql::{Loaders, RequestContext};
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
    body: Bytes,
) -> Response {
    let format = Format::of(&headers);
    let respond = Responder { state: &state, request_id: &request_id, format };
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
    let respond = Responder { state: &state, request_id: &request_id, format: Format::of(&headers) };
    let request = match request_from_query_string(&query) {
        Ok(request) => request,
        Err(message) => return respond.error(StatusCode::BAD_REQUEST, code::GRAPHQL_PARSE_FAILED, &message),
    };
    if is_mutation(&request) {
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

/// True when the operation the request would run is a mutation.
fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    doc.operations.iter().any(|(name, op)| {
        let chosen = match (&request.operation_name, name) {
            (Some(wanted), Some(name)) => wanted == name.as_str(),
            (Some(_), None) => false,
            (None, _) => true,
        };
        chosen && op.node.ty == OperationType::Mutation
    })
}

struct Responder<'a> {
    state: &'a HttpState,
    request_id: &'a RequestId,
    format: Format,
}

impl Responder<'_> {
    async fn execute(&self, headers: &HeaderMap, request: async_graphql::Request) -> Response {
        let workspace = match auth::authenticate(&self.state.app.store, headers).await {
            Ok(workspace) => workspace,
            Err(err) => return self.app_error(&err),
        };
        let span = tracing::info_span!(
            "graphql",
            operation = request.operation_name.as_deref().unwrap_or("-"),
            workspace = %workspace,
        );
        let loaders = Loaders::new(&self.state.app.store, &workspace);
        let request = request.data(RequestContext { workspace }).data(loaders);
        let response = self.state.schema.execute(request).instrument(span).await;
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
