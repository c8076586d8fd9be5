//! `causal-check`: is the node that COMMAND starts causally consistent?

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use causal_check::{check, Options, Progress, Target};

const HELP: &str = "\
causal-check: is this node causally consistent?

USAGE:
    causal-check [OPTIONS] -- COMMAND [ARGS...]
    causal-check [OPTIONS] --url URL

For each case, causal-check starts COMMAND afresh in an empty temporary
directory with NODE_ID, NUM_NODES, PORT and PEERS set, plays the other
replicas itself (PEERS points at it), waits for GET / to answer, then writes
at the node (POST /put) and delivers the other replicas' writes to it
(POST /replicate) reordered, late and twice. After every step it compares the
node's answer and GET /store with the engine's replica. Each kind of flaw is
shrunk to a smallest case and reported once: a JSON line on standard output
({\"kind\", \"steps\", \"expected\", \"got\"}), a sentence on standard error, and
the case as a scenario file in the --out directory (`causal-sim run FILE`
replays it; the page imports it).

OPTIONS:
    --nodes K          replicas in each case, the node included (2 to 8; default 3)
    --cases N          how many cases (default 100)
    --seed S           seed the cases are drawn from (default: from the clock;
                       the summary says which, to run the same cases again)
    --out DIR          where reproducers go (default causal-check-out)
    --timeout SECS     how long a node may take to answer GET / (default 10)
    --url URL          check one node already running, started with NUM_NODES=K
                       (one case, no shrinking; it must be fresh)
    --peers ADDRS      with --url: addresses to listen on as its peers, as in its
                       PEERS (host:port,...), to check what it sends
    -h, --help         print this help

KINDS OF FLAW:
    held-too-long        keeps buffered a message the engine has delivered
    duplicate-kept       buffers or applies again a message that arrives twice
    delivered-too-early  applies a message before what happened before it
    clock-differs        its vector clock is not the engine's
    store-differs        a key holds a value no legal order gives (or its buffer is wrong)
    bad-message          what it sends its peers is wrong, or it never sends it
    bad-response         an answer that is not the API's

EXIT STATUS: 0 no flaw found; 1 flaws found; 2 bad usage, or the node never answered.

EXAMPLE:
    causal-check --cases 200 --out flaws -- python3 node.py
";

fn usage(reason: &str) -> ExitCode {
    eprintln!("causal-check: {reason} (see causal-check --help)");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (options, command) = match args.iter().position(|a| a == "--") {
        Some(at) => (&args[..at], args[at + 1..].to_vec()),
        None => (&args[..], Vec::new()),
    };
    let mut nodes = 3usize;
    let mut cases = 100usize;
    let mut seed = None;
    let mut out = PathBuf::from("causal-check-out");
    let mut timeout = 10.0f64;
    let mut url = None;
    let mut peers = None;
    let mut it = options.iter();
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        let Some(value) = it.next() else {
            return usage(&format!("{flag} needs a value, or is not an option"));
        };
        let bad = |what: &str| usage(&format!("{flag} {value}: {what}"));
        match flag.as_str() {
            "--nodes" => match value.parse() {
                Ok(k) if (2..=8).contains(&k) => nodes = k,
                _ => return bad("must be 2 to 8"),
            },
            "--cases" => match value.parse() {
                Ok(n) if n >= 1 => cases = n,
                _ => return bad("must be a whole number, at least 1"),
            },
            "--seed" => match value.parse() {
                Ok(s) => seed = Some(s),
                _ => return bad("must be a whole number"),
            },
            "--timeout" => match value.parse::<f64>() {
                Ok(t) if t > 0.0 && t < 3600.0 => timeout = t,
                _ => return bad("must be a number of seconds"),
            },
            "--out" => out = PathBuf::from(value),
            "--url" => url = Some(value.clone()),
            "--peers" => {
                match value
                    .split(',')
                    .map(|a| {
                        a.trim()
                            .trim_start_matches("http://")
                            .trim_end_matches('/')
                            .parse::<SocketAddr>()
                    })
                    .collect::<Result<Vec<_>, _>>()
                {
                    Ok(addrs) => peers = Some(addrs),
                    Err(_) => return bad("must be host:port addresses, comma-separated"),
                }
            }
            _ => return usage(&format!("unknown option {flag}")),
        }
    }
    let target = match (url, command.is_empty()) {
        (Some(_), false) => return usage("give either --url or a COMMAND, not both"),
        (None, true) => return usage("no node to check: give -- COMMAND [ARGS...] or --url URL"),
        (Some(url), true) => {
            if let Some(p) = &peers {
                if p.len() != nodes - 1 {
                    return usage(&format!(
                        "--peers lists {} addresses; with --nodes {nodes} the node has {} peers",
                        p.len(),
                        nodes - 1
                    ));
                }
            }
            if peers.is_none() {
                eprintln!(
                    "causal-check: without --peers, what the node sends its peers is not checked"
                );
            }
            Target::Url { url, peers }
        }
        (None, false) => {
            if peers.is_some() {
                return usage("--peers goes with --url");
            }
            Target::Command(command)
        }
    };
    let seed = seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64 % 1_000_000_000)
    });
    let options = Options {
        nodes,
        cases,
        seed,
        out,
        target,
        startup: Duration::from_secs_f64(timeout),
    };
    let tty = std::io::stderr().is_terminal();
    let every = (cases / 10).max(1);
    let mut progress_shown = false;
    let result = check(&options, &mut |progress| match progress {
        Progress::Case { case, of, flaws } => {
            if tty {
                eprint!("\rcase {case} of {of}, flaws so far: {flaws}   ");
                progress_shown = true;
            } else if case == 1 || case % every == 0 {
                eprintln!("case {case} of {of}, flaws so far: {flaws}");
            }
        }
        Progress::Found(found) => {
            if progress_shown {
                eprintln!();
                progress_shown = false;
            }
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "{}", found.json_line());
            let _ = stdout.flush();
            eprintln!("{}", found.sentence);
        }
    });
    if progress_shown {
        eprintln!();
    }
    match result {
        Err(unreachable) => {
            eprintln!("causal-check: {unreachable}");
            ExitCode::from(2)
        }
        Ok(summary) => {
            let secs = summary.elapsed.as_secs_f64();
            let rate = summary.cases as f64 / secs.max(1e-9);
            let kinds: Vec<String> = summary
                .found
                .iter()
                .map(|f| {
                    format!(
                        "{} ({} of the cases)",
                        f.flaw.kind,
                        summary.counts.get(&f.flaw.kind).copied().unwrap_or(0)
                    )
                })
                .collect();
            let verdict = if kinds.is_empty() {
                "no flaw found".to_string()
            } else {
                format!(
                    "{} kind(s) of flaw found: {}; reproducers in {}",
                    kinds.len(),
                    kinds.join(", "),
                    options.out.display()
                )
            };
            eprintln!(
                "causal-check: {} case(s), {} steps at the node, {} node run(s), in {secs:.1} s ({rate:.1} cases/s), seed {seed}: {verdict}",
                summary.cases, summary.steps, summary.runs
            );
            if summary.found.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}
