#!/usr/bin/env bash
# Benchmark: figures, not a test. Runs the built binary against a moto server on loopback and
# prints, per scenario, the AWS calls, the run's own duration, the process wall time (cold
# start included) and the peak RSS. Usage: scripts/bench.sh [runs per scenario, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
python=${APIGW_DOCTOR_PYTHON:-.venv/bin/python}
# BENCH_BINARY: another build to measure, e.g. the bootstrap of make package's zip.
bin=${BENCH_BINARY:-${CARGO_TARGET_DIR:-target}/debug/apigw-doctor}
[ -x "$bin" ] || { echo "build first: cargo test --workspace --no-run (or make demo)" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill "$moto_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
export AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1

"$python" tests/moto/server.py --forever >"$work/port" 2>"$work/moto.log" &
moto_pid=$!
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.1; done
export AWS_ENDPOINT_URL="http://127.0.0.1:$(head -n1 "$work/port")"

healthy=$("$python" tests/moto/seed.py private --name healthy)
broken=$("$python" tests/moto/seed.py private --name broken --private-dns-off --undeployed-change --logging-off)
# A REST API behind a v1 VPC link to an ALB: an HTTPS listener with a rule and a certificate.
behind_link=$("$python" tests/moto/seed.py vpc-link --name orders --alb --tls api.example.com --tls-host api.example.com)
# Issue 15's diagnosis at the floor: a private REST API with 20 resources through a VPC link, two
# stages, an execute-api endpoint.
floor=$("$python" tests/moto/seed.py vpc-link --name floor --private --resources 20 --beta)
id() { "$python" -c 'import json,sys; print(json.loads(sys.argv[1])["api_id"])' "$1"; }
# POSTs JSON to one of the emulator extension's routes (tests/moto/ext.py); prints the answer.
plumbing() {
  "$python" -c 'import sys, urllib.request
request = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST")
print(urllib.request.urlopen(request, timeout=10).read().decode())' "$AWS_ENDPOINT_URL/moto-api/apigw-doctor/$1" "$2"
}

# One line per run: aws_calls duration_ms wall_ms peak_rss_kb
measure() {
  local out="$work/report.json"
  local start end
  start=$(date +%s%N)
  /usr/bin/time -f "%M" -o "$work/rss" "$bin" "$@" --format json >"$out" 2>/dev/null || true
  end=$(date +%s%N)
  "$python" - "$out" "$(( (end - start) / 1000000 ))" "$(tail -n1 "$work/rss")" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print(report["stats"]["aws_calls"], report["stats"]["duration_ms"], sys.argv[2], sys.argv[3])
PY
}

# Reads the lines of `measure` on stdin; prints medians (and the worst wall time and RSS).
summary() {
  "$python" -c '
import statistics, sys
rows = [list(map(int, line.split())) for line in sys.stdin if line.strip()]
cols = list(zip(*rows))
med = statistics.median
print(f"{sys.argv[1]:<36} runs={len(rows):<2} aws_calls={med(cols[0]):<4g} run_ms={med(cols[1]):<5g} "
      f"wall_ms={med(cols[2]):<5g} (max {max(cols[2])})  peak_rss_kb={max(cols[3])}")
' "$1"
}

# The floor of one diagnosis with every AWS call held $1 ms at the emulator (a region's latency,
# ext.py gap 14). The emulator's request timeline of the same run (gap 33) gives its dependent
# rounds, the longest chain of calls each sent after the one before it had answered, and the
# critical-path bound, the summed time of the slowest such chain: no run that makes these calls in
# this order can be faster. Prints the medians of calls, run time, rounds, bound and run/bound.
floor() {
  plumbing delays "{\"operation\": \"*:*\", \"ms\": $1}" >/dev/null
  for _ in $(seq "$runs"); do
    plumbing timeline '{"record": true}' >/dev/null
    "$bin" diagnose --api-id "$(id "$floor")" --symptom server-error --format json >"$work/floor.json" 2>/dev/null || true
    plumbing timeline '{"record": false}' >"$work/timeline.json"
    "$python" - "$work/floor.json" "$work/timeline.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
calls = json.load(open(sys.argv[2]))["requests"]  # in start order
rounds, bound = [], []
for i, call in enumerate(calls):
    before = [j for j in range(i) if calls[j]["end_ms"] <= call["start_ms"]]
    rounds.append(1 + max((rounds[j] for j in before), default=0))
    bound.append(call["end_ms"] - call["start_ms"] + max((bound[j] for j in before), default=0))
print(report["stats"]["aws_calls"], report["stats"]["duration_ms"], max(rounds), round(max(bound)))
PY
  done | "$python" -c '
import statistics, sys
rows = [list(map(int, line.split())) for line in sys.stdin if line.strip()]
med = statistics.median
calls, run, rounds, bound = (med(c) for c in zip(*rows))
ratio = med(r[1] / r[3] for r in rows)
print(f"{sys.argv[1]:<36} runs={len(rows):<2} aws_calls={calls:<4g} run_ms={run:<5g} "
      f"rounds={rounds:<3g} critical_path_ms={bound:<5g} run/critical_path={ratio:.2f}")
' "diagnosis at the floor, ${1} ms a call"
  plumbing delays '{"operation": "*:*", "ms": 0}' >/dev/null
}

echo "apigw-doctor benchmark: $runs run(s) each, binary $bin, moto on loopback"
for _ in $(seq "$runs"); do measure diagnose --api-id "$(id "$healthy")"; done | summary "diagnose healthy private API"
for _ in $(seq "$runs"); do measure diagnose --api-id "$(id "$broken")"; done | summary "diagnose broken private API (plan)"
for _ in $(seq "$runs"); do measure diagnose --api-id "$(id "$behind_link")" --symptom server-error; done | summary "diagnose REST API behind a VPC link"
floor 20
floor 50
for _ in $(seq "$runs"); do measure sweep; done | summary "sweep (4 REST APIs)"
APIGW_DOCTOR_ACTIONS=redeploy_stage,enable_private_dns,enable_execution_logging \
  measure diagnose --api-id "$(id "$broken")" --apply | summary "apply 3 repairs + verify (1 run)"
