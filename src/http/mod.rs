//! The HTTP surface: `/graphql`, GraphiQL, health and readiness.

mod auth;
mod graphiql;
mod graphql;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{middleware, Router};
use tower_http::trace::TraceLayer;

use crate::graphql::{AppSchema, AppState};
use crate::telemetry;

/// What the handlers share.
#[derive(Clone)]
pub struct HttpState {
    pub schema: AppSchema,
    pub app: AppState,
}

pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/", get(graphiql::page))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(TraceLayer::new_for_http())
        .layer(middleware::from_fn(telemetry::request_id))
        .with_state(state)
}

/// Prometheus text exposition of the gateway's counters.
async fn metrics(State(state): State<HttpState>) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    let statements = state.app.store.statements_sent();
    let body = format!(
        "# HELP inbox_db_statements_total SQL statements sent to the database.\n\
         # TYPE inbox_db_statements_total counter\n\
         inbox_db_statements_total {statements}\n"
    );
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

/// 200 when the database answers, else 503.
async fn readyz(State(state): State<HttpState>) -> (StatusCode, &'static str) {
    if state.app.store.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}
