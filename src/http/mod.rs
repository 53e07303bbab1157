//! The HTTP edge: the routes (`/graphql`, the REST API under `/v1`, GraphiQL, health,
//! readiness and metrics), the caller as an extractor, and the layers every request
//! goes through.

mod auth;
mod cors;
mod envelope;
mod fair_share;
mod graphiql;
mod graphql;
mod layers;
mod live;
mod metrics;
mod nesting;
mod persisted;
mod rate_limit;
mod server;

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::routing::get;
use axum::{middleware, Router};
use tokio::sync::Semaphore;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;

use crate::config::Limits;
use crate::graphql::{AppSchema, AppState};
use crate::telemetry;

pub use auth::Caller;
pub use envelope::{envelope, Payload};
pub use fair_share::FairShare;
pub use layers::{deadline, metrics as metrics_layer};
pub use metrics::Metrics;
pub use nesting::{check_body as check_nesting, MAX_NESTING};
pub use rate_limit::{AuthFailures, RateLimiter};
pub use server::{serve, ConnectionLimits};

/// What the handlers share.
#[derive(Clone)]
pub struct HttpState {
    pub schema: AppSchema,
    pub app: AppState,
    pub limits: Limits,
    pub metrics: Metrics,
    pub rate_limiter: RateLimiter,
    pub auth_failures: AuthFailures,
    /// One permit per GraphQL request being handled.
    pub in_flight: Arc<Semaphore>,
    /// One permit per open WebSocket (upgraded, they leave the server's connection count).
    pub sockets: Arc<Semaphore>,
    pub fair_share: FairShare,
    pub persisted: persisted::PersistedQueries,
}

impl HttpState {
    pub fn new(schema: AppSchema, app: AppState, limits: Limits) -> Self {
        let metrics = Metrics::new();
        metrics.register(app.live.metrics.collectors());
        Self {
            schema,
            app,
            metrics,
            rate_limiter: RateLimiter::new(limits.rate_per_second, limits.rate_burst),
            auth_failures: AuthFailures::new(limits.auth_failure_rate, limits.auth_failure_burst),
            in_flight: Arc::new(Semaphore::new(limits.max_in_flight)),
            sockets: Arc::new(Semaphore::new(limits.max_connections)),
            fair_share: FairShare::new(limits.workspace_concurrency),
            persisted: persisted::PersistedQueries::new(limits.apq_cache_size),
            limits,
        }
    }
}

/// The routes, with what every response goes through: compression (gzip, brotli) of
/// bodies over 1 KiB for clients that accept it, gzip request bodies decompressed (the
/// body limit counts what they decompress to), CORS for the allowed origins, request ids
/// and the access log.
pub fn router(state: HttpState, cors_origins: &[String]) -> Router {
    let compression = CompressionLayer::new().compress_when(
        SizeAbove::new(1024).and(NotForContentType::GRPC).and(NotForContentType::IMAGES).and(NotForContentType::SSE),
    );
    let mut router = Router::new()
        .merge(crate::rest::router(&state))
        .fallback(crate::rest::unknown_path)
        .route(
            "/graphql",
            get(graphql::get)
                .post(graphql::post)
                .layer(middleware::from_fn_with_state(state.clone(), deadline))
                .layer(middleware::from_fn_with_state(state.clone(), live::upgrade_or_next)),
        )
        .route("/", get(graphiql::page))
        .route("/graphiql/{name}", get(graphiql::asset))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn_with_state(state.clone(), envelope))
        .layer(RequestDecompressionLayer::new())
        .layer(compression);
    if let Some(cors) = cors::layer(cors_origins) {
        router = router.layer(cors).layer(middleware::map_response(cors::preflight_no_content));
    }
    router.layer(middleware::from_fn(telemetry::request_id)).with_state(state)
}

/// 200 when the database answers, else 503 (the store's health, pinged at most once a second).
async fn readyz(State(state): State<HttpState>) -> (StatusCode, &'static str) {
    if state.app.store.ready().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

/// Prometheus text exposition.
async fn metrics(State(state): State<HttpState>) -> ([(header::HeaderName, &'static str); 1], String) {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render(&state.app.store))
}
