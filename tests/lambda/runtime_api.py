"""A local Lambda Runtime API for apigw-doctor's end-to-end test of the Lambda path.

Serves the given event files, one per `GET /2018-06-01/runtime/invocation/next`, on a free
loopback port (printed on the first line of stdout), and prints one JSON line per answer:
{"request_id", "kind": "response"|"error", "body", "deadline_ms", "posted_ms"}: the deadline this
script gave the invocation and the time the answer reached it, both in epoch milliseconds by this
script's clock. Exits after the last answer. An argument `PATH@MS` gives that invocation a
deadline MS milliseconds away (default 60000).

`RuntimeApi` is the server itself; tests/moto/ext.py (gap 31) runs one per Lambda Invoke of a
function with a local bootstrap, and scripts/lambda-bench.py one per measured process.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import queue
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
DEFAULT_FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:apigw-doctor"
TRACE_ID = "Root=1-00000000-000000000000000000000000"
# How long `GET .../invocation/next` waits for an invocation before answering 500.
LONG_POLL_SECONDS = 30


@dataclasses.dataclass
class Answer:
    """One POST the function made: kind "response", "error", "init_error" or "unexpected"."""

    kind: str
    request_id: str | None
    body: bytes
    deadline_ms: int | None  # the deadline given to request_id, epoch ms
    posted_ms: int
    path: str
    # time.monotonic() when the function fetched request_id (GET .../next), and when it posted.
    fetched_at: float | None = None
    posted_at: float = 0.0


class _Server(ThreadingHTTPServer):
    """Quiet about a function killed while it polls: ext.py kills each one after its answer."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class RuntimeApi:
    """The 2018-06-01 Runtime API on a free loopback port, serving the invocations offered to it;
    every POST the function makes lands in `answers`, in order."""

    def __init__(self, function_arn: str = DEFAULT_FUNCTION_ARN) -> None:
        self.answers: queue.Queue[Answer] = queue.Queue()
        self._pending: collections.deque[tuple[str, bytes, int]] = collections.deque()
        self._deadlines: dict[str, int] = {}  # request id -> the deadline given, epoch ms
        self._fetched: dict[str, float] = {}  # request id -> when it was fetched, monotonic s
        self._changed = threading.Condition()
        self._closed = False
        self._server = _Server(("127.0.0.1", 0), self._handler(function_arn))
        self.port: int = self._server.server_address[1]
        # A short poll, so close() (shutdown) returns at once: ext.py closes one per invocation.
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def offer(self, request_id: str, event: bytes, deadline_in_ms: int) -> None:
        """Queues an invocation; its deadline is deadline_in_ms after the function fetches it."""
        with self._changed:
            self._pending.append((request_id, event, deadline_in_ms))
            self._changed.notify_all()

    def close(self) -> None:
        """Stops serving; a long poll still waiting answers 500."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._server.shutdown()
        self._server.server_close()

    def _next(self) -> tuple[str, bytes, int] | None:
        """The next invocation as (request id, event, deadline ms), or None after the long poll."""
        with self._changed:
            self._changed.wait_for(lambda: self._pending or self._closed, LONG_POLL_SECONDS)
            if not self._pending:
                return None
            request_id, event, deadline_in = self._pending.popleft()
            deadline_ms = int(time.time() * 1000) + deadline_in
            self._deadlines[request_id] = deadline_ms
            self._fetched[request_id] = time.monotonic()
            return request_id, event, deadline_ms

    def _posted(self, path: str, body: bytes) -> None:
        """Files what the function posted to `path` in `answers`."""
        posted_ms, posted_at = int(time.time() * 1000), time.monotonic()
        parts = path[len(PREFIX):].strip("/").split("/")
        request_id = None
        if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            kind, request_id = parts[2], parts[1]
        elif parts == ["init", "error"]:
            kind = "init_error"
        else:
            kind = "unexpected"
        with self._changed:
            deadline_ms = self._deadlines.get(request_id) if request_id else None
            fetched_at = self._fetched.get(request_id) if request_id else None
        self.answers.put(Answer(kind, request_id, body, deadline_ms, posted_ms, path, fetched_at, posted_at))

    def _handler(self, function_arn: str) -> type[BaseHTTPRequestHandler]:
        """The request handler class bound to this server."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body=b"", headers=()):
                try:
                    self.send_response(status)
                    for name, value in headers:
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the function is gone (killed while it polled)

            def do_GET(self):
                if self.path != f"{PREFIX}/invocation/next":
                    return self.reply(404)
                invocation = api._next()
                if invocation is None:
                    return self.reply(500)
                request_id, event, deadline_ms = invocation
                self.reply(200, event, [
                    ("Lambda-Runtime-Aws-Request-Id", request_id),
                    ("Lambda-Runtime-Deadline-Ms", str(deadline_ms)),
                    ("Lambda-Runtime-Invoked-Function-Arn", function_arn),
                    ("Lambda-Runtime-Trace-Id", TRACE_ID),
                    ("Content-Type", "application/json"),
                ])

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                api._posted(self.path, self.rfile.read(length))
                self.reply(202, b"{}")

        return Handler


def main():
    events = []
    for argument in sys.argv[1:]:
        path, _, deadline = argument.partition("@")
        events.append((open(path, "rb").read(), int(deadline or 60_000)))
    api = RuntimeApi()
    for index, (event, deadline_in) in enumerate(events):
        api.offer(f"request-{index}", event, deadline_in)
    print(api.port, flush=True)
    answered = 0
    give_up = time.monotonic() + 120  # for each answer
    while answered < len(events):
        try:
            answer = api.answers.get(timeout=max(0.0, give_up - time.monotonic()))
        except queue.Empty:
            print(json.dumps({"kind": "timeout"}), flush=True)
            break
        if answer.kind not in ("response", "error"):
            print(json.dumps({"kind": "unexpected", "path": answer.path,
                              "body": answer.body.decode(errors="replace")}), flush=True)
            continue
        try:
            parsed = json.loads(answer.body)
        except ValueError:
            parsed = answer.body.decode(errors="replace")
        print(json.dumps({"request_id": answer.request_id, "kind": answer.kind, "body": parsed,
                          "deadline_ms": answer.deadline_ms, "posted_ms": answer.posted_ms}), flush=True)
        answered += 1
        give_up = time.monotonic() + 120


if __name__ == "__main__":
    main()
