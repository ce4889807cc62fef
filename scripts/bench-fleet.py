"""Fleet benchmark: figures, not a test (`make bench-fleet`; issue 15, items 1, 2 and 6).

For each fleet size N it starts a fresh moto server on loopback, seeds N APIs in one process
(scripts/seed-fleet.py: 60% REST private/regional, 25% HTTP, 15% WebSocket over a few shared
VPCs, endpoints and VPC links), turns on the emulator's API Gateway control-plane throttle
(tests/moto/ext.py gap 30: 10 requests/s, burst 40 per account, 429 TooManyRequestsException
with Retry-After, as AWS does), and runs:

- `apigw-doctor sweep --format json`, the debug binary the test build made (as `make bench`),
  or the binary `--binary` names;
- Cloud Custodian (`custodian run`, c7n pinned below, in a venv outside the clone) with a policy
  over rest-api, rest-stage, rest-resource, apigwv2, apigwv2-stage, vpc-endpoint and
  security-group, reading the same fleet under the same throttle.

Per run it takes the process wall time, peak RSS (/usr/bin/time -f %M), the API Gateway requests
the emulator received (handled and refused with 429, counted at the server) and, for the sweep,
the report's stats.aws_calls; the table shows medians over the runs (peak RSS: the largest).

Usage: python scripts/bench-fleet.py [--sizes 50,200] [--runs 50=3,200=1,800=1] [--no-custodian]
                                    [--binary PATH (or BENCH_BINARY): another build, e.g. release]
Run with the project venv's python; nothing leaves 127.0.0.1 except the one-time pip install of c7n.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
C7N_VERSION = "0.9.53"
C7N_VENV = os.environ.get("APIGW_DOCTOR_BENCH_VENV", "/var/tmp/apigw-doctor-bench-venv")
RATE, BURST = 10, 40  # API Gateway's "Total operations" quota per account
SWEEP_SHARE_RATE = 5  # the sweep's default share (APIGW_DOCTOR_SWEEP_RATE_SHARE=50) of 10/s
PROJECTED_APIS = 3200
POLICY = """policies:
""" + "".join(f"  - name: {name}\n    resource: aws.{name}\n" for name in (
    "rest-api", "rest-stage", "rest-resource", "apigwv2", "apigwv2-stage", "vpc-endpoint", "security-group"))


def moto_server(log):
    """A moto server with the extension on a free loopback port; dies when its stdin closes."""
    server = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests/moto/server.py")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
    port = server.stdout.readline().strip()
    if not port.isdigit():
        sys.exit(f"bench-fleet: the moto server did not start (see {log.name})")
    return server, f"http://127.0.0.1:{port}"


def throttle(endpoint, body=None):
    """Sets the emulator's throttle (zeroing its counters) or, without a body, reads the counters."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(endpoint + "/moto-api/apigw-doctor/throttle", data=data,
                                     method="GET" if body is None else "POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def timed(command, env, work, name):
    """Runs command; returns (exit code, wall seconds, peak RSS KiB, stdout path)."""
    out, rss = os.path.join(work, f"{name}.out"), os.path.join(work, f"{name}.rss")
    started = time.monotonic()
    with open(out, "w") as stdout, open(os.path.join(work, f"{name}.err"), "w") as stderr:
        code = subprocess.call(["/usr/bin/time", "-f", "%M", "-o", rss, *command], env=env,
                               stdout=stdout, stderr=stderr)
    wall = time.monotonic() - started
    with open(rss) as f:
        peak = int(f.read().split()[-1])
    return code, wall, peak, out


def measure(endpoint, command, env, work, name):
    """One run under a fresh throttle: the figures of `timed` plus the emulator's counts."""
    throttle(endpoint, {"rate": RATE, "burst": BURST})
    code, wall, peak, out = timed(command, env, work, name)
    counts = throttle(endpoint)
    handled, refused = sum(counts["requests"].values()), sum(counts["throttled"].values())
    return {"code": code, "wall": wall, "rss_kib": peak, "apigw": handled + refused,
            "throttled": refused, "operations": counts["requests"], "out": out, "err": out[:-4] + ".err"}


def sweep_row(run):
    try:
        with open(run["out"]) as f:
            report = json.load(f)
    except ValueError:
        with open(run["err"]) as f:
            sys.exit(f"bench-fleet: the sweep printed no report (exit {run['code']}): {f.read()[-500:]}")
    run["aws_calls"] = report["stats"]["aws_calls"]
    run["incomplete"] = len(report.get("incomplete") or [])
    run["findings"] = len(report.get("findings") or [])
    return run


def custodian(work):
    """The custodian executable, installing c7n into its venv the first time; or (None, why)."""
    exe = os.path.join(C7N_VENV, "bin", "custodian")
    if not os.path.exists(exe):
        print(f"installing c7n=={C7N_VERSION} into {C7N_VENV} (once)", flush=True)
        log = os.path.join(work, "c7n-install.log")
        with open(log, "w") as out:
            code = subprocess.call([sys.executable, "-m", "venv", C7N_VENV], stdout=out, stderr=out) or \
                subprocess.call([os.path.join(C7N_VENV, "bin", "pip"), "install", "--quiet",
                                 "--disable-pip-version-check", f"c7n=={C7N_VERSION}"], stdout=out, stderr=out)
        if code:
            with open(log) as f:
                return None, f"pip install c7n=={C7N_VERSION} failed: {f.read().strip().splitlines()[-1:]}"
    return exe, None


def custodian_row(run):
    """Counts the policies custodian finished and the errors it logged."""
    with open(run["err"]) as f:
        log = f.read()
    run["policies_done"] = log.count("custodian.policy:INFO policy:")
    run["errors"] = sum(1 for line in log.splitlines() if ":ERROR " in line or "Traceback" in line)
    return run


def median(runs, key):
    return statistics.median(run[key] for run in runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "50,200"))
    parser.add_argument("--runs", default=os.environ.get("BENCH_RUNS", "50=3,200=1,800=1"),
                        help="runs per size, as N=runs,... (sizes not listed: 1)")
    parser.add_argument("--no-custodian", action="store_true")
    parser.add_argument("--binary", default=os.environ.get("BENCH_BINARY"),
                        help="the apigw-doctor binary to sweep with (default: the test build's debug binary),"
                             " e.g. the bootstrap of make package's zip")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    runs_of = {int(k): int(v) for k, v in (pair.split("=") for pair in args.runs.split(",") if pair)}
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    binary = args.binary or os.path.join(target, "debug", "apigw-doctor")
    if not os.access(binary, os.X_OK):
        sys.exit(f"bench-fleet: no executable {binary}: build first: cargo test --workspace --no-run"
                 " (make bench-fleet does)")

    work = tempfile.mkdtemp(prefix="apigw-doctor-bench-fleet-")
    env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}
    env.pop("AWS_PROFILE", None)
    custodian_exe, custodian_skipped = (None, "--no-custodian") if args.no_custodian else custodian(work)
    policy = os.path.join(work, "policy.yml")
    with open(policy, "w") as f:
        f.write(POLICY)
    share = os.environ.get("APIGW_DOCTOR_SWEEP_RATE_SHARE", "50 (default)")
    built_by = "" if args.binary else " (the test build's debug binary, as make bench)"
    print(f"apigw-doctor fleet benchmark: binary {binary}{built_by}, "
          f"moto on loopback throttling API Gateway at {RATE}/s burst {BURST} per account (ext.py gap 30); "
          f"APIGW_DOCTOR_SWEEP_RATE_SHARE={share}; c7n {C7N_VERSION}; "
          f"{os.cpu_count()} CPUs; work files in {work}", flush=True)

    rows = []
    for size in sizes:
        runs = runs_of.get(size, 1)
        with open(os.path.join(work, f"moto-{size}.log"), "w") as log:
            server, endpoint = moto_server(log)
            try:
                env["AWS_ENDPOINT_URL"] = endpoint
                seeded = json.loads(subprocess.check_output(
                    [sys.executable, os.path.join(ROOT, "scripts/seed-fleet.py"), "--apis", str(size)], env=env))
                print(f"N={size}: seeded in {seeded['seconds']} s: {seeded['rest_private']} private + "
                      f"{seeded['rest_regional']} regional REST, {seeded['http']} HTTP, {seeded['websocket']} "
                      f"WebSocket over {seeded['vpcs']} VPCs; {runs} run(s) each", flush=True)
                sweeps = [sweep_row(measure(endpoint, [binary, "sweep", "--format", "json"], env, work,
                                            f"sweep-{size}-{n}")) for n in range(runs)]
                rows.append(("apigw-doctor sweep", size, sweeps))
                if custodian_exe:
                    command = [custodian_exe, "run", "-s", os.path.join(work, f"c7n-{size}"), "--cache-period", "0",
                               "--region", "us-east-1", policy]
                    rows.append(("Cloud Custodian", size, [custodian_row(measure(
                        endpoint, command, env, work, f"c7n-{size}-{n}")) for n in range(runs)]))
            finally:
                server.stdin.close()
                server.wait(timeout=30)

    print()
    print("| tool | APIs | runs | wall s | AWS calls/API | API Gateway req/API | API Gateway req/s | 429s "
          "| peak RSS MiB | notes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for tool, size, runs in rows:
        wall = median(runs, "wall")
        calls = f"{median(runs, 'aws_calls') / size:.2f}" if "aws_calls" in runs[0] else "n/a"
        if "aws_calls" in runs[0]:
            notes = f"findings {median(runs, 'findings'):g}, incomplete {median(runs, 'incomplete'):g}"
        else:
            notes = (f"{median(runs, 'policies_done'):g}/7 policies done, "
                     f"{median(runs, 'errors'):g} error lines")
        notes += "" if all(run["code"] == 0 for run in runs) else f", exit codes {[run['code'] for run in runs]}"
        print(f"| {tool} | {size} | {len(runs)} | {wall:.1f} | {calls} | {median(runs, 'apigw') / size:.2f} | "
              f"{median(runs, 'apigw') / wall:.1f} | {median(runs, 'throttled'):g} | "
              f"{max(run['rss_kib'] for run in runs) / 1024:.1f} | {notes} |")
    if custodian_skipped:
        print(f"\nCloud Custodian not run: {custodian_skipped}")
    sweeps = [(size, runs) for tool, size, runs in rows if tool == "apigw-doctor sweep"]
    if sweeps:
        size, runs = sweeps[-1]
        per_api, apigw_per_api = median(runs, "aws_calls") / size, median(runs, "apigw") / size
        print(f"\nProjected sweep of {PROJECTED_APIS} APIs under the 50% share ({SWEEP_SHARE_RATE} API Gateway "
              f"calls/s), from N={size}: {per_api:.2f} AWS calls/API x {PROJECTED_APIS} / {SWEEP_SHARE_RATE} "
              f"= {per_api * PROJECTED_APIS / SWEEP_SHARE_RATE / 60:.1f} min (counting only API Gateway's "
              f"{apigw_per_api:.2f} req/API: {apigw_per_api * PROJECTED_APIS / SWEEP_SHARE_RATE / 60:.1f} min)")
        operations = sorted(runs[-1]["operations"].items(), key=lambda item: (-item[1], item[0]))
        print(f"API Gateway requests of the sweep at N={size}, by operation: "
              + ", ".join(f"{name} {count}" for name, count in operations))
    if 800 not in sizes:
        print("N=800 not run by default (about 10 min of sweep alone on a 2-core machine): "
              "make bench-fleet BENCH_SIZES=800")


if __name__ == "__main__":
    main()
