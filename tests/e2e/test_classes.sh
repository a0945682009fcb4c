#!/bin/bash
# Packet classes and the rules that decide what is aggregated, through the
# real umbrad on a hand-made capture (classes_ref.py makes it and restates
# every class in Python; classes_check.py runs umbrad and compares):
#  - the per-class counts in the interval stats (pyzmq subscriber) equal
#    the counts computed independently from the same packets;
#  - drop_classes, keep_classes, drop_filter, keep_filter, drop_sources
#    (prefixes and a file), keep_sources and all of them together: the
#    Avro records equal those of umbrad on a capture the test filtered
#    itself, and the dropped counts per rule kind and class match;
#  - a bad class, prefix, prefix-file line, missing file or filter is
#    refused at start with a message that names it.
. "$(dirname "$0")/lib.sh"
"$PYTHON" -c 'import zmq, avro' 2> /dev/null || skip "python3-zmq or python3-avro missing"
"$PYTHON" "$E2E/classes_check.py" "$UMBRAD" "$TMP" || FAILS=$((FAILS + 1))
finish
