"""redactor: batch redaction of public records for freedom-of-information release.

As a library: ``redactor.run(inputs, out, Settings(...))`` (see ``redactor.pipeline``)."""

__version__ = "0.1.0"

from .settings import Settings  # noqa: E402
from .pipeline import RunOutcome, run  # noqa: E402

__all__ = ["Settings", "RunOutcome", "run", "__version__"]
