use std::process::ExitCode;

use causal_node::{replication, router, Args, Config, Node, Shared};
use clap::Parser;
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
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let shared = Shared::new(node);
    replication::start(&shared, peers);
    tracing::info!("node {node_id} listening on http://{listen}");
    axum::serve(listener, router(shared))
        .with_graceful_shutdown(stopped())
        .await
        .map_err(|e| e.to_string())
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
