#!/usr/bin/env bash
# Runs the libFuzzer targets one after the other, each for a bounded time, growing a scratch
# corpus seeded from fuzz/corpus/<target> (the checked-in corpus is only read; copy inputs
# worth keeping into it, e.g. with -merge=1). Crashes, timeouts and leaks land in
# $OUT/<target>/artifacts/.
#   fuzz/run.sh                      all targets, 120 s each
#   TIME=600 fuzz/run.sh jsonrpc     one target
#   BUILD_DIR=build-fuzz OUT=/tmp/fuzz-out fuzz/run.sh
# Build first:  cmake --preset fuzz && cmake --build build-fuzz --target fuzzers
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$here/build-fuzz}
out=${OUT:-$build/fuzz-out}
time=${TIME:-120}
targets=("$@")
# Every target the build knows (fuzz/CMakeLists.txt writes the list).
[ ${#targets[@]} -eq 0 ] && read -r -a targets < <(tr ';' ' ' < "$build/fuzz_targets.txt")

status=0
for t in "${targets[@]}"; do
  bin=$build/bin/${t}_fuzz
  [ -x "$bin" ] || { echo "missing $bin (build the fuzz preset)" >&2; exit 2; }
  mkdir -p "$out/$t/corpus" "$out/$t/artifacts"
  dict=()
  [ -f "$here/fuzz/$t.dict" ] && dict=(-dict="$here/fuzz/$t.dict")
  echo "== $t (${time}s)"
  # -timeout: a single input taking longer is a hang; -rss_limit_mb: a leak or a blow-up.
  if ! "$bin" "$out/$t/corpus" "$here/fuzz/corpus/$t" "${dict[@]}" -max_total_time="$time" -timeout=10 \
       -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 -artifact_prefix="$out/$t/artifacts/" \
       ${FUZZ_ARGS:-} 2>"$out/$t/log.txt"; then
    status=1
    echo "   FAILED: see $out/$t/log.txt and $out/$t/artifacts/" >&2
  fi
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^#[0-9]+ *DONE' "$out/$t/log.txt" || true
done
exit $status
