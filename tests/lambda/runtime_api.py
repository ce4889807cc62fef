"""A local Lambda Runtime API for apigw-doctor's end-to-end test of the Lambda path.

Serves the given event files, one per `GET /2018-06-01/runtime/invocation/next`, on a free
loopback port (printed on the first line of stdout), and prints one JSON line per answer:
{"request_id", "kind": "response"|"error", "body", "deadline_ms", "posted_ms"}: the deadline this
script gave the invocation and the time the answer reached it, both in epoch milliseconds by this
script's clock. Exits after the last answer. An argument `PATH@MS` gives that invocation a
deadline MS milliseconds away (default 60000).
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


def main():
    events = []
    for argument in sys.argv[1:]:
        path, _, deadline = argument.partition("@")
        events.append((open(path, "rb").read(), int(deadline or 60_000)))
    pending = list(enumerate(events))
    deadlines = {}  # request id -> the deadline given, epoch ms
    answered = threading.Semaphore(0)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body=b"", headers=()):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path != f"{PREFIX}/invocation/next":
                return self.reply(404)
            with lock:
                item = pending.pop(0) if pending else None
            if item is None:
                time.sleep(30)  # nothing left: hold the long poll until the test ends us
                return self.reply(500)
            index, (event, deadline_in) = item
            deadline_ms = int(time.time() * 1000) + deadline_in
            with lock:
                deadlines[f"request-{index}"] = deadline_ms
            self.reply(200, event, [
                ("Lambda-Runtime-Aws-Request-Id", f"request-{index}"),
                ("Lambda-Runtime-Deadline-Ms", str(deadline_ms)),
                ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:apigw-doctor"),
                ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"),
                ("Content-Type", "application/json"),
            ])

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            posted_ms = int(time.time() * 1000)
            parts = self.path[len(PREFIX):].strip("/").split("/")
            if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                kind = parts[2]
                try:
                    parsed = json.loads(body)
                except ValueError:
                    parsed = body.decode(errors="replace")
                with lock:
                    deadline_ms = deadlines.get(parts[1])
                print(json.dumps({"request_id": parts[1], "kind": kind, "body": parsed,
                                  "deadline_ms": deadline_ms, "posted_ms": posted_ms}), flush=True)
                self.reply(202, b"{}")
                answered.release()
            else:
                print(json.dumps({"kind": "unexpected", "path": self.path, "body": body.decode(errors="replace")}), flush=True)
                self.reply(202, b"{}")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for _ in events:
        if not answered.acquire(timeout=120):
            print(json.dumps({"kind": "timeout"}), flush=True)
            break


if __name__ == "__main__":
    main()
