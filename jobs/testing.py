"""Test helpers for code built on the jobs package: a fake Azure behind a real ``MLClient``.

`FakeAzure` is an azure-core transport: the real client (azure-ai-ml's, or amlstack's own REST
pipeline, `components.azure_rest`) builds, sends and parses every request, with retries, bearer
tokens and long-running-operation polling, and `FakeAzure` answers from canned JSON (e.g. the REST
examples of the Azure REST API specs) or from a handler, and records what was sent.
`StaticCredential` hands out a token that never expires::

    from jobs.testing import FakeAzure, fake_ml_client

    def test_reads_job_status(context):
        azure = FakeAzure()
        azure.respond("GET", r"/jobs/train-1\\?", {"name": "train-1", ...})
        ml_client = fake_ml_client(context, azure)
        assert ml_client.jobs.get("train-1").status == "Completed"
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest
from azure.core.rest._http_response_impl import HttpResponseImpl
from azure.core.utils import CaseInsensitiveDict

from jobs.context import StackContext

__all__ = [
    "Answer",
    "FakeAzure",
    "Handler",
    "Sent",
    "StaticCredential",
    "fake_ml_client",
    "fake_token",
]

Answer = tuple[int, Any] | tuple[int, Any, dict[str, str]]
"""A response: status, JSON body (None: no content) and, optionally, headers."""
Handler = Callable[[HttpRequest], Answer]
"""Answers one request (to compute the answer from the request, or to keep state)."""


def fake_token(*, audience: str = "https://management.azure.com/", tenant: str = "tenant") -> str:
    """An unsigned JWT with the claims azure-ai-ml reads (``aud``, ``tid``, ``oid``)."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    claims = {"aud": audience, "tid": tenant, "oid": "00000000-0000-0000-0000-0000000000aa"}
    header = {"alg": "none", "typ": "JWT"}
    return ".".join(
        part(x) for x in (json.dumps(header).encode(), json.dumps(claims).encode(), b"x")
    )


class StaticCredential:
    """A credential whose tokens never expire; ``scopes_seen`` records what was asked for."""

    def __init__(self, tenant: str = "tenant") -> None:
        self.tenant = tenant
        self.scopes_seen: list[str] = []

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        info = self.get_token_info(*scopes)
        return AccessToken(info.token, info.expires_on)

    def get_token_info(self, *scopes: str, **_: Any) -> AccessTokenInfo:
        self.scopes_seen += scopes
        audience = scopes[0].removesuffix("/.default") if scopes else ""
        return AccessTokenInfo(fake_token(audience=audience, tenant=self.tenant), 2**31 - 1)


@dataclass(frozen=True)
class Sent:
    """One request the client sent."""

    method: str
    url: str
    body: Any
    """The content: parsed JSON, else text, else bytes (None without content)."""
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> str:
        return urlsplit(self.url).query


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


@dataclass
class FakeAzure(HttpTransport):  # type: ignore[type-arg]
    """Answers requests whose method and URL match a route; unmatched ones get a 404."""

    routes: list[_Route] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)

    def respond(
        self,
        method: str,
        url_pattern: str,
        *bodies: Any,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer with `bodies` in turn (the last one repeats); newer routes win."""
        answers: list[Answer] = [(status, body, headers or {}) for body in (bodies or (None,))]

        def next_answer(_request: HttpRequest) -> Answer:
            return answers.pop(0) if len(answers) > 1 else answers[0]

        self.handle(method, url_pattern, next_answer)

    def handle(self, method: str, url_pattern: str, handler: Handler) -> None:
        """Answer requests whose URL matches `url_pattern` with ``handler(request)``; newer
        routes win."""
        self.routes.insert(0, _Route(method.upper(), re.compile(url_pattern), handler))

    def requests_to(self, method: str, url_pattern: str = "") -> list[Sent]:
        """The requests sent with `method` to a URL that matches `url_pattern`."""
        pattern = re.compile(url_pattern)
        return [s for s in self.sent if s.method == method.upper() and pattern.search(s.url)]

    def send(self, request: HttpRequest, **_kwargs: Any) -> HttpResponseImpl:
        body = _decode(getattr(request, "content", None) or getattr(request, "data", None))
        self.sent.append(Sent(request.method, request.url, body, dict(request.headers)))
        for route in self.routes:
            if route.method == request.method and route.pattern.search(request.url):
                status, answer, *headers = route.handler(request)
                return _response(request, status, answer, headers[0] if headers else {})
        error = {"error": {"code": "NotFound", "message": f"no fake for {request.url}"}}
        return _response(request, 404, error, {})

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def __enter__(self) -> FakeAzure:
        return self

    def __exit__(self, *args: object) -> None:
        return None


def fake_ml_client(context: StackContext, azure: FakeAzure, **kwargs: Any) -> Any:
    """An ``MLClient`` for the stack's workspace that talks to `azure` only."""
    from azure.ai.ml import MLClient

    return MLClient(
        StaticCredential(),
        context.subscription_id,
        context.resource_group,
        context.workspace_name,
        transport=azure,
        **kwargs,
    )


def _decode(content: Any) -> Any:
    if content is None:
        return None
    try:
        text = content.decode() if isinstance(content, bytes) else content
    except UnicodeDecodeError:
        return content
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _response(
    request: HttpRequest, status: int, body: Any, headers: dict[str, str]
) -> HttpResponseImpl:
    response = HttpResponseImpl(
        request=request,
        internal_response=_Closed(),
        status_code=status,
        reason="OK" if status < 400 else "Error",
        content_type="application/json",
        headers=CaseInsensitiveDict({"content-type": "application/json", **headers}),
        stream_download_generator=_no_stream,
    )
    if body is None:
        response._content = b""
    else:
        response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return response


class _Closed:
    def close(self) -> None:
        return None


def _no_stream(**_: Any) -> Iterator[bytes]:
    return iter(())
