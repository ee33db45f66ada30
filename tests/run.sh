#!/usr/bin/env bash
# Runs every test of Claude Gateway, installing what a fresh machine lacks first.
#   bash tests/run.sh            # everything
#   TESTS_SKIP_INSTALL=1 ...     # skip apt/npm installs (already there)
# The last line is the summary of every test run: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUN_DIR="$ROOT/tests/.run"
rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export CONTINUE_METRICS_ENABLED=0 CONTINUE_CLI_ENABLE_TELEMETRY=0 NO_UPDATE_NOTIFIER=1
unset GW_ARTIFACTS

passed=0; failed=0
started_at=$(date +%s)
step() { printf '\n==> %s\n' "$*"; }
fail_setup() { echo "setup failed: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

# 1. What a fresh machine lacks: redis-server and ripgrep (Debian), npm packages for the end-to-end clients.
if [ -z "${TESTS_SKIP_INSTALL:-}" ]; then
  if ! command -v redis-server >/dev/null || ! command -v rg >/dev/null; then
    step "Installing redis-server and ripgrep"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server ripgrep >/dev/null \
      || fail_setup "apt-get install redis-server ripgrep"
  fi
  step "Installing end-to-end client packages (npm ci)"
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error) || fail_setup "npm ci in tests/e2e"
fi

# 2. Build once (locked restore on CI), publish the gateway and the simulator as operators run them.
step "Building"
dotnet build Gateway.sln -c Release -nologo -clp:ErrorsOnly || fail_setup "dotnet build"
dotnet publish src/Gateway.Host -c Release -o "$RUN_DIR/gateway" -nologo -clp:ErrorsOnly >/dev/null || fail_setup "publish gateway"
dotnet publish src/Gateway.Simulator -c Release -o "$RUN_DIR/simulator" -nologo -clp:ErrorsOnly >/dev/null || fail_setup "publish simulator"

# 3. xunit suites: unit, integration (host on loopback against the simulator) and .NET SDK end-to-end.
for project in tests/Gateway.*.Tests; do
  name=$(basename "$project")
  step "dotnet test $name"
  dotnet test "$project" -c Release --no-build -nologo --logger "trx;LogFileName=$name.trx" --results-directory "$RUN_DIR/trx" \
    -- RunConfiguration.TestSessionTimeout=900000
  trx="$RUN_DIR/trx/$name.trx"
  if [ -f "$trx" ]; then
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); p=${p:-0}
    f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=${f:-0}
    e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters"); e=${e:-0}
    passed=$((passed + p)); failed=$((failed + f + e))
    echo "$name: $p passed, $((f + e)) failed"
  else
    echo "$name: no results (crashed?)"; failed=$((failed + 1))
  fi
done

# 4. The shipped policies, checked the way operators check theirs: `policy check` and `policy test` on the published binary.
step "policy check / policy test on the shipped policies"
for verb in check test; do
  if dotnet "$RUN_DIR/gateway/Gateway.Host.dll" policy "$verb" policies; then
    passed=$((passed + 1)); echo "policy $verb: passed"
  else
    failed=$((failed + 1)); echo "policy $verb: FAILED"
  fi
done

# 5. End-to-end with real clients: the official openai npm package and the Continue CLI, against the published gateway.
step "node --test tests/e2e"
export GATEWAY_DLL="$RUN_DIR/gateway/Gateway.Host.dll" SIMULATOR_DLL="$RUN_DIR/simulator/Gateway.Simulator.dll"
node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination="$RUN_DIR/node.tap" \
  --test-concurrency=1 tests/e2e/*.test.mjs
p=$(grep -E '^# pass ' "$RUN_DIR/node.tap" | awk '{print $3}'); p=${p:-0}
f=$(grep -E '^# fail ' "$RUN_DIR/node.tap" | awk '{print $3}'); f=${f:-1}
passed=$((passed + p)); failed=$((failed + f))
echo "node e2e: $p passed, $f failed"

echo
echo "all tests ran in $(( $(date +%s) - started_at )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
