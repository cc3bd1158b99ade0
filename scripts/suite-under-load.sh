#!/usr/bin/env bash
# The full suite beside a CPU hog (issue 14: "the full suite passes under load"):
#
#   npm run test:load                 two busy loops, then `tsc --noEmit && vitest run`
#   npm run test:load -- --hogs 4     four busy loops
#   npm run test:load -- --top 20     list the 20 slowest files and tests
#   npm run test:load -- --keep-timing T.json   keep the per-test timing report (for the audit
#                                     table of docs/testing.md: scripts/test-durations.ts T.json --markdown)
#   npm run test:load -- test/x.test.ts ...   only these files (anything else goes to vitest)
#
# Starts the busy loops, runs the suite beside them, stops the loops however the suite ends
# (they are this script's own children, stopped by their pids: also on Ctrl-C, SIGTERM, SIGHUP),
# and prints the wall time, the slowest files and tests, and the tests closest to their timeouts
# (the suite's rule: every timeout at least 3x the time its test takes alone; under load the
# ratio shrinks, and a test under 1.5x here is one to look at). Exits with the suite's status.
set -uo pipefail
cd "$(dirname "$0")/.."

hogs=2
top=12
keep_timing=
vitest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --hogs) hogs="${2:-}"; shift 2 ;;
    --top) top="${2:-}"; shift 2 ;;
    --keep-timing) keep_timing="${2:-}"; shift 2
      if [ -z "$keep_timing" ]; then echo "--keep-timing wants a file name" >&2; exit 2; fi ;;
    *) vitest_args+=("$1"); shift ;;
  esac
done
case "$hogs" in ''|*[!0-9]*) echo "--hogs wants a whole number, got '$hogs'" >&2; exit 2 ;; esac
case "$top" in ''|*[!0-9]*|0) echo "--top wants a positive whole number, got '$top'" >&2; exit 2 ;; esac

tmp=$(mktemp -d)
hog_pids=()
suite_pid=
stop_hogs() {
  for pid in "${hog_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${hog_pids[@]}"; do wait "$pid" 2>/dev/null; done
  hog_pids=()
}
cleanup() {
  # A suite still running (the script was interrupted) goes with it: its own process group.
  if [ -n "$suite_pid" ]; then kill -TERM -- "-$suite_pid" 2>/dev/null; wait "$suite_pid" 2>/dev/null; fi
  stop_hogs
  rm -rf "$tmp"
}
# Each step runs in a process group of its own, in the background, so that a signal to this
# script is handled at once (bash defers traps while a foreground command runs).
step() {
  setsid "$@" &
  suite_pid=$!
  wait "$suite_pid"
  local s=$?
  suite_pid=
  return "$s"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

for _ in $(seq 1 "$hogs"); do
  bash -c 'while :; do :; done' &
  hog_pids+=("$!")
done
echo "test:load: $hogs busy loop(s) running (pids ${hog_pids[*]:-none}) on $(nproc) core(s); load average $(cut -d' ' -f1-3 /proc/loadavg)"

export CI="${CI:-true}"
start=$(date +%s.%N)
step npx tsc --noEmit
status=$?
if [ "$status" -eq 0 ]; then
  XRR_TIMING_OUT="$tmp/timing.json" step npx vitest run --reporter=default --reporter=./scripts/timing-reporter.ts "${vitest_args[@]}"
  status=$?
else
  echo "test:load: tsc --noEmit failed; vitest not run" >&2
fi
end=$(date +%s.%N)
stop_hogs

echo
echo "test:load: wall time $(awk -v a="$start" -v b="$end" 'BEGIN { s = b - a; printf "%d min %.0f s (%.0f s)", s / 60, s % 60, s }') with $hogs busy loop(s), exit status $status"
if [ -s "$tmp/timing.json" ]; then
  npx tsx scripts/test-durations.ts "$tmp/timing.json" --top "$top"
  if [ -n "$keep_timing" ]; then cp "$tmp/timing.json" "$keep_timing" && echo "test:load: timing report kept in $keep_timing"; fi
fi
exit "$status"
