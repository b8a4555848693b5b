//! The harness of the artifact-file tests every crate runs: many writers
//! of one path at once (threads, and processes re-running the test binary),
//! and loaders given a FIFO or a link to `/dev/zero`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Rounds of saves per writer.
pub const ROUNDS: usize = 20;

/// The environment variables that tell a child process where to save and
/// which version: `SEG_TEST_CHILD_PATH_<key>`, `SEG_TEST_CHILD_ID_<key>`.
fn child_vars(key: &str) -> (String, String) {
    (
        format!("SEG_TEST_CHILD_PATH_{key}"),
        format!("SEG_TEST_CHILD_ID_{key}"),
    )
}

/// `versions.len()` threads each save their own version to `path`
/// [`ROUNDS`] times at once, through `save`.
pub fn save_from_threads<T: Sync>(versions: &[T], path: &Path, save: impl Fn(&T, &Path) + Sync) {
    std::thread::scope(|s| {
        for version in versions {
            let save = &save;
            s.spawn(move || {
                for _ in 0..ROUNDS {
                    save(version, path);
                }
            });
        }
    });
}

/// In a child process started by [`save_from_processes`] with `key`: the
/// path to save to and the writer's id. `None` in a normal test run, where
/// the child's test then does nothing.
pub fn child_saver(key: &str) -> Option<(PathBuf, usize)> {
    let (path_var, id_var) = child_vars(key);
    let path = std::env::var_os(path_var)?;
    let id = std::env::var(id_var).ok()?.parse().ok()?;
    Some((PathBuf::from(path), id))
}

/// Starts `processes` copies of the running test binary at once, each
/// running only the test `child_test` (which saves through
/// [`child_saver`] with `key`), and waits for all of them to succeed.
pub fn save_from_processes(key: &str, child_test: &str, processes: usize, path: &Path) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let (path_var, id_var) = child_vars(key);
    let children: Vec<_> = (0..processes)
        .map(|id| {
            Command::new(&exe)
                .args(["--exact", child_test, "--test-threads=1"])
                .env(&path_var, path)
                .env(&id_var, id.to_string())
                .stdout(Stdio::null())
                .spawn()
                .expect("a child test process starts")
        })
        .collect();
    for mut child in children {
        assert!(child.wait().expect("the child ends").success());
    }
}

/// Asserts that `path` is the only entry of its folder: no temporary file
/// was left behind.
pub fn assert_only_file(path: &Path) {
    let dir = path.parent().expect("a file in a folder");
    let names: Vec<_> = std::fs::read_dir(dir)
        .expect("the folder is readable")
        .map(|e| e.expect("an entry").file_name())
        .collect();
    assert_eq!(
        names,
        [path.file_name().expect("a file name")],
        "left behind: {names:?}"
    );
}

/// Makes a FIFO at `path`.
#[cfg(unix)]
pub fn make_fifo(path: &Path) {
    let made = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", path.display());
}

/// Makes `path` a symbolic link to `/dev/zero`.
#[cfg(unix)]
pub fn link_to_dev_zero(path: &Path) {
    std::os::unix::fs::symlink("/dev/zero", path).expect("a symbolic link");
}

/// Runs `f`, asserting that it returns within five seconds (a loader given
/// a FIFO or a device must not block or read without bound).
pub fn promptly<R>(f: impl FnOnce() -> R) -> R {
    let start = Instant::now();
    let r = f();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    r
}
