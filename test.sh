#!/usr/bin/env bash
# THE test command: installs what is missing (nats-server, chromium, npm packages), packs OamOrleans.sln (the NuGet
# packages land in .test-results/packages), runs every test project of OamOrleans.sln in Release, and ends with one
# line "N passed, N failed" computed from the TRX results.
# Exit status: non-zero if any test failed, or if dotnet pack or dotnet test itself failed (e.g. a build error).
#
#   ./test.sh          everything (the CI command)
#   ./test.sh --fast   only the tests without the trait Category=Integration (those start no process, no nats-server,
#                      no silo): no pack, no installs; for the edit-test loop
set -uo pipefail
FAST=0
case "${1:-}" in
  "") ;;
  --fast) FAST=1 ;;
  *) echo "usage: ./test.sh [--fast]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")"
ROOT="$(pwd)"
RESULTS="${OAM_TEST_RESULTS:-$ROOT/.test-results}"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [ "$FAST" -eq 0 ] && ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  echo "test.sh: nats-server is missing; installing it (apt-get install nats-server)"
  as_root apt-get update -qq && as_root apt-get install -y -qq nats-server || {
    echo "test.sh: could not install nats-server; install it and rerun" >&2
    echo "0 passed, 1 failed"
    exit 1
  }
fi

# The admin UI's browser tests drive Debian's Chromium (Playwright never downloads a browser here).
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ "$FAST" -eq 0 ] && [ ! -x /usr/bin/chromium ]; then
  echo "test.sh: chromium is missing; installing it (apt-get install chromium)"
  as_root apt-get update -qq && as_root apt-get install -y -qq chromium || {
    echo "test.sh: could not install chromium; install it and rerun" >&2
    echo "0 passed, 1 failed"
    exit 1
  }
fi

for dir in tests/node samples/node-client; do
  if [ "$FAST" -eq 0 ] && [ ! -d "$dir/node_modules" ]; then
    echo "test.sh: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund) || {
      echo "test.sh: npm ci failed in $dir" >&2
      echo "0 passed, 1 failed"
      exit 1
    }
  fi
done

rm -rf "$RESULTS"
mkdir -p "$RESULTS"

# Pack first: it builds the solution in Release (dotnet test then finds it built) and leaves the NuGet packages that
# tests/OamOrleans.Packaging.Tests checks and installs (OAM_PACKAGES). A failed pack counts as one failure.
pack_status=0
filter=()
if [ "$FAST" -eq 1 ]; then
  filter=(--filter "Category!=Integration")
else
  export OAM_PACKAGES="$RESULTS/packages"
  dotnet pack OamOrleans.sln -c Release -o "$OAM_PACKAGES"
  pack_status=$?
  if [ "$pack_status" -ne 0 ]; then
    echo "test.sh: dotnet pack OamOrleans.sln failed (exit status $pack_status)" >&2
    unset OAM_PACKAGES
  fi
fi

dotnet test OamOrleans.sln -c Release "${filter[@]}" --logger "trx;LogFilePrefix=r" --results-directory "$RESULTS"
dotnet_status=$?

# Totals from every TRX file: ResultSummary/Counters. Errors, timeouts and aborts count as failures.
totals="$(python3 - "$RESULTS" <<'PY'
import glob, os, sys
import xml.etree.ElementTree as ET

passed = failed = 0
files = sorted(glob.glob(os.path.join(sys.argv[1], "**", "*.trx"), recursive=True))
for path in files:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        print(f"test.sh: unreadable TRX {path}: {e}", file=sys.stderr)
        failed += 1
        continue
    counters = root.find(".//{*}ResultSummary/{*}Counters")
    if counters is None:
        print(f"test.sh: no ResultSummary/Counters in {path}", file=sys.stderr)
        failed += 1
        continue
    n = lambda key: int(counters.get(key, "0") or 0)
    passed += n("passed")
    run_failed = n("failed") + n("error") + n("timeout") + n("aborted")
    outcome = root.find(".//{*}ResultSummary").get("outcome", "")
    if run_failed == 0 and outcome in ("Failed", "Aborted", "Error", "Timeout"):
        # A run that failed with no failed test: the test host crashed or could not start.
        info = " ".join((t.text or "").strip() for t in root.iterfind(".//{*}RunInfos/{*}RunInfo/{*}Text"))
        print(f"test.sh: test run {os.path.basename(path)} {outcome} without a failed test (counted as 1 failure): {info[:400]}", file=sys.stderr)
        run_failed = 1
    failed += run_failed
print(f"{len(files)} {passed} {failed}")
PY
)"
if [ -z "$totals" ]; then
  echo "test.sh: could not read the TRX results in $RESULTS" >&2
  totals="0 0 1"
fi
read -r trx_files passed failed <<<"$totals"

echo "test.sh: $trx_files TRX file(s) in $RESULTS; dotnet test exit status $dotnet_status"
if [ "$dotnet_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "test.sh: dotnet test failed without a failed test in the results (build error or crashed test host): counted as 1 failure" >&2
  failed=1
fi

if [ "$pack_status" -ne 0 ]; then
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
if [ "$failed" -ne 0 ] || [ "$dotnet_status" -ne 0 ] || [ "$pack_status" -ne 0 ]; then
  exit 1
fi
