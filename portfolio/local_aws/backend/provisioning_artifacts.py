"""Provisioning artifact (product version) operations, and how a new one is made."""

from __future__ import annotations

from typing import Any

from portfolio.local_aws import settings
from portfolio.local_aws.backend.state import CatalogState
from portfolio.local_aws.cfn_templates import (
    parse_template,
    s3_location,
    s3_object_body,
    template_parameters,
)
from portfolio.local_aws.exceptions import InvalidParameters, LimitExceeded, ResourceNotFound
from portfolio.local_aws.models import Product, ProvisioningArtifact, new_id, utc_now


def new_artifact(
    product_type: str, parameters: dict[str, Any], existing: dict[str, ProvisioningArtifact]
) -> ProvisioningArtifact:
    """A new version of a product of ``product_type``, from CreateProduct's or
    CreateProvisioningArtifact's parameters; ``existing`` versions keep their names unique."""
    artifact_type = parameters.get("Type", "CLOUD_FORMATION_TEMPLATE")
    if artifact_type != product_type:
        raise InvalidParameters(
            f"Provisioning artifact Type {artifact_type} does not match ProductType {product_type}"
        )
    name = parameters.get("Name")
    if name is not None and any(a.name == name for a in existing.values()):
        raise InvalidParameters(f"A provisioning artifact named {name} already exists.")
    info = parameters.get("Info") or {}
    template = _artifact_template(
        info, product_type, bool(parameters.get("DisableTemplateValidation"))
    )
    return ProvisioningArtifact(
        id=new_id("pa-"),
        name=name,
        description=parameters.get("Description"),
        type=artifact_type,
        created_time=utc_now(),
        info=dict(info),
        template=template,
    )


def _artifact_template(
    info: dict[str, str], product_type: str, skip_validation: bool
) -> dict[str, Any] | None:
    """The parsed template an artifact's Info points at: None for a URL outside S3, for an
    imported stack, or when validation is off; InvalidParameters when S3 has no such object."""
    sources = [key for key in ("LoadTemplateFromURL", "ImportFromPhysicalId") if key in info]
    if len(sources) != 1:
        raise InvalidParameters(
            "Info must contain exactly one of LoadTemplateFromURL or ImportFromPhysicalId"
        )
    url = info.get("LoadTemplateFromURL")
    location = s3_location(url) if url else None
    if location is None:
        return None
    body = s3_object_body(*location)
    if body is None:
        raise InvalidParameters(
            f"Unable to fetch the template from {url}: the S3 object does not exist."
        )
    if product_type != "CLOUD_FORMATION_TEMPLATE" or skip_validation:
        return None
    return parse_template(body)


class ProvisioningArtifactOperations(CatalogState):
    """Create, describe (polled: CREATING, then AVAILABLE or FAILED), list, update, delete."""

    def _artifact(self, product: Product, artifact_id: str) -> ProvisioningArtifact:
        artifact = product.artifacts.get(artifact_id)
        if artifact is None:
            raise ResourceNotFound(
                f"Provisioning artifact {artifact_id} not found for product {product.id}."
            )
        return artifact

    def _artifact_by_name(self, product: Product, name: str) -> ProvisioningArtifact:
        matches = [a for a in product.artifacts.values() if a.name == name]
        if not matches:
            raise ResourceNotFound(f"Provisioning artifact with name {name} not found.")
        if len(matches) > 1:
            raise InvalidParameters(f"Multiple Provisioning Artifact with name {name} found.")
        return matches[0]

    def _product_of_artifact(self, artifact_id: str) -> Product:
        for product in self.products.values():
            if artifact_id in product.artifacts:
                return product
        raise ResourceNotFound(f"Provisioning artifact {artifact_id} not found.")

    def create_provisioning_artifact(
        self,
        product_id: str,
        parameters: dict[str, Any],
        idempotency_token: str | None = None,
    ) -> dict[str, Any]:
        product = self._product(product_id)

        def create() -> str:
            if len(product.artifacts) >= settings.MAX_ARTIFACTS_PER_PRODUCT:
                raise LimitExceeded(
                    f"Product {product_id} already has {settings.MAX_ARTIFACTS_PER_PRODUCT} "
                    "provisioning artifacts"
                )
            artifact = new_artifact(product.product_type, parameters, product.artifacts)
            product.artifacts[artifact.id] = artifact
            return artifact.id

        token = f"{product_id}/{idempotency_token}" if idempotency_token else None
        artifact = self._artifact(
            product, self._idempotent("CreateProvisioningArtifact", token, create)
        )
        return {
            "ProvisioningArtifactDetail": artifact.detail(),
            "Info": artifact.public_info(),
            "Status": artifact.status,
        }

    def describe_provisioning_artifact(
        self,
        provisioning_artifact_id: str | None = None,
        product_id: str | None = None,
        provisioning_artifact_name: str | None = None,
        product_name: str | None = None,
        include_provisioning_artifact_parameters: bool | None = None,
    ) -> dict[str, Any]:
        if provisioning_artifact_id is None and provisioning_artifact_name is None:
            raise InvalidParameters(
                "Either ProvisioningArtifactId or ProvisioningArtifactName must be specified."
            )
        if product_id is not None:
            product = self._product(product_id)
        elif product_name is not None:
            product = self._product_by_name(product_name)
        elif provisioning_artifact_id is not None:
            product = self._product_of_artifact(provisioning_artifact_id)
        else:
            raise InvalidParameters("Either ProductId or ProductName must be specified.")
        artifact = (
            self._artifact(product, provisioning_artifact_id)
            if provisioning_artifact_id is not None
            else self._artifact_by_name(product, provisioning_artifact_name or "")
        )
        response: dict[str, Any] = {
            "ProvisioningArtifactDetail": artifact.detail(),
            "Info": artifact.public_info(),
            "Status": artifact.observe(),
        }
        if include_provisioning_artifact_parameters and artifact.template is not None:
            response["ProvisioningArtifactParameters"] = template_parameters(artifact.template)
        return response

    def list_provisioning_artifacts(self, product_id: str) -> dict[str, Any]:
        product = self._product(product_id)
        return {"ProvisioningArtifactDetails": [a.detail() for a in product.artifacts.values()]}

    def update_provisioning_artifact(
        self,
        product_id: str,
        provisioning_artifact_id: str,
        name: str | None = None,
        description: str | None = None,
        active: bool | None = None,
        guidance: str | None = None,
    ) -> dict[str, Any]:
        product = self._product(product_id)
        artifact = self._artifact(product, provisioning_artifact_id)
        if name is not None and any(
            other.name == name and other.id != artifact.id for other in product.artifacts.values()
        ):
            raise InvalidParameters(f"A provisioning artifact named {name} already exists.")
        changes = {"name": name, "description": description, "active": active, "guidance": guidance}
        for attribute, value in changes.items():
            if value is not None:
                setattr(artifact, attribute, value)
        return {
            "ProvisioningArtifactDetail": artifact.detail(),
            "Info": artifact.public_info(),
            "Status": artifact.status,
        }

    def delete_provisioning_artifact(
        self, product_id: str, provisioning_artifact_id: str
    ) -> dict[str, Any]:
        product = self._product(product_id)
        self._artifact(product, provisioning_artifact_id)
        if len(product.artifacts) == 1:
            raise InvalidParameters(
                f"Provisioning artifact {provisioning_artifact_id} is the last one of product "
                f"{product_id} and cannot be deleted."
            )
        del product.artifacts[provisioning_artifact_id]
        return {}
