#!/usr/bin/env bash
# The package installed into this machine (deb_test.sh runs it as root with
# MCP_PACKAGE_INSTALL_TEST=1): dpkg -i, `mcpbridge --version`, the user and the directories
# postinst makes, the unit's ExecStart line run as the mcpbridge user until /healthz answers,
# a reinstall (postinst's upgrade branch migrates the store), dpkg -r, dpkg --purge. The
# machine is left as found: what the test created (user, state) goes at exit.
#   deb_install_test.sh DEB VERSION WORK_DIR
set -euo pipefail
deb=$1 version=$2 work=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
if dpkg-query -W -f='${Status}' mcpbridge 2>/dev/null | grep -q installed; then
  fail "mcpbridge is already installed here; this test would replace it"
fi
had_user=0
getent passwd mcpbridge >/dev/null && had_user=1
had_state=0
[ -e /var/lib/mcpbridge ] && had_state=1
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  dpkg --purge mcpbridge >/dev/null 2>&1 || true
  [ "$had_state" = 1 ] || rm -rf /var/lib/mcpbridge
  if [ "$had_user" = 0 ] && getent passwd mcpbridge >/dev/null; then userdel mcpbridge || true; fi
  if getent group mcpbridge >/dev/null && [ "$had_user" = 0 ]; then groupdel mcpbridge 2>/dev/null || true; fi
}
trap cleanup EXIT

dpkg -i "$deb" >"$work/dpkg-i.log" 2>&1 || { cat "$work/dpkg-i.log"; fail "dpkg -i failed"; }
[ "$(mcpbridge --version)" = "mcpbridge $version" ] || fail "installed --version: $(mcpbridge --version)"
getent passwd mcpbridge | grep -q ':/usr/sbin/nologin$' || fail "no system user mcpbridge with nologin"
[ "$(stat -c '%U:%G %a' /var/lib/mcpbridge)" = "mcpbridge:mcpbridge 750" ] ||
  fail "/var/lib/mcpbridge is $(stat -c '%U:%G %a' /var/lib/mcpbridge)"
[ "$(stat -c '%U:%G %a' /etc/mcpbridge)" = "root:mcpbridge 750" ] ||
  fail "/etc/mcpbridge is $(stat -c '%U:%G %a' /etc/mcpbridge)"
[ "$(stat -c '%U:%G %a' /etc/mcpbridge/mcpbridge.yaml)" = "root:mcpbridge 640" ] ||
  fail "mcpbridge.yaml is $(stat -c '%U:%G %a' /etc/mcpbridge/mcpbridge.yaml)"
echo "ok: dpkg -i; mcpbridge --version; user, /var/lib/mcpbridge and /etc/mcpbridge as intended"

# The unit's command line as the service runs it: its user, working directory and
# environment file, on a free port (a service systemd may have started holds 8080).
unit=/usr/lib/systemd/system/mcpbridge.service
read -r -a exec_start <<<"$(sed -n 's/^ExecStart=//p' "$unit")"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(
  cd /var/lib/mcpbridge
  set -a
  # shellcheck disable=SC1091
  . /etc/mcpbridge/mcpbridge.env
  set +a
  # setpriv execs the command itself (runuser would stay as its parent and turn the exit
  # status of a SIGTERM into 143): the process below is mcpbridge, as under systemd.
  MCPBRIDGE_PORT=$port exec setpriv --reuid=mcpbridge --regid=mcpbridge --init-groups \
    --no-new-privs -- "${exec_start[@]}"
) >"$work/serve.log" 2>&1 &
pid=$!
ok=0
for _ in $(seq 1 100); do  # up to 10 s
  if [ "$(curl -s "http://127.0.0.1:$port/healthz")" = ok ]; then ok=1; break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; fail "the unit's ExecStart exited"; }
  sleep 0.1
done
[ "$ok" = 1 ] || { cat "$work/serve.log"; fail "/healthz never answered ok"; }
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" -eq 0 ] || { cat "$work/serve.log"; fail "SIGTERM: exit code $rc"; }
[ "$(stat -c '%U %a' /var/lib/mcpbridge/mcpbridge.db)" = "mcpbridge 600" ] ||
  fail "the store is $(stat -c '%U %a' /var/lib/mcpbridge/mcpbridge.db)"
echo "ok: ExecStart as user mcpbridge served /healthz on port $port and stopped on SIGTERM"

# The upgrade path: configuring over an installed version runs `mcpbridge migrate`.
dpkg -i "$deb" >"$work/dpkg-upgrade.log" 2>&1 || { cat "$work/dpkg-upgrade.log"; fail "reinstall failed"; }
grep -q 'store /var/lib/mcpbridge/mcpbridge.db: schema version [0-9]' "$work/dpkg-upgrade.log" ||
  { cat "$work/dpkg-upgrade.log"; fail "the reinstall did not migrate the store"; }
echo "ok: reinstall migrated the store ($(grep -o 'schema version [0-9]*' "$work/dpkg-upgrade.log"))"

dpkg -r mcpbridge >/dev/null
[ ! -e /usr/bin/mcpbridge ] || fail "dpkg -r left /usr/bin/mcpbridge"
[ -f /etc/mcpbridge/mcpbridge.yaml ] || fail "dpkg -r removed the conffile (purge does that)"
dpkg --purge mcpbridge >/dev/null
[ ! -e /etc/mcpbridge ] || fail "dpkg --purge left /etc/mcpbridge: $(ls -la /etc/mcpbridge)"
[ -f /var/lib/mcpbridge/mcpbridge.db ] || fail "dpkg --purge deleted the store"
echo "ok: dpkg -r keeps the configuration, --purge removes it and keeps the store"
