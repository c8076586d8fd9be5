//! causal-check against nodes that each make one classic mistake (toy-node
//! `--flaw NAME`), a correct node that delivers in another legal order, and
//! causal-node when it is built. Each run is a child process on loopback
//! ports chosen at run time, killed if it outlives its bound.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use causal_core::Scenario;
use serde_json::Value;

const CHECKER: &str = env!("CARGO_BIN_EXE_causal-check");
const TOY: &str = env!("CARGO_BIN_EXE_toy-node");
const BOUND: Duration = Duration::from_secs(60);

struct Outcome {
    code: i32,
    lines: Vec<Value>,
    stderr: String,
    out: tempfile::TempDir,
}

/// Waits for `child` at most `BOUND`, then kills it.
fn finish(mut child: Child) -> (i32, String, String) {
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("causal-check ran longer than {BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut stdout, mut stderr) = (String::new(), String::new());
    child
        .stdout
        .take()
        .map(|mut s| s.read_to_string(&mut stdout));
    child
        .stderr
        .take()
        .map(|mut s| s.read_to_string(&mut stderr));
    (status.code().unwrap_or(-1), stdout, stderr)
}

/// Runs causal-check with `options`, then `--` and `node`.
fn check(options: &[&str], node: &[&str]) -> Outcome {
    let out = tempfile::tempdir().expect("a temporary directory");
    let mut args: Vec<String> = options.iter().map(|s| s.to_string()).collect();
    args.extend(["--out".into(), out.path().display().to_string()]);
    if !node.is_empty() {
        args.push("--".into());
        args.extend(node.iter().map(|s| s.to_string()));
    }
    // Output is read after exit: a run writes a few lines, well under a pipe's buffer.
    let child = Command::new(CHECKER)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("causal-check starts");
    let (code, stdout, stderr) = finish(child);
    let lines = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l} ({e})")))
        .collect();
    Outcome {
        code,
        lines,
        stderr,
        out,
    }
}

/// The reproducer plays in the engine exactly as `causal-sim run` plays it,
/// and in the causal-sim binary too when it is built.
fn replays(file: &Path) {
    let text = std::fs::read_to_string(file).expect("the reproducer is written");
    let scenario = Scenario::parse(&text).expect("causal-sim reads it");
    scenario.run().expect("causal-sim runs it");
    if let Some(sim) = built("causal-sim") {
        let status = Command::new(sim)
            .arg("run")
            .arg(file)
            .stdout(Stdio::null())
            .status()
            .expect("causal-sim starts");
        assert!(status.success(), "causal-sim run {}", file.display());
    }
}

/// A binary of the workspace, if it has been built beside this test's.
fn built(name: &str) -> Option<PathBuf> {
    let dir = Path::new(CHECKER).parent()?;
    [dir.to_path_buf(), dir.parent()?.join("release")]
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The flawed node is reported with `kind` alone, on a case of at most 8 steps.
fn reports(flaw: &str, kind: &str) {
    let outcome = check(&["--cases", "40", "--seed", "11"], &[TOY, "--flaw", flaw]);
    assert_eq!(outcome.code, 1, "{flaw}: {}", outcome.stderr);
    let kinds: Vec<&str> = outcome
        .lines
        .iter()
        .filter_map(|l| l["kind"].as_str())
        .collect();
    assert_eq!(kinds, [kind], "{flaw}: {}", outcome.stderr);
    let line = &outcome.lines[0];
    let steps = line["steps"].as_array().expect("steps");
    assert!(
        !steps.is_empty() && steps.len() <= 8,
        "{flaw}: {} steps: {line}",
        steps.len()
    );
    assert!(line.get("expected").is_some() && line.get("got").is_some());
    assert!(
        outcome.stderr.contains(&format!("{kind} at node ")),
        "a sentence on stderr: {}",
        outcome.stderr
    );
    let file = outcome.out.path().join(format!("{kind}.json"));
    replays(&file);
    let scenario = Scenario::parse(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(
        serde_json::to_value(&scenario.steps).unwrap(),
        line["steps"],
        "the file holds the reported case"
    );
}

#[test]
fn a_buffer_flushed_in_one_pass_holds_too_long() {
    reports("one-pass", "held-too-long");
}

#[test]
fn buffering_duplicates_keeps_them() {
    reports("keep-duplicates", "duplicate-kept");
}

#[test]
fn no_causal_test_delivers_too_early() {
    reports("no-causal-test", "delivered-too-early");
}

#[test]
fn ticking_on_receipt_makes_the_clock_differ() {
    reports("tick-on-receive", "clock-differs");
}

#[test]
fn releasing_without_merging_makes_the_clock_differ() {
    reports("no-merge-on-release", "clock-differs");
}

#[test]
fn a_put_that_sends_a_wrong_clock_is_a_bad_message() {
    reports("wrong-put-clock", "bad-message");
}

#[test]
fn a_key_that_keeps_its_first_value_differs() {
    reports("keep-first", "store-differs");
}

#[test]
fn a_buffered_message_answered_200_is_a_bad_response() {
    reports("buffered-200", "bad-response");
}

#[test]
fn a_correct_node_in_another_legal_order_passes() {
    for nodes in ["2", "3", "4"] {
        // Seed 2 with three nodes holds a case where toy-node's order leaves a
        // key another value than the engine's order does (checked by hand).
        let outcome = check(&["--cases", "60", "--seed", "2", "--nodes", nodes], &[TOY]);
        assert_eq!(outcome.code, 0, "{nodes} nodes: {}", outcome.stderr);
        assert!(outcome.lines.is_empty());
        assert!(outcome.stderr.contains("60 case(s)"), "{}", outcome.stderr);
        assert!(
            outcome.stderr.contains("no flaw found"),
            "{}",
            outcome.stderr
        );
    }
}

#[test]
fn a_node_that_never_answers_is_exit_2() {
    let outcome = check(&["--cases", "3", "--timeout", "1"], &["sleep", "30"]);
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("never answered GET /"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.lines.is_empty());
    let outcome = check(&["--url", "http://127.0.0.1:1", "--timeout", "1"], &[]);
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(outcome.stderr.contains("never answered GET /"));
    let outcome = check(&["--cases", "3"], &["false"]);
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(outcome.stderr.contains("exited"), "{}", outcome.stderr);
}

#[test]
fn bad_usage_is_exit_2() {
    for options in [
        &["--cases", "3"][..],
        &["--nodes", "9"],
        &["--cases", "none"],
        &["--frobnicate", "1"],
        &["--url", "http://127.0.0.1:1", "--peers", "127.0.0.1:2"],
    ] {
        let outcome = check(options, &[]);
        assert_eq!(outcome.code, 2, "{options:?}: {}", outcome.stderr);
        assert!(outcome.stderr.starts_with("causal-check: "));
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A node started by hand with PEERS pointing at the checker's `--peers`.
fn running(flaw: &str, peers: &[u16]) -> (Child, String, String) {
    let port = free_port();
    let urls: Vec<String> = peers
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    let child = Command::new(TOY)
        .args(["--flaw", flaw])
        .env("NODE_ID", "1")
        .env("NUM_NODES", "3")
        .env("PORT", port.to_string())
        .env("PEERS", urls.join(","))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("toy-node starts");
    let addrs: Vec<String> = peers.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    (child, format!("http://127.0.0.1:{port}"), addrs.join(","))
}

#[test]
fn a_running_node_is_checked_by_url() {
    let (mut node, url, peers) = running("none", &[free_port(), free_port()]);
    let outcome = check(&["--url", &url, "--peers", &peers, "--seed", "3"], &[]);
    let _ = node.kill();
    let _ = node.wait();
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(outcome.stderr.contains("1 case(s)"), "{}", outcome.stderr);

    let (mut node, url, peers) = running("wrong-put-clock", &[free_port(), free_port()]);
    // Seed 3 writes at the node (checked by the run above reaching it).
    let outcome = check(&["--url", &url, "--peers", &peers, "--seed", "3"], &[]);
    let _ = node.kill();
    let _ = node.wait();
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert_eq!(outcome.lines[0]["kind"], "bad-message");
    replays(&outcome.out.path().join("bad-message.json"));
}

/// causal-node, the project's own node, passes; under the unordered rule it
/// does not. `cargo test --workspace` builds it; alone, this builds it.
#[test]
fn causal_node_passes() {
    let Some(node) = built("causal-node").or_else(build_causal_node) else {
        eprintln!("causal-node is not in this workspace; skipped");
        return;
    };
    let node = node.display().to_string();
    let outcome = check(&["--cases", "20", "--seed", "9"], &[&node]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(outcome.lines.is_empty());
    // The same node under the unordered rule applies what arrives at once.
    let outcome = check(
        &["--cases", "10", "--seed", "9"],
        &[&node, "--delivery", "unordered"],
    );
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert_eq!(outcome.lines[0]["kind"], "delivered-too-early");
    replays(&outcome.out.path().join("delivered-too-early.json"));
}

/// Builds causal-node when the workspace has it but this run did not build it.
fn build_causal_node() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../causal-node/Cargo.toml");
    if !manifest.is_file() {
        return None;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let child = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--bin",
            "causal-node",
            "--manifest-path",
        ])
        .arg(&manifest)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cargo starts");
    let started = Instant::now();
    let mut child = child;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "cargo build -p causal-node failed");
            break;
        }
        if started.elapsed() > Duration::from_secs(600) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("building causal-node took more than 10 minutes");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    built("causal-node")
}
