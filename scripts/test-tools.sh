#!/usr/bin/env bash
# Installs the tools the tests run besides Maven. Idempotent; uses Debian's packages when absent:
# - Node.js and npm: the deployment tests (src/test/java/io/baton/deploy) validate Kubernetes objects against the
#   Kubernetes schemas offline. kubectl (its built-in kustomize renders k8s/) is used when present; Debian's kubectl
#   is too old for kustomize components, so without one the kustomize tests are skipped with a message.
# - Chromium and its WebDriver: the console's browser test (src/test/java/io/baton/console) drives a headless
#   Chromium through Selenium.
set -euo pipefail

log() { echo "[test-tools] $*" >&2; }

# A tool from another source may already be there, so install only the packages whose command is missing.
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  log "missing: ${missing[*]} (Debian: apt-get install ${missing[*]})"
  exit 1
fi
log "installing ${missing[*]} from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq "${missing[@]}" >/dev/null
