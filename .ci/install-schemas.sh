#!/usr/bin/env bash
# Installs the official JSON schemas that rein-scan's report tests validate against (SARIF 2.1.0,
# CycloneDX 1.6 with the SPDX and JSF schemas it references) into <repo>/.ci/cache/schemas
# (gitignored). The schemas come from pinned npm packages; only their tarballs are fetched
# (`npm pack`: no dependencies, no install scripts). Idempotent: does nothing if every file is
# there with the pinned checksum.
#
# It never fails the build: without npm or the registry it prints a warning and exits 0, and the
# schema tests then skip themselves with a message (set REIN_E2E_REQUIRE=1 to make them fail).
set -u

# CycloneDX's own JavaScript library ships the schemas as `*.SNAPSHOT.schema.json`, with the
# `$ref`s between them renamed to match (see its res/schema/README.md); the official names are
# restored on install, so bom-1.6.schema.json refers to spdx.schema.json and jsf-0.82.schema.json.
cdx_package="@cyclonedx/cyclonedx-library@10.3.0"
# The SARIF 2.1.0 schema as published by OASIS (draft-07), shipped by Datadog's CI tool.
sarif_package="@datadog/datadog-ci@2.48.0"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${repo}/.ci/cache/schemas"

# name  sha256 (of the installed file)
pinned="
bom-1.6.schema.json 18f57f7482593bad9f21b4feed09084640cbeff419d62ad5090c5ceccca5b37d
spdx.schema.json 4b345e2329f209f34e960ae2a8e7cb46a166907e6a45e94978565925dc47b359
jsf-0.82.schema.json 8bae002c25e723db7ee1f26afde680ae1a2b1a8f6b4b4b0fd65dc3becb090aae
sarif-schema-2.1.0.json 10666d46649b52e262001e70d43e6c52f7c0279ca3dbdfe9a7dc2e4071556454
"

# Bounds a command in time where timeout(1) exists (coreutils); runs it plainly elsewhere.
bounded() {
    local secs="$1"
    shift
    if command -v timeout >/dev/null 2>&1; then timeout "$secs" "$@"; else "$@"; fi
}

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | awk '{print $1}'
    else
        shasum -a 256 "$1" | awk '{print $1}'
    fi
}

# Succeeds if every pinned file is in $1 with its checksum.
all_present() {
    local name sum
    while read -r name sum; do
        [ -n "$name" ] || continue
        [ -f "$1/$name" ] && [ "$(sha256 "$1/$name")" = "$sum" ] || return 1
    done <<<"$pinned"
}

warn() {
    echo "install-schemas: WARNING: $*; schema validation tests will be skipped" >&2
}

if all_present "$dir"; then
    echo "install-schemas: schemas already installed in ${dir}"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    warn "npm not found, schemas not installed"
    exit 0
fi

mkdir -p "${repo}/.ci/cache"
work="$(mktemp -d "${repo}/.ci/cache/schemas.tmp.XXXXXX")" || {
    warn "could not create a temporary directory"
    exit 0
}
trap 'rm -rf "$work"' EXIT
log="${work}/npm-pack.log"

fetch() {
    # Prints the tarball's file name (npm pack prints it last on stdout).
    bounded 300 npm pack --silent --pack-destination "$work" "$1" 2>>"$log" | tail -n 1
}

if ! cdx_tgz="$(fetch "$cdx_package")" || [ ! -f "${work}/${cdx_tgz}" ] \
    || ! sarif_tgz="$(fetch "$sarif_package")" || [ ! -f "${work}/${sarif_tgz}" ]; then
    warn "could not fetch ${cdx_package} or ${sarif_package}"
    tail -n 20 "$log" >&2 2>/dev/null || true
    exit 0
fi

mkdir -p "${work}/x" "${work}/out"
if ! tar -xzf "${work}/${cdx_tgz}" -C "${work}/x" \
    package/res/schema/bom-1.6.SNAPSHOT.schema.json \
    package/res/schema/spdx.SNAPSHOT.schema.json \
    package/res/schema/jsf-0.82.SNAPSHOT.schema.json \
    || ! tar -xzf "${work}/${sarif_tgz}" -C "${work}/x" \
        package/dist/commands/sarif/json-schema/sarif-schema-2.1.0.json; then
    warn "the packages do not hold the expected schema files"
    exit 0
fi
for name in bom-1.6 spdx jsf-0.82; do
    sed 's/\.SNAPSHOT\.schema\.json/.schema.json/g' \
        "${work}/x/package/res/schema/${name}.SNAPSHOT.schema.json" >"${work}/out/${name}.schema.json"
done
cp "${work}/x/package/dist/commands/sarif/json-schema/sarif-schema-2.1.0.json" "${work}/out/"

if ! all_present "${work}/out"; then
    warn "the schema files do not have the pinned checksums"
    exit 0
fi

rm -rf "$dir"
mv "${work}/out" "$dir"
echo "install-schemas: installed the SARIF 2.1.0 and CycloneDX 1.6 schemas in ${dir}"
exit 0
