#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver for the dashboard's browser tests when the machine
# has none (Selenium drives /usr/bin/chromium through /usr/bin/chromedriver; nothing is downloaded
# by the test tools themselves). Idempotent.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
echo "installing chromium and chromium-driver from Debian's packages..." >&2
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3; do
  if apt-get update -qq >&2 && apt-get install -y -qq chromium chromium-driver >&2; then
    break
  fi
  echo "apt-get failed (attempt $attempt); retrying" >&2
  sleep 5
done
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]
