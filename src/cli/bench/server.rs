//! The hub under measurement: this very binary's `facteur serve`, as a child process
//! of its own (so its resident memory is the server's alone), on the bench's database
//! and broker. Its log is kept (the last lines) to explain a failed run.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// Log lines kept for the error message of a failed run.
const KEPT_LINES: usize = 40;

/// A running `facteur serve`, killed when dropped.
pub struct Server {
    child: Child,
    pub base_url: String,
    log: Arc<Mutex<VecDeque<String>>>,
}

impl Server {
    /// Starts `facteur serve` on a free loopback port and waits until it listens.
    /// With `log_file`, every line the server logs is also appended there (the whole
    /// log of a run, e.g. with `FACTEUR_LOG=facteur=debug` for each chunk's timings).
    pub fn start(
        database_url: &str,
        amqp_url: &str,
        log_file: Option<&std::path::Path>,
    ) -> anyhow::Result<Server> {
        let exe = std::env::current_exe().context("cannot find the facteur binary")?;
        let mut child = Command::new(exe)
            .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "text"])
            .env("FACTEUR_DATABASE_URL", database_url)
            .env("FACTEUR_AMQP_URL", amqp_url)
            .env_remove("FACTEUR_CONFIG")
            .env_remove("FACTEUR_TLS_CERT")
            .env_remove("FACTEUR_TLS_KEY")
            .env_remove("FACTEUR_CLAIM_LEASE")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot start facteur serve")?;
        let stderr = child.stderr.take().context("no stderr of facteur serve")?;
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let (address_tx, address_rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        let mut copy = match log_file {
            Some(path) => Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("cannot open {}", path.display()))?,
            ),
            None => None,
        };
        // Reads the log for ever, so that a full pipe never blocks the server.
        std::thread::spawn(move || {
            let mut address_tx = Some(address_tx);
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(file) = copy.as_mut() {
                    use std::io::Write as _;
                    // A log that cannot be copied must not stop the run being measured.
                    if writeln!(file, "{line}").is_err() {
                        copy = None;
                    }
                }
                if let Some(rest) = line.split("address=http://").nth(1)
                    && let Some(tx) = address_tx.take()
                {
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
                }
                let mut kept = sink.lock().unwrap_or_else(|e| e.into_inner());
                if kept.len() == KEPT_LINES {
                    kept.pop_front();
                }
                kept.push_back(line);
            }
        });
        let started = Instant::now();
        let mut server = Server {
            child,
            base_url: String::new(),
            log,
        };
        loop {
            match address_rx.recv_timeout(Duration::from_millis(200)) {
                Ok(address) => {
                    server.base_url = format!("http://{address}");
                    return Ok(server);
                }
                Err(_) if started.elapsed() > Duration::from_secs(120) => {
                    bail!(
                        "facteur serve did not listen within 120 s:\n{}",
                        server.log()
                    )
                }
                Err(_) => {
                    if let Some(status) = server.child.try_wait()? {
                        bail!(
                            "facteur serve exited ({status}) before listening:\n{}",
                            server.log()
                        );
                    }
                }
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's resident memory, in KiB (Linux `/proc`), if readable.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// The last lines the server logged.
    pub fn log(&self) -> String {
        let kept = self.log.lock().unwrap_or_else(|e| e.into_inner());
        kept.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// Whether the server is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The machine's load averages (1, 5, 15 minutes), from `/proc/loadavg`.
pub fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some([fields.next()??, fields.next()??, fields.next()??])
}
