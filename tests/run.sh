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
# The summary is always the last line, also when setup fails (stderr goes first: the two streams may be merged).
fail_setup() { echo "setup failed: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
# Network and package-manager steps on a fresh machine fail transiently (a mirror hiccup, apt's lock held by unattended-upgrades).
retry() { local n; for n in 1 2 3; do "$@" && return 0; [ "$n" -lt 3 ] && { echo "retrying in $((n * 10)) s: $*" >&2; sleep $((n * 10)); }; done; return 1; }

# 1. What a fresh machine lacks: redis-server and ripgrep (Debian), npm packages for the end-to-end clients.
if [ -z "${TESTS_SKIP_INSTALL:-}" ]; then
  if ! command -v redis-server >/dev/null || ! command -v rg >/dev/null; then
    step "Installing redis-server and ripgrep"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null || fail_setup "redis-server or ripgrep missing, not root and no sudo: install them (apt-get install redis-server ripgrep)"
      SUDO="sudo -n"
    fi
    command -v apt-get >/dev/null || fail_setup "redis-server or ripgrep missing and no apt-get: install them with the system's package manager"
    apt_opts=(-qq -o DPkg::Lock::Timeout=300)
    retry $SUDO apt-get "${apt_opts[@]}" update >/dev/null \
      && retry $SUDO env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y redis-server ripgrep >/dev/null \
      || fail_setup "apt-get install redis-server ripgrep"
  fi
  step "Installing end-to-end client packages (npm ci)"
  (cd tests/e2e && retry npm ci --no-audit --no-fund --loglevel=error) || fail_setup "npm ci in tests/e2e"
fi

# 2. Build once (locked restore on CI), publish the gateway and the simulator as operators run them.
step "Building"
dotnet build Gateway.sln -c Release -nologo -clp:ErrorsOnly || fail_setup "dotnet build"
dotnet publish src/Gateway.Host -c Release -o "$RUN_DIR/gateway" -nologo -clp:ErrorsOnly >/dev/null || fail_setup "publish gateway"
dotnet publish src/Gateway.Simulator -c Release -o "$RUN_DIR/simulator" -nologo -clp:ErrorsOnly >/dev/null || fail_setup "publish simulator"
# The build servers (MSBuild nodes, the compiler server) would stay for minutes: their memory and CPU belong to the tests now.
dotnet build-server shutdown >/dev/null 2>&1 || true

# 3. xunit suites: unit, integration (host on loopback against the simulator) and .NET SDK end-to-end.
for project in tests/Gateway.*.Tests; do
  name=$(basename "$project")
  step "dotnet test $name"
  dotnet test "$project" -c Release --no-build -nologo --logger "trx;LogFileName=$name.trx" --results-directory "$RUN_DIR/trx" \
    -- RunConfiguration.TestSessionTimeout=900000
  code=$?
  trx="$RUN_DIR/trx/$name.trx"
  if [ -f "$trx" ]; then
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); p=${p:-0}
    f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=${f:-0}
    e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters"); e=${e:-0}
    t=$(sed -n 's/.* timeout="\([0-9]*\)".*/\1/p' <<<"$counters"); t=${t:-0}
    a=$(sed -n 's/.* aborted="\([0-9]*\)".*/\1/p' <<<"$counters"); a=${a:-0}
    f=$((f + e + t + a))
    # A test host that crashed or hit the session timeout leaves a results file without the tests it never finished: the exit
    # code is what tells. Counted as one failure, never as a pass.
    if [ "$code" -ne 0 ] && [ "$f" -eq 0 ]; then
      echo "$name: dotnet test exited $code with no failed test recorded (test host crashed or timed out?)"; f=1
    fi
    passed=$((passed + p)); failed=$((failed + f))
    echo "$name: $p passed, $f failed"
  else
    echo "$name: no results (exit $code; crashed?)"; failed=$((failed + 1))
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
code=$?
tap_count() { grep -E "^# $1 [0-9]+" "$RUN_DIR/node.tap" 2>/dev/null | tail -1 | awk '{print $3}'; }
p=$(tap_count pass); p=${p:-0}
f=$(tap_count fail); f=${f:-1}
c=$(tap_count cancelled); c=${c:-0}   # a test or suite over its timeout is "cancelled", not "fail"
f=$((f + c))
if [ "$code" -ne 0 ] && [ "$f" -eq 0 ]; then
  echo "node --test exited $code with no failed test recorded"; f=1
fi
passed=$((passed + p)); failed=$((failed + f))
echo "node e2e: $p passed, $f failed"

echo
echo "all tests ran in $(( $(date +%s) - started_at )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
