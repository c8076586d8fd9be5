//! The node under test: a command started afresh for each case, or a node
//! already running at a URL.

use std::fmt;
use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use causal_core::ReplicaId;

use crate::api::{shorten, NodeApi};

/// How long one request to the node may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a node could not be started or reached: the checker stops (exit 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreachable(pub String);

impl fmt::Display for Unreachable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A node answering at `api`; a started one is stopped when this is dropped.
pub struct Running {
    /// Its API.
    pub api: NodeApi,
    child: Option<Child>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            // The whole process group: a node started through a shell or a
            // wrapper script must not outlive its case.
            #[cfg(unix)]
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .stderr(Stdio::null())
                .status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts `command` as node `node` of `replicas` in a new empty working
/// directory, its peers at `peers` (node order, itself left out), and waits
/// until `GET /` answers.
pub fn start(
    command: &[String],
    node: ReplicaId,
    replicas: usize,
    peers: &[String],
    timeout: Duration,
) -> Result<Running, Unreachable> {
    let Some((program, args)) = command.split_first() else {
        return Err(Unreachable("no command to start".into()));
    };
    let dir = tempfile::tempdir()
        .map_err(|e| Unreachable(format!("cannot make a working directory: {e}")))?;
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| Unreachable(format!("cannot find a free port: {e}")))?
        .port();
    let log = dir.path().join("node.log");
    let stderr = std::fs::File::create(&log)
        .map_err(|e| Unreachable(format!("cannot write {}: {e}", log.display())))?;
    // The node runs in its own directory: a relative path to the program
    // (`./node.py`) is taken from the checker's.
    let program = match std::path::Path::new(program) {
        p if p.is_relative() && p.components().count() > 1 => std::env::current_dir()
            .map(|d| d.join(p).into_os_string())
            .unwrap_or_else(|_| program.into()),
        _ => program.into(),
    };
    let mut command_line = Command::new(&program);
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command_line, 0);
    let child = command_line
        .args(args)
        .current_dir(dir.path())
        .env("NODE_ID", node.to_string())
        .env("NUM_NODES", replicas.to_string())
        .env("PORT", port.to_string())
        .env("PEERS", peers.join(","))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|e| Unreachable(format!("cannot start {}: {e}", command[0])))?;
    let mut running = Running {
        api: NodeApi::new(&format!("http://127.0.0.1:{port}"), REQUEST_TIMEOUT),
        child: Some(child),
        _dir: None,
    };
    let started = Instant::now();
    loop {
        if running.api.hello().is_ok() {
            break;
        }
        let exited = running
            .child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten());
        if let Some(status) = exited {
            return Err(Unreachable(format!(
                "the node ({}) exited ({status}) before answering GET /{}",
                command.join(" "),
                tail(&log)
            )));
        }
        if started.elapsed() > timeout {
            return Err(Unreachable(format!(
                "the node ({}) never answered GET / on port {port} within {} s (it gets NODE_ID, NUM_NODES, PORT and PEERS in its environment){}",
                command.join(" "),
                timeout.as_secs_f64(),
                tail(&log)
            )));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    running._dir = Some(dir);
    Ok(running)
}

/// A node already running at `url`: which replica it says it is, from `GET /`.
pub fn attach(url: &str, timeout: Duration) -> Result<(Running, ReplicaId), Unreachable> {
    let api = NodeApi::new(url, REQUEST_TIMEOUT);
    let started = Instant::now();
    let greeting = loop {
        match api.hello() {
            Ok(text) => break text,
            Err(e) if started.elapsed() > timeout => {
                return Err(Unreachable(format!(
                    "the node at {url} never answered GET / within {} s: {e}",
                    timeout.as_secs_f64()
                )))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let node = greeting
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse::<ReplicaId>().ok())
        .filter(|_| greeting.trim_start().starts_with("Node "))
        .ok_or_else(|| {
            Unreachable(format!(
                "GET / at {url} answered {:?}, not \"Node N is running\"",
                shorten(&greeting)
            ))
        })?;
    Ok((
        Running {
            api,
            child: None,
            _dir: None,
        },
        node,
    ))
}

/// The last lines the node wrote on its standard error, to quote.
fn tail(log: &PathBuf) -> String {
    let mut text = String::new();
    if let Ok(mut file) = std::fs::File::open(log) {
        let _ = file.read_to_string(&mut text);
    }
    let lines: Vec<&str> = text.lines().rev().take(5).collect();
    if lines.is_empty() {
        String::new()
    } else {
        let last: Vec<&str> = lines.into_iter().rev().collect();
        format!("; its last output:\n  {}", last.join("\n  "))
    }
}
