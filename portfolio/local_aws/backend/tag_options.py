"""TagOption operations, and their association with portfolios and products."""

from __future__ import annotations

from typing import Any

from portfolio.local_aws import settings
from portfolio.local_aws.backend.paging import page_of, page_response
from portfolio.local_aws.backend.state import CatalogState
from portfolio.local_aws.exceptions import (
    DuplicateResource,
    InvalidParameters,
    InvalidState,
    LimitExceeded,
    ResourceInUse,
    ResourceNotFound,
)
from portfolio.local_aws.models import Portfolio, Product, TagOption, new_id


class TagOptionOperations(CatalogState):
    """TagOptions (unique key/value pairs) and the resources they are associated with."""

    def _check_unique_tag_option(self, key: str, value: str, other_than: str = "") -> None:
        for tag_option in self.tag_options.values():
            if tag_option.key == key and tag_option.value == value and tag_option.id != other_than:
                raise DuplicateResource(
                    f"TagOption with key {key} and value {value} already exists ({tag_option.id})."
                )

    def create_tag_option(self, key: str, value: str) -> dict[str, Any]:
        self._check_unique_tag_option(key, value)
        tag_option = TagOption(
            id=new_id("tag-"), key=key, value=value, active=True, owner=self.account_id
        )
        self.tag_options[tag_option.id] = tag_option
        return {"TagOptionDetail": tag_option.detail()}

    def describe_tag_option(self, id: str) -> dict[str, Any]:
        return {"TagOptionDetail": self._tag_option(id).detail()}

    def list_tag_options(
        self,
        filters: dict[str, Any] | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> dict[str, Any]:
        wanted = filters or {}
        details = [
            tag_option.detail()
            for tag_option in self.tag_options.values()
            if wanted.get("Key", tag_option.key) == tag_option.key
            and wanted.get("Value", tag_option.value) == tag_option.value
            and wanted.get("Active", tag_option.active) == tag_option.active
        ]
        page = page_of(details, page_size, page_token)
        return page_response("TagOptionDetails", "PageToken", page)

    def update_tag_option(
        self, id: str, value: str | None = None, active: bool | None = None
    ) -> dict[str, Any]:
        tag_option = self._tag_option(id)
        if value is not None:
            self._check_unique_tag_option(tag_option.key, value, other_than=id)
            tag_option.value = value
        if active is not None:
            tag_option.active = active
        return {"TagOptionDetail": tag_option.detail()}

    def delete_tag_option(self, id: str) -> dict[str, Any]:
        self._tag_option(id)
        users = [resource for resource, linked in self.tag_option_links.items() if id in linked]
        if users:
            raise ResourceInUse(f"TagOption {id} is associated with {users}.")
        del self.tag_options[id]
        return {}

    def _tag_option_resource(self, resource_id: str) -> Portfolio | Product:
        resource = self.portfolios.get(resource_id) or self.products.get(resource_id)
        if resource is None:
            raise ResourceNotFound(f"Resource {resource_id} not found.")
        return resource

    def associate_tag_option_with_resource(
        self, resource_id: str, tag_option_id: str
    ) -> dict[str, Any]:
        self._tag_option_resource(resource_id)
        tag_option = self._tag_option(tag_option_id)
        linked = self.tag_option_links.setdefault(resource_id, [])
        if tag_option_id in linked:
            raise DuplicateResource(
                f"TagOption {tag_option_id} is already associated with {resource_id}."
            )
        if not tag_option.active:
            raise InvalidState(f"TagOption {tag_option_id} is not active.")
        limit = settings.MAX_TAG_OPTIONS_PER_RESOURCE
        if len(linked) >= limit:
            raise LimitExceeded(f"Resource {resource_id} already has {limit} TagOptions")
        linked.append(tag_option_id)
        return {}

    def disassociate_tag_option_from_resource(
        self, resource_id: str, tag_option_id: str
    ) -> dict[str, Any]:
        linked = self.tag_option_links.get(resource_id, [])
        if tag_option_id not in linked:
            raise ResourceNotFound(
                f"TagOption {tag_option_id} is not associated with resource {resource_id}."
            )
        linked.remove(tag_option_id)
        return {}

    def list_resources_for_tag_option(
        self,
        tag_option_id: str,
        resource_type: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> dict[str, Any]:
        self._tag_option(tag_option_id)
        kinds: dict[str, type[Portfolio] | type[Product]] = {
            "Portfolio": Portfolio,
            "Product": Product,
        }
        if resource_type is not None and resource_type not in kinds:
            raise InvalidParameters(f"ResourceType {resource_type!r} must be Portfolio or Product")
        details = []
        for resource_id, linked in self.tag_option_links.items():
            resource = self.portfolios.get(resource_id) or self.products.get(resource_id)
            if tag_option_id not in linked or resource is None:
                continue
            if resource_type is None or isinstance(resource, kinds[resource_type]):
                details.append(resource.resource_detail())
        page = page_of(details, page_size, page_token)
        return page_response("ResourceDetails", "PageToken", page)
