//! GraphQL over WebSocket at `/graphql` (contract section 9), with the
//! `graphql-transport-ws` protocol (npm `graphql-ws`) and the older `graphql-ws`
//! (subscriptions-transport-ws). async-graphql speaks the protocols; this module owns
//! the socket around them:
//!
//! - credentials from the `connection_init` payload (`Authorization`, `X-Workspace-ID`,
//!   at its top level or under `headers`), else from the upgrade request's headers;
//!   without valid ones the socket is closed with 4401 (4403 for another workspace);
//! - `connection_init` within the init timeout (else 4408), a subscribe before the
//!   handshake closes with 4401, a message that is not the protocol's with 4400;
//! - a WebSocket ping on every ping interval, and a socket silent for two closed;
//! - closes asked for from outside: a subscriber too slow (4429), a revoked key (4401),
//!   the server stopping (1001).

use std::net::{IpAddr, SocketAddr};
use std::pin::pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use async_graphql::http::{WebSocket as Protocol, WebSocketProtocols, WsMessage, ALL_WEBSOCKET_PROTOCOLS};
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::stream::BoxStream;
use futures::{SinkExt as _, StreamExt as _};
use tracing::Instrument as _;

use super::auth::{self, WORKSPACE_HEADER};
use super::{nesting, HttpState};
use crate::domain::WorkspaceId;
use crate::error::AppError;
use crate::graphql::{inputs_check, LiveSession, Loaders, RequestContext};
use crate::live::{Close, Closer, SocketGuard};
use crate::telemetry::RequestId;

/// Upgrades a WebSocket request to `/graphql`; passes any other on.
pub async fn upgrade_or_next(State(state): State<HttpState>, request: Request, next: Next) -> Response {
    let asks_upgrade = request
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !asks_upgrade {
        return next.run(request).await;
    }
    let (mut parts, _body) = request.into_parts();
    let Some(protocol) = parts
        .headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|offered| offered.split(',').find_map(|p| WebSocketProtocols::from_str(p.trim()).ok()))
    else {
        let message =
            "ask for a GraphQL WebSocket protocol: Sec-WebSocket-Protocol: graphql-transport-ws (or graphql-ws)";
        return AppError::bad_input("Sec-WebSocket-Protocol", crate::domain::RuleError::new(message)).into_response();
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    if *state.app.live.stopping().borrow() {
        return AppError::Overloaded("the gateway is shutting down".into()).into_response();
    }
    // An upgraded socket leaves the server's connection count: it holds a place of its
    // own among at most --max-connections sockets.
    let Ok(place) = Arc::clone(&state.sockets).try_acquire_owned() else {
        return AppError::Overloaded("the gateway has as many WebSockets open as it may; try again shortly".into())
            .into_response();
    };
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    // The socket outlives its upgrade request's span: it gets one of its own, with the
    // request's id, and its workspace once admitted.
    let request_id = parts.extensions.get::<RequestId>().map(|id| id.0.clone()).unwrap_or_default();
    let span = tracing::info_span!("websocket", request_id = %request_id, workspace = tracing::field::Empty);
    let headers = parts.headers;
    // Clients send little (a subscribe now and then), and tungstenite zero-fills its whole
    // read buffer each time it looks for a message, which the protocol does once for every
    // event it sends: 4 KiB rather than the default 128 KiB (it still grows for a large
    // message, up to the body limit).
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(state.limits.max_body_bytes)
        .read_buffer_size(4096)
        .on_upgrade(move |socket| async move {
            serve(socket, state, protocol, headers, peer).instrument(span).await;
            drop(place);
        })
}

/// Who a socket runs for, once `connection_init` admitted it.
struct Session {
    workspace: WorkspaceId,
    key_hash: String,
    _registered: SocketGuard,
}

/// Runs each operation of a socket for its session, as `/graphql` runs a request.
#[derive(Clone)]
struct SocketExecutor {
    state: HttpState,
    session: Arc<OnceLock<Session>>,
    closer: Closer,
}

impl Executor for SocketExecutor {
    async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        self.execute_stream(request, None).next().await.unwrap_or_default()
    }

    fn execute_stream(
        &self,
        mut request: async_graphql::Request,
        _session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, async_graphql::Response> {
        let Some(session) = self.session.get() else {
            let err = AppError::Unauthenticated("connection_init has not been acknowledged");
            return error_stream(&err);
        };
        // Bounded before async-graphql's recursive parser sees the document.
        if let Err(too_deep) = nesting::check_request(&request) {
            return error_stream(&AppError::ParseFailed(too_deep.to_string()));
        }
        if let Err(wait) = self.state.rate_limiter.check(&session.key_hash) {
            self.state.metrics.rate_limited();
            let seconds = auth::retry_seconds(wait).max(1);
            let err = AppError::RateLimited {
                message: format!("too many requests for this API key; retry in {seconds} s"),
                retry_after_seconds: seconds,
            };
            return error_stream(&err);
        }
        let operation_name = request.operation_name.clone();
        let variables = std::mem::take(&mut request.variables);
        let checked = request.parsed_query().map(|doc| {
            let kind = doc
                .operations
                .iter()
                .find(|(name, _)| operation_name.as_deref().is_none_or(|w| name.is_some_and(|n| n.as_str() == w)))
                .map(|(_, op)| op.node.ty);
            (kind, inputs_check::check(doc, operation_name.as_deref(), &variables))
        });
        request.variables = variables;
        let (kind, sites) = match checked {
            Ok((kind, Ok(sites))) => (kind, Some(sites)),
            Ok((_, Err(err))) => return error_stream(&err),
            // async-graphql answers the parse error itself.
            Err(_) => (None, None),
        };
        let request = request
            .data(RequestContext { workspace: session.workspace.clone() })
            .data(Loaders::new(&self.state.app.store, &session.workspace))
            .data(LiveSession { key_hash: session.key_hash.clone(), closer: self.closer.clone() });
        let recode = move |mut response: async_graphql::Response| {
            if let Some(sites) = &sites {
                sites.recode(&mut response.errors);
            }
            response
        };
        if kind == Some(OperationType::Subscription) {
            return self.state.schema.execute_stream(request).map(recode).boxed();
        }
        // A query or mutation takes a place among the requests in flight and has the
        // request deadline, as over HTTP.
        let Ok(in_flight) = Arc::clone(&self.state.in_flight).try_acquire_owned() else {
            let busy = "the gateway is handling as many requests as it may; try again shortly";
            return error_stream(&AppError::Overloaded(busy.into()));
        };
        let schema = self.state.schema.clone();
        let timeout = self.state.limits.request_timeout;
        futures::stream::once(async move {
            let answer = match tokio::time::timeout(timeout, schema.execute(request)).await {
                Ok(response) => recode(response),
                Err(_) => error_response(&AppError::Overloaded("the operation ran past its deadline".into())),
            };
            drop(in_flight);
            answer
        })
        .boxed()
    }
}

fn error_response(err: &AppError) -> async_graphql::Response {
    async_graphql::Response::from_errors(vec![err.to_server_error()])
}

fn error_stream(err: &AppError) -> BoxStream<'static, async_graphql::Response> {
    futures::stream::once(std::future::ready(error_response(err))).boxed()
}

/// The credentials of a socket: the `connection_init` payload's when it has any, else
/// the upgrade request's headers.
fn credentials(payload: &serde_json::Value, upgrade: &HeaderMap) -> HeaderMap {
    let mut found = HeaderMap::new();
    let sources = [Some(payload), payload.get("headers")];
    for object in sources.into_iter().flatten().filter_map(serde_json::Value::as_object) {
        for (key, value) in object {
            let name = key.to_ascii_lowercase();
            if name != header::AUTHORIZATION.as_str() && name != WORKSPACE_HEADER {
                continue;
            }
            let (Ok(name), Some(Ok(value))) = (HeaderName::from_str(&name), value.as_str().map(HeaderValue::from_str))
            else {
                continue;
            };
            found.insert(name, value);
        }
    }
    if found.is_empty() {
        for name in [header::AUTHORIZATION, HeaderName::from_static(WORKSPACE_HEADER)] {
            if let Some(value) = upgrade.get(&name) {
                found.insert(name, value.clone());
            }
        }
    }
    found
}

/// The close code for a refused `connection_init`.
fn refusal(err: &AppError) -> Close {
    match err {
        AppError::Forbidden(_) => Close::FORBIDDEN,
        AppError::Unauthenticated(_) => Close::UNAUTHORIZED,
        AppError::RateLimited { .. } => Close { code: 4429, reason: "Too many requests" },
        _ => Close { code: 1013, reason: "Try again later" },
    }
}

async fn serve(
    socket: WebSocket,
    state: HttpState,
    protocol: WebSocketProtocols,
    headers: HeaderMap,
    peer: Option<IpAddr>,
) {
    let live = state.app.live.clone();
    let limits = live.limits;
    let (closer, mut closes) = Closer::new();
    let session: Arc<OnceLock<Session>> = Arc::default();
    let heard = Arc::new(Mutex::new(Instant::now()));
    let (mut sink, incoming) = socket.split();

    let heard_in = Arc::clone(&heard);
    let ids = Arc::new(Mutex::new(OperationIds::default()));
    let (ids_in, closer_in) = (Arc::clone(&ids), closer.clone());
    let tracks_ids = protocol == WebSocketProtocols::GraphQLWS;
    let messages = incoming
        .take_while(|message| std::future::ready(matches!(message, Ok(m) if !matches!(m, Message::Close(_)))))
        .filter_map(move |message| {
            *heard_in.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
            let bytes = match message {
                Ok(Message::Text(text)) => Some(axum::body::Bytes::from(text)),
                Ok(Message::Binary(bytes)) => Some(bytes),
                _ => None,
            };
            let bytes = bytes.filter(|bytes| {
                let taken = tracks_ids && !ids_in.lock().unwrap_or_else(PoisonError::into_inner).client_sent(bytes);
                if taken {
                    closer_in.close(Close::DUPLICATE_ID);
                }
                !taken
            });
            std::future::ready(bytes)
        });

    let init = {
        let state = state.clone();
        let session = Arc::clone(&session);
        let closer = closer.clone();
        move |payload: serde_json::Value| async move {
            let credentials = credentials(&payload, &headers);
            match auth::admit(&state, &credentials, peer).await {
                Ok(caller) => {
                    tracing::Span::current().record("workspace", caller.workspace.as_str());
                    let registered = state.app.live.authenticated(&caller.key_hash, closer);
                    let admitted =
                        Session { workspace: caller.workspace, key_hash: caller.key_hash, _registered: registered };
                    let _ = session.set(admitted);
                    Ok(Data::default())
                }
                Err(err) => {
                    closer.close(refusal(&err));
                    Err(async_graphql::Error::new(err.to_string()))
                }
            }
        }
    };
    let executor = SocketExecutor { state: state.clone(), session: Arc::clone(&session), closer: closer.clone() };
    let mut protocol_messages = pin!(Protocol::new(executor, messages, protocol).on_connection_init(init));

    let mut stopping = live.stopping();
    let mut pings = tokio::time::interval(limits.ping_interval);
    pings.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    pings.tick().await;
    let init_deadline = tokio::time::sleep(limits.init_timeout);
    let mut init_deadline = pin!(init_deadline);

    let opened = Instant::now();
    let close = loop {
        tokio::select! {
            biased;
            Some(why) = closes.recv() => break Some(why),
            changed = stopping.changed() => {
                if changed.is_err() || *stopping.borrow() {
                    break Some(Close::GOING_AWAY);
                }
            }
            () = &mut init_deadline, if session.get().is_none() => break Some(Close::INIT_TIMEOUT),
            _ = pings.tick() => {
                let silent = heard.lock().unwrap_or_else(PoisonError::into_inner).elapsed();
                if silent > limits.ping_interval * 2 {
                    break Some(Close::NO_PONG);
                }
                match deliver(&mut sink, Message::Ping(axum::body::Bytes::new()), &mut closes, limits.ping_interval).await {
                    Delivery::Sent => {}
                    Delivery::Closed(why) => break Some(why),
                    Delivery::Failed => break None,
                }
            }
            message = protocol_messages.next() => match message {
                None => break None,
                Some(WsMessage::Text(text)) => {
                    if let Ok(why) = closes.try_recv() {
                        // A refused connection_init: the old protocol's connection_error first.
                        if protocol == WebSocketProtocols::SubscriptionsTransportWS {
                            let _ = tokio::time::timeout(CLOSING_WRITE, sink.send(Message::Text(text.into()))).await;
                        }
                        break Some(why);
                    }
                    if tracks_ids {
                        ids.lock().unwrap_or_else(PoisonError::into_inner).server_sent(&text);
                    }
                    match deliver(&mut sink, Message::Text(text.into()), &mut closes, limits.ping_interval).await {
                        Delivery::Sent => {}
                        Delivery::Closed(why) => break Some(why),
                        Delivery::Failed => break None,
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    let why = closes.try_recv().ok().unwrap_or_else(|| protocol_close(code, &reason));
                    break Some(why);
                }
            },
        }
    };
    if let Some(why) = close {
        let frame = CloseFrame { code: why.code, reason: why.reason.into() };
        let _ = tokio::time::timeout(CLOSING_WRITE, sink.send(Message::Close(Some(frame)))).await;
    }
    let (code, reason) = close.map_or((1000, "by the client"), |why| (why.code, why.reason));
    tracing::info!(code, reason, seconds = opened.elapsed().as_secs(), "websocket closed");
    let _ = tokio::time::timeout(CLOSING_WRITE, sink.close()).await;
}

/// How long the last frames of a closing socket may take to leave; a peer that reads
/// nothing then simply loses the connection.
const CLOSING_WRITE: Duration = Duration::from_secs(1);

/// How a write to a socket ended.
enum Delivery {
    Sent,
    /// A close was asked for while the peer was not reading: it goes first.
    Closed(Close),
    /// The connection failed, or the peer took no frame within the write limit.
    Failed,
}

/// Writes one frame without depending on the peer reading it: a close asked for
/// meanwhile (too slow, key revoked, shutdown) wins, and a frame not taken within
/// `limit` ends the socket.
async fn deliver(
    sink: &mut futures::stream::SplitSink<WebSocket, Message>,
    message: Message,
    closes: &mut tokio::sync::mpsc::UnboundedReceiver<Close>,
    limit: Duration,
) -> Delivery {
    tokio::select! {
        biased;
        Some(why) = closes.recv() => Delivery::Closed(why),
        sent = tokio::time::timeout(limit, sink.send(message)) => match sent {
            Ok(Ok(())) => Delivery::Sent,
            Ok(Err(_)) | Err(_) => Delivery::Failed,
        },
    }
}

/// The ids of a graphql-transport-ws socket's operations in progress: a subscribe with an
/// id still in use closes the socket with 4409, as the protocol says (async-graphql
/// would silently replace the operation).
#[derive(Default)]
struct OperationIds(std::collections::HashSet<String>);

#[derive(serde::Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
}

impl OperationIds {
    /// Notes a client message; false for a subscribe whose id is in use.
    fn client_sent(&mut self, message: &[u8]) -> bool {
        let Ok(Envelope { kind, id: Some(id) }) = serde_json::from_slice::<Envelope>(message) else { return true };
        match kind.as_str() {
            "subscribe" => self.0.insert(id),
            "complete" => {
                self.0.remove(&id);
                true
            }
            _ => true,
        }
    }

    /// Notes a server message: an operation's `complete` or `error` ends it (its `next`
    /// messages, by far the most, are told apart without parsing them).
    fn server_sent(&mut self, message: &str) {
        if message.starts_with(r#"{"type":"next""#) {
            return;
        }
        if let Ok(Envelope { kind, id: Some(id) }) = serde_json::from_str::<Envelope>(message) {
            if kind == "complete" || kind == "error" {
                self.0.remove(&id);
            }
        }
    }
}

/// async-graphql's own closes, in the codes graphql-transport-ws gives them.
fn protocol_close(code: u16, reason: &str) -> Close {
    match code {
        // A subscribe before the handshake.
        1011 => Close::UNAUTHORIZED,
        // A message that is not the protocol's.
        1002 => Close { code: 4400, reason: "Invalid message" },
        4429 => Close { code: 4429, reason: "Too many initialisation requests" },
        _ => {
            tracing::debug!(code, reason, "websocket closed by the protocol");
            Close { code, reason: "Closed" }
        }
    }
}
