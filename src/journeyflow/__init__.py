"""journeyflow: customer journeys from web analytics, CRM, support and survey exports.

`journeyflow.open(warehouse)` opens a published warehouse read-only for notebooks (see journeyflow.api);
what its sandbox refuses raises `journeyflow.ReadOnlyRefused`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from journeyflow.api import ReadOnlyRefused, Warehouse, open  # noqa: A004

__all__ = ["ReadOnlyRefused", "Warehouse", "open"]


def __getattr__(name: str) -> Any:
    """Import the API lazily, so the pipeline and Dagster do not load it on `import journeyflow`."""
    if name in __all__:
        from journeyflow import api

        return getattr(api, name)
    raise AttributeError(f"module 'journeyflow' has no attribute {name!r}")
