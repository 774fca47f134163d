"""Fakes for what cannot exist here, shared by tests/ and tests/ui/ (``from fakes import ...``).

Only one: a chat-completions API. A paid model cannot be called and no grounded model installs
offline, so :class:`FakeChatAPI` speaks the OpenAI protocol on loopback and lets each test script
the reply from the passages it was sent. The client, ``ChatOpenAI``, and everything around it are
real.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

PASSAGE = re.compile(r'<passage n="(\d+)" source="(.*?)">\n(.*?)\n</passage>', re.S)


class FakeChatAPI:
    """An OpenAI-compatible ``/v1/chat/completions`` endpoint on loopback that records requests.

    ``reply`` maps the passages it was sent (number -> text) to the reply text; ``status`` other
    than 200 makes it fail like an overloaded service; ``delay`` seconds make it slow (a client
    timeout); ``raw`` bytes are sent as the whole 200 body instead of a chat completion (garbage).
    """

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.reply: Callable[[dict[int, str]], str] = lambda passages: ""
        self.status = 200
        self.delay = 0.0
        self.raw: bytes | None = None
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                api.requests.append(body)
                if api.delay:
                    time.sleep(api.delay)
                if api.raw is not None:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(api.raw)))
                    self.end_headers()
                    self.wfile.write(api.raw)
                    return
                if api.status != 200:
                    self._send(api.status, {"error": {"message": "the model is overloaded", "type": "server_error"}})
                    return
                user = body["messages"][-1]["content"]
                passages = {int(n): text for n, _, text in PASSAGE.findall(user)}
                content = api.reply(passages)
                self._send(200, {
                    "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": body["model"],
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                })

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def first_sentence(text: str) -> str:
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#")).strip()
    return re.split(r"(?<=[.!?])\s", body, maxsplit=1)[0].strip()
