"""Plain authenticated GETs, for what azure-ai-ml cannot read (MLflow metrics, raw compute state).

azure-ai-ml 1.35.2 raises ``AttributeError`` parsing a compute whose response has no inner
``properties`` yet (a cluster still ``Creating``, the REST example ``BasicAmlCompute``), so the
state of a compute is read from the raw ARM response here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpResponse

from components.azure_rest import ARM_ENDPOINT, ARM_SCOPE, RestClient, service_error
from jobs.errors import JobError

__all__ = ["COMPUTE_API_VERSION", "compute_state", "get_json", "json_of"]

COMPUTE_API_VERSION = "2025-12-01"


def get_json(
    url: str, credential: TokenCredential, *, transport: HttpTransport[Any, Any] | None = None
) -> Any:
    """GET `url` with an ARM token; HTTP errors become `JobError` with the service's message."""
    rest = RestClient(url, scope=ARM_SCOPE, transport=transport, credential=credential)
    try:
        response = rest.send("GET", url)
    finally:
        rest.close()
    return json_of(response, f"GET {url.split('?', maxsplit=1)[0]}")


def json_of(
    response: HttpResponse, what: str, *, error: Callable[[HttpResponse], str] = service_error
) -> Any:
    """The JSON body of `response`; an HTTP error (``<what> failed: <error(response)>``) or a
    body that is not JSON becomes `JobError`."""
    if response.status_code >= 400:
        raise JobError(f"{what} failed: {error(response)}")
    try:
        return response.json()
    except ValueError:
        raise JobError(f"{what}: the response is not JSON") from None


def compute_state(
    compute_id: str,
    credential: TokenCredential,
    *,
    transport: HttpTransport[Any, Any] | None = None,
) -> str:
    """``provisioningState`` of a compute (``Creating``, ``Succeeded``, ``Failed``, ...)."""
    document = get_json(
        f"{ARM_ENDPOINT}{compute_id}?api-version={COMPUTE_API_VERSION}",
        credential,
        transport=transport,
    )
    properties = document.get("properties") if isinstance(document, dict) else None
    state = properties.get("provisioningState") if isinstance(properties, dict) else None
    return str(state or "Unknown")
