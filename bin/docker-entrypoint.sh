#!/bin/sh
# The image's entry point: the scanner service by default (or with `serve`), the CLI for anything else,
# so `docker run IMAGE scan /models` scans instead of silently starting a server.
set -eu
app=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-serve}" in
  serve) exec node "$app/dist/server/main.js" ;;
  *) exec node "$app/bin/harbor-scanner-models.js" "$@" ;;
esac
