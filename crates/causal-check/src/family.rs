//! The processes a node is made of, so that the checker judges only the
//! process it started and leaves none behind.
//!
//! A port chosen free can be taken by another program before the node binds
//! it, and a node of an earlier run may still listen somewhere: the checker
//! then talks to a stranger. On Linux it asks `/proc` which process listens
//! on the node's port, and accepts it only when that is the started process
//! or one of its descendants. A node may start helpers in their own session
//! (`setsid`), out of its process group: the checker makes itself their
//! subreaper, so they become its children when their parents exit, and ends
//! them with the node.

use std::collections::BTreeSet;

/// Who listens on a loopback port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Listener {
    /// The started process or a descendant of it.
    Ours,
    /// Another program: the port was taken by someone else.
    Stranger,
    /// Nobody (yet).
    Nobody,
    /// This system cannot say (not Linux): taken on trust.
    Unknown,
}

/// Makes the checker adopt the orphans of the processes it starts (Linux),
/// so that a node's helpers that detach are still the checker's to end.
pub fn adopt_orphans() {
    #[cfg(target_os = "linux")]
    if rustix::process::set_child_subreaper(Some(rustix::process::getpid())).is_ok() {
        ADOPTING.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

static ADOPTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the checker adopts orphans (and so must end them).
pub fn adopting() -> bool {
    ADOPTING.load(std::sync::atomic::Ordering::SeqCst)
}

/// `pid` and every process descended from it, as `/proc` shows them now.
pub fn descendants(pid: u32) -> BTreeSet<u32> {
    let mut family = BTreeSet::from([pid]);
    let mut next = vec![pid];
    while let Some(parent) = next.pop() {
        for child in children(parent) {
            if family.insert(child) {
                next.push(child);
            }
        }
    }
    family
}

/// The children of `pid`: from its threads' `children` lists (one read per
/// thread), or from every process's parent where the kernel has no such list.
fn children(pid: u32) -> Vec<u32> {
    let Ok(threads) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for thread in threads.flatten() {
        match std::fs::read_to_string(thread.path().join("children")) {
            Ok(list) => found.extend(
                list.split_whitespace()
                    .filter_map(|p| p.parse::<u32>().ok()),
            ),
            Err(_) => {
                return parents()
                    .into_iter()
                    .filter(|&(_, parent)| parent == pid)
                    .map(|(child, _)| child)
                    .collect()
            }
        }
    }
    found
}

/// Every process's (pid, parent pid), from `/proc/PID/stat`.
fn parents() -> Vec<(u32, u32)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|entry| {
        let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name is in parentheses and may hold spaces: read after it.
        let rest = &stat[stat.rfind(')')? + 1..];
        let parent = rest.split_whitespace().nth(1)?.parse().ok()?;
        Some((pid, parent))
    })
    .collect()
}

/// The checker's own children that are not in `known`: orphans of earlier
/// nodes it adopted.
pub fn adopted(known: &BTreeSet<u32>) -> BTreeSet<u32> {
    children(std::process::id())
        .into_iter()
        .filter(|pid| !known.contains(pid))
        .collect()
}

/// Who listens on 127.0.0.1:`port` (or any address, on that port), judged
/// against the processes descended from `pid`.
pub fn listener(port: u16, pid: u32) -> Listener {
    if !cfg!(target_os = "linux") {
        return Listener::Unknown;
    }
    let sockets = listening(port);
    if sockets.is_empty() {
        return Listener::Nobody;
    }
    let ours = socket_inodes(&descendants(pid));
    if sockets.iter().all(|s| ours.contains(s)) {
        Listener::Ours
    } else {
        Listener::Stranger
    }
}

/// The inodes of the TCP sockets listening on `port`, IPv4 and IPv6.
///
/// Each table is read as little as needed: the kernel lists the listening
/// sockets first, and reading on into the connections (thousands on a
/// machine busy with loopback tests) costs it a walk of its whole connection
/// table, most of the checker's own time in a case. So IPv4's listeners
/// first (the checker talks to the node at 127.0.0.1), then IPv6's, and only
/// when neither shows one, both tables whole.
fn listening(port: u16) -> BTreeSet<u64> {
    [
        ("/proc/net/tcp", true),
        ("/proc/net/tcp6", true),
        ("/proc/net/tcp", false),
        ("/proc/net/tcp6", false),
    ]
    .into_iter()
    .map(|(table, first)| listening_in(table, port, first))
    .find(|found| !found.is_empty())
    .unwrap_or_default()
}

/// `listening` in one table, read whole or (`first`) up to its first line
/// that is no listener.
fn listening_in(table: &str, port: u16, first: bool) -> BTreeSet<u64> {
    use std::io::BufRead;
    let mut inodes = BTreeSet::new();
    let Ok(file) = std::fs::File::open(table) else {
        return inodes;
    };
    for line in std::io::BufReader::new(file).lines().skip(1) {
        let Ok(line) = line else {
            break;
        };
        let fields: Vec<&str> = line.split_whitespace().collect();
        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
        let (Some(local), Some(state), Some(inode)) = (fields.get(1), fields.get(3), fields.get(9))
        else {
            continue;
        };
        let listens = *state == "0A";
        if first && !listens {
            break;
        }
        let on_port = local
            .rsplit(':')
            .next()
            .and_then(|p| u16::from_str_radix(p, 16).ok())
            == Some(port);
        if listens && on_port {
            if let Ok(inode) = inode.parse() {
                inodes.insert(inode);
            }
        }
    }
    inodes
}

/// The socket inodes the processes `pids` hold open.
fn socket_inodes(pids: &BTreeSet<u32>) -> BTreeSet<u64> {
    let mut inodes = BTreeSet::new();
    for pid in pids {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(target) = std::fs::read_link(fd.path()) {
                let target = target.to_string_lossy();
                if let Some(inode) = target
                    .strip_prefix("socket:[")
                    .and_then(|t| t.strip_suffix(']'))
                    .and_then(|t| t.parse().ok())
                {
                    inodes.insert(inode);
                }
            }
        }
    }
    inodes
}

/// Ends `pids` and the process groups they lead, and reaps what became the
/// checker's children, but for `keep` (a child whose owner waits for it).
pub fn end(pids: &BTreeSet<u32>, keep: u32) {
    #[cfg(unix)]
    {
        use rustix::process::{kill_process, kill_process_group, Pid, Signal};
        for &pid in pids {
            if let Some(pid) = Pid::from_raw(pid as i32) {
                let _ = kill_process_group(pid, Signal::KILL);
                let _ = kill_process(pid, Signal::KILL);
            }
        }
        let mut reaped = pids.clone();
        reaped.remove(&keep);
        reap(&reaped);
    }
    #[cfg(not(unix))]
    let _ = (pids, keep);
}

/// Collects the exit status of those of `pids` that are the checker's
/// children, so that none stays a zombie.
#[cfg(unix)]
fn reap(pids: &BTreeSet<u32>) {
    use rustix::process::{waitpid, Pid, WaitOptions};
    if pids.is_empty() {
        return;
    }
    let mine: BTreeSet<u32> = children(std::process::id()).into_iter().collect();
    for &pid in pids.intersection(&mine) {
        if let Some(pid) = Pid::from_raw(pid as i32) {
            // Killed just now: it exits at once; do not wait on a stranger.
            for _ in 0..100 {
                match waitpid(Some(pid), WaitOptions::NOHANG) {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) => std::thread::sleep(std::time::Duration::from_millis(2)),
                }
            }
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_listener_of_this_process_is_ours_and_a_free_port_has_nobody() {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = socket.local_addr().expect("its address").port();
        assert_eq!(listener(port, std::process::id()), Listener::Ours);
        // Not a descendant of pid 1's child "2" (kthreadd), nor of a pid
        // that does not exist: a stranger.
        assert_eq!(listener(port, u32::MAX - 1), Listener::Stranger);
        drop(socket);
        assert_eq!(listener(port, std::process::id()), Listener::Nobody);
    }
}
