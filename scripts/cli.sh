#!/usr/bin/env bash
# The `baton` command line (io.baton.cli.BatonCli) from the packaged application. It only talks to Baton's REST API
# (and Kafka for `events tail`); it never starts Baton. Builds the package first if there is none.
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
APP="$ROOT/target/quarkus-app"

if ! compgen -G "$APP/app/baton-*.jar" >/dev/null; then
  echo "[baton] building the application once: mvn package -DskipTests" >&2
  (cd "$ROOT" && mvn -B -q package -DskipTests >&2)
fi
exec java ${BATON_CLI_JAVA_OPTS:-} -cp "$APP/app/*:$APP/lib/boot/*:$APP/lib/main/*" io.baton.cli.BatonCli "$@"
