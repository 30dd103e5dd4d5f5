"""How the local Service Catalog behaves where a test may want it otherwise: polling, timing,
Organizations access of a new backend, and AWS's quotas.

Every module reads these as ``settings.NAME`` when an operation runs, so a test changes the
behaviour with ``monkeypatch.setattr(settings, "NAME", value)``.
"""

from __future__ import annotations

import time

PENDING_DESCRIBES = 1
"""How many status polls see an artifact CREATING / a share IN_PROGRESS before it completes."""

SHARE_SETTLE_SECONDS = 5.0
"""Wall-clock time after which a share operation completes even if nobody polled it."""

ORGANIZATIONS_ACCESS = "ENABLED"
"""GetAWSOrganizationsAccessStatus of a new backend (ENABLED | UNDER_CHANGE | DISABLED)."""

MAX_ARTIFACTS_PER_PRODUCT = 100
MAX_PRODUCTS_PER_PORTFOLIO = 150
MAX_PRINCIPALS_PER_PORTFOLIO = 100
MAX_IAM_PATTERN_PRINCIPALS_PER_PORTFOLIO = 10
MAX_TAG_OPTIONS_PER_RESOURCE = 25
MAX_CONSTRAINTS_PER_PRODUCT_PER_PORTFOLIO = 100
MAX_TAGS_PER_RESOURCE = 20
DEFAULT_PAGE_SIZE = 20


def clock() -> float:
    """Seconds on a monotonic clock (tests replace it to move time on)."""
    return time.monotonic()


STACK_SET_BATCH_SECONDS = 0.05
"""Wall-clock time a StackSet operation takes per batch of accounts (0: every batch at once)."""

STACK_SET_SETTLE_SECONDS = 30.0
"""Wall-clock time after which a StackSet operation nobody polls completes (at the next request)."""
