"""The one bearer-token HTTP pipeline amlstack sends its own REST requests through (ARM and blob
storage): the dynamic providers' and the jobs package's raw reads. Plus Azure's error message.

A public module: the jobs package shares it. Imported inside the providers' methods, so that
loading a pickled provider stays cheap; a pickled provider names only its own class, never this
module (it was ``components._azure_rest`` before, and needs no alias under that name).
"""

from __future__ import annotations

from typing import Any

from azure.core import PipelineClient
from azure.core.pipeline import policies
from azure.core.rest import HttpRequest, HttpResponse

from components.errors import AmlStackError

__all__ = [
    "ARM_ENDPOINT",
    "ARM_SCOPE",
    "AzureRestError",
    "RestClient",
    "raise_for_status",
    "service_error",
]

ARM_ENDPOINT = "https://management.azure.com"
"""Azure Resource Manager (public cloud)."""
ARM_SCOPE = f"{ARM_ENDPOINT}/.default"
"""The token scope of ARM requests."""


class AzureRestError(AmlStackError):
    """Azure refused a request, or a long-running operation did not succeed."""


class RestClient:
    """Send requests to `base_url` with a Microsoft Entra token for `scope`.

    `transport` (an azure-core ``HttpTransport``) and `credential` default to the network and
    ``DefaultAzureCredential`` (Azure CLI login, ``AZURE_*`` environment variables, workload or
    managed identity); tests pass fakes.
    """

    def __init__(
        self,
        base_url: str,
        *,
        scope: str,
        transport: Any = None,
        credential: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if credential is None:
            from azure.identity import DefaultAzureCredential

            credential = DefaultAzureCredential(exclude_interactive_browser_credential=True)
        self.client: PipelineClient[HttpRequest, HttpResponse] = PipelineClient(
            base_url,
            policies=[
                policies.HeadersPolicy(headers or {}),
                policies.UserAgentPolicy("amlstack"),
                policies.RetryPolicy(),
                policies.BearerTokenCredentialPolicy(credential, scope),
            ],
            transport=transport,
        )

    def send(self, method: str, url: str, **kwargs: Any) -> HttpResponse:
        return self.client.send_request(HttpRequest(method, url, **kwargs))

    def close(self) -> None:
        """Close the transport's connections."""
        self.client.close()


def service_error(response: HttpResponse) -> str:
    """Azure's ``code: message`` for a refused request (the reason phrase when it sent none)."""
    try:
        payload = response.json()
        error = payload.get("error") or {} if isinstance(payload, dict) else {}
    except ValueError:
        error = {}
    code = error.get("code") or response.reason
    message = error.get("message") or response.headers.get("x-ms-error-code", "")
    return f"{code}: {message}".rstrip(": ")


def raise_for_status(response: HttpResponse, what: str) -> None:
    """Raise `AzureRestError` with Azure's error code and message for a 4xx/5xx answer."""
    if response.status_code >= 400:
        raise AzureRestError(f"{what}: {response.status_code} {service_error(response)}")
