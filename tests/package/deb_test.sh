#!/usr/bin/env bash
# The Debian package: built with CPack from the build tree (no second compile), inspected
# (files, conffiles, dependencies, maintainer scripts, the unit's hardening, the default
# configuration as the packaged binary reads it), the unit checked by systemd-analyze when
# it is installed. With root and MCP_PACKAGE_INSTALL_TEST=1 (CI) it is also installed with
# dpkg -i, the unit's ExecStart run as its user and probed on /healthz, reinstalled (the
# upgrade path: postinst migrates the store), removed and purged.
#   deb_test.sh BUILD_DIR WORK_DIR MCPBRIDGE_BINARY
set -euo pipefail
build=$(realpath "$1") work=$2 built=$(realpath "$3")
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
work=$(realpath "$work")
version=$("$built" --version | awk '{print $2}')
[ -n "$version" ] || fail "mcpbridge --version printed no version"

nice -n 19 cpack --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
mapfile -t debs < <(find "$work/out" -maxdepth 1 -name '*.deb')
[ "${#debs[@]}" -eq 1 ] || fail "cpack made ${#debs[@]} .deb files"
deb=${debs[0]}
echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = mcpbridge ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version $(field Version) but mcpbridge --version says $version"
depends=$(field Depends)
depends_names=$(awk '{print $1}' <<<"${depends//, /$'\n'}")
# dpkg-shlibdeps's share: the libraries the binary links, each as its package.
for dep in libc6 libssl3 libsqlite3-0 libboost-json1.81.0 libyaml-cpp0.7 libstdc++6 passwd procps \
           init-system-helpers; do
  grep -qxF "$dep" <<<"$depends_names" || fail "Depends lacks $dep: $depends"
done

files=$(dpkg-deb -c "$deb" | awk '{print $NF}')
for f in ./usr/bin/mcpbridge ./usr/lib/systemd/system/mcpbridge.service \
         ./etc/mcpbridge/mcpbridge.yaml ./etc/mcpbridge/mcpbridge.env; do
  grep -qxF "$f" <<<"$files" || fail "the package lacks $f"
done
if grep -Eq '^\./usr/local/|\.a$|/include/' <<<"$files"; then
  fail "the package holds /usr/local or SDK files: $(grep -E '^\./usr/local/|\.a$|/include/' <<<"$files")"
fi

dpkg-deb -e "$deb" "$work/control"
for f in /etc/mcpbridge/mcpbridge.yaml /etc/mcpbridge/mcpbridge.env; do
  grep -qxF "$f" "$work/control/conffiles" || fail "$f is not a conffile"
done
for s in postinst prerm postrm; do
  [ -x "$work/control/$s" ] || fail "no executable $s"
  sh -n "$work/control/$s" || fail "$s does not parse"
done
grep -q 'mcpbridge migrate' "$work/control/postinst" || fail "postinst does not migrate the store"

root=$work/root
dpkg-deb -x "$deb" "$root"
unit=$root/usr/lib/systemd/system/mcpbridge.service
# shellcheck disable=SC2016  # $MAINPID is the unit's, not ours
for line in 'User=mcpbridge' 'ProtectSystem=strict' 'ProtectHome=yes' 'NoNewPrivileges=yes' \
            'PrivateTmp=yes' 'StateDirectory=mcpbridge' 'ConfigurationDirectory=mcpbridge' \
            'CapabilityBoundingSet=' 'SystemCallFilter=@system-service' \
            'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'ExecReload=/bin/kill -HUP $MAINPID' \
            'EnvironmentFile=-/etc/mcpbridge/mcpbridge.env' \
            'ExecStart=/usr/bin/mcpbridge serve --config /etc/mcpbridge/mcpbridge.yaml'; do
  grep -qxF "$line" "$unit" || fail "the unit lacks the line $line"
done
if grep -Eq '^(StandardOutput|StandardError)=(file|append|truncate):' "$unit"; then
  fail "the unit logs to a file, not journald"
fi

# The packaged (stripped) binary runs and reads the packaged configuration as installed.
packaged=$root/usr/bin/mcpbridge
if readelf -S "$packaged" | grep -q '\.debug_info'; then fail "the packaged binary is not stripped"; fi
[ "$("$packaged" --version)" = "mcpbridge $version" ] || fail "packaged --version: $("$packaged" --version)"
effective=$(env -u MCPBRIDGE_STORE -u MCPBRIDGE_CONFIG -u MCPBRIDGE_HOST \
  "$packaged" config --config "$root/etc/mcpbridge/mcpbridge.yaml")
grep -A2 '^store:' <<<"$effective" | grep -qx '  path: /var/lib/mcpbridge/mcpbridge.db' ||
  fail "the default configuration's store is not /var/lib/mcpbridge/mcpbridge.db: $effective"
grep -qx '  host: 127.0.0.1' <<<"$effective" || fail "the default configuration does not bind loopback"
echo "ok: contents, conffiles, Depends ($depends), unit directives, default configuration"

# systemd-analyze, on the unit as installed: a root holding the package, the host's units
# (for the targets it names) and /bin/kill. Warnings count as failures (its exit code ignores
# unknown keys and bad values).
if command -v systemd-analyze >/dev/null; then
  sroot=$work/sroot
  dpkg-deb -x "$deb" "$sroot"
  cp -rn /usr/lib/systemd/system/. "$sroot/usr/lib/systemd/system/"
  mkdir -p "$sroot/bin"
  cp /bin/kill "$sroot/bin/kill"  # procps; ExecReload's
  out=$(systemd-analyze --man=no --root="$sroot" verify /usr/lib/systemd/system/mcpbridge.service 2>&1) ||
    fail "systemd-analyze verify: $out"
  [ -z "$out" ] || fail "systemd-analyze verify warns: $out"
  # The exposure score (0 best, 10 worst) stays at "OK" (below 2).
  systemd-analyze security --offline=true --root="$sroot" --threshold=20 \
    /usr/lib/systemd/system/mcpbridge.service >"$work/security.log" 2>&1 ||
    { tail -3 "$work/security.log"; fail "systemd-analyze security: exposure above 2.0"; }
  echo "ok: systemd-analyze verify; $(grep -o 'exposure level.*' "$work/security.log")"
else
  echo "SKIP systemd-analyze verify: systemd-analyze is not installed on this machine"
fi

if [ "$(id -u)" != 0 ] || [ "${MCP_PACKAGE_INSTALL_TEST:-0}" != 1 ]; then
  echo "SKIP dpkg -i: needs root and MCP_PACKAGE_INSTALL_TEST=1 (installs into this machine)"
  exit 0
fi
exec bash "$(dirname "$0")/deb_install_test.sh" "$deb" "$version" "$work"
