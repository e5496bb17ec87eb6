#!/usr/bin/env bash
# Demo: installs what is missing, builds, converts the Colin27 brain (Debian's mricron-data) to
# NIfTI-Zarr, serves it over local HTTP (nginx on 127.0.0.1:18180) and opens nzview on it.
#   scripts/demo.sh                 open the viewer
#   scripts/demo.sh --screenshot F  render once to F.png and exit (used by tests and docs)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="${NZ_BUILD_DIR:-$ROOT/build}"
PORT="${NZ_DEMO_PORT:-18180}"
SOURCE_NII="${NZ_DEMO_SOURCE:-/usr/share/mricron/templates/ch2better.nii.gz}"

scripts/install-deps.sh
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$BUILD" --target nzview nzview-cli

DEMO="$BUILD/demo"
mkdir -p "$DEMO/www" "$DEMO/nginx"
ZARR="$DEMO/www/colin27.nii.zarr"
if [ ! -e "$ZARR" ]; then
  echo "demo: converting $SOURCE_NII to $ZARR"
  "$BUILD/bin/nzview-cli" convert "$SOURCE_NII" "$ZARR" --chunk 32
fi

cat >"$DEMO/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $DEMO/nginx/nginx.pid;
error_log $DEMO/nginx/error.log;
events { worker_connections 256; }
http {
  access_log $DEMO/nginx/access.log;
  client_body_temp_path $DEMO/nginx; proxy_temp_path $DEMO/nginx; fastcgi_temp_path $DEMO/nginx;
  uwsgi_temp_path $DEMO/nginx; scgi_temp_path $DEMO/nginx;
  server { listen 127.0.0.1:$PORT; root $DEMO/www; }
}
CONF
if [ -f "$DEMO/nginx/nginx.pid" ] && kill -0 "$(cat "$DEMO/nginx/nginx.pid")" 2>/dev/null; then
  kill "$(cat "$DEMO/nginx/nginx.pid")" || true
  sleep 0.3
fi
nginx -c "$DEMO/nginx/nginx.conf" -p "$DEMO/nginx" -e "$DEMO/nginx/error.log"
trap 'kill "$(cat "$DEMO/nginx/nginx.pid")" 2>/dev/null || true' EXIT

URI="http://127.0.0.1:$PORT/colin27.nii.zarr"
echo "demo: serving $URI"
if [ -z "${DISPLAY:-}" ] && [ "${1:-}" != "--screenshot" ]; then
  echo "demo: no DISPLAY; run it from a desktop session (or: scripts/demo.sh --screenshot out.png)" >&2
  exit 1
fi
if [ "${1:-}" = "--screenshot" ]; then
  OUT="${2:-$BUILD/demo/screenshot.png}"
  if [ -z "${DISPLAY:-}" ]; then
    xvfb-run -a -s "-screen 0 1600x1200x24" "$BUILD/bin/nzview" "$URI" --screenshot "$OUT" --timeout 60
  else
    "$BUILD/bin/nzview" "$URI" --screenshot "$OUT" --timeout 60
  fi
  echo "demo: wrote $OUT"
else
  NZVIEW_SAMPLE_URI="$URI" "$BUILD/bin/nzview" "$URI"
fi
