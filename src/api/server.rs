//! Serving the router: plain HTTP, or HTTPS when a certificate and key are configured
//! (rustls on the aws-lc-rs provider, the one provider of the dependency tree), and a
//! graceful shutdown: when the `shutdown` future completes the listener stops
//! accepting, in-flight requests finish (up to [`GRACE`]), then `serve` returns.

use std::future::Future;
use std::io;
use std::time::Duration;

use axum::Router;
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;

use crate::config::TlsFiles;

/// How long in-flight requests may take to finish after a shutdown signal.
pub const GRACE: Duration = Duration::from_secs(30);

/// A server failure, naming what could not be done.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot read the TLS certificate {cert} or key {key}: {source}")]
    Tls {
        cert: String,
        key: String,
        source: io::Error,
    },
    #[error("cannot serve: {0}")]
    Io(#[from] io::Error),
}

/// Serves `app` on `listener` until `shutdown` completes, then drains.
pub async fn serve(
    listener: std::net::TcpListener,
    tls: Option<&TlsFiles>,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    listener.set_nonblocking(true)?;
    let handle: Handle<std::net::SocketAddr> = Handle::new();
    let signal = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: no new connections, finishing requests in flight");
        signal.graceful_shutdown(Some(GRACE));
    });
    let service = app.into_make_service();
    match tls {
        Some(files) => {
            let config = RustlsConfig::from_pem_file(&files.cert, &files.key)
                .await
                .map_err(|source| ServeError::Tls {
                    cert: files.cert.display().to_string(),
                    key: files.key.display().to_string(),
                    source,
                })?;
            axum_server::from_tcp_rustls(listener, config)?
                .handle(handle)
                .serve(service)
                .await?
        }
        None => {
            axum_server::from_tcp(listener)?
                .handle(handle)
                .serve(service)
                .await?
        }
    }
    Ok(())
}

/// Completes on SIGTERM (what orchestrators send) or ctrl-c.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            // Without a SIGTERM handler, ctrl-c still stops the server.
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
