#!/usr/bin/env bash
# Runs rein's whole test suite, end-to-end tests with the real Claude Code CLI included.
# Installs the pinned Claude Code CLI from npm into .ci/cache first (skipped when present).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-claude-code.sh
bash .ci/install-schemas.sh
exec cargo test --workspace --locked "$@"
