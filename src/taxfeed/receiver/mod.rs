//! A reference receiver of the tax administration's side, for tests and demos
//! (`facteur taxfeed receiver`, or [`Receiver::start`] in-process): an HTTP server
//! that takes flows as facteur's transport posts them, checks each one as the PPF
//! does ([`check`]: envelope name, archive and limits, every file against its official
//! XSD with `xmllint`), and answers with the acknowledgement ([`crate::taxfeed::ack`]).
//!
//! It keeps what a real receiver must: flows by id (a flow posted again with the same
//! id and bytes gets the same acknowledgement again and is not counted twice; the same
//! id with other bytes is unreceivable, IRR_UNICITE), and the F1 / F10 file names it
//! has deposited (a second deposit is rejected, REJ_UNI). [`ReceiverState::counts`]
//! says how many times each object was taken into account: the tests' "exactly once".
//!
//! It can be told to misbehave ([`Faults`], every N-th request): answer 500, answer 429
//! with `Retry-After` (seconds or HTTP-date), answer late, or drop the connection in
//! the middle of the upload.

pub mod check;

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::serve::{IncomingStream, Listener};
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, oneshot};

pub use check::Schemas;

use super::ack::{
    Acknowledgement, F1_DEPOSITED, F1_REJECTED, F10_DEPOSITED, F10_REJECTED, FLOW_RECEIVABLE,
    FLOW_UNRECEIVABLE, ObjectAck, Reason,
};
use super::flow::{InterfaceCode, MAX_FLOW_BYTES};
use super::transport::IDEMPOTENCY_KEY;
use crate::storage::taxfeed::sha256_hex;

/// How `Retry-After` is written on a 429.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    Seconds(u64),
    /// An HTTP-date this many seconds ahead.
    DateIn(u64),
}

/// Misbehaviour, by request number (1-based, every request counted); 0 = never.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Faults {
    /// Read half of the upload, then drop the connection (nothing is processed).
    pub drop_every: u32,
    /// Answer 500 without processing.
    pub fail_every: u32,
    /// Answer 429 with `retry_after` without processing.
    pub throttle_every: u32,
    pub retry_after: RetryAfter,
    /// Process, then wait `delay` before answering (a client that gives up earlier
    /// retries a flow already counted: the dedup must hold).
    pub delay_every: u32,
    pub delay: Duration,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            drop_every: 0,
            fail_every: 0,
            throttle_every: 0,
            retry_after: RetryAfter::Seconds(1),
            delay_every: 0,
            delay: Duration::ZERO,
        }
    }
}

fn hits(every: u32, n: u64) -> bool {
    every != 0 && n.is_multiple_of(u64::from(every))
}

/// Receiver settings.
#[derive(Clone, Debug)]
pub struct ReceiverConfig {
    /// `None` only for tests of the transport itself: then files are not checked
    /// against the XSDs and acknowledgements say so in a reason's detail.
    pub schemas: Option<Schemas>,
    /// Where files are written for xmllint.
    pub scratch: PathBuf,
}

#[derive(Default)]
struct Records {
    requests: u64,
    /// Flow id → (sha256 of the archive, acknowledgement).
    flows: HashMap<String, (String, Acknowledgement)>,
    /// Object file name → times taken into account.
    counts: BTreeMap<String, u32>,
    /// Flows processed (first receptions), by outcome status.
    processed: BTreeMap<u16, u32>,
    /// Requests answered with a replayed acknowledgement.
    replays: u32,
}

/// The receiver's memory, shared by the server tasks and the test that drives it.
pub struct ReceiverState {
    config: ReceiverConfig,
    faults: std::sync::Mutex<Faults>,
    records: Mutex<Records>,
}

impl ReceiverState {
    pub fn new(config: ReceiverConfig) -> Arc<ReceiverState> {
        Arc::new(ReceiverState {
            config,
            faults: std::sync::Mutex::new(Faults::default()),
            records: Mutex::new(Records::default()),
        })
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.faults.lock().unwrap_or_else(|e| e.into_inner()) = faults;
    }

    fn faults(&self) -> Faults {
        *self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Times each object (by file name) was taken into account.
    pub async fn counts(&self) -> BTreeMap<String, u32> {
        self.records.lock().await.counts.clone()
    }

    /// Requests received, including the ones a fault answered.
    pub async fn requests(&self) -> u64 {
        self.records.lock().await.requests
    }

    /// Flows processed at first reception, by flow status (500 / 501).
    pub async fn processed(&self) -> BTreeMap<u16, u32> {
        self.records.lock().await.processed.clone()
    }

    /// Requests answered by replaying an earlier acknowledgement.
    pub async fn replays(&self) -> u32 {
        self.records.lock().await.replays
    }
}

/// A running receiver.
pub struct Receiver {
    pub addr: SocketAddr,
    pub state: Arc<ReceiverState>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<io::Result<()>>,
}

impl Receiver {
    /// Serves `state` on `addr` (port 0 picks one) until [`Receiver::stop`].
    pub async fn start(state: Arc<ReceiverState>, addr: SocketAddr) -> io::Result<Receiver> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let app = router(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(
                KillableListener(listener),
                app.into_make_service_with_connect_info::<KillSwitch>(),
            )
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
        });
        Ok(Receiver {
            addr,
            state,
            stop: Some(stop),
            task,
        })
    }

    /// The URL to give the transport.
    pub fn url(&self) -> String {
        format!("http://{}/flows", self.addr)
    }

    /// Stops accepting and waits for the server to end (the state is kept, so a
    /// receiver started again on it remembers every flow).
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// The receiver's routes: `POST /flows`.
pub fn router(state: Arc<ReceiverState>) -> Router {
    Router::new()
        .route("/flows", post(receive))
        .layer(DefaultBodyLimit::max(MAX_FLOW_BYTES as usize + 1))
        .with_state(state)
}

fn plain(status: StatusCode, text: impl Into<String>) -> Response {
    (status, text.into()).into_response()
}

fn file_name_of(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_DISPOSITION)?.to_str().ok()?;
    let at = value.find("filename=\"")? + "filename=\"".len();
    let rest = &value[at..];
    Some(rest[..rest.find('"')?].to_string())
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    ConnectInfo(kill): ConnectInfo<KillSwitch>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let n = {
        let mut records = state.records.lock().await;
        records.requests += 1;
        records.requests
    };
    let faults = state.faults();
    if hits(faults.drop_every, n) {
        // Take the first chunk of the upload, then cut the connection.
        let mut stream = body.into_data_stream();
        let _ = stream.next().await;
        kill.0.store(true, Ordering::SeqCst);
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "dropped");
    }
    if hits(faults.fail_every, n) {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "injected failure");
    }
    if hits(faults.throttle_every, n) {
        let value = match faults.retry_after {
            RetryAfter::Seconds(s) => s.to_string(),
            RetryAfter::DateIn(s) => {
                httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(s))
            }
        };
        let mut response = plain(StatusCode::TOO_MANY_REQUESTS, "slow down");
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return response;
    }
    let Some(flow_id) = headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        return plain(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key (the flow id) is required",
        );
    };
    let Some(file_name) = file_name_of(&headers) else {
        return plain(
            StatusCode::BAD_REQUEST,
            "Content-Disposition with the flow's file name is required",
        );
    };
    let archive = match axum::body::to_bytes(body, MAX_FLOW_BYTES as usize + 1).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return plain(
                StatusCode::BAD_REQUEST,
                format!("cannot read the flow: {e}"),
            );
        }
    };
    let ack = match process(&state, &flow_id, &file_name, &archive).await {
        Ok(ack) => ack,
        Err(response) => return *response,
    };
    if hits(faults.delay_every, n) {
        tokio::time::sleep(faults.delay).await;
    }
    match serde_json::to_string(&ack) {
        Ok(json) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            json,
        )
            .into_response(),
        Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// Checks and records one flow under the records' lock, so two attempts of one flow
/// arriving together are processed one after the other and the second is a replay.
async fn process(
    state: &ReceiverState,
    flow_id: &str,
    file_name: &str,
    archive: &[u8],
) -> Result<Acknowledgement, Box<Response>> {
    let sha = sha256_hex(archive);
    let mut records = state.records.lock().await;
    if let Some((stored_sha, ack)) = records.flows.get(flow_id) {
        if *stored_sha == sha {
            let ack = ack.clone();
            records.replays += 1;
            return Ok(ack);
        }
        return Ok(unreceivable(
            flow_id,
            file_name,
            vec![Reason {
                code: "IRR_UNICITE".into(),
                file: None,
                detail: Some("this flow id was received with other content".into()),
            }],
        ));
    }
    let name = match check::flow_name(file_name) {
        Ok(name) => name,
        Err(reason) => return Ok(unreceivable(flow_id, file_name, vec![reason])),
    };
    if name.flow_id() != flow_id {
        return Err(Box::new(plain(
            StatusCode::BAD_REQUEST,
            format!(
                "Idempotency-Key {flow_id} is not the flow id of {file_name} ({})",
                name.flow_id()
            ),
        )));
    }
    let files = match check::unpack(name.interface, archive) {
        Ok(files) => files,
        Err(reasons) => {
            return Ok(record(
                &mut records,
                flow_id,
                sha,
                unreceivable(flow_id, file_name, reasons),
            ));
        }
    };
    if let Some(schemas) = &state.config.schemas {
        let scratch = state.config.scratch.join(flow_id);
        let schemas = schemas.clone();
        let interface = name.interface;
        let checked = {
            let files = files.clone();
            tokio::task::spawn_blocking(move || {
                check::validate(&schemas, interface, &files, &scratch)
            })
            .await
        };
        match checked {
            Ok(Ok(reasons)) if reasons.is_empty() => {}
            Ok(Ok(reasons)) => {
                return Ok(record(
                    &mut records,
                    flow_id,
                    sha,
                    unreceivable(flow_id, file_name, reasons),
                ));
            }
            // The receiver could not check: it says so and records nothing, so the
            // sender retries; it never acknowledges what it did not check.
            Ok(Err(e)) => {
                return Err(Box::new(plain(StatusCode::SERVICE_UNAVAILABLE, e)));
            }
            Err(e) => {
                return Err(Box::new(plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    e.to_string(),
                )));
            }
        }
    }
    let objects = files
        .iter()
        .filter_map(|(file, _)| {
            let seen = records.counts.get(file).copied().unwrap_or(0) > 0;
            let (ok, rejected) = match name.interface {
                InterfaceCode::F1Ubl | InterfaceCode::F1Cii => (F1_DEPOSITED, F1_REJECTED),
                InterfaceCode::F10 => (F10_DEPOSITED, F10_REJECTED),
                // A mandatory status has no positive acknowledgement.
                InterfaceCode::F6Invoice | InterfaceCode::F6MandatoryStatus => return None,
            };
            Some(if seen {
                ObjectAck {
                    file: file.clone(),
                    status: rejected,
                    reason: Some("REJ_UNI".into()),
                }
            } else {
                ObjectAck {
                    file: file.clone(),
                    status: ok,
                    reason: None,
                }
            })
        })
        .collect::<Vec<_>>();
    let ack = Acknowledgement {
        flow_id: flow_id.to_string(),
        flow_name: file_name.trim_end_matches(".tar.gz").to_string(),
        status: FLOW_RECEIVABLE,
        reasons: Vec::new(),
        objects,
    };
    for (file, _) in &files {
        let accepted = ack
            .objects
            .iter()
            .find(|o| &o.file == file)
            .is_none_or(|o| o.status == F1_DEPOSITED || o.status == F10_DEPOSITED);
        if accepted {
            *records.counts.entry(file.clone()).or_default() += 1;
        }
    }
    Ok(record(&mut records, flow_id, sha, ack))
}

fn unreceivable(flow_id: &str, file_name: &str, reasons: Vec<Reason>) -> Acknowledgement {
    Acknowledgement {
        flow_id: flow_id.to_string(),
        flow_name: file_name.trim_end_matches(".tar.gz").to_string(),
        status: FLOW_UNRECEIVABLE,
        reasons,
        objects: Vec::new(),
    }
}

fn record(
    records: &mut Records,
    flow_id: &str,
    sha: String,
    ack: Acknowledgement,
) -> Acknowledgement {
    *records.processed.entry(ack.status).or_default() += 1;
    records
        .flows
        .insert(flow_id.to_string(), (sha, ack.clone()));
    ack
}

/// Per-connection switch the handler flips to cut its connection.
#[derive(Clone, Debug)]
struct KillSwitch(Arc<AtomicBool>);

impl Connected<IncomingStream<'_, KillableListener>> for KillSwitch {
    fn connect_info(stream: IncomingStream<'_, KillableListener>) -> Self {
        KillSwitch(stream.io().killed.clone())
    }
}

/// A TCP listener whose connections can be cut from inside a handler.
struct KillableListener(TcpListener);

struct KillableStream {
    inner: TcpStream,
    killed: Arc<AtomicBool>,
}

impl Listener for KillableListener {
    type Io = KillableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((inner, addr)) => {
                    let _ = inner.set_nodelay(true);
                    return (
                        KillableStream {
                            inner,
                            killed: Arc::new(AtomicBool::new(false)),
                        },
                        addr,
                    );
                }
                // Out of file descriptors and the like: wait rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

fn cut() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "connection cut by the receiver",
    )
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.killed.load(Ordering::SeqCst) {
            return Poll::Ready(Err(cut()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.killed.load(Ordering::SeqCst) {
            return Poll::Ready(Err(cut()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
