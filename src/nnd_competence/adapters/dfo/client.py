"""A small, careful HTTP client for the DFØ-SAP REST API (httpx).

* The API key goes in the ``X-Gravitee-Api-Key`` header; it is never logged or shown.
* A point-in-time read sends the date in a header (``dato``, as public clients of the API
  do) or, if configured, as a query parameter.
* Transient failures are retried with exponential backoff, a bounded number of times:
  timeouts and connection errors, 5xx and 429 answers (``Retry-After`` is honoured, up to
  the maximum delay), and any non-2xx answer that did not come from SAP (a proxy's error
  page: the ``Server`` header is checked for "SAP" before a non-2xx answer is trusted), as
  well as a 2xx answer whose body is not JSON.
* 404 from SAP means the object does not exist (None); 401/403 mean the key is wrong and
  stop the run; other 4xx from SAP mean the request was refused (``DfoRequestRefused``).
* Only paths (which carry ids, never personal data) and status codes are logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx

from nnd_competence.application.hr_source import HrSourceError, HrSourceUnavailable

log = logging.getLogger("nnd_competence.adapters.dfo")
log.addHandler(logging.NullHandler())  # a library: the application configures logging

API_KEY_HEADER = "X-Gravitee-Api-Key"


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all; waits ``base_delay`` · 2ⁿ between them, at most ``max_delay``."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        wait: float = self.base_delay * 2.0 ** (retry - 1)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return min(wait, self.max_delay)


@dataclass(frozen=True)
class DfoSettings:
    base_url: str
    api_key: str = field(repr=False)
    employees_path: str = "ansatte"
    positions_path: str = "stillinger"
    org_units_path: str = "orgenhet"
    date_header: str | None = "dato"
    date_param: str | None = None
    timeout: float = 30.0
    retry: RetryPolicy = RetryPolicy()
    server_marker: str = "SAP"


class DfoRequestRefused(HrSourceError):
    """SAP answered 4xx (other than 404) to a request: the request, not the network, is wrong."""

    def __init__(self, path: str, status: int) -> None:
        super().__init__(f"DFØ refused {path} with HTTP {status}")
        self.path = path
        self.status = status


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    return float(value) if value.isdigit() else None


class DfoClient:
    def __init__(
        self, settings: DfoSettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        if not settings.base_url.startswith(("http://", "https://")):
            raise HrSourceError(
                f"the DFØ base URL {settings.base_url!r} must start with http:// or https://"
            )
        if not settings.api_key:
            raise HrSourceError("no DFØ API key was given")
        self.settings = settings
        self._http = httpx.Client(
            base_url=settings.base_url.rstrip("/") + "/",
            headers={API_KEY_HEADER: settings.api_key, "Accept": "application/json"},
            timeout=settings.timeout,
            transport=transport,
            follow_redirects=False,
        )

    def path(self, collection: str, object_id: str | None = None) -> str:
        base = collection.strip("/")
        return base if object_id is None else f"{base}/{quote(object_id, safe='')}"

    def get(self, path: str, as_of: date | None = None) -> Any:
        """The JSON body of ``GET path``; None if SAP says the object does not exist."""
        headers: dict[str, str] = {}
        params: dict[str, str] = {}
        if as_of is not None:
            if self.settings.date_param:
                params[self.settings.date_param] = as_of.isoformat()
            if self.settings.date_header:
                headers[self.settings.date_header] = as_of.isoformat()
        retry = self.settings.retry
        for attempt in range(1, retry.attempts + 1):
            retry_after: float | None = None
            try:
                response = self._http.get(path, headers=headers, params=params)
            except httpx.TimeoutException:
                problem = "timed out"
            except httpx.TransportError as error:
                problem = f"could not connect ({type(error).__name__})"
            else:
                status = response.status_code
                from_sap = self.settings.server_marker.lower() in (
                    response.headers.get("server", "").lower()
                )
                log.debug("GET %s → %s (attempt %d)", path, status, attempt)
                if 200 <= status < 300:
                    try:
                        return response.json()
                    except ValueError:
                        problem = f"HTTP {status} with a body that is not JSON"
                elif status in (401, 403):
                    raise HrSourceError(
                        f"DFØ refused the API key (HTTP {status}) for {path}: check the key "
                        "and its subscription to this API"
                    )
                elif not from_sap:
                    problem = f"HTTP {status} from something other than SAP (a proxy?)"
                    retry_after = _retry_after(response)
                elif status == 404:
                    return None
                elif status == 429 or status >= 500:
                    problem = f"HTTP {status}"
                    retry_after = _retry_after(response)
                else:
                    raise DfoRequestRefused(path, status)
            if attempt == retry.attempts:
                break
            wait = retry.delay(attempt, retry_after)
            log.warning(
                "GET %s: %s; retry %d of %d in %.2fs",
                path,
                problem,
                attempt,
                retry.attempts - 1,
                wait,
            )
            retry.sleep(wait)
        raise HrSourceUnavailable(
            f"DFØ did not answer GET {path} after {retry.attempts} attempts (last: {problem})"
        )

    def close(self) -> None:
        self._http.close()
