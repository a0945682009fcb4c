#!/bin/bash
# The drop_sources / keep_sources prefix-list parser under libFuzzer (see
# run_fuzz.sh).
exec "$(dirname "$0")/run_fuzz.sh" fuzz_pfxlist
