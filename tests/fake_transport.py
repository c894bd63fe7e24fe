"""An azure-core HTTP transport that answers from a table, for the dynamic providers' tests.

Everything above the transport is the real code: azure-core's pipeline (retry, bearer token,
headers), JSON handling, long-running-operation polling.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest
from azure.core.rest._http_response_impl import HttpResponseImpl

Answer = tuple[int, Any] | tuple[int, Any, dict[str, str]]
Handler = Callable[[HttpRequest], Answer]


class FakeCredential:
    """A token credential that never talks to Microsoft Entra."""

    def get_token(self, *scopes: str, **_kwargs: Any) -> AccessToken:
        return AccessToken(f"token-for-{scopes[0]}", 4_102_444_800)

    def get_token_info(self, *scopes: str, **_kwargs: Any) -> AccessTokenInfo:
        return AccessTokenInfo(f"token-for-{scopes[0]}", 4_102_444_800)


class _Response(HttpResponseImpl):
    def __init__(
        self, request: HttpRequest, status: int, body: Any, headers: dict[str, str]
    ) -> None:
        content = b"" if body is None else json.dumps(body).encode()
        super().__init__(
            request=request,
            internal_response=None,
            status_code=status,
            headers={"content-type": "application/json", **headers},
            reason={200: "OK", 201: "Created", 404: "Not Found"}.get(status, "Error"),
            content_type="application/json",
            stream_download_generator=None,
        )
        self._content = content
        self._is_closed = True
        self._is_stream_consumed = True


@dataclass
class Sent:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeTransport(HttpTransport):
    """Route ``(METHOD, path)`` to a handler, else to `fallback`; keep every request in `sent`."""

    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    fallback: Handler | None = None
    sent: list[Sent] = field(default_factory=list)

    def send(self, request: HttpRequest, **_kwargs: Any) -> _Response:  # type: ignore[override]
        url = urlsplit(request.url)
        content = request.content
        body = content if isinstance(content, bytes) else (content or "").encode()
        self.sent.append(Sent(request.method, url.path, url.query, dict(request.headers), body))
        handler = self.routes.get((request.method, url.path), self.fallback)
        if handler is None:
            return _Response(request, 404, {"error": {"code": "NotFound", "message": url.path}}, {})
        status, payload, *headers = handler(request)
        return _Response(request, status, payload, headers[0] if headers else {})

    def requests(self, method: str) -> list[Sent]:
        return [s for s in self.sent if s.method == method]

    def open(self) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> FakeTransport:
        return self

    def __exit__(self, *_args: object) -> None: ...
