#!/bin/bash
# The capfile parser under libFuzzer (see run_fuzz.sh).
exec "$(dirname "$0")/run_fuzz.sh" fuzz_capfile "$UMBRA_TRACES/real" "$UMBRA_TRACES/malformed/container" "$UMBRA_TRACES/malformed/packet"
