#!/usr/bin/env bash
# Installs everything the build and the tests need on Debian 12. Idempotent; run as root.
#   scripts/install-deps.sh            build + unit tests
#   WITH_TEST_TOOLS=1 ...              also Node 22 + the pinned npm peers (conformance, TS SDK)
#   WITH_FUZZ=1 ...                    also clang-14 + libFuzzer runtime
#   WITH_BENCH_TOOLS=1 ...             also wrk
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export DEBIAN_FRONTEND=noninteractive

pkgs=(g++ cmake ninja-build pkg-config ccache curl ca-certificates
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
      libssl-dev libsqlite3-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
      libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev libpq-dev
      dpkg-dev file)  # cpack's .deb: dpkg-shlibdeps computes its Depends, and needs file
# Several replicas: the tests start their own PostgreSQL 15, Redis 7 and nginx on loopback.
[ "${WITH_TEST_TOOLS:-0}" = 1 ] && pkgs+=(postgresql-15 redis-server nginx)
# The package tests: systemd-analyze checks the unit; procps (/bin/kill) is a Depends of the
# .deb, which the CI installs (MCP_PACKAGE_INSTALL_TEST=1).
[ "${WITH_TEST_TOOLS:-0}" = 1 ] && pkgs+=(systemd procps)
# The SDK-acceptance test checks emitted schemas as the Python SDK would (Draft 2020-12).
[ "${WITH_TEST_TOOLS:-0}" = 1 ] && pkgs+=(python3-jsonschema)
[ "${WITH_FUZZ:-0}" = 1 ] && pkgs+=(clang-14 libclang-rt-14-dev)
[ "${WITH_BENCH_TOOLS:-0}" = 1 ] && pkgs+=(wrk)
# Node and npm come with the machine image; Debian's packages are the fallback.
[ "${WITH_TEST_TOOLS:-0}" = 1 ] && ! command -v npm >/dev/null && pkgs+=(nodejs npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "${WITH_TEST_TOOLS:-0}" = 1 ]; then
  "$here/scripts/install-test-tools.sh"
fi
