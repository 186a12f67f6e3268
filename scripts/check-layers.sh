#!/usr/bin/env bash
# The layer check: exits non-zero, printing each offence, when
#   - an apps/ file includes a private header of src/ (public headers live in include/mcp/),
#   - a library in src/ exports src/ as a PUBLIC or INTERFACE include directory,
#   - a file under src/<layer>/ includes a private header of another layer (src/<other>/...;
#     layers reach each other only through include/mcp/...),
#   - a library in src/ links a library of a higher layer (the order below),
#   - Beast (boost/beast) is included outside src/http,
#   - a .cpp/.hpp file under src/, include/ or apps/ is longer than 600 lines.
#
# Layers, highest first (a library links only its own layer and those below it):
#   apps > gateway > config > {http, authz, sources, sdk} > {auth, client, protocol, vault}
#        > server > {store, cluster, jsonrpc, net} > core
# config sits between the gateway and the layers its options come from.
#
#   scripts/check-layers.sh [REPO]      (default: the checkout this script is in)
set -euo pipefail

root=${1:-"$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"}
cd "$root"
max_lines=600
offences=0

offence() {
  echo "$1"
  offences=$((offences + 1))
}

sources() {  # the C++ files below the given folders, sorted
  find "$@" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) 2>/dev/null | LC_ALL=C sort
}

# 1. apps/ includes only include/mcp/ (<mcp/...>) and its own headers, never a header of src/.
while IFS= read -r file; do
  dir=$(dirname "$file")
  while IFS=: read -r line text; do
    header=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^">]+)[">].*/\1/' <<<"$text")
    [[ $header == mcp/* ]] && continue
    [[ $text == *'"'* && -f "$dir/$header" ]] && continue  # the app's own header, beside it
    if [[ -f "src/$header" ]]; then
      offence "$file:$line: includes the private header src/$header"
    fi
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$file" || true)
done < <(sources apps)

# 2. No library exports src/: in target_include_directories(...), after PUBLIC or INTERFACE,
#    nothing that names the source folder (${CMAKE_CURRENT_SOURCE_DIR} in src/, or .../src).
while IFS= read -r cml; do
  awk -v file="$cml" '
    function check(cmd, line,   n, i, tok, scope, names, target) {
      gsub(/[()]/, " ", cmd)
      sub(/^[ \t]+/, "", cmd)
      n = split(cmd, tok, /[ \t\n]+/)
      target = tok[2]
      scope = ""
      for (i = 3; i <= n; i++) {
        if (tok[i] ~ /^(PUBLIC|INTERFACE|PRIVATE)$/) { scope = tok[i]; continue }
        if (scope == "PUBLIC" || scope == "INTERFACE") {
          names = tok[i]
          if (names ~ /CMAKE_CURRENT_SOURCE_DIR|CMAKE_CURRENT_LIST_DIR|\/src(\/|>|$)/)
            printf "%s:%d: %s exports %s as a %s include directory\n", file, line, target, names, scope
        }
      }
    }
    /^[ \t]*target_include_directories[ \t]*\(/ { collecting = 1; cmd = ""; start = NR }
    collecting {
      text = $0
      sub(/#.*/, "", text)
      cmd = cmd " " text
      if (index(text, ")") && gsub(/\(/, "(", cmd) <= gsub(/\)/, ")", cmd)) {
        check(cmd, start)
        collecting = 0
      }
    }
  ' "$cml"
done < <(find src -name CMakeLists.txt | LC_ALL=C sort) > /tmp/check-layers.$$ || true
while IFS= read -r msg; do offence "$msg"; done < /tmp/check-layers.$$
rm -f /tmp/check-layers.$$

# 3. Layers meet only through include/mcp/: no src/<layer>/ file includes src/<other>/...
while IFS= read -r file; do
  layer=$(cut -d/ -f2 <<<"$file")
  while IFS=: read -r line text; do
    header=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^">]+)[">].*/\1/' <<<"$text")
    [[ $header == */* && -f "src/$header" ]] || continue
    other=${header%%/*}
    [[ $other == "$layer" ]] && continue
    offence "$file:$line: includes $header, a private header of the $other layer"
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$file" || true)
done < <(sources src)

# 4. Links point down: each mcp_* library of src/ has a rank; it may link only ranks <= its own.
declare -A rank=(
  [mcp_core]=1                                    # core (with jsonrpc)
  [mcp_store]=2 [mcp_cluster]=2                   # store, cluster (shared state)
  [mcp_server]=3                                  # server
  [mcp_auth]=4 [mcp_client]=4 [mcp_protocol]=4    # auth, client, protocol (vault is in openapi_call)
  [mcp_http]=5 [mcp_authz]=5 [mcp_openapi]=5 [mcp_openapi_call]=5 [mcp_upstream]=5 [mcp_sdk]=5
  [mcp_config]=6                                  # config
  [mcp_gateway]=7                                 # gateway
)
while read -r cml line target deps; do
  if [[ -z ${rank[$target]:-} ]]; then
    offence "$cml:$line: $target has no layer in scripts/check-layers.sh"
    continue
  fi
  for dep in $deps; do
    [[ $dep == mcp_warnings ]] && continue
    if [[ -z ${rank[$dep]:-} ]]; then
      offence "$cml:$line: $target links $dep, which has no layer in scripts/check-layers.sh"
    elif ((rank[$dep] > rank[$target])); then
      offence "$cml:$line: $target links $dep, a library of a higher layer"
    fi
  done
done < <(find src -name CMakeLists.txt | LC_ALL=C sort | while IFS= read -r cml; do
  awk -v file="$cml" '
    /^[ \t]*target_link_libraries[ \t]*\(/ { collecting = 1; cmd = ""; start = NR }
    collecting {
      text = $0
      sub(/#.*/, "", text)
      cmd = cmd " " text
      if (index(text, ")")) {
        gsub(/[()]/, " ", cmd)
        n = split(cmd, tok, /[ \t]+/)
        target = ""; deps = ""
        for (i = 1; i <= n; i++) {
          if (tok[i] == "" || tok[i] == "target_link_libraries") continue
          if (target == "") { target = tok[i]; continue }
          if (tok[i] ~ /^mcp_/) deps = deps " " tok[i]
        }
        if (target ~ /^mcp_/) print file, start, target, deps
        collecting = 0
      }
    }
  ' "$cml"
done)

# 5. Beast stays in src/http.
while IFS= read -r hit; do
  offence "${hit%%:*}:$(cut -d: -f2 <<<"$hit"): includes Beast outside src/http"
done < <(grep -nE '#[[:space:]]*include[[:space:]]*[<"]boost/beast' $(sources src include apps) /dev/null |
         grep -v '^src/http/' || true)

# 6. Short files.
while IFS= read -r file; do
  lines=$(wc -l <"$file")
  if ((lines > max_lines)); then
    offence "$file: $lines lines (at most $max_lines)"
  fi
done < <(sources src include apps)

if ((offences > 0)); then
  echo "check-layers: $offences offence(s)"
  exit 1
fi
echo "check-layers: no offences"
