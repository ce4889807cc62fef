#!/usr/bin/env bash
# The demo: a moto server on loopback, a private API broken two ways (private DNS off on its
# VPC endpoint, a security group without 443), and the diagnosis of events/manual-private-403.json.
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

ids=$("$python" tests/moto/seed.py private --private-dns-off --sg-blocks-443)
echo "created a private API with private DNS off and no 443 in the endpoint's security group: $ids"

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
echo
echo "\$ apigw-doctor invoke --event event.json --format text"
status=0
"$bin" invoke --event "$work/event.json" --format text || status=$?
echo "(exit status $status: 1 means errors were found, as expected for this broken API)"
