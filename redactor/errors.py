"""The error hierarchy. Each user-facing error has an exit code and a one-line message.

A failure inside one document is caught by the batch and recorded for that document; only
errors about the run itself (bad arguments, bad policy) end the run.
"""

from __future__ import annotations


class RedactorError(Exception):
    """Base class: a problem a user can act on (not a bug)."""

    exit_code = 1


class UsageError(RedactorError):
    """The command line asks for something that cannot be done (e.g. OUTDIR inside INPUT)."""

    exit_code = 2


class PolicyError(RedactorError):
    """The disclosure policy file is malformed or inconsistent."""

    exit_code = 3


class BadInputError(RedactorError):
    """One input document cannot be read (corrupt, encrypted, unsupported)."""


class UnsupportedContentError(BadInputError):
    """The document uses a construct the removal engine cannot redact safely."""


class VerificationError(RedactorError):
    """A release copy still carries withheld content: it must not be released."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"verification failed: {problems[0]}{more}")


# Exit codes of the CLI, documented in the README.
EXIT_OK = 0
EXIT_DOCUMENT_FAILED = 1
EXIT_USAGE = 2
EXIT_POLICY = 3
EXIT_NEEDS_REVIEW = 4
