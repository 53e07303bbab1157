//! Prometheus metrics at `/metrics`.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::store::Store;

/// The gateway's metrics; cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    rate_limited: IntCounter,
    pool: IntGaugeVec,
    statements: IntCounter,
}

impl Metrics {
    pub fn new() -> Self {
        let requests = IntCounterVec::new(
            Opts::new("inbox_http_requests_total", "GraphQL requests by operation and outcome."),
            &["operation", "outcome"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "inbox_http_request_duration_seconds",
                "GraphQL request latency by operation and outcome.",
            )
            .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            &["operation", "outcome"],
        )
        .expect("valid metric");
        let rate_limited = IntCounter::new("inbox_rate_limited_total", "Requests refused by the per-key rate limit.")
            .expect("valid metric");
        let pool = IntGaugeVec::new(
            Opts::new("inbox_db_pool_connections", "Database pool connections by state (in_use, idle)."),
            &["state"],
        )
        .expect("valid metric");
        let statements =
            IntCounter::new("inbox_db_statements_total", "SQL statements sent to the database.").expect("valid metric");
        let registry = Registry::new();
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(rate_limited.clone()),
            Box::new(pool.clone()),
            Box::new(statements.clone()),
        ] {
            registry.register(collector).expect("metric names are unique");
        }
        Self { registry, requests, latency, rate_limited, pool, statements }
    }

    /// Adds others' collectors to the exposition.
    pub fn register(&self, collectors: Vec<Box<dyn prometheus::core::Collector>>) {
        for collector in collectors {
            if let Err(err) = self.registry.register(collector) {
                tracing::error!(error = %err, "could not register a metric");
            }
        }
    }

    /// One finished GraphQL request.
    pub fn observe(&self, operation: &str, outcome: &str, seconds: f64) {
        self.requests.with_label_values(&[operation, outcome]).inc();
        self.latency.with_label_values(&[operation, outcome]).observe(seconds);
    }

    pub fn rate_limited(&self) {
        self.rate_limited.inc();
    }

    /// The text exposition, with the pool and statement figures read now.
    pub fn render(&self, store: &Store) -> String {
        let (in_use, idle) = store.pool_status();
        self.pool.with_label_values(&["in_use"]).set(i64::from(in_use));
        self.pool.with_label_values(&["idle"]).set(i64::from(idle));
        let sent = store.statements_sent();
        self.statements.inc_by(sent.saturating_sub(self.statements.get()));
        let mut buffer = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(error = %err, "could not encode metrics");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
