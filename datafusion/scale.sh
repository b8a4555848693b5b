#!/usr/bin/env bash
# The scale table of the DataFusion / Ballista workspace: generates a
# Parquet table of overlapping blobs (not committed; 20,000,000 × 16 by
# default, about 2.5 GB) and fits k-means over it from the same initial
# centres in the in-memory library, in single-process DataFusion (2
# partitions) and on a Ballista scheduler with two executors (one task
# each), printing one JSON line per run with time and peak memory.
#
#   bash scale.sh DIR [ROWS] [K]
#
# The servers listen on 127.0.0.1 and are stopped when the script ends.
set -euo pipefail
cd "$(dirname "$0")"
dir=${1:?usage: bash scale.sh DIR [ROWS] [K]}
rows=${2:-20000000}
k=${3:-8}

cargo build --release --example scale --bin seg-ballista
release=${CARGO_TARGET_DIR:-target}/release
scale=$release/examples/scale
ballista=$release/seg-ballista
table=$dir/table
mkdir -p "$dir"
if [ ! -d "$table" ]; then
    "$scale" generate "$table" "$rows" 16 40
fi
du -sh "$table"

"$scale" library "$table" "$k"
"$scale" datafusion "$table" "$k" 2
# The seedings: k-means|| and a sample, against the first rows above.
"$scale" datafusion "$table" "$k" 2 parallel
"$scale" datafusion "$table" "$k" 2 sample

pids=()
stop() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
trap stop EXIT
"$ballista" scheduler --bind-host 127.0.0.1 --port 50050 2>"$dir/scheduler.log" &
pids+=($!)
executors=()
for i in 1 2; do
    mkdir -p "$dir/executor-$i"
    "$ballista" executor --bind-host 127.0.0.1 --scheduler-host 127.0.0.1 --scheduler-port 50050 \
        --port $((50050 + 10 * i)) --grpc-port $((50051 + 10 * i)) \
        --work-dir "$dir/executor-$i" --concurrent-tasks 1 2>"$dir/executor-$i.log" &
    pids+=($!)
    executors+=($!)
done
for _ in $(seq 1 120); do
    if curl -s http://127.0.0.1:50050/readyz | grep -q "2 executors"; then
        break
    fi
    sleep 0.5
done
"$scale" ballista "$table" "$k" df://127.0.0.1:50050
for pid in "${executors[@]}"; do
    echo "{\"executor\": $pid, \"peak_mb\": $(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")}"
done
