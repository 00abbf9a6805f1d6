"""A local OpenAI-compatible chat server for tests: real sockets, scripted replies and faults."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that timed out and left is a scripted fault, not a test failure


class FakeOpenAI:
    """Serves /chat/completions from a script: each entry is a reply dict or a fault; or, when
    the script is a function, from what it returns for each request body (it is called from
    the server's threads).

    Entries: {"content": str, "usage": dict, "reasoning_content": str} for a completion
    (without "usage", the reply carries none), {"status": int, "headers": dict, "message": str}
    for an error response, {"raw": bytes} for a malformed body. Any entry may add
    {"delay": seconds}: the server waits that long before answering (a hang, when longer than
    the client's timeout), or {"trickle": seconds, "interval": seconds}: the server sends its
    headers at once, then a blank line every interval for that long before the body, as
    DeepSeek keeps a waiting request alive. Past the end of the script, every request gets a
    500.

    Each completion has an id of its own ("c1", "c2", ...), and the server keeps its bill:
    `billed` holds (id, model, usage) of every completion it sent, when it sent it, whether or
    not the client was still there to read it.
    """

    def __init__(self, script):
        self.script = script if callable(script) else list(script)
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.billed: list[tuple[str, str, dict]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if callable(server.script):
                    entry = server.script(body)
                with server._lock:
                    server.requests.append(body)
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                    if not callable(server.script):
                        entry = server.script.pop(0) if server.script else {"status": 500}
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    server._stop.wait(entry.get("delay", 0))
                    if "trickle" in entry:
                        return self._trickle(entry, body)
                    self._reply(entry, body)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _trickle(self, entry, request):
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("connection", "close")
                self.end_headers()
                self.close_connection = True
                deadline = time.monotonic() + entry["trickle"]
                while time.monotonic() < deadline and not server._stop.is_set():
                    self.wfile.write(b"\n")
                    self.wfile.flush()
                    server._stop.wait(entry.get("interval", 0.1))
                self.wfile.write(json.dumps(self._completion(entry, request)).encode())

            def _reply(self, entry, request):
                if "raw" in entry:
                    return self._send(200, entry["raw"], {})
                if "status" in entry:
                    body = json.dumps(
                        {"error": {"message": entry.get("message", "scripted"), "type": "scripted"}}
                    ).encode()
                    return self._send(entry["status"], body, entry.get("headers", {}))
                self._send(200, json.dumps(self._completion(entry, request)).encode(), {})

            def _completion(self, entry, request):
                message = {"role": "assistant", "content": entry["content"]}
                if "reasoning_content" in entry:
                    message["reasoning_content"] = entry["reasoning_content"]
                with server._lock:
                    reply_id = f"c{len(server.billed) + 1}"
                    server.billed.append((reply_id, request.get("model", "m"), entry.get("usage")))
                body = {
                    "id": reply_id,
                    "object": "chat.completion",
                    "created": 0,
                    "model": request.get("model", "m"),
                    "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
                }
                if entry.get("usage") is not None:
                    body["usage"] = entry["usage"]
                return body

            def _send(self, status, body, headers):
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        # A short poll keeps shutdown, and so each test, quick.
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()  # release handlers still sleeping in a scripted hang
        self.httpd.shutdown()
        self.httpd.server_close()


def deepseek_usage(hit: int, miss: int, output: int, reasoning: int = 0) -> dict:
    return {
        "prompt_tokens": hit + miss,
        "completion_tokens": output,
        "total_tokens": hit + miss + output,
        "prompt_cache_hit_tokens": hit,
        "prompt_cache_miss_tokens": miss,
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }


def openai_usage(prompt: int, cached: int, output: int, reasoning: int = 0) -> dict:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": output,
        "total_tokens": prompt + output,
        "prompt_tokens_details": {"cached_tokens": cached},
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }
