# Sourced by examples/cluster/run.sh and bench/cluster.sh: a throw-away PostgreSQL 15 and Redis 7
# on loopback in "$dir" (which the caller creates and removes). Sets MCPBRIDGE_STORE(+_PASSWORD),
# MCPBRIDGE_REDIS_URL, redis_pid and redis_cli. Debian's packages: WITH_TEST_TOOLS=1 scripts/install-deps.sh.
pgbin=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
secret() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }

# initdb refuses root: as root, PostgreSQL runs as Debian's postgres user.
start_postgres() {
  local pass port
  pass=$(secret); port=$(free_port)
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
  echo "$pass" >"$dir/pw"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir/pw"; fi
  as_pg "$pgbin/initdb" -D "$dir/pg" -U mcpbridge --pwfile="$dir/pw" --auth-host=scram-sha-256 \
    --auth-local=trust -E UTF8 --no-sync >/dev/null
  rm -f "$dir/pw"
  as_pg "$pgbin/pg_ctl" -D "$dir/pg" -w -l "$dir/pg.log" -o "-c listen_addresses=127.0.0.1 -p $port -k $dir" start >/dev/null
  export MCPBRIDGE_STORE="postgresql://mcpbridge@127.0.0.1:$port/postgres"
  export MCPBRIDGE_STORE_PASSWORD=$pass
}
# The postmaster and its backends, comma-separated (for CPU accounting).
pg_all_pids() {
  local pm; pm=$(head -1 "$dir/pg/postmaster.pid")
  echo "$pm$(pgrep -P "$pm" | sed 's/^/,/' | tr -d '\n')"
}
stop_postgres() { as_pg "$pgbin/pg_ctl" -D "$dir/pg" -m fast stop >/dev/null 2>&1 || true; }

# Redis with a password and no persistence (everything in it is short-lived by design).
start_redis() {
  local pass port
  pass=$(secret); port=$(free_port)
  /usr/bin/redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
    --requirepass "$pass" >"$dir/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 100); do grep -q "Ready to accept" "$dir/redis.log" && break; sleep 0.05; done
  export MCPBRIDGE_REDIS_URL="redis://:$pass@127.0.0.1:$port/0"
  redis_cli=(redis-cli -p "$port" -a "$pass" --no-auth-warning)
}
