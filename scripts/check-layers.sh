#!/usr/bin/env bash
# The layer check: exits non-zero, printing each offence, when
#   - an apps/ file includes a private header of src/ (public headers live in include/mcp/),
#   - a library in src/ exports src/ as a PUBLIC or INTERFACE include directory,
#   - Beast (boost/beast) is included outside src/http,
#   - a .cpp/.hpp file under src/, include/ or apps/ is longer than 600 lines.
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

# 3. Beast stays in src/http.
while IFS= read -r hit; do
  offence "${hit%%:*}:$(cut -d: -f2 <<<"$hit"): includes Beast outside src/http"
done < <(grep -nE '#[[:space:]]*include[[:space:]]*[<"]boost/beast' $(sources src include apps) /dev/null |
         grep -v '^src/http/' || true)

# 4. Short files.
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
