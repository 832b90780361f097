"""vastgoed: property-risk signals for Dutch municipalities, with ethics built in.

The application package; see ``docs/architecture.md`` for the stages and their order.
"""

from __future__ import annotations

__all__: list[str] = []
