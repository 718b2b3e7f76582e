"""Test-wide settings."""

import os

# PTB 22 warns when RetryAfter.retry_after is read as an int; opt in to timedelta values.
os.environ.setdefault("PTB_TIMEDELTA", "1")
