//! Configuration, by flag or environment, as the original nodes took it.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use causal_core::{Conflicts, Delivery, ReplicaId, MAX_REPLICAS, MIN_REPLICAS};
use clap::Parser;

/// The command line; every flag can also be given by its environment variable.
#[derive(Debug, Parser)]
#[command(
    name = "causal-node",
    version,
    about = "One replica of a causally consistent key-value store, over HTTP (the original nodes' API), durable in redb.",
    after_help = "Example, node 0 of three (scripts/cluster starts all three):\n  \
        NODE_ID=0 NUM_NODES=3 PORT=5000 PEERS=http://127.0.0.1:5101,http://127.0.0.1:5102 causal-node\n\n\
        API: POST /put {\"key\",\"value\"}; POST /replicate {\"key\",\"value\",\"sender\",\"clock\"};\n\
        GET /store; GET /; POST /admin/hold {\"peer\": j}; POST /admin/release {\"peer\": j}.\n\
        Logs: quiet by default; RUST_LOG=info shows one line per request and per replication event."
)]
pub struct Args {
    /// This node's number, 0 to NUM_NODES - 1 (its entry in the vector clock).
    #[arg(long = "node-id", env = "NODE_ID")]
    node_id: Option<String>,
    /// How many nodes the store has (2 to 8).
    #[arg(long = "num-nodes", env = "NUM_NODES", default_value = "3")]
    num_nodes: String,
    /// The port to listen on.
    #[arg(long, env = "PORT", default_value = "5000")]
    port: String,
    /// The address to listen on.
    #[arg(long, env = "LISTEN", default_value = "127.0.0.1")]
    listen: String,
    /// The other nodes' base URLs, comma-separated, in node order, this node left out.
    #[arg(long, env = "PEERS")]
    peers: Option<String>,
    /// Where the store, clock, hold-back buffer and outgoing queues are kept [default: data/node-N].
    #[arg(long = "data-dir", env = "DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// When a received message is delivered: causal, fifo or unordered.
    #[arg(long, env = "DELIVERY", default_value = "causal")]
    delivery: String,
    /// What a key keeps for concurrent writes: overwrite, lww or multi-value.
    #[arg(long, env = "CONFLICTS", default_value = "overwrite")]
    conflicts: String,
    /// Start even though the database lost its history (emptied, cut to 0
    /// bytes, or read back at an earlier commit): before it takes a write,
    /// the node asks every peer how many of its writes they have seen
    /// (waiting for each to answer) and numbers its writes after those;
    /// what it lost stays lost.
    #[arg(long = "empty-history")]
    empty_history: bool,
}

/// A checked configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// This node's number.
    pub node_id: ReplicaId,
    /// How many nodes.
    pub nodes: usize,
    /// Where to listen.
    pub listen: SocketAddr,
    /// Every node's base URL by number; `None` for this node.
    pub peers: Vec<Option<String>>,
    /// The data directory.
    pub data_dir: PathBuf,
    /// The delivery rule.
    pub delivery: Delivery,
    /// The conflict rule.
    pub conflicts: Conflicts,
    /// Whether to start on a database that lost its history.
    pub empty_history: bool,
}

impl Config {
    /// The peers' numbers and URLs, in node order.
    pub fn peer_urls(&self) -> impl Iterator<Item = (ReplicaId, &str)> {
        self.peers
            .iter()
            .enumerate()
            .filter_map(|(j, url)| url.as_deref().map(|url| (j, url)))
    }
}

impl TryFrom<Args> for Config {
    type Error = String;

    fn try_from(args: Args) -> Result<Self, String> {
        let nodes: usize = args.num_nodes.trim().parse().map_err(|_| {
            format!(
                "NUM_NODES must be a number from {MIN_REPLICAS} to {MAX_REPLICAS}, not {:?}",
                args.num_nodes
            )
        })?;
        if !(MIN_REPLICAS..=MAX_REPLICAS).contains(&nodes) {
            return Err(format!(
                "NUM_NODES must be from {MIN_REPLICAS} to {MAX_REPLICAS}, not {nodes}"
            ));
        }
        let node_id = args
            .node_id
            .ok_or("NODE_ID is required (--node-id N): this node's number, from 0")?;
        let node_id: ReplicaId = node_id
            .trim()
            .parse()
            .ok()
            .filter(|&id| id < nodes)
            .ok_or_else(|| {
                format!(
                    "NODE_ID must be a number from 0 to {} (NUM_NODES is {nodes}), not {node_id:?}",
                    nodes - 1
                )
            })?;
        let port: u16 = args.port.trim().parse().map_err(|_| {
            format!(
                "PORT must be a port number (0 to 65535), not {:?}",
                args.port
            )
        })?;
        let ip: IpAddr = args.listen.trim().parse().map_err(|_| {
            format!(
                "--listen must be an IP address such as 127.0.0.1 or 0.0.0.0, not {:?}",
                args.listen
            )
        })?;
        let peers = args.peers.ok_or_else(|| {
            format!(
                "PEERS is required: the other {} nodes' base URLs, comma-separated, in node order, this node left out",
                nodes - 1
            )
        })?;
        let urls: Vec<String> = peers
            .split(',')
            .map(|url| url.trim().trim_end_matches('/').to_string())
            .collect();
        if urls.len() != nodes - 1 {
            return Err(format!(
                "PEERS must list the other {} nodes' base URLs (NUM_NODES is {nodes}), not {} ({peers:?})",
                nodes - 1,
                urls.len()
            ));
        }
        for url in &urls {
            let rest = url
                .strip_prefix("http://")
                .ok_or_else(|| format!("a peer's URL must start with http://, not {url:?}"))?;
            if rest.is_empty() || rest.contains(char::is_whitespace) {
                return Err(format!("a peer's URL must name a host, not {url:?}"));
            }
            let authority = rest.split('/').next().unwrap_or_default();
            let port = match authority.rsplit_once(':') {
                // An IPv6 address in brackets has colons of its own.
                Some((_, port)) if !port.ends_with(']') => Some(port),
                _ => None,
            };
            if let Some(port) = port {
                if !matches!(port.parse::<u16>(), Ok(p) if p > 0) {
                    return Err(format!(
                        "a peer's URL must have a port from 1 to 65535, not {port:?} in {url:?}"
                    ));
                }
            }
        }
        let mut urls = urls.into_iter();
        let peers = (0..nodes)
            .map(|j| if j == node_id { None } else { urls.next() })
            .collect();
        let delivery = args.delivery.trim().parse().map_err(|_| {
            format!(
                "DELIVERY must be {}, not {:?}",
                Delivery::names(),
                args.delivery
            )
        })?;
        let conflicts = args.conflicts.trim().parse().map_err(|_| {
            format!(
                "CONFLICTS must be {}, not {:?}",
                Conflicts::names(),
                args.conflicts
            )
        })?;
        Ok(Config {
            node_id,
            nodes,
            listen: SocketAddr::new(ip, port),
            peers,
            data_dir: args
                .data_dir
                .unwrap_or_else(|| PathBuf::from(format!("data/node-{node_id}"))),
            delivery,
            conflicts,
            empty_history: args.empty_history,
        })
    }
}
