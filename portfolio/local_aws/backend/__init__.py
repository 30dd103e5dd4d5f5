"""The Service Catalog backend: one ``LocalServiceCatalogBackend`` per account and region.

moto's Service Catalog knows only portfolios, shares and products. This backend implements
every operation the publisher uses with AWS's request/response shapes and documented errors, one
mixin per resource family, all working on ``CatalogState``:

- ``portfolios``, ``products``, ``provisioning_artifacts``, ``constraints``, ``tag_options``,
  ``principals``: the operations of each resource family;
- ``shares`` (account and organization node shares, accepting them) and
  ``organizations_access`` (AWS Organizations access, ListPortfolioAccess);
- ``state`` (what a backend holds, lookups), ``paging`` and ``tags`` (shared response helpers).

Each public method is one API operation (``OPERATIONS``, snake_case): keyword arguments are the
request members in snake_case (nested values keep AWS's names), the return value is the
response document. ``portfolio.local_aws.responses`` routes moto's requests to them.
"""

from __future__ import annotations

from moto.core.base_backend import BackendDict

from portfolio.local_aws.backend.constraints import ConstraintOperations
from portfolio.local_aws.backend.organizations_access import OrganizationsAccessOperations
from portfolio.local_aws.backend.portfolios import PortfolioOperations
from portfolio.local_aws.backend.principals import PrincipalOperations
from portfolio.local_aws.backend.products import ProductOperations
from portfolio.local_aws.backend.provisioning_artifacts import ProvisioningArtifactOperations
from portfolio.local_aws.backend.shares import PortfolioShareOperations
from portfolio.local_aws.backend.tag_options import TagOptionOperations

__all__ = ["OPERATIONS", "LocalServiceCatalogBackend", "local_service_catalog_backends"]


class LocalServiceCatalogBackend(
    PortfolioOperations,
    ProductOperations,
    ProvisioningArtifactOperations,
    ConstraintOperations,
    TagOptionOperations,
    PrincipalOperations,
    PortfolioShareOperations,
    OrganizationsAccessOperations,
):
    """Service Catalog of one account in one region.

    Each public method is one API operation: keyword arguments are the request members in
    snake_case (nested values keep AWS's names), the return value is the response document.
    """


local_service_catalog_backends: BackendDict[LocalServiceCatalogBackend] = BackendDict(
    LocalServiceCatalogBackend, "servicecatalog"
)
"""The local Service Catalog state: ``local_service_catalog_backends[account_id][region]``."""

OPERATIONS = (
    "CreatePortfolio",
    "DescribePortfolio",
    "UpdatePortfolio",
    "DeletePortfolio",
    "ListPortfolios",
    "CreateProduct",
    "DescribeProductAsAdmin",
    "DescribeProduct",
    "UpdateProduct",
    "DeleteProduct",
    "SearchProductsAsAdmin",
    "AssociateProductWithPortfolio",
    "DisassociateProductFromPortfolio",
    "ListPortfoliosForProduct",
    "CreateProvisioningArtifact",
    "DescribeProvisioningArtifact",
    "ListProvisioningArtifacts",
    "UpdateProvisioningArtifact",
    "DeleteProvisioningArtifact",
    "CreateConstraint",
    "DescribeConstraint",
    "UpdateConstraint",
    "DeleteConstraint",
    "ListConstraintsForPortfolio",
    "CreateTagOption",
    "DescribeTagOption",
    "ListTagOptions",
    "UpdateTagOption",
    "DeleteTagOption",
    "AssociateTagOptionWithResource",
    "DisassociateTagOptionFromResource",
    "ListResourcesForTagOption",
    "AssociatePrincipalWithPortfolio",
    "DisassociatePrincipalFromPortfolio",
    "ListPrincipalsForPortfolio",
    "CreatePortfolioShare",
    "DescribePortfolioShareStatus",
    "DescribePortfolioShares",
    "UpdatePortfolioShare",
    "DeletePortfolioShare",
    "ListPortfolioAccess",
    "AcceptPortfolioShare",
    "GetAWSOrganizationsAccessStatus",
    "EnableAWSOrganizationsAccess",
    "DisableAWSOrganizationsAccess",
)
"""The operations this backend implements (AWS names); each is a method named in snake_case."""
