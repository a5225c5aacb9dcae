#!/usr/bin/env bash
# The README's test command: on a fresh Debian 12 machine, installs what the tests need (Debian packages
# for the real registry and Redis, npm dependencies) and runs every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pair in docker-registry:/usr/bin/docker-registry apache2-utils:/usr/bin/htpasswd openssl:/usr/bin/openssl \
            redis-server:/usr/bin/redis-server zstd:/usr/bin/zstd; do
  [ -x "${pair#*:}" ] || need+=("${pair%%:*}")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

npm ci --no-audit --no-fund
npm test
