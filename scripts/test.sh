#!/usr/bin/env bash
# Runs rein's whole test suite, end-to-end tests with the real agent CLIs (Claude Code, Codex, Gemini CLI, Copilot CLI, opencode) included.
# Installs the pinned agent CLIs (Claude Code, Codex, Gemini CLI, Copilot CLI, opencode) from npm into .ci/cache first (skipped when present).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-agents.sh
bash .ci/install-schemas.sh
exec cargo test --workspace --locked "$@"
