#!/usr/bin/env bash
# The `gatic dev` benchmark: regeneration time, spec edit -> serving,
# handler edit -> serving, and failed requests during swaps under a steady
# load, on the `gatic new` starter (see bench/dev.py and BENCHMARKS.md).
#
#   bench/dev.sh                  # 5 timed edits of each kind, quiet then loaded
#   bench/dev.sh --rounds 10 --clients 2
#
# gatic is built in release (as `cargo install` builds it); the starter's
# handler crate is built in debug by `gatic dev` itself, into the tests'
# shared target folder (`--target` or GATIC_GENERATED_TARGET_DIR for
# another), so its dependencies compile once. Only loopback is used.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p gatic
exec python3 bench/dev.py --gatic target/release/gatic "$@"
