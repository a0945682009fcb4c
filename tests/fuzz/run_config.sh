#!/bin/bash
# The config parser under libFuzzer (see run_fuzz.sh).
exec "$(dirname "$0")/run_fuzz.sh" fuzz_config "$UMBRA_SRCDIR/conf"
