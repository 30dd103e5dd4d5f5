"""Names and patterns the publisher uses in more than one place: their one home.

Everything here is a fact about AWS naming or about this project's own resource names; modules
import it instead of writing it again.
"""

from __future__ import annotations

#: An AWS region name (commercial, GovCloud and ISO partitions): us-east-1, us-gov-west-1, ...
REGION = r"[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}"
