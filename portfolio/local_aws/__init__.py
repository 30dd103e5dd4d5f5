"""A local, stateful AWS endpoint: moto with a complete Service Catalog, in-process or over HTTP.

There is no AWS account for this project, so the publisher is exercised against moto. moto's
Service Catalog knows only portfolios, shares and products; ``install()`` routes every Service
Catalog operation the publisher uses to this package's backend. S3, CloudFormation, IAM, STS,
Organizations, ... stay moto's own.

Public API:

- ``install()``: route moto's Service Catalog requests (in-process ``mock_aws`` and server) to
  the extended backend. Explicit and idempotent; ``local_aws()`` and ``LocalAwsServer.start()``
  call it, so only code that starts moto some other way needs to.
- ``local_aws()``: context manager = ``install()`` + ``moto.mock_aws()``; boto3 clients created
  inside it (any region, no credentials needed) talk to the local state.
- ``LocalAwsServer(port=0, host="127.0.0.1", log_requests=False)``: the same over HTTP in a
  background thread. ``start()`` raises ``OSError`` when the port cannot be bound; ``url`` and
  ``port`` tell where it listens; ``reset()`` forgets all state (``POST {url}/moto-api/reset``);
  ``stop()`` (or ``with``) shuts it down. State lives as long as the server: a server shared by
  several tests needs ``reset()`` between them. Point clients at it with
  ``endpoint_url=server.url`` and any credentials (moto's account 123456789012 by default).
- ``OPERATIONS``: the Service Catalog operations implemented (AWS names).

``portfolio serve-local`` (``portfolio.cli.serve_local``) runs ``LocalAwsServer`` in the
foreground.

Modules, along moto's own seams: ``exceptions`` (AWS's errors), ``models`` (the resources),
``backend`` (the operations, one mixin per resource family, and the per-account/region state
``local_service_catalog_backends``), ``responses`` (routing moto's requests to the backend),
``request_validation`` (requests checked against botocore's model), ``cfn_templates``
(templates of provisioning artifacts), ``constraint_documents``, ``organization_nodes``,
``settings`` (what tests may change), ``in_process`` and ``server`` (the two ways in).

Behaviour worth knowing when testing against it:

- S3 decides conditional writes (``If-None-Match: *`` / ``If-Match`` on PutObject, ``If-Match``
  on DeleteObject) atomically, as S3 does: of two writers racing for one key, one wins
  (moto alone checks and writes in two steps; see ``responses``).
- One backend per account and region (``local_service_catalog_backends[account][region]``);
  ``mock_aws`` start/stop and ``POST /moto-api/reset`` clear it like moto's own backends.
- Requests are validated against botocore's service model the way the service does it (required
  members, enums, lengths, maxima): violations raise ``ValidationException``.
- Asynchronous work is driven by polling: a new provisioning artifact reports ``CREATING``
  until ``settings.PENDING_DESCRIBES`` ``DescribeProvisioningArtifact`` calls have seen it, and
  a share operation with an organization node (create, update, delete) reports ``IN_PROGRESS``
  until as many ``DescribePortfolioShareStatus`` calls have seen it. As AWS finishes share
  operations on its own, one also completes when ``DescribePortfolioShares`` lists its share, or
  ``settings.SHARE_SETTLE_SECONDS`` after it started (so a share changed by hand, with nobody
  polling, does not stay ``IN_PROGRESS``). A share cannot be updated or deleted while
  ``IN_PROGRESS`` (``InvalidStateException``), as in AWS.
- Account shares (``AccountId``) are synchronous: creating or deleting one answers without a
  token, updating one answers with a token and ``COMPLETED``. ``DescribePortfolioShareStatus``
  reports on organization node operations only (AWS lets only an organization's management
  account or delegated administrator call it): an account share's token gets
  ``OperationNotSupportedException``.
- ``LoadTemplateFromURL`` pointing at S3 (virtual-hosted or path style, any region) must name an
  object in moto's S3, and the object must parse as a CloudFormation template unless
  ``DisableTemplateValidation``; other URLs are accepted unchecked.
- Principals: at most ``settings.MAX_PRINCIPALS_PER_PORTFOLIO``, of which at most
  ``settings.MAX_IAM_PATTERN_PRINCIPALS_PER_PORTFOLIO`` of type ``IAM_PATTERN``
  (LimitExceededException).
- Organization nodes are checked for format only. Sharing with one needs AWS Organizations
  access (``GetAWSOrganizationsAccessStatus``), which starts as ``settings.ORGANIZATIONS_ACCESS``
  (ENABLED, unlike a new AWS account, so shares work without a setup call) and follows
  ``EnableAWSOrganizationsAccess`` / ``DisableAWSOrganizationsAccess``; while it is not ENABLED,
  creating or updating a share with an organization node fails (OperationNotSupportedException).
  Every account counts as the management account.
- Products of another account reach this one only through a share it accepted
  (``AcceptPortfolioShare``); ``SearchProductsAsAdmin`` lists them too unless
  ``ProductSource=ACCOUNT`` (products created in this account only).
- A provisioning artifact whose ``failed`` attribute a test sets reports status FAILED.
"""

from __future__ import annotations

from portfolio.local_aws.backend import OPERATIONS
from portfolio.local_aws.in_process import local_aws
from portfolio.local_aws.responses import install
from portfolio.local_aws.server import LocalAwsServer

__all__ = ["OPERATIONS", "LocalAwsServer", "install", "local_aws"]
