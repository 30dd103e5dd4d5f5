"""Control Tower proactive controls a resource need not meet, declared with the reason why.

A declaration sits in the resource's own Metadata, in the shape of its checkov skips, under the
key the AWS Guard rules registry reads for suppressions::

    Metadata:
      guard:
        SuppressedRules:
          - id: CT.S3.PR.9
            comment: one line a reviewer can accept

Control Tower's rules do not read Metadata themselves; ``products.gates.control_tower`` honours
each declaration for that resource and control only, and fails one without a reason.
"""

from __future__ import annotations

import re

from troposphere import AWSObject

#: Metadata key and list the declarations live under (the Guard rules registry's names).
GUARD_METADATA_KEY = "guard"
SUPPRESSED_RULES_KEY = "SuppressedRules"

#: A proactive control's ID, as the Control Tower control reference and the rule pack name it.
CONTROL_ID = re.compile(r"CT\.[A-Z0-9-]+\.PR\.[0-9]+")


def declare_not_applicable(resource: AWSObject, control_id: str, reason: str) -> AWSObject:
    """Record that ``control_id`` does not apply to ``resource``, with the reason to review."""
    if not CONTROL_ID.fullmatch(control_id):
        raise ValueError(f"{control_id!r} is not a proactive control ID (CT.<SERVICE>.PR.<n>)")
    if not reason.strip():
        raise ValueError(f"{control_id}: a declaration needs a reason")
    metadata = dict(getattr(resource, "Metadata", None) or {})
    guard = dict(metadata.get(GUARD_METADATA_KEY, {}))
    declarations = [*guard.get(SUPPRESSED_RULES_KEY, []), {"id": control_id, "comment": reason}]
    guard[SUPPRESSED_RULES_KEY] = sorted(declarations, key=lambda declared: declared["id"])
    metadata[GUARD_METADATA_KEY] = guard
    resource.Metadata = metadata
    return resource
