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
id() { "$python" -c 'import json,sys; print(json.loads(sys.argv[1])["api_id"])' "$1"; }

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

echo "apigw-doctor benchmark: $runs run(s) each, binary $bin, moto on loopback"
for _ in $(seq "$runs"); do measure diagnose --api-id "$(id "$healthy")"; done | summary "diagnose healthy private API"
for _ in $(seq "$runs"); do measure diagnose --api-id "$(id "$broken")"; done | summary "diagnose broken private API (plan)"
for _ in $(seq "$runs"); do measure diagnose --api-id "$(id "$behind_link")" --symptom server-error; done | summary "diagnose REST API behind a VPC link"
for _ in $(seq "$runs"); do measure sweep; done | summary "sweep (3 REST APIs)"
APIGW_DOCTOR_ACTIONS=redeploy_stage,enable_private_dns,enable_execution_logging \
  measure diagnose --api-id "$(id "$broken")" --apply | summary "apply 3 repairs + verify (1 run)"
