//! Live updates' metrics, exposed with the others at `/metrics`.

use prometheus::core::Collector;
use prometheus::{Histogram, HistogramOpts, IntCounter, IntGauge};

#[derive(Clone)]
pub struct LiveMetrics {
    /// Subscriptions registered with a feed of this process.
    pub subscriptions: IntGauge,
    /// WebSocket connections authenticated and open.
    pub sockets: IntGauge,
    /// Events this process read from the log and handed to its subscribers' feeds.
    pub published: IntCounter,
    /// Events sent to subscribers.
    pub delivered: IntCounter,
    /// Subscribers closed for falling behind (4429).
    pub too_slow: IntCounter,
    /// From an event's time to its sending, in seconds.
    pub lag: Histogram,
}

impl LiveMetrics {
    pub fn new() -> Self {
        let gauge = |name, help| IntGauge::new(name, help).expect("valid metric");
        let counter = |name, help| IntCounter::new(name, help).expect("valid metric");
        Self {
            subscriptions: gauge("inbox_live_subscriptions", "Live subscriptions open in this process."),
            sockets: gauge("inbox_live_sockets", "Authenticated WebSocket connections open in this process."),
            published: counter(
                "inbox_live_events_published_total",
                "Events read from the log for this process's subscribers.",
            ),
            delivered: counter("inbox_live_events_delivered_total", "Events sent to subscribers."),
            too_slow: counter("inbox_live_subscribers_too_slow_total", "Subscribers closed (4429) for falling behind."),
            lag: Histogram::with_opts(
                HistogramOpts::new(
                    "inbox_live_delivery_lag_seconds",
                    "From an event's time (its transaction's) to its sending to a subscriber.",
                )
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            )
            .expect("valid metric"),
        }
    }

    /// Every collector, for the registry `/metrics` reads.
    pub fn collectors(&self) -> Vec<Box<dyn Collector>> {
        vec![
            Box::new(self.subscriptions.clone()),
            Box::new(self.sockets.clone()),
            Box::new(self.published.clone()),
            Box::new(self.delivered.clone()),
            Box::new(self.too_slow.clone()),
            Box::new(self.lag.clone()),
        ]
    }
}

impl Default for LiveMetrics {
    fn default() -> Self {
        Self::new()
    }
}
