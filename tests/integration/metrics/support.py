"""Reading a worker's ``/metrics`` in tests: one scrape as ``{(name, labels): value}``."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

Sample = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(url: str, **kwargs: Any) -> Sample:
    """Every sample of ``url``/metrics (the body must parse as Prometheus text)."""
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"{url}/metrics", **kwargs)
    response.raise_for_status()
    assert response.headers["content-type"].startswith("text/plain")
    out: Sample = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(samples: Sample, name: str, **labels: str | int) -> float | None:
    """The sample ``name`` with exactly ``labels``, or None."""
    key = (name, frozenset((k, str(v)) for k, v in labels.items()))
    return samples.get(key)


def names(samples: Sample, **labels: str) -> set[str]:
    """Names of the samples that carry all of ``labels``."""
    want = set(labels.items())
    return {name for name, lbls in samples if want <= set(lbls)}
