"""lockout-assistant: an offline voice assistant for renters locked out of their home."""

__version__ = "0.1.0"
