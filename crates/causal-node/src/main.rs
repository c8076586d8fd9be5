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
    let mut node = tokio::task::spawn_blocking(move || Node::open(config))
        .await
        .map_err(|e| e.to_string())??;
    if node.config().empty_history {
        take_up_numbering(&mut node, &peers).await?;
    } else {
        behind_its_peers(&node, &peers).await?;
    }
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

/// How many of node `me`'s writes the node at `url` has seen (delivered,
/// or held back), if it answers `GET /store`.
async fn seen_by(client: &causal_node::client::Client, url: &str, me: usize) -> Option<u64> {
    let answer = client.get(&format!("{url}/store")).await.ok()?;
    if answer.status != 200 {
        return None;
    }
    let seen = serde_json::from_slice::<serde_json::Value>(&answer.body).ok()?;
    let delivered = seen["vector_clock"][me].as_u64().unwrap_or(0);
    let held = seen["buffered"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["sender"].as_u64() == Some(me as u64))
        .filter_map(|m| m["clock"][me].as_u64())
        .max()
        .unwrap_or(0);
    Some(delivered.max(held))
}

/// A node whose database holds fewer of its own writes than a peer has
/// seen lost acknowledged writes (a data directory replaced or emptied, a
/// damaged file read back at an earlier commit): it would number new writes
/// as old ones, which the peers would discard. Refused, with what was lost.
/// Peers that do not answer (not started yet) are not asked.
async fn behind_its_peers(node: &Node, peers: &[(usize, String)]) -> Result<(), String> {
    let me = node.config().node_id;
    let made = node.acknowledged().writes;
    let client = causal_node::client::Client::new(Duration::from_secs(1));
    for (peer, url) in peers {
        let Some(seen) = seen_by(&client, url, me).await else {
            continue;
        };
        if seen > made {
            return Err(format!(
                "node {peer} ({url}) has seen {seen} writes of node {me}, but this node's database holds only {made}: acknowledged writes were lost (its data directory was replaced or emptied, or a damaged file was read back at an earlier commit); its new writes would reuse their numbers and the peers would discard them. Restore the data directory from a copy, or start with --empty-history to take up its numbering from its peers"
            ));
        }
    }
    Ok(())
}

/// `--empty-history`: before it accepts a write, the node asks every peer
/// how many of its writes they have seen (waiting for those that do not
/// answer yet: one of them may have seen the most) and takes up its
/// numbering after the most, so that no peer discards its new writes as
/// duplicates of lost ones.
async fn take_up_numbering(node: &mut Node, peers: &[(usize, String)]) -> Result<(), String> {
    let me = node.config().node_id;
    let client = causal_node::client::Client::new(Duration::from_secs(2));
    let mut most = 0;
    for (peer, url) in peers {
        let mut asked = 0u32;
        let seen = loop {
            if let Some(seen) = seen_by(&client, url, me).await {
                break seen;
            }
            if asked.is_multiple_of(50) {
                tracing::warn!(
                    "waiting for node {peer} ({url}) to say how many of node {me}'s writes it has seen, before taking writes"
                );
            }
            asked += 1;
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        most = most.max(seen);
    }
    tokio::task::block_in_place(|| node.resume_numbering(most))?;
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
