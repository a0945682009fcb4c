#!/bin/bash
# The decode parser under libFuzzer (see run_fuzz.sh).
exec "$(dirname "$0")/run_fuzz.sh" fuzz_decode "$UMBRA_SRCDIR/tests/fuzz/corpus/decode"
