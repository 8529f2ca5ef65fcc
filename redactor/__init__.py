"""redactor: batch redaction of public records for freedom-of-information release."""

__version__ = "0.1.0"
