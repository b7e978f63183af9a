#!/usr/bin/env bash
# Brings up (or down) the real services Baton needs on loopback: PostgreSQL and a single-node Kafka broker (KRaft).
# Idempotent: `up` reuses what already runs; `down` stops only what this script started.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${BATON_SERVICES_HOME:-$HOME/.baton-services}"
PG_PORT="${BATON_PG_PORT:-5432}"
KAFKA_PORT="${BATON_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${BATON_KAFKA_CONTROLLER_PORT:-9093}"
DB_USER="${BATON_DB_USER:-baton}"
DB_PASSWORD="${BATON_DB_PASSWORD:-baton}"
DB_NAME="${BATON_DB_NAME:-baton}"
mkdir -p "$STATE"

log() { echo "[services] $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port seconds
  local i
  for ((i = 0; i < $2 * 10; i++)); do port_open "$1" && return 0; sleep 0.1; done
  return 1
}

as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi; }

pg_bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

postgres_up() {
  if port_open "$PG_PORT"; then
    log "PostgreSQL already listens on $PG_PORT"
  else
    if [ -z "$(pg_bin_dir)" ]; then
      log "installing PostgreSQL from Debian's packages"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >/dev/null
      apt-get install -y -qq postgresql >/dev/null
    fi
    if command -v pg_lsclusters >/dev/null && pg_lsclusters -h | awk -v p="$PG_PORT" '$3 == p' | grep -q .; then
      local cluster
      cluster=$(pg_lsclusters -h | awk -v p="$PG_PORT" '$3 == p {print $1" "$2; exit}')
      log "starting cluster $cluster"
      # shellcheck disable=SC2086
      pg_ctlcluster $cluster start
      echo "$cluster" > "$STATE/pg.cluster"
    else
      local bin data="$STATE/pgdata"
      bin=$(pg_bin_dir)
      if [ ! -s "$data/PG_VERSION" ]; then
        mkdir -p "$data"; chown postgres "$data" 2>/dev/null || true
        as_postgres "$bin/initdb -D '$data' -A trust -U postgres >/dev/null"
      fi
      as_postgres "$bin/pg_ctl -D '$data' -o '-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1' -l '$data/log' -w start >/dev/null"
      echo "$data" > "$STATE/pg.datadir"
    fi
    wait_port "$PG_PORT" 30 || { log "PostgreSQL did not start"; exit 1; }
  fi
  # Role and database for Baton; the role may create the per-run databases tests use.
  local sql="DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB_NAME')\\gexec"
  # Debian's cluster trusts the postgres user on its socket; our own cluster trusts loopback.
  echo "$sql" | as_postgres "psql -p $PG_PORT -d postgres -qAt -v ON_ERROR_STOP=1" >/dev/null 2>&1 \
    || echo "$sql" | as_postgres "psql -h 127.0.0.1 -p $PG_PORT -U postgres -d postgres -qAt -v ON_ERROR_STOP=1" >/dev/null
}

postgres_down() {
  if [ -f "$STATE/pg.cluster" ]; then
    # shellcheck disable=SC2046
    pg_ctlcluster $(cat "$STATE/pg.cluster") stop && rm -f "$STATE/pg.cluster"
  elif [ -f "$STATE/pg.datadir" ]; then
    as_postgres "$(pg_bin_dir)/pg_ctl -D '$(cat "$STATE/pg.datadir")' -m fast -w stop >/dev/null" && rm -f "$STATE/pg.datadir"
  fi
}

kafka_jars() {
  local lib="$STATE/kafka/lib"
  if [ ! -f "$lib/.complete" ]; then
    log "fetching Kafka broker jars from Maven Central"
    mkdir -p "$lib"
    mvn -q -B -f "$ROOT/scripts/kafka-broker/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$lib" -DincludeScope=runtime >&2
    touch "$lib/.complete"
  fi
  echo "$lib"
}

kafka_up() {
  if port_open "$KAFKA_PORT"; then log "Kafka already listens on $KAFKA_PORT"; return; fi
  local lib dir="$STATE/kafka" started
  lib=$(kafka_jars)
  mkdir -p "$dir"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS
  local java_opts=(-Xms256m -Xmx512m -XX:+UseSerialGC -cp "$lib/*" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
  if [ ! -f "$dir/data/meta.properties" ]; then
    java "${java_opts[@]}" kafka.tools.StorageTool format -c "$dir/server.properties" \
      -t "$(java "${java_opts[@]}" kafka.tools.StorageTool random-uuid)" >"$dir/format.log" 2>&1
  fi
  started=$(date +%s%N)
  nohup java "${java_opts[@]}" kafka.Kafka "$dir/server.properties" >"$dir/kafka.log" 2>&1 &
  echo $! > "$dir/kafka.pid"
  wait_port "$KAFKA_PORT" 60 || { log "Kafka did not start; see $dir/kafka.log"; tail -n 30 "$dir/kafka.log" >&2; exit 1; }
  log "Kafka ready on $KAFKA_PORT in $(( ($(date +%s%N) - started) / 1000000 )) ms"
}

kafka_down() {
  local pidfile="$STATE/kafka/kafka.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

status() {
  port_open "$PG_PORT" && echo "postgresql: up on 127.0.0.1:$PG_PORT" || echo "postgresql: down"
  port_open "$KAFKA_PORT" && echo "kafka: up on 127.0.0.1:$KAFKA_PORT" || echo "kafka: down"
}

case "${1:-}" in
  up) postgres_up; kafka_up; status ;;
  down) kafka_down; postgres_down; status ;;
  status) status ;;
  kafka-up) kafka_up ;;
  kafka-down)
    kafka_down
    # An outage test needs the broker really gone: one this script did not start is left alone, and that is an error.
    if port_open "$KAFKA_PORT"; then log "Kafka on $KAFKA_PORT was not started from $STATE; not stopped"; exit 1; fi
    ;;
  postgres-down) postgres_down ;;
  *) echo "usage: $0 up|down|status|kafka-up|kafka-down|postgres-down" >&2; exit 3 ;;
esac
