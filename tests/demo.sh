#!/bin/bash
# demo.sh BUILD_DIR: what `make demo` shows a new user: generate a sample
# darknet capture, run umbrad on it with the embedded default configuration
# (only the input and output directory are given), list the files, show a
# few records and a summary.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$TOP/build}
OUT=$TOP/demo-output
rm -rf "$OUT"
mkdir -p "$OUT"
echo "== umbra-gen: a 15-minute synthetic darknet capture (1M packets)"
"$B/tools/umbra-gen" -o "$OUT/sample.pcap.gz" -n 1000000 -d 900 -S 42
echo
echo "== umbrad -r $OUT/sample.pcap.gz -o $OUT/flowtuples"
"$B/daemon/umbrad" -r "$OUT/sample.pcap.gz" -o "$OUT/flowtuples"
echo
echo "== the files (one per 5-minute interval, partitioned for Spark)"
(cd "$OUT/flowtuples" && find . -name '*.avro' -exec ls -l {} + | awk '{print $5, $9}')
echo
first=$(find "$OUT/flowtuples" -name '*.avro' | sort | head -1)
echo "== umbra-cat -n 5 $first"
"$B/tools/umbra-cat" -n 5 "$first"
echo
echo "== umbra-cat --summary (all files)"
"$B/tools/umbra-cat" --summary $(find "$OUT/flowtuples" -name '*.avro' | sort)
