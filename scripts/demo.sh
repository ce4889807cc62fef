#!/usr/bin/env bash
# The demo: a moto server on loopback and a private API broken three ways that apigw-doctor can
# repair (private DNS off on its VPC endpoint, a method added but never deployed, no execution
# logging). It diagnoses events/manual-private-403.json (dry-run: the plan), applies the plan,
# and diagnoses again: clean.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${APIGW_DOCTOR_PYTHON:-.venv/bin/python}
bin=${CARGO_TARGET_DIR:-target}/debug/apigw-doctor
work=$(mktemp -d)
trap 'kill "$moto_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

"$python" tests/moto/server.py --forever >"$work/port" 2>"$work/moto.log" &
moto_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/port" ] && break
  sleep 0.1
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$(head -n1 "$work/port")"
echo "moto server: $AWS_ENDPOINT_URL"

ids=$("$python" tests/moto/seed.py private --private-dns-off --undeployed-change --logging-off)
echo "created a private API with private DNS off, POST /items never deployed and no execution logging: $ids"

# The sample event names example ids; point it at what was just created.
"$python" - "$ids" events/manual-private-403.json >"$work/event.json" <<'PY'
import json, sys
ids = json.loads(sys.argv[1])
event = json.load(open(sys.argv[2]))
event["api_id"] = ids["api_id"]
event["client"]["vpc_id"] = ids["vpc_id"]
event["request"]["url"] = f"https://{ids['api_id']}.execute-api.us-east-1.amazonaws.com/prod/items"
json.dump(event, sys.stdout, indent=2)
PY
echo "event (events/manual-private-403.json with those ids):"
cat "$work/event.json"

# enable_private_dns changes DNS for the whole VPC, so it is listed explicitly.
export APIGW_DOCTOR_ACTIONS=redeploy_stage,enable_private_dns,enable_execution_logging

step() {
  echo
  echo "=== $1"
  echo "\$ apigw-doctor invoke --event event.json${2:+ ${*:2}} --format text"
  status=0
  "$bin" invoke --event "$work/event.json" "${@:2}" --format text || status=$?
  echo "(exit status $status)"
}

step "1. diagnose (dry-run: the plan, nothing changed)"
step "2. apply the plan, then verify each change" --apply
step "3. diagnose again"
[ "$status" -eq 0 ] || { echo "the API is not clean after the repair" >&2; exit 1; }
