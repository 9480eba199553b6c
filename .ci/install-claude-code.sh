#!/usr/bin/env bash
# Installs the pinned Claude Code CLI for rein's end-to-end tests into <repo>/.ci/cache/claude-code
# (gitignored). Idempotent: does nothing if that version is already there.
#
# It never fails the build: without npm or the registry it prints a warning and exits 0, and the
# end-to-end tests then skip themselves with a message (set REIN_E2E_REQUIRE=1 to make them fail).
set -u

version="2.1.197"
package="@anthropic-ai/claude-code@${version}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${repo}/.ci/cache/claude-code"
bin="${prefix}/node_modules/.bin/claude"

# Bounds a command in time where timeout(1) exists (coreutils); runs it plainly elsewhere.
bounded() {
    local secs="$1"
    shift
    if command -v timeout >/dev/null 2>&1; then timeout "$secs" "$@"; else "$@"; fi
}

installed_version() {
    # `claude --version` prints e.g. "2.1.197 (Claude Code)".
    [ -x "$bin" ] && bounded 60 "$bin" --version 2>/dev/null | awk '{print $1; exit}'
}

if [ "$(installed_version)" = "$version" ]; then
    echo "install-claude-code: Claude Code ${version} already installed at ${bin}"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "install-claude-code: WARNING: npm not found; Claude Code ${version} not installed, end-to-end tests will be skipped" >&2
    exit 0
fi

mkdir -p "$prefix"
log="${prefix}/npm-install.log"
# The package pulls a native binary (~245 MB) through an optional dependency. npm may warn that
# install scripts are not allowed; the binary works without them.
if bounded 900 npm install --prefix "$prefix" --no-audit --no-fund --save-exact "$package" >"$log" 2>&1 \
    && [ "$(installed_version)" = "$version" ]; then
    echo "install-claude-code: installed Claude Code ${version} at ${bin}"
else
    echo "install-claude-code: WARNING: could not install Claude Code ${version} (see ${log}); end-to-end tests will be skipped" >&2
    tail -n 20 "$log" >&2 2>/dev/null || true
fi
exit 0
