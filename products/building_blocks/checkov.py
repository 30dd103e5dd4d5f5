"""Justified security-scanner skips, recorded in the resource's own Metadata."""

from __future__ import annotations

from troposphere import AWSObject

from products.building_blocks.errors import TemplateDefinitionError


def skip_checkov(resource: AWSObject, check_id: str, reason: str) -> AWSObject:
    """Record that ``check_id`` does not apply to ``resource``, with the reviewer-facing reason."""
    if not reason.strip():
        raise TemplateDefinitionError(f"{check_id}: a skip needs a reason")
    metadata = dict(getattr(resource, "Metadata", None) or {})
    checkov = dict(metadata.get("checkov", {}))
    skips = [*checkov.get("skip", []), {"id": check_id, "comment": reason}]
    checkov["skip"] = sorted(skips, key=lambda skip: skip["id"])
    metadata["checkov"] = checkov
    resource.Metadata = metadata
    return resource
