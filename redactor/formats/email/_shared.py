"""The shared text helpers this format uses (value matching, placeholders), in one place."""

from __future__ import annotations

try:
    from ...values import find_values, withheld_values  # noqa: F401
except ImportError:  # pragma: no cover - before the values module
    from ...verify import find_values, withheld_values  # noqa: F401
try:
    from ..text import merged_spans, text_placeholder  # noqa: F401
except ImportError:  # pragma: no cover
    from ...redact import merged_spans, text_placeholder  # noqa: F401
