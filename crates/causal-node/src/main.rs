use std::process::ExitCode;

use std::time::Duration;

use causal_node::{replication, router, Args, Config, Node, Shared};
use clap::Parser;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tower_http::timeout::TimeoutLayer;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let config = match Config::try_from(Args::parse()) {
        Ok(config) => config,
        Err(reason) => {
            eprintln!("causal-node: {reason}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("causal-node: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            eprintln!("causal-node: {reason}");
            ExitCode::from(1)
        }
    }
}

/// How long a client may take to send a request's head...
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// ...and the whole request, body included, to be answered.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

async fn serve(config: Config) -> Result<(), String> {
    let listen = config.listen;
    let peers: Vec<_> = config
        .peer_urls()
        .map(|(j, url)| (j, url.to_string()))
        .collect();
    let node_id = config.node_id;
    let node = tokio::task::spawn_blocking(move || Node::open(config))
        .await
        .map_err(|e| e.to_string())??;
    behind_its_peers(&node, &peers).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let shared = Shared::new(node);
    replication::start(&shared, peers);
    tracing::info!("node {node_id} listening on http://{listen}");
    // A file-size limit (RLIMIT_FSIZE) makes a write fail with SIGXFSZ,
    // which would kill the node: with a handler, the write fails like a
    // full disk instead, and is answered "not stored".
    #[cfg(target_os = "linux")]
    let _file_size = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(25));
    let app = router(shared).layer(TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        REQUEST_TIMEOUT,
    ));
    let stop = stopped();
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors, most likely: wait for some to close.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => return Ok(()),
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let served = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(e) = served {
                tracing::debug!("connection closed: {e}");
            }
        });
    }
}

/// A node whose database holds fewer of its own writes than a peer has
/// seen lost acknowledged writes (a data directory replaced or emptied, a
/// damaged file read back at an earlier commit): it would number new writes
/// as old ones, which the peers would discard. Refused, with what was lost.
/// Peers that do not answer (not started yet) are not asked.
async fn behind_its_peers(node: &Node, peers: &[(usize, String)]) -> Result<(), String> {
    let me = node.config().node_id;
    let view = node
        .view()
        .map_err(|e| format!("cannot read the state: {e}"))?;
    let made = view.vector_clock.get(me).copied().unwrap_or(0);
    let client = causal_node::client::Client::new(Duration::from_secs(1));
    for (peer, url) in peers {
        let Ok(answer) = client.get(&format!("{url}/store")).await else {
            continue;
        };
        let Ok(seen) = serde_json::from_slice::<serde_json::Value>(&answer.body) else {
            continue;
        };
        let delivered = seen["vector_clock"][me].as_u64().unwrap_or(0);
        let held = seen["buffered"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["sender"].as_u64() == Some(me as u64))
            .filter_map(|m| m["clock"][me].as_u64())
            .max()
            .unwrap_or(0);
        let seen = delivered.max(held);
        if seen > made {
            return Err(format!(
                "node {peer} ({url}) has seen {seen} writes of node {me}, but this node's database holds only {made}: acknowledged writes were lost (its data directory was replaced or emptied, or a damaged file was read back at an earlier commit); its new writes would reuse their numbers and the peers would discard them. Restore the data directory from a copy"
            ));
        }
    }
    Ok(())
}

async fn stopped() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
