#!/usr/bin/env bash
# Installs the pinned agent CLIs that rein's end-to-end tests drive into <repo>/.ci/cache/<agent>
# (gitignored): Claude Code (.ci/install-claude-code.sh), OpenAI Codex, Gemini CLI,
# GitHub Copilot CLI and opencode. Idempotent: an agent already installed at its pinned version
# is left as it is.
#
# It never fails the build: without npm or the registry it prints a warning and exits 0, and the
# end-to-end tests then show as ignored (set REIN_E2E_REQUIRE=1 to make them fail instead).
set -u

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

bounded() {
    local secs="$1"
    shift
    if command -v timeout >/dev/null 2>&1; then timeout "$secs" "$@"; else "$@"; fi
}

# install_agent DIR PACKAGE VERSION BIN: npm-installs PACKAGE@VERSION into .ci/cache/DIR unless
# `BIN --version` already prints VERSION.
install_agent() {
    local dir="$1" package="$2" version="$3" bin_name="$4"
    local prefix="${repo}/.ci/cache/${dir}"
    local bin="${prefix}/node_modules/.bin/${bin_name}"
    if [ -x "$bin" ] && bounded 60 "$bin" --version 2>/dev/null | grep -qF "$version"; then
        echo "install-agents: ${package} ${version} already installed at ${bin}"
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        echo "install-agents: WARNING: npm not found; ${package} ${version} not installed, its end-to-end tests will be ignored" >&2
        return 0
    fi
    mkdir -p "$prefix"
    local log="${prefix}/npm-install.log"
    if bounded 900 npm install --prefix "$prefix" --no-audit --no-fund --save-exact "${package}@${version}" >"$log" 2>&1 \
        && bounded 60 "$bin" --version 2>/dev/null | grep -qF "$version"; then
        echo "install-agents: installed ${package} ${version} at ${bin}"
    else
        echo "install-agents: WARNING: could not install ${package} ${version} (see ${log}); its end-to-end tests will be ignored" >&2
        tail -n 20 "$log" >&2 2>/dev/null || true
    fi
}

bash "${repo}/.ci/install-claude-code.sh"
# The npm package is a launcher; the Rust binary comes in the optional dependency
# @openai/codex-linux-x64 (~420 MB).
install_agent codex @openai/codex 0.171.0 codex
install_agent gemini-cli @google/gemini-cli 0.61.0 gemini
# A loader; the native program (~190 MB) is the optional dependency @github/copilot-linux-x64.
install_agent copilot @github/copilot 1.0.102 copilot
# A launcher; the Bun-compiled program (~180 MB) is the optional dependency opencode-linux-x64.
install_agent opencode opencode-ai 1.18.33 opencode
# opencode installs its plugin package into its config directory before it loads a plugin (from
# the registry, ~20 s per fresh directory): the end-to-end tests seed it with this copy.
seed="${repo}/.ci/cache/opencode/config-seed"
if [ -x "${repo}/.ci/cache/opencode/node_modules/.bin/opencode" ] \
    && [ ! -f "${seed}/node_modules/@opencode-ai/plugin/package.json" ] \
    && command -v npm >/dev/null 2>&1; then
    mkdir -p "$seed"
    printf '{\n  "dependencies": {\n    "@opencode-ai/plugin": "1.18.33"\n  }\n}\n' >"${seed}/package.json"
    if bounded 600 npm install --prefix "$seed" --no-audit --no-fund >"${seed}/npm-install.log" 2>&1; then
        echo "install-agents: seeded opencode's plugin package at ${seed}"
    else
        echo "install-agents: WARNING: could not seed opencode's plugin package (see ${seed}/npm-install.log); opencode will fetch it itself" >&2
        rm -rf "${seed}/node_modules"
    fi
fi
exit 0
