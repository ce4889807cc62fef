"""Figures for the function's sizing, not a test: the built binary serving a local Lambda Runtime
API (as in tests/e2e/lambda_runtime.rs) against a moto server on loopback.

Per run it prints the cold start (process start to its first GET .../invocation/next), each
invocation's duration (GET next to the POST of its answer) with the report's own duration_ms and
aws_calls, and the process's peak RSS (VmHWM in /proc/<pid>/status, KiB, read after the last answer).

Usage: python scripts/lambda-bench.py BINARY [--apis N] [--runs N]
Run with the project venv's python (moto, boto3); nothing leaves 127.0.0.1.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lambda"))
from runtime_api import RuntimeApi  # noqa: E402  (the Runtime API the tests serve)


def run(binary, endpoint, events, memory_mb):
    api = RuntimeApi()
    for index, event in enumerate(events):
        api.offer(f"request-{index}", json.dumps(event).encode(), 900_000)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{api.port}",
        "AWS_LAMBDA_FUNCTION_NAME": "apigw-doctor", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb), "RUST_LOG": "info",
    }
    started = time.monotonic()
    process = subprocess.Popen(
        [binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    answers = [api.answers.get(timeout=600) for _ in events]
    # The peak resident set of the process so far (VmHWM), read before it is stopped.
    with open(f"/proc/{process.pid}/status") as status:
        rss = [line.split()[1] for line in status if line.startswith("VmHWM:")]
    process.terminate()
    process.wait()
    api.close()
    invocations = []
    for answer in answers:
        report = json.loads(answer.body or b"null")
        report = report if isinstance(report, dict) else {}
        invocations.append({
            "ms": round((answer.posted_at - answer.fetched_at) * 1000, 1),
            "report_ms": report.get("stats", {}).get("duration_ms"),
            "aws_calls": report.get("stats", {}).get("aws_calls"),
            "kind": answer.kind,
        })
    return {
        "cold_start_ms": round((answers[0].fetched_at - started) * 1000, 1),
        "peak_rss_kib": int(rss[-1]) if rss and rss[-1].isdigit() else None,
        "invocations": invocations,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--apis", type=int, default=20, help="APIs seeded for the sweep")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    python = sys.executable
    moto = subprocess.Popen([python, os.path.join(ROOT, "tests/moto/server.py"), "--forever"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        endpoint = f"http://127.0.0.1:{moto.stdout.readline().strip()}"
        env = dict(os.environ, AWS_ENDPOINT_URL=endpoint)
        seed = lambda *flags: json.loads(subprocess.check_output(
            [python, os.path.join(ROOT, "tests/moto/seed.py"), *flags], env=env))
        broken = seed("private", "--name", "broken", "--private-dns-off", "--undeployed-change", "--logging-off")
        for n in range(args.apis - 1):
            seed("private", "--name", f"api-{n}", *(["--logging-off"] if n % 2 else []))
        diagnosis = {"api_id": broken["api_id"], "client": {"vpc_id": broken["vpc_id"]}}
        schedule = json.load(open(os.path.join(ROOT, "events/schedule.json")))
        rows = {"cold": [], "rss": [], "diagnosis": [], "sweep": []}
        for _ in range(args.runs):
            result = run(args.binary, endpoint, [diagnosis, schedule], 256)
            rows["cold"].append(result["cold_start_ms"])
            rows["rss"].append(result["peak_rss_kib"])
            rows["diagnosis"].append(result["invocations"][0])
            rows["sweep"].append(result["invocations"][1])
        print(json.dumps(rows, indent=1))
        med = statistics.median
        print(f"cold start ms: median {med(rows['cold'])} max {max(rows['cold'])}")
        print(f"peak RSS KiB (whole process, diagnosis + sweep): max {max(rows['rss'])}")
        for name in ("diagnosis", "sweep"):
            ms = [r["ms"] for r in rows[name]]
            print(f"{name}: median {med(ms)} ms, max {max(ms)} ms, aws_calls {rows[name][0]['aws_calls']}, kind {rows[name][0]['kind']}")
    finally:
        moto.terminate()
        moto.wait()


if __name__ == "__main__":
    main()
