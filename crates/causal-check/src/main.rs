//! `causal-check`: is the node that COMMAND starts causally consistent?

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use causal_check::check::DEFAULT_PAGE;
use causal_check::tell::Guarantee;
use causal_check::{check, family, target, Kind, Options, Progress, Summary, Target};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

const ABOUT: &str = "\
causal-check: is this node causally consistent?

For each case, causal-check starts COMMAND afresh in an empty temporary
directory with NODE_ID, NUM_NODES, PORT and PEERS set, plays the other
replicas itself (PEERS points at it), waits for GET / to answer from the
process it started, then writes at the node (POST /put) and delivers the other
replicas' writes to it (POST /replicate) reordered, late and twice. After every
step it compares the node's answer and GET /store with the engine's replica.
Each kind of flaw is shrunk to a smallest case and reported once: a JSON line on
standard output ({\"kind\", \"steps\", \"expected\", \"got\", \"guarantee\", \"proof\",
\"link\"}), a sentence on standard error, and the case as a scenario file in the
--out directory (`causal-sim run FILE` replays it; the page imports it, and the
link opens it at the failing step with what the node answered). The run ends
with a line on standard error: coverage: seed S, N cases, M orders.";

/// causal-check: is this node causally consistent?
#[derive(Parser)]
#[command(
    name = "causal-check",
    override_usage = "causal-check [OPTIONS] -- COMMAND [ARGS...]\n       causal-check [OPTIONS] --url URL\n       causal-check cluster [OPTIONS] -- COMMAND [ARGS...]",
    long_about = ABOUT,
    args_conflicts_with_subcommands = true,
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    cluster: Option<Mode>,
    #[command(flatten)]
    common: Common,
    /// With --url: addresses to listen on as its peers, as in its PEERS
    /// (host:port,...), to check what it sends
    #[arg(long, value_name = "ADDRS", requires = "url", value_parser = peer_addrs)]
    peers: Option<PeerAddrs>,
    /// Check one node already running, started with NUM_NODES=K (one case,
    /// no shrinking; it must be fresh)
    #[arg(long, value_name = "URL", value_parser = node_url, conflicts_with = "command")]
    url: Option<String>,
    /// Every order of each case's last arrivals at the node, with at most K
    /// copies in flight, instead of one drawn order (1 to 6)
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u8).range(1..=6))]
    exhaustive: Option<u8>,
    /// The node: a program and its arguments, after --
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<String>,
}

#[derive(Subcommand)]
enum Mode {
    /// Check a whole cluster from the outside: K copies of COMMAND whose
    /// PEERS point at the checker, which passes every /replicate on delayed,
    /// reordered, duplicated or dropped and retried (seeded), while clients
    /// write at one node and read at others
    Cluster {
        #[command(flatten)]
        common: Common,
        /// The node: a program and its arguments, after --
        #[arg(last = true, required = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
}

#[derive(Args, Clone)]
struct Common {
    /// Replicas in each case, the node included (2 to 8)
    #[arg(long, value_name = "K", default_value_t = 3, value_parser = clap::value_parser!(u8).range(2..=8))]
    nodes: u8,
    /// How many cases
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    cases: u32,
    /// Seed the cases are drawn from (default: from the clock; the coverage
    /// line says which, to run the same cases again)
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Where reproducers go
    #[arg(long, value_name = "DIR", default_value = "causal-check-out")]
    out: PathBuf,
    /// How long a node may take to answer GET / (seconds)
    #[arg(long, value_name = "SECS", default_value_t = 10.0, value_parser = seconds)]
    timeout: f64,
    /// How long one request to the node may take (seconds)
    #[arg(long, value_name = "SECS", default_value_t = 5.0, value_parser = seconds)]
    request_timeout: f64,
    /// The page each flaw's link opens (its address; the link adds
    /// #check=...)
    #[arg(long, value_name = "URL", default_value = DEFAULT_PAGE, value_parser = page_url)]
    page: String,
}

#[derive(Clone)]
struct PeerAddrs(Vec<SocketAddr>);

fn peer_addrs(value: &str) -> Result<PeerAddrs, String> {
    value
        .split(',')
        .map(|a| {
            a.trim()
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .parse::<SocketAddr>()
        })
        .collect::<Result<Vec<_>, _>>()
        .map(PeerAddrs)
        .map_err(|_| "must be host:port addresses, comma-separated".to_string())
}

fn seconds(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(t) if t > 0.0 && t < 3600.0 => Ok(t),
        _ => Err("must be a number of seconds, above 0 and below 3600".into()),
    }
}

/// A node's base URL: http://HOST:PORT, refused at once when it is not one.
fn node_url(value: &str) -> Result<String, String> {
    let fail = |why: &str| Err(format!("{why} (a node's address is http://HOST:PORT)"));
    let Some(rest) = value.strip_prefix("http://") else {
        return fail("must begin with http://");
    };
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() || rest.contains(['/', '?', '#', ' ', '@']) {
        return fail("must be only a host and port");
    }
    let Some((host, port)) = rest.rsplit_once(':') else {
        return fail("names no port");
    };
    if host.is_empty() || port.parse::<u16>().map_or(true, |p| p == 0) {
        return fail("has no host, or no port from 1 to 65535");
    }
    Ok(value.trim_end_matches('/').to_string())
}

fn page_url(value: &str) -> Result<String, String> {
    let scheme = value.split("://").next().unwrap_or_default();
    if value.contains("://") && ["http", "https", "file"].contains(&scheme) {
        Ok(value.split('#').next().unwrap_or(value).to_string())
    } else {
        Err("must be the page's address, http://, https:// or file://".into())
    }
}

/// The help's closing sections, from the kinds and guarantees themselves.
fn after_help() -> String {
    let mut text = String::from("Kinds of flaw:\n");
    for kind in Kind::ALL {
        text.push_str(&format!("  {:<21}{}\n", kind.name(), kind.meaning()));
    }
    text.push_str("\nGuarantees (what a client sees broken, the JSON line's \"guarantee\"):\n  ");
    let names: Vec<&str> = Guarantee::ALL.iter().map(|g| g.name()).collect();
    text.push_str(&names.join(", "));
    text.push_str(
        "\n\nExit status: 0 no flaw found; 1 flaws found; 2 bad usage, or the node never answered.\n\n\
         Example:\n  causal-check --cases 200 --out flaws -- python3 node.py",
    );
    text
}

fn usage(reason: &str) -> ExitCode {
    eprintln!("causal-check: {reason} (see causal-check --help)");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    target::guard();
    let command = Cli::command().after_help(after_help());
    let cli = match command
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let text = e.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .to_string();
            return usage(&first);
        }
    };
    family::adopt_orphans();
    target::end_nodes_on_signals();
    let code = run(cli);
    target::end_orphans();
    code
}

fn run(cli: Cli) -> ExitCode {
    let (common, target) = match cli.cluster {
        Some(Mode::Cluster { common, command }) => {
            return cluster(common, command);
        }
        None => {
            let common = cli.common;
            let target = match (cli.url, cli.command.is_empty()) {
                (Some(_), false) => return usage("give either --url or a COMMAND, not both"),
                (None, true) => {
                    return usage("no node to check: give -- COMMAND [ARGS...] or --url URL")
                }
                (Some(url), true) => {
                    let peers = cli.peers.map(|p| p.0);
                    if let Some(p) = &peers {
                        if p.len() != common.nodes as usize - 1 {
                            return usage(&format!(
                                "--peers lists {} addresses; with --nodes {} the node has {} peers",
                                p.len(),
                                common.nodes,
                                common.nodes - 1
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
                (None, false) => Target::Command(cli.command),
            };
            (common, target)
        }
    };
    let options = options(&common, target, cli.exhaustive.map(usize::from));
    let tty = std::io::stderr().is_terminal();
    let cases = options.cases;
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
    conclude(&options, result)
}

fn options(common: &Common, target: Target, exhaustive: Option<usize>) -> Options {
    let seed = common.seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64 % 1_000_000_000)
    });
    Options {
        nodes: common.nodes as usize,
        cases: common.cases as usize,
        seed,
        out: common.out.clone(),
        target,
        startup: Duration::from_secs_f64(common.timeout),
        request: Duration::from_secs_f64(common.request_timeout),
        page: common.page.clone(),
        exhaustive,
    }
}

/// The summary, the coverage line and the exit status.
fn conclude(
    options: &Options,
    result: Result<Summary, causal_check::target::Unreachable>,
) -> ExitCode {
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
                    "{} kind(s) of flaw found: {}; shrinking took {:.1} s ({} node runs); reproducers in {}",
                    kinds.len(),
                    kinds.join(", "),
                    summary.shrinking.as_secs_f64(),
                    summary.shrink_runs,
                    options.out.display()
                )
            };
            eprintln!(
                "causal-check: {} case(s), {} steps at the node, {} node run(s), in {secs:.1} s ({rate:.1} cases/s), seed {}: {verdict}",
                summary.cases, summary.steps, summary.runs, options.seed
            );
            eprintln!("{}", summary.coverage(options));
            if summary.found.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn cluster(common: Common, command: Vec<String>) -> ExitCode {
    let options = options(&common, Target::Command(command.clone()), None);
    let result = causal_check::cluster::check_cluster(&options, &command, &mut |progress| {
        if let Progress::Found(found) = progress {
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "{}", found.json_line());
            let _ = stdout.flush();
            eprintln!("{}", found.sentence);
        }
    });
    conclude(&options, result)
}
