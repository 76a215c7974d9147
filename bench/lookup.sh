#!/usr/bin/env bash
# The citizen lookup against the yardstick view, both through gunicorn on loopback, 50 concurrent
# clients each. Prints p50/p95/p99 and requests per second for each, and the ratio of the two.
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/hukou_bench bash bench/lookup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to the benchmark database}"
export DJANGO_SETTINGS_MODULE=config.settings.bench
WORKERS=${WORKERS:-4}
DURATION=${DURATION:-15s}
PORT=${PORT:-8099}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
[ -s bench/targets.csv ] || { echo "bench/targets.csv is missing: run generate_cases first" >&2; exit 1; }

MAX_ID=$(.venv/bin/python manage.py shell -c "from hukou.models import Case; print(Case.objects.order_by('-pk').values_list('pk', flat=True).first())" 2>/dev/null | tail -n1)
export MAX_ID

.venv/bin/gunicorn config.wsgi --workers "$WORKERS" --bind "127.0.0.1:$PORT" --access-logfile /dev/null \
  --error-logfile /tmp/bench-gunicorn.log &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

ROUNDS=${ROUNDS:-5}
echo "gunicorn: $WORKERS workers; wrk: 2 threads, 50 connections; $ROUNDS rounds of $DURATION each, alternating; $MAX_ID cases"
wrk -t2 -c50 -d5s -s bench/minimal.lua "http://127.0.0.1:$PORT" >/dev/null  # warm-up
wrk -t2 -c50 -d5s -s bench/lookup.lua "http://127.0.0.1:$PORT" >/dev/null
# The machine's speed drifts over minutes, so the two are measured in alternating rounds and each
# round's ratio is taken; the figure is the median of the rounds.
results=()
for round in $(seq 1 "$ROUNDS"); do
  minimal=$(wrk -t2 -c50 -d"$DURATION" -s bench/minimal.lua "http://127.0.0.1:$PORT" | tail -n1)
  lookup=$(wrk -t2 -c50 -d"$DURATION" -s bench/lookup.lua "http://127.0.0.1:$PORT" | tail -n1)
  echo "round $round  minimal view:  $minimal"
  echo "round $round  status lookup: $lookup"
  results+=("$minimal|$lookup")
done
python3 - "${results[@]}" <<'PY'
import re, statistics, sys
rate = lambda line: float(re.search(r"requests/s ([\d.]+)", line).group(1))
p = lambda line, q: float(re.search(rf"p{q} ([\d.]+) ms", line).group(1))
rounds = [r.split("|") for r in sys.argv[1:]]
ratios = [rate(lookup) / rate(minimal) for minimal, lookup in rounds]
print("ratios by round: " + ", ".join(f"{r:.2f}" for r in ratios))
for name, index in (("minimal view", 0), ("status lookup", 1)):
    lines = [r[index] for r in rounds]
    print(f"{name}: median p50 {statistics.median(p(l, 50) for l in lines):.1f} ms, "
          f"p95 {statistics.median(p(l, 95) for l in lines):.1f} ms, "
          f"requests/s {statistics.median(rate(l) for l in lines):.1f}")
print(f"lookup / minimal throughput (median of rounds): {statistics.median(ratios):.2f}")
PY
