#!/usr/bin/env bash
# The counter devices' poll (GET /device/prompt/, every device once a second) against the yardstick view,
# both through gunicorn on loopback, 50 concurrent clients each; first with every device idle (204),
# then with FRESH devices showing a live prompt (rendered, 200). Run bench/device_setup.py first.
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/hukou_bench bash bench/device_poll.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to the benchmark database}"
export DJANGO_SETTINGS_MODULE=config.settings.bench
WORKERS=${WORKERS:-4}
DURATION=${DURATION:-15s}
PORT=${PORT:-8099}
FRESH=${FRESH:-10}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
[ -s bench/devices.txt ] || { echo "bench/devices.txt is missing: run bench/device_setup.py first" >&2; exit 1; }

# The pages are rendered as in production: static files from the manifest collectstatic writes.
.venv/bin/python manage.py collectstatic --noinput -v0
MAX_ID=$(.venv/bin/python manage.py shell -c "from hukou.models import Case; print(Case.objects.order_by('-pk').values_list('pk', flat=True).first())" 2>/dev/null | tail -n1)
export MAX_ID

.venv/bin/gunicorn config.wsgi --workers "$WORKERS" --bind "127.0.0.1:$PORT" --access-logfile /dev/null \
  --error-logfile /tmp/bench-gunicorn.log &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

echo "gunicorn: $WORKERS workers; wrk: 2 threads, 50 connections, $DURATION per run; $(wc -l < bench/devices.txt) devices"
wrk -t2 -c50 -d5s -s bench/minimal.lua "http://127.0.0.1:$PORT" >/dev/null  # warm-up
wrk -t2 -c50 -d5s -s bench/device_poll.lua "http://127.0.0.1:$PORT" >/dev/null
for round in 1 2 3; do
  echo "round $round  minimal view:        $(wrk -t2 -c50 -d"$DURATION" -s bench/minimal.lua "http://127.0.0.1:$PORT" | tail -n1)"
  echo "round $round  device poll, idle:   $(wrk -t2 -c50 -d"$DURATION" -s bench/device_poll.lua "http://127.0.0.1:$PORT" | tail -n1)"
done
.venv/bin/python bench/device_setup.py --fresh "$FRESH"  # a live prompt at FRESH windows for 2 minutes
for round in 1 2 3; do
  echo "round $round  device poll, $FRESH prompting: $(wrk -t2 -c50 -d"$DURATION" -s bench/device_poll.lua "http://127.0.0.1:$PORT" | tail -n1)"
done
