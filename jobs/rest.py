"""Plain authenticated GETs, for what azure-ai-ml cannot read (MLflow metrics, raw compute state).

azure-ai-ml 1.35.2 raises ``AttributeError`` parsing a compute whose response has no inner
``properties`` yet (a cluster still ``Creating``, the REST example ``BasicAmlCompute``), so the
state of a compute is read from the raw ARM response here.
"""

from __future__ import annotations

from typing import Any

from azure.core import PipelineClient
from azure.core.credentials import TokenCredential
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.policies import BearerTokenCredentialPolicy, RetryPolicy
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest

from components.errors import JobError

__all__ = ["COMPUTE_API_VERSION", "compute_state", "get_json"]

COMPUTE_API_VERSION = "2025-12-01"
_ARM = "https://management.azure.com"
_ARM_SCOPE = "https://management.azure.com/.default"


def get_json(
    url: str, credential: TokenCredential, *, transport: HttpTransport[Any, Any] | None = None
) -> Any:
    """GET `url` with an ARM token; HTTP errors become `JobError` with the service's message."""
    client: PipelineClient[HttpRequest, Any] = PipelineClient(
        base_url=url,
        policies=[RetryPolicy(), BearerTokenCredentialPolicy(credential, _ARM_SCOPE)],
        transport=transport,
    )
    with client:
        response = client.send_request(HttpRequest("GET", url))
    try:
        response.raise_for_status()
        return response.json()
    except HttpResponseError as error:
        raise JobError(
            f"GET {url.split('?', maxsplit=1)[0]} failed: {_service_message(response)}"
        ) from error
    except ValueError:
        raise JobError(f"GET {url.split('?', maxsplit=1)[0]}: the response is not JSON") from None


def compute_state(
    compute_id: str,
    credential: TokenCredential,
    *,
    transport: HttpTransport[Any, Any] | None = None,
) -> str:
    """``provisioningState`` of a compute (``Creating``, ``Succeeded``, ``Failed``, ...)."""
    document = get_json(
        f"{_ARM}{compute_id}?api-version={COMPUTE_API_VERSION}", credential, transport=transport
    )
    properties = document.get("properties") if isinstance(document, dict) else None
    state = properties.get("provisioningState") if isinstance(properties, dict) else None
    return str(state or "Unknown")


def _service_message(response: Any) -> str:
    try:
        error = response.json().get("error", {})
        return f"{error.get('code', response.status_code)}: {error.get('message', '')}".strip()
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}"
