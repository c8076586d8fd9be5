//! The node under test: a command started afresh for each case, or a node
//! already running at a URL.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use causal_core::ReplicaId;

use crate::api::{shorten, NodeApi};
use crate::family::{self, Listener};

/// How long one request to the node may take, unless told.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a node could not be started or reached: the checker stops (exit 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreachable(pub String);

impl fmt::Display for Unreachable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A node answering at `api`; a started one is ended when this is dropped,
/// with its process group and every process descended from it.
pub struct Running {
    /// Its API.
    pub api: NodeApi,
    child: Option<Child>,
    port: u16,
    log: Option<PathBuf>,
    _dir: Option<tempfile::TempDir>,
}

/// The nodes started and not yet ended (each the leader of its process
/// group), with their working directories: the orphans the checker adopts
/// are everything else it did not start.
static LIVE: Mutex<BTreeMap<u32, PathBuf>> = Mutex::new(BTreeMap::new());

fn live() -> std::sync::MutexGuard<'static, BTreeMap<u32, PathBuf>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Ends every node started, with its process group, when the checker is
/// interrupted (Ctrl-C: SIGINT) or told to end (SIGTERM): the nodes
/// run in process groups of their own, so the terminal's signal never
/// reaches them. Then the checker exits, with 128 and the signal's number.
/// (A checker killed outright, SIGKILL, cannot act: the kernel's
/// parent-death signal and the guardian, below, end its nodes then.)
pub fn end_nodes_on_signals() {
    #[cfg(unix)]
    {
        // Not SIGHUP: `nohup` asks that it be ignored, and a handler would
        // undo that; a hangup that does end the checker leaves the nodes to
        // the guardian.
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
        else {
            return;
        };
        let listening = {
            let _inside = runtime.enter();
            [(SignalKind::interrupt(), 2), (SignalKind::terminate(), 15)]
                .into_iter()
                .map(|(kind, number)| signal(kind).map(|s| (s, number)))
                .collect::<Result<Vec<_>, _>>()
        };
        let Ok(mut listening) = listening else {
            return;
        };
        std::thread::spawn(move || {
            let number = runtime.block_on(async move {
                let [(a, na), (b, nb)] = &mut listening[..] else {
                    return 15;
                };
                tokio::select! {
                    _ = a.recv() => *na,
                    _ = b.recv() => *nb,
                }
            });
            // Held to the end: no node starts after this.
            let nodes = live();
            let pids: BTreeSet<u32> = nodes.keys().copied().collect();
            family::end(&pids, 0);
            for &pid in &pids {
                tell_guardian('-', pid);
            }
            end_orphans_but(&pids);
            for dir in nodes.values() {
                let _ = std::fs::remove_dir_all(dir);
            }
            eprintln!("causal-check: stopped by a signal; every node it started is ended");
            std::process::exit(128 + number);
        });
    }
}

/// The guardian: the checker's own program started again as a process of
/// its own (its own process group, so Ctrl-C does not reach it), told on a
/// pipe which nodes run. When the checker ends, however it ends (killed
/// outright too), the kernel closes the pipe, and the guardian ends the
/// process group of every node still listed.
static GUARDIAN: Mutex<Option<(u32, std::process::ChildStdin)>> = Mutex::new(None);

/// Set in the guardian's environment: the program is the guardian.
const GUARDIAN_ENV: &str = "CAUSAL_CHECK_GUARDIAN";

fn guardian() -> std::sync::MutexGuard<'static, Option<(u32, std::process::ChildStdin)>> {
    GUARDIAN.lock().unwrap_or_else(|e| e.into_inner())
}

/// Starts the guardian; called first by the checker's `main`. In the
/// guardian's own process this serves as the guardian and never returns.
pub fn guard() {
    if std::env::var_os(GUARDIAN_ENV).is_some() {
        serve_as_guardian();
    }
    // Its own program, even if the file was replaced meanwhile.
    let program = if cfg!(target_os = "linux") {
        PathBuf::from("/proc/self/exe")
    } else {
        match std::env::current_exe() {
            Ok(program) => program,
            Err(_) => return,
        }
    };
    let mut command = Command::new(program);
    command
        .env(GUARDIAN_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0).arg0("causal-check-guardian");
    }
    // Without a guardian the nodes still end with the checker's thread
    // (the parent-death signal) and on Ctrl-C or SIGTERM.
    if let Ok(mut child) = command.spawn() {
        if let Some(pipe) = child.stdin.take() {
            *guardian() = Some((child.id(), pipe));
        }
    }
}

/// Tells the guardian that node `pid` runs (`+`) or has ended (`-`).
fn tell_guardian(sign: char, pid: u32) {
    use std::io::Write;
    if let Some((_, pipe)) = guardian().as_mut() {
        let _ = writeln!(pipe, "{sign}{pid}");
    }
}

/// The guardian: keeps the list of running nodes until its pipe closes,
/// then ends the process group of each.
fn serve_as_guardian() -> ! {
    use std::io::BufRead;
    let mut nodes = BTreeSet::new();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else {
            break;
        };
        let (sign, pid) = line.split_at(line.len().min(1));
        match (sign, pid.parse::<u32>()) {
            ("+", Ok(pid)) => {
                nodes.insert(pid);
            }
            ("-", Ok(pid)) => {
                nodes.remove(&pid);
            }
            _ => {}
        }
    }
    family::end(&nodes, 0);
    std::process::exit(0)
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let pid = child.id();
            // Its descendants now, before their parents die and they scatter.
            let family = family::descendants(pid);
            family::end(&family, pid);
            let _ = child.kill();
            let _ = child.wait();
            live().remove(&pid);
            tell_guardian('-', pid);
            end_orphans();
        }
    }
}

/// Ends the processes the checker adopted that are no node running now:
/// helpers of ended nodes that had left their process group.
pub fn end_orphans() {
    let known = live().keys().copied().collect();
    end_orphans_but(&known);
}

fn end_orphans_but(known: &BTreeSet<u32>) {
    if !family::adopting() {
        return;
    }
    // The guardian is the checker's child too, and no orphan.
    let mut known = known.clone();
    known.extend(guardian().as_ref().map(|(pid, _)| *pid));
    let known = &known;
    for _ in 0..3 {
        let orphans = family::adopted(known);
        if orphans.is_empty() {
            return;
        }
        let mut everyone = BTreeSet::new();
        for pid in orphans {
            everyone.extend(family::descendants(pid));
        }
        family::end(&everyone, 0);
    }
}

impl Running {
    /// How the node ended, if it did: its exit status and last output.
    pub fn exited(&mut self) -> Option<String> {
        let status = self.child.as_mut()?.try_wait().ok().flatten()?;
        let tail = self.log.as_ref().map(tail).unwrap_or_default();
        Some(format!("the node exited ({status}){tail}"))
    }

    /// Whether the node still listens on its port itself.
    pub fn listener(&self) -> Listener {
        match &self.child {
            Some(child) => family::listener(self.port, child.id()),
            None => Listener::Unknown,
        }
    }
}

/// Ports another program took before the node could answer on them, in
/// this run: each cost a start on another port.
static PORTS_TAKEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many times, in this run, another program took a node's port.
pub fn ports_taken() -> usize {
    PORTS_TAKEN.load(std::sync::atomic::Ordering::SeqCst)
}

/// How many ports a node is started on before the checker gives up, when
/// each was taken by another program.
const PORT_ATTEMPTS: usize = 8;

/// Starts `command` as node `node` of `replicas` in a new empty working
/// directory, its peers at `peers` (node order, itself left out), and waits
/// until `GET /` answers, from that process. A port another program took
/// meanwhile is no fault of the node's: it starts again on another.
pub fn start(
    command: &[String],
    node: ReplicaId,
    replicas: usize,
    peers: &[String],
    timeout: Duration,
    request: Duration,
) -> Result<Running, Unreachable> {
    let mut taken = Vec::new();
    for _ in 0..PORT_ATTEMPTS {
        match start_once(command, node, replicas, peers, timeout, request)? {
            Ok(running) => return Ok(running),
            Err(port) => {
                PORTS_TAKEN.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                taken.push(port.to_string());
            }
        }
    }
    Err(Unreachable(format!(
        "every port the node was given was taken by another program before it answered ({})",
        taken.join(", ")
    )))
}

/// One try: the node, or the port that another program took.
fn start_once(
    command: &[String],
    node: ReplicaId,
    replicas: usize,
    peers: &[String],
    timeout: Duration,
    request: Duration,
) -> Result<Result<Running, u16>, Unreachable> {
    spawn(command, node, replicas, peers, request)?.ready(command, timeout)
}

/// Starts the nodes `0..peers.len()` of a cluster at once (`peers[i]`: node
/// i's peers), then waits for each to answer; one whose port another
/// program took is started again alone.
pub fn start_all(
    command: &[String],
    peers: &[Vec<String>],
    timeout: Duration,
    request: Duration,
) -> Result<Vec<Running>, Unreachable> {
    let replicas = peers.len();
    let spawned = peers
        .iter()
        .enumerate()
        .map(|(node, p)| spawn(command, node, replicas, p, request))
        .collect::<Result<Vec<_>, _>>()?;
    let mut nodes = Vec::new();
    for (node, pending) in spawned.into_iter().enumerate() {
        match pending.ready(command, timeout)? {
            Ok(running) => nodes.push(running),
            Err(_) => {
                PORTS_TAKEN.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                nodes.push(start(
                    command,
                    node,
                    replicas,
                    &peers[node],
                    timeout,
                    request,
                )?);
            }
        }
    }
    Ok(nodes)
}

/// A node started, not yet answering.
struct Pending {
    running: Running,
    dir: tempfile::TempDir,
    log: PathBuf,
    port: u16,
}

fn spawn(
    command: &[String],
    node: ReplicaId,
    replicas: usize,
    peers: &[String],
    request: Duration,
) -> Result<Pending, Unreachable> {
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
    let output = std::fs::File::create(&log)
        .map_err(|e| Unreachable(format!("cannot write {}: {e}", log.display())))?;
    let output2 = output
        .try_clone()
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
    #[cfg(target_os = "linux")]
    end_with_the_checker(&mut command_line);
    let mut registry = live();
    let child = command_line
        .args(args)
        .current_dir(dir.path())
        .env("NODE_ID", node.to_string())
        .env("NUM_NODES", replicas.to_string())
        .env("PORT", port.to_string())
        .env("PEERS", peers.join(","))
        .stdin(Stdio::null())
        .stdout(output)
        .stderr(output2)
        .spawn()
        .map_err(|e| Unreachable(format!("cannot start {}: {e}", command[0])))?;
    registry.insert(child.id(), dir.path().to_path_buf());
    tell_guardian('+', child.id());
    drop(registry);
    let running = Running {
        api: NodeApi::new(&format!("http://127.0.0.1:{port}"), request),
        child: Some(child),
        port,
        log: Some(log.clone()),
        _dir: None,
    };
    Ok(Pending {
        running,
        dir,
        log,
        port,
    })
}

/// Has the kernel kill the node when the checker's thread that started it
/// ends, however it ends (`PR_SET_PDEATHSIG`): a checker killed outright
/// leaves no node behind.
#[cfg(target_os = "linux")]
fn end_with_the_checker(command: &mut Command) {
    use rustix::process::{getpid, getppid, set_parent_process_death_signal, Signal};
    let checker = getpid();
    let ask = move || -> std::io::Result<()> {
        set_parent_process_death_signal(Some(Signal::KILL))?;
        // The checker died before the request took hold: end now.
        if getppid() != Some(checker) {
            // ESRCH, made without allocating.
            return Err(std::io::Error::from_raw_os_error(3));
        }
        Ok(())
    };
    // SAFETY: between fork and exec the closure makes two system calls
    // (prctl, getppid) and allocates nothing, as a forked child must not.
    #[allow(unsafe_code)]
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(command, ask);
    }
}

impl Pending {
    /// Waits until it answers `GET /` from the process started, or says why not.
    fn ready(
        self,
        command: &[String],
        timeout: Duration,
    ) -> Result<Result<Running, u16>, Unreachable> {
        let Pending {
            mut running,
            dir,
            log,
            port,
        } = self;
        let started = Instant::now();
        loop {
            if running.api.hello().is_ok() {
                return Ok(match running.listener() {
                    Listener::Ours | Listener::Unknown => {
                        running._dir = Some(dir);
                        Ok(running)
                    }
                    // Another program answered, or answered and left.
                    Listener::Stranger | Listener::Nobody => Err(port),
                });
            }
            if let Some(exited) = running.exited() {
                // A node that could not bind a port someone else holds is not at fault.
                if running.listener() == Listener::Stranger {
                    return Ok(Err(port));
                }
                return Err(Unreachable(format!(
                    "{exited} before answering GET / (it was started as {})",
                    command.join(" ")
                )));
            }
            if started.elapsed() > timeout {
                if running.listener() == Listener::Stranger {
                    return Ok(Err(port));
                }
                return Err(Unreachable(format!(
                    "the node ({}) never answered GET / on port {port} within {} s (it gets NODE_ID, NUM_NODES, PORT and PEERS in its environment){}",
                    command.join(" "),
                    timeout.as_secs_f64(),
                    tail(&log)
                )));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// A node already running at `url`: which replica it says it is, from `GET /`.
pub fn attach(
    url: &str,
    timeout: Duration,
    request: Duration,
) -> Result<(Running, ReplicaId), Unreachable> {
    let api = NodeApi::new(url, request.min(timeout));
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
            port: 0,
            log: None,
            _dir: None,
        },
        node,
    ))
}

/// The last lines the node wrote (standard output and error), to quote:
/// read from the end, so that a node that floods its output costs nothing.
fn tail(log: &PathBuf) -> String {
    use std::io::{Seek, SeekFrom};
    let mut bytes = Vec::new();
    if let Ok(mut file) = std::fs::File::open(log) {
        let length = file.metadata().map_or(0, |m| m.len());
        let _ = file.seek(SeekFrom::Start(length.saturating_sub(16 * 1024)));
        let _ = file.read_to_end(&mut bytes);
    }
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .rev()
        .take(5)
        .map(shorten)
        .collect();
    if lines.is_empty() {
        "; it wrote nothing".to_string()
    } else {
        let last: Vec<String> = lines.into_iter().rev().collect();
        format!("; its last output:\n  {}", last.join("\n  "))
    }
}
