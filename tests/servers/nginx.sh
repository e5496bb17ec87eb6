#!/usr/bin/env bash
# Private nginx for the HTTP tests: http://127.0.0.1:18080, https://127.0.0.1:18443 (HTTP/2) and
# https://127.0.0.1:18444 (HTTP/1.1 only),
# document root = the repository's tests/data, plus /scratch/ (writable with PUT/DELETE, test
# files generated here), /forbidden/ (403), /echo-headers (echoes test headers), redirects.
# A test CA and server certificate are generated at start into STATE/certs (ca.crt).
#   nginx.sh start STATE_DIR     nginx.sh stop STATE_DIR
# Env: NZ_NGINX_HTTP_PORT, NZ_NGINX_HTTPS_PORT (0 = none), NZ_NGINX_HTTPS11_PORT (0 = none),
# NZ_NGINX_ROOT override the defaults.
set -euo pipefail
cmd=${1:?usage: nginx.sh start|stop STATE_DIR}
state=${2:?usage: nginx.sh start|stop STATE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=${NZ_NGINX_ROOT:-$(cd "$here/.." && pwd)/data}
http_port=${NZ_NGINX_HTTP_PORT:-18080}
https_port=${NZ_NGINX_HTTPS_PORT:-18443}
py=/usr/bin/python3

stop() {
  if [[ -f $state/nginx.pid ]]; then
    pid=$(cat "$state/nginx.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$state/nginx.pid"
  fi
}

if [[ $cmd == stop ]]; then stop; exit 0; fi
[[ $cmd == start ]] || { echo "unknown command $cmd" >&2; exit 2; }

stop
mkdir -p "$state"/{certs,scratch,logs,tmp}
state=$(cd "$state" && pwd)
chmod 755 "$state" "$state/scratch"
mkdir -p "$root" 2>/dev/null || true

# Test CA + server certificate for localhost / 127.0.0.1.
certs=$state/certs
"$here/make_test_certs.sh" "$certs"

# Deterministic random test objects (tests compare against the same files on disk).
"$py" - "$state/scratch" <<'PY'
import os, random, sys
d = sys.argv[1]
for name, size in (("blob4m.bin", 4 << 20), ("small.txt", 36)):
    p = os.path.join(d, name)
    if name == "small.txt":
        data = b"0123456789abcdefghijklmnopqrstuvwxyz"
    else:
        data = random.Random(42).randbytes(size)
    if not os.path.exists(p) or os.path.getsize(p) != len(data):
        with open(p + ".tmp", "wb") as f:
            f.write(data)
        os.replace(p + ".tmp", p)
PY
chmod -R a+rX "$state/scratch"

user_line=""
[[ $(id -u) == 0 ]] && user_line="user root;"
https_listen="listen 127.0.0.1:$https_port ssl http2;"
[[ $https_port == 0 ]] && https_listen=""   # NZ_NGINX_HTTPS_PORT=0: plain HTTP only
# HTTPS without HTTP/2 (as S3 and Azure Blob answer): the next port, unless HTTPS is off.
https11_port=${NZ_NGINX_HTTPS11_PORT:-$((https_port == 0 ? 0 : https_port + 1))}
https11_listen="listen 127.0.0.1:$https11_port ssl;"
[[ $https11_port == 0 ]] && https11_listen=""
cat > "$state/nginx.conf" <<CONF
$user_line
worker_processes 2;
pid $state/nginx.pid;
error_log $state/logs/error.log warn;
events { worker_connections 1024; }
http {
  default_type application/octet-stream;
  types { application/json json; text/plain txt; }
  log_format conn '\$remote_addr c=\$connection n=\$connection_requests "\$request" \$status \$body_bytes_sent "\$http_range"';
  access_log $state/logs/access.log conn;
  client_body_temp_path $state/tmp/body;
  proxy_temp_path $state/tmp/proxy;
  fastcgi_temp_path $state/tmp/fastcgi;
  uwsgi_temp_path $state/tmp/uwsgi;
  scgi_temp_path $state/tmp/scgi;
  client_max_body_size 512m;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  keepalive_timeout 120s;
  http2_max_requests 100000;
  server {
    listen 127.0.0.1:$http_port;
    $https_listen
    $https11_listen
    # TLS 1.3 as cloud stores speak it (nginx 1.22 leaves it off by default; 1.23.4 turns it on).
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate $certs/server.crt;
    ssl_certificate_key $certs/server.key;
    root $root;
    location /scratch/ {
      alias $state/scratch/;
      dav_methods PUT DELETE;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
    }
    location /readonly/ { alias $state/scratch/; }
    location /forbidden/ { return 403; }
    location /gone/ { return 410; }
    location = /echo-headers {
      default_type text/plain;
      return 200 "x-nz-test=\$http_x_nz_test;authorization=\$http_authorization;";
    }
    location /redirect-same/ { rewrite ^/redirect-same/(.*)\$ /scratch/\$1 redirect; }
    # Another origin (localhost instead of 127.0.0.1): credentials must not follow.
    location /redirect-other/ { return 302 http://localhost:$http_port/echo-headers; }
  }
}
CONF

nginx -p "$state/" -c "$state/nginx.conf" -t -q 2>"$state/logs/configtest.log" || {
  cat "$state/logs/configtest.log" >&2; exit 1; }
nginx -p "$state/" -c "$state/nginx.conf" 2>>"$state/logs/error.log"
for _ in $(seq 100); do
  if curl -s -o /dev/null "http://127.0.0.1:$http_port/scratch/small.txt"; then
    echo "nginx up on $http_port/$https_port (state $state)"
    exit 0
  fi
  sleep 0.05
done
echo "nginx did not start; see $state/logs/error.log" >&2
cat "$state/logs/error.log" >&2 || true
exit 1
