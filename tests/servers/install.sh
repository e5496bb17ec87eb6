#!/usr/bin/env bash
# Installs the pinned npm test servers (azurite, @20minutes/s3rver) and zarrita (an npm Zarr
# writer the fidelity tests write data with); see package.json and
# package-lock.json) into tests/servers/node_modules. Idempotent: returns at once when the
# installed versions already match the lock file.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "tests/servers/install.sh: node and npm are needed (Debian: apt-get install nodejs npm;" \
       "Azurite 3.35 and s3rver 4.0.4 need Node >= 20)" >&2
  exit 1
fi
stamp=node_modules/.nzview-installed
if [[ -f $stamp && $stamp -nt package-lock.json && -x node_modules/.bin/azurite-blob &&
      -f node_modules/@20minutes/s3rver/package.json && -f node_modules/zarrita/package.json ]]; then
  exit 0
fi
echo "tests/servers/install.sh: npm ci (azurite, @20minutes/s3rver, zarrita)"
npm ci --no-audit --no-fund --loglevel=error
touch "$stamp"
