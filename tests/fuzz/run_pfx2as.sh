#!/bin/bash
# The pfx2as parser and table under libFuzzer (see run_fuzz.sh).
exec "$(dirname "$0")/run_fuzz.sh" fuzz_pfx2as
