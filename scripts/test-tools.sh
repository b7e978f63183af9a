#!/usr/bin/env bash
# Installs the tools the deployment tests (src/test/java/io/baton/deploy) run besides Maven: Node.js and npm, which
# validate Kubernetes objects against the Kubernetes schemas offline. Idempotent; uses Debian's packages when absent.
# kubectl (its built-in kustomize renders k8s/) is used when present; Debian's kubectl is too old for kustomize
# components, so without one the kustomize tests are skipped with a message.
set -euo pipefail

log() { echo "[test-tools] $*" >&2; }

if command -v node >/dev/null && command -v npm >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  log "Node.js and npm are missing: install them (Debian: apt-get install nodejs npm)"
  exit 1
fi
log "installing Node.js and npm from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# A Node.js from another source may already be there without npm, so install only what is missing.
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
apt-get install -y -qq "${missing[@]}" >/dev/null
