#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer (preset "asan": g++,
# Debug) and runs the tests, fuzz corpus replays included.
#   scripts/sanitize.sh                    build/asan
#   BUILD_DIR=build-asan scripts/sanitize.sh
#   SANITIZE_ALL=1 scripts/sanitize.sh     also the slow interop/conformance tests
#   extra arguments go to ctest, e.g.  scripts/sanitize.sh -R fuzz_replay
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
build=${BUILD_DIR:-build/asan}
jobs=${JOBS:-$(nproc)}

cmake --preset asan -B "$build"
cmake --build "$build" -j "$jobs"

# Sanitizer reports fail the test that triggered them; leaks included.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

exclude=()
if [ "${SANITIZE_ALL:-0}" != 1 ]; then
  # Interop and conformance tests drive external clients (Node) for minutes; not what a
  # sanitizer run is for.
  exclude=(-LE 'interop|conformance')
fi
ctest --test-dir "$build" --output-on-failure -j "$jobs" "${exclude[@]}" "$@"
