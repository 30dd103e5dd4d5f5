"""Build-time choices of the complete stack: the modules' own options, kept consistent."""

from __future__ import annotations

from dataclasses import dataclass, field

from products.bucket import BucketOptions
from products.building_blocks.errors import GeneratorOptionError
from products.distribution import DistributionOptions
from products.integration_role import IntegrationRoleOptions
from products.key_pair import KeyPairOptions
from products.metadata_table import MetadataTableOptions


@dataclass(frozen=True)
class CompleteStackOptions:
    """One options object per module; what two modules must agree on is checked here."""

    key_pair: KeyPairOptions = field(default_factory=KeyPairOptions)
    bucket: BucketOptions = field(default_factory=BucketOptions)
    distribution: DistributionOptions = field(default_factory=DistributionOptions)
    metadata_table: MetadataTableOptions = field(default_factory=MetadataTableOptions)
    integration_role: IntegrationRoleOptions = field(default_factory=IntegrationRoleOptions)

    def __post_init__(self) -> None:
        prefixes = {
            "bucket": self.bucket.upload_prefix,
            "distribution": self.distribution.upload_prefix,
            "integration_role": self.integration_role.upload_prefix,
        }
        if len(set(prefixes.values())) > 1:
            given = ", ".join(f"{module} {prefix!r}" for module, prefix in prefixes.items())
            raise GeneratorOptionError(
                f"complete stack: upload_prefix differs ({given}): the bucket policy, the "
                "upload behavior and the role's inbox grants must name the same prefix"
            )

    @property
    def upload_prefix(self) -> str:
        return self.bucket.upload_prefix
