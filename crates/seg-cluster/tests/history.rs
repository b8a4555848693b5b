//! The model history: atomic version files, versions without races
//! between threads and between processes, rollback, lineage, and named
//! errors for missing, unwritable and damaged directories.

use std::path::{Path, PathBuf};
use std::process::Command;

use ndarray::Array2;
use seg_cluster::{AutoK, ClusterError, ModelHistory, SegmentModel, TrainParams};

/// The environment variables that turn [`child_saves`] into a writer.
const CHILD_DIR: &str = "SEG_HISTORY_CHILD_DIR";
const CHILD_MODEL: &str = "SEG_HISTORY_CHILD_MODEL";
const CHILD_SAVES: &str = "SEG_HISTORY_CHILD_SAVES";

/// A fresh directory under the system's temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("seg-history-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn data() -> Array2<f64> {
    Array2::from_shape_fn((90, 2), |(i, j)| {
        (i % 3) as f64 * 10.0 + ((i * 7 + j * 3) % 5) as f64 * 0.3
    })
}

fn model() -> SegmentModel {
    let params = TrainParams::new()
        .auto_k(AutoK::params().k_range(2..=4).n_init(1))
        .created_at(1_700_000_000);
    SegmentModel::train(data().view(), &["a", "b"], &params).unwrap()
}

/// The names of the directory's files, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Checks that the directory holds exactly versions 1..=n, every file
/// complete and loading, and nothing else (no temporary file).
fn assert_versions_1_to(dir: &Path, n: u64) {
    let history = ModelHistory::open(dir).unwrap();
    assert!(history.corrupt().is_empty(), "{:?}", history.corrupt());
    assert_eq!(history.versions(), (1..=n).collect::<Vec<_>>());
    let expected: Vec<String> = (1..=n)
        .map(|v| format!("segment-model-v{v:06}.json"))
        .collect();
    assert_eq!(files(dir), expected);
    for v in 1..=n {
        let m = history.get(v).unwrap();
        assert_eq!(m.model_version(), v);
        assert_eq!(m.centroids(), model().centroids());
    }
}

#[test]
fn versions_are_numbered_from_one_and_kept_in_files() {
    let dir = scratch("numbered");
    let mut history = ModelHistory::open_or_create(&dir).unwrap();
    assert!(history.latest().is_none());
    assert_eq!(history.versions(), Vec::<u64>::new());
    let m = model();
    assert_eq!(history.save(&m).unwrap(), 1);
    assert_eq!(history.save(&m).unwrap(), 2);
    assert_eq!(history.latest().unwrap().model_version(), 2);
    assert_eq!(
        history.get(1).unwrap().to_json().unwrap(),
        m.to_json().unwrap()
    );
    assert_versions_1_to(&dir, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn retrained_versions_form_a_lineage_and_rollback_appends_a_copy() {
    let dir = scratch("lineage");
    let mut history = ModelHistory::open_or_create(&dir).unwrap();
    let params = TrainParams::new()
        .auto_k(AutoK::params().k_range(2..=4).n_init(1))
        .created_at(1_700_000_100);
    let v1 = history.save(&model()).unwrap();
    let second = history
        .get(v1)
        .unwrap()
        .retrain(data().view(), &params)
        .unwrap();
    assert_eq!(second.parent_version(), Some(1));
    let v2 = history.save(&second).unwrap();
    let third = history
        .get(v2)
        .unwrap()
        .retrain(data().view(), &params)
        .unwrap();
    let v3 = history.save(&third).unwrap();
    assert_eq!((v1, v2, v3), (1, 2, 3));
    assert_eq!(history.lineage(3).unwrap(), [3, 2, 1]);
    assert_eq!(history.lineage(1).unwrap(), [1]);

    let v4 = history.rollback(1).unwrap();
    assert_eq!(v4, 4);
    let rolled = history.latest().unwrap();
    assert_eq!(rolled.model_version(), 4);
    assert_eq!(rolled.parent_version(), Some(1));
    assert_eq!(rolled.centroids(), history.get(1).unwrap().centroids());
    assert_eq!(
        rolled.feature_names(),
        history.get(1).unwrap().feature_names()
    );
    assert_eq!(history.lineage(4).unwrap(), [4, 1]);

    // Another handle reads the same history from the files.
    let reopened = ModelHistory::open(&dir).unwrap();
    assert_eq!(reopened.versions(), [1, 2, 3, 4]);
    assert_eq!(reopened.lineage(3).unwrap(), [3, 2, 1]);
    assert_eq!(reopened.lineage(4).unwrap(), [4, 1]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lineage_stops_at_a_parent_the_history_does_not_hold() {
    let dir = scratch("orphan");
    let mut history = ModelHistory::open_or_create(&dir).unwrap();
    let params = TrainParams::new()
        .auto_k(AutoK::params().k_range(2..=3).n_init(1))
        .created_at(0);
    // Version 2 whose parent 1 was never saved here.
    let child = model().retrain(data().view(), &params).unwrap();
    assert_eq!(history.save(&child).unwrap(), 2);
    assert_eq!(history.lineage(2).unwrap(), [2, 1]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn save_takes_a_number_above_every_version_of_the_directory() {
    let dir = scratch("above");
    let mut a = ModelHistory::open_or_create(&dir).unwrap();
    let mut b = ModelHistory::open(&dir).unwrap();
    let m = model();
    assert_eq!(a.save(&m).unwrap(), 1);
    // b opened before a saved, yet does not take version 1 again.
    assert_eq!(b.save(&m).unwrap(), 2);
    assert_eq!(a.versions(), [1]);
    a.refresh().unwrap();
    assert_eq!(a.versions(), [1, 2]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn threads_saving_at_once_lose_nothing() {
    let dir = scratch("threads");
    ModelHistory::open_or_create(&dir).unwrap();
    let m = model();
    let mut saved: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let mut history = ModelHistory::open(&dir).unwrap();
                    (0..25)
                        .map(|_| history.save(&m).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    saved.sort_unstable();
    assert_eq!(saved, (1..=100).collect::<Vec<_>>());
    assert_versions_1_to(&dir, 100);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A writer process of [`processes_saving_at_once_lose_nothing`]: does
/// nothing unless started by it with the environment variables set.
#[test]
fn child_saves() {
    let (Ok(dir), Ok(model), Ok(saves)) = (
        std::env::var(CHILD_DIR),
        std::env::var(CHILD_MODEL),
        std::env::var(CHILD_SAVES),
    ) else {
        return;
    };
    let model = SegmentModel::load(model).unwrap();
    let mut history = ModelHistory::open(dir).unwrap();
    let saves: usize = saves.parse().unwrap();
    for _ in 0..saves {
        let v = history.save(&model).unwrap();
        println!("saved version {v}");
    }
}

#[test]
fn processes_saving_at_once_lose_nothing() {
    let root = scratch("processes");
    let dir = root.join("history");
    ModelHistory::open_or_create(&dir).unwrap();
    let template = root.join("model.json");
    model().save(&template).unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(&exe)
                .args(["--exact", "child_saves", "--nocapture", "--test-threads=1"])
                .env(CHILD_DIR, &dir)
                .env(CHILD_MODEL, &template)
                .env(CHILD_SAVES, "25")
                .output_spawn()
        })
        .collect();
    let mut saved = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        saved.extend(
            stdout
                .lines()
                // The harness may print its own text before ours on a line.
                .filter_map(|l| l.split_once("saved version ").map(|(_, v)| v))
                .map(|v| v.trim().parse::<u64>().unwrap()),
        );
    }
    saved.sort_unstable();
    assert_eq!(saved, (1..=100).collect::<Vec<_>>());
    assert_versions_1_to(&dir, 100);
    std::fs::remove_dir_all(&root).unwrap();
}

/// Spawning with piped output, so that the children run at once.
trait OutputSpawn {
    fn output_spawn(&mut self) -> std::process::Child;
}

impl OutputSpawn for Command {
    fn output_spawn(&mut self) -> std::process::Child {
        self.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }
}

#[test]
fn missing_directory_is_named() {
    let dir = scratch("missing");
    let err = ModelHistory::open(&dir).unwrap_err();
    assert!(
        matches!(&err, ClusterError::MissingDirectory { path } if *path == dir),
        "{err}"
    );
    assert!(err.to_string().contains(&*dir.to_string_lossy()));
    assert!(!dir.exists(), "open must not create the directory");
}

#[test]
fn a_file_is_not_a_history_directory() {
    let root = scratch("file");
    std::fs::create_dir_all(&root).unwrap();
    let file = root.join("plain");
    std::fs::write(&file, "x").unwrap();
    assert!(matches!(
        ModelHistory::open(&file),
        Err(ClusterError::Io { path, .. }) if path == file
    ));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn unknown_version_is_named() {
    let dir = scratch("unknown");
    let mut history = ModelHistory::open_or_create(&dir).unwrap();
    history.save(&model()).unwrap();
    for err in [
        history.get(7).unwrap_err(),
        history.lineage(7).unwrap_err(),
        history.rollback(7).unwrap_err(),
    ] {
        assert!(
            matches!(err, ClusterError::UnknownVersion { version: 7, ref path } if *path == dir),
            "{err}"
        );
    }
    assert_eq!(history.versions(), [1], "a failed rollback saves nothing");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn corrupt_files_are_reported_and_the_others_load() {
    let dir = scratch("corrupt");
    let mut history = ModelHistory::open_or_create(&dir).unwrap();
    let m = model();
    for _ in 0..3 {
        history.save(&m).unwrap();
    }
    let good = std::fs::read_to_string(dir.join("segment-model-v000002.json")).unwrap();
    // Truncated, not JSON, and a file named for another version.
    std::fs::write(
        dir.join("segment-model-v000002.json"),
        &good[..good.len() / 2],
    )
    .unwrap();
    std::fs::write(dir.join("segment-model-v000004.json"), "garbage").unwrap();
    std::fs::write(dir.join("segment-model-v000005.json"), &good).unwrap();
    // Not version files: ignored.
    std::fs::write(dir.join("segment-model-v6.json"), "ignored").unwrap();
    std::fs::write(dir.join("notes.txt"), "ignored").unwrap();

    let mut history = ModelHistory::open(&dir).unwrap();
    assert_eq!(history.versions(), [1, 3]);
    let mut reported: Vec<PathBuf> = history
        .corrupt()
        .iter()
        .map(|e| match e {
            ClusterError::CorruptModelFile { path, .. } => path.clone(),
            other => panic!("{other}"),
        })
        .collect();
    reported.sort();
    assert_eq!(
        reported,
        [
            "segment-model-v000002.json",
            "segment-model-v000004.json",
            "segment-model-v000005.json"
        ]
        .map(|n| dir.join(n))
    );
    let cause = std::error::Error::source(&history.corrupt()[2]).unwrap();
    assert!(cause.to_string().contains("holds version 2"), "{cause}");
    assert!(matches!(
        history.get(2),
        Err(ClusterError::UnknownVersion { version: 2, .. })
    ));
    // Saving goes above every version file, damaged ones included.
    assert_eq!(history.save(&m).unwrap(), 6);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Whether files can be created in `dir` (root ignores permissions).
fn writable(dir: &Path) -> bool {
    let probe = dir.join("probe");
    let ok = std::fs::write(&probe, "x").is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

#[cfg(unix)]
#[test]
fn unwritable_directory_is_named_and_left_clean() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("unwritable");
    let mut history = ModelHistory::open_or_create(&dir).unwrap();
    history.save(&model()).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let target = if writable(&dir) {
        // Running as root: permissions do not stop us; /sys is a read-only
        // file system on Linux.
        PathBuf::from("/sys")
    } else {
        dir.clone()
    };
    if writable(&target) {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        eprintln!("no unwritable directory available: skipped");
        return;
    }
    let mut unwritable = ModelHistory::open(&target).unwrap();
    let err = unwritable.save(&model()).unwrap_err();
    assert!(
        matches!(&err, ClusterError::UnwritableDirectory { path, .. } if *path == target),
        "{err}"
    );
    let err = model().save(target.join("model.json")).unwrap_err();
    assert!(
        matches!(err, ClusterError::UnwritableDirectory { .. }),
        "{err}"
    );
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(files(&dir), ["segment-model-v000001.json"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn saving_into_a_removed_directory_is_a_missing_directory() {
    let dir = scratch("removed");
    let mut history = ModelHistory::open_or_create(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(matches!(
        history.save(&model()),
        Err(ClusterError::MissingDirectory { path }) if path == dir
    ));
    assert!(matches!(
        history.refresh(),
        Err(ClusterError::MissingDirectory { .. })
    ));
    assert!(matches!(
        model().save(dir.join("m.json")),
        Err(ClusterError::MissingDirectory { .. })
    ));
}

#[test]
fn a_saved_model_file_is_replaced_atomically_and_loads_back() {
    let dir = scratch("single");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.json");
    let m = model();
    m.save(&path).unwrap();
    m.save(&path).unwrap();
    assert_eq!(files(&dir), ["model.json"]);
    let loaded = SegmentModel::load(&path).unwrap();
    assert_eq!(loaded.to_json().unwrap(), m.to_json().unwrap());
    assert!(matches!(
        SegmentModel::load(dir.join("absent.json")),
        Err(ClusterError::Io { path, .. }) if path == dir.join("absent.json")
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}
