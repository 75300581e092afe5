//! A private PostgreSQL cluster for tests that must stop, freeze or replicate a database:
//! `initdb` into a temporary folder, `postgres` on a free port, its processes found through
//! `/proc` so the whole server, backends included, can be frozen; removed on drop.
//! The shared server on 5432 is never touched. The fault suite (`bench/src/faults.rs`)
//! compiles this same file.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A port nobody listens on now. (This file is also compiled into the fault suite, so it
/// needs nothing from the test crate.)
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// The PostgreSQL programs' folder, when this machine has one.
pub fn bin_dir() -> Option<PathBuf> {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

/// Whether a test needing a private cluster can run; under `CI` a missing PostgreSQL fails.
pub fn available() -> bool {
    if bin_dir().is_some() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("CI is set but no PostgreSQL programs (initdb) were found under /usr/lib/postgresql");
    }
    eprintln!("SKIPPED: no PostgreSQL programs (initdb) on this machine");
    false
}

/// A running private cluster.
pub struct Cluster {
    pub port: u16,
    dir: PathBuf,
    bin: PathBuf,
    server: Option<Child>,
}

/// A command that runs `program` as the `postgres` user when we are root (PostgreSQL refuses
/// to run as root).
fn pg_command(bin: &Path, program: &str) -> Command {
    let path = bin.join(program);
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root {
        // setpriv execs the program itself (no PAM session, no helper process in between),
        // so the child is the postmaster.
        let mut c = Command::new("setpriv");
        c.args(["--reuid=postgres", "--regid=postgres", "--init-groups", "--"])
            .arg(path);
        c
    } else {
        Command::new(path)
    }
}

impl Cluster {
    /// Initialises and starts a cluster with `settings` (`name = value` lines appended to
    /// postgresql.conf).
    pub fn start(settings: &[&str]) -> Cluster {
        let bin = bin_dir().expect("PostgreSQL programs");
        let dir = std::env::temp_dir().join(format!("fengqiao-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("cluster dir");
        let data = dir.join("data");
        // The server runs as `postgres`: it must own the folder.
        let _ = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status();
        let out = pg_command(&bin, "initdb")
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "-D"])
            .arg(&data)
            .output()
            .expect("initdb");
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let mut conf = format!(
            "\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\nfsync = off\nmax_connections = 100\n",
            dir.display()
        );
        for s in settings {
            conf.push_str(s);
            conf.push('\n');
        }
        let conf_path = data.join("postgresql.conf");
        let mut existing = std::fs::read_to_string(&conf_path).expect("postgresql.conf");
        existing.push_str(&conf);
        std::fs::write(&conf_path, existing).expect("write postgresql.conf");
        let mut c = Cluster {
            port,
            dir,
            bin,
            server: None,
        };
        c.run();
        c
    }

    /// The data folder.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// A URL for the `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn run(&mut self) {
        let log = std::fs::File::create(self.dir.join("server.log")).expect("log");
        let mut cmd = pg_command(&self.bin, "postgres");
        cmd.arg("-D")
            .arg(self.data_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log));
        self.server = Some(cmd.spawn().expect("start postgres"));
        self.wait_ready();
    }

    fn wait_ready(&self) {
        let start = Instant::now();
        loop {
            let ok = std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && pg_command(&self.bin, "pg_isready")
                    .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success());
            if ok {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "private PostgreSQL did not start: {}",
                std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The postmaster and every process it started (each backend is a process group of its
    /// own, so a group signal does not reach them).
    fn server_processes(&self) -> Vec<u32> {
        let pid_file = self.data_dir().join("postmaster.pid");
        let Some(master) = std::fs::read_to_string(pid_file)
            .ok()
            .and_then(|t| t.lines().next().and_then(|l| l.trim().parse::<u32>().ok()))
        else {
            return Vec::new();
        };
        let mut pids = vec![master];
        if let Ok(entries) = std::fs::read_dir("/proc") {
            for e in entries.flatten() {
                let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                    continue;
                };
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces.
                let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
                    continue;
                };
                let ppid = stat
                    .rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                    .and_then(|p| p.parse::<u32>().ok());
                if ppid == Some(master) {
                    pids.push(pid);
                }
            }
        }
        pids
    }

    fn signal_server(&self, signal: &str) {
        for pid in self.server_processes() {
            let _ = Command::new("kill")
                .args([signal, &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
    }

    /// Freezes the whole server, backends included (SIGSTOP): connections stay open and
    /// nothing answers, like a stalled disk or a paused VM.
    pub fn freeze(&self) {
        self.signal_server("-STOP");
    }

    /// Lets a frozen server run again.
    pub fn thaw(&self) {
        self.signal_server("-CONT");
    }

    /// Stops the server (fast shutdown) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.server.take() {
            self.signal_server("-CONT");
            self.signal_server("-INT");
            let _ = child.wait();
        }
    }

    /// Starts a stopped server again on the same port and data.
    pub fn restart(&mut self) {
        self.stop();
        self.run();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(mut child) = self.server.take() {
            self.signal_server("-CONT");
            self.signal_server("-KILL");
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
