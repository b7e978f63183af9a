#!/usr/bin/env bash
# The one-command demo (./baton demo): PostgreSQL and Kafka through services.sh, a build if the sources changed, a
# fresh database, a throwaway key pair and per-run topics, then Baton in the `demo` profile, which tells the story
# and stops. Ctrl-C stops Baton and exactly the services this run started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() {
  cat <<USAGE
usage: ./baton demo [--days N] [--speed X] [--port P] [--stay]
  --days N    simulated days (default 2); the last one is today, when eikaiwa misses the report's deadline
  --speed X   how much faster the demo's clock runs (default 1440: a simulated hour takes 2.5 s)
  --port P    Baton's HTTP port (default 8080)
  --stay      keep Baton running after the story, to try its API; Ctrl-C stops it
USAGE
}

days=2 speed=1440 port=8080 stay=false
while [ $# -gt 0 ]; do
  case "$1" in
    --days) days="${2:?--days needs a number}"; shift 2 ;;
    --speed) speed="${2:?--speed needs a number}"; shift 2 ;;
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    --stay) stay=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "[demo] unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

DEMO=target/demo
JAR=target/quarkus-app/quarkus-run.jar
DIGDAG_PORT=65432
PG_PORT="${BATON_PG_PORT:-5432}"
KAFKA_PORT="${BATON_KAFKA_PORT:-9092}"
DATABASE=baton_demo
log() { echo "[demo] $*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

for tool in java mvn openssl; do
  command -v "$tool" >/dev/null || { log "needs $tool on the PATH"; exit 1; }
done

for p in "$port" "$DIGDAG_PORT"; do
  if port_open "$p"; then
    log "port $p is already in use (another Baton or demo?); stop it or choose Baton's port with --port"
    exit 1
  fi
done

# Stop on exit exactly what this run started: Baton, and the services that were not running before.
pg_was_up=false kafka_was_up=false baton_pid=
port_open "$PG_PORT" && pg_was_up=true
port_open "$KAFKA_PORT" && kafka_was_up=true
cleanup() {
  if [ -n "$baton_pid" ] && kill -0 "$baton_pid" 2>/dev/null; then
    kill "$baton_pid" 2>/dev/null || true
    wait "$baton_pid" 2>/dev/null || true
  fi
  $kafka_was_up || bash scripts/services.sh kafka-down >/dev/null 2>&1 || true
  $pg_was_up || bash scripts/services.sh postgres-down >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

bash scripts/services.sh up >/dev/null
command -v psql >/dev/null || { log "needs psql (Debian: apt-get install postgresql-client)"; exit 1; }

if [ ! -f "$JAR" ] || [ -n "$(find pom.xml src/main -newer "$JAR" -print -quit)" ]; then
  log "building Baton (the first build downloads dependencies and takes a few minutes; later runs work offline)"
  # Debian's Maven 3.8 writes colour resets even in batch mode; only errors remain to be shown.
  mvn -B -q -DskipTests package 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
fi

# A fresh database and a key pair for this run only: the demo signs its own tokens, Baton verifies them.
mkdir -p "$DEMO"
rm -f "$DEMO/baton.log"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$DEMO/private.pem" 2>/dev/null
openssl pkey -in "$DEMO/private.pem" -pubout -out "$DEMO/public.pem"
PGPASSWORD="${BATON_DB_PASSWORD:-baton}" psql -h 127.0.0.1 -p "$PG_PORT" -U "${BATON_DB_USER:-baton}" \
  -d postgres -qAt -v ON_ERROR_STOP=1 \
  -c "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)" -c "CREATE DATABASE $DATABASE" >/dev/null

run="demo-$(date +%Y%m%d-%H%M%S)"
log "starting Baton on http://127.0.0.1:$port (its log: $DEMO/baton.log); Ctrl-C stops the demo"
# In the background, so that Ctrl-C reaches this script, which then stops Baton and the services.
QUARKUS_DATASOURCE_USERNAME="${BATON_DB_USER:-baton}" QUARKUS_DATASOURCE_PASSWORD="${BATON_DB_PASSWORD:-baton}" \
java -Xmx512m -Dquarkus.profile=demo -Dquarkus.http.port="$port" \
  -Dquarkus.datasource.jdbc.url="jdbc:postgresql://127.0.0.1:$PG_PORT/$DATABASE" \
  -Dkafka.bootstrap.servers="127.0.0.1:$KAFKA_PORT" \
  -Dbaton.demo.days="$days" -Dbaton.demo.speed="$speed" -Dbaton.demo.exit-when-done="$([ "$stay" = true ] && echo false || echo true)" \
  -Dbaton.events.topic="baton.$run.digdag.events" -Dbaton.events.triggers-topic="baton.$run.triggers" \
  -Dbaton.events.alerts-topic="baton.$run.alerts" \
  -jar "$JAR" &
baton_pid=$!
status=0
wait "$baton_pid" || status=$?
baton_pid=
exit "$status"
