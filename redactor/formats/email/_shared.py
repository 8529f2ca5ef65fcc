"""The shared text helpers this format uses (value matching, placeholders), in one place."""

from __future__ import annotations

from ...values import Withheld, find_values, reveal, withheld_values  # noqa: F401
from ..text import merged_spans, text_placeholder  # noqa: F401
