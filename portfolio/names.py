"""Names and patterns the publisher uses in more than one place: their one home.

Everything here is a fact about AWS naming or about this project's own resource names; modules
import it instead of writing it again. Patterns are unanchored: match them with ``re.fullmatch``.
The names the products give their resources (role path, boundary policy, name prefixes) live
with the products, in ``products.building_blocks.capability_names``; the publisher's own uses
are re-exported here.
"""

from __future__ import annotations

from products.building_blocks import capability_names

#: The shape of an AWS region name in any partition: us-east-1, us-gov-west-1, eusc-de-east-1...
#: Whether the region exists is ``portfolio.regions``' question (botocore's endpoint data).
REGION = r"[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}"

#: An S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending
#: with a letter or digit.
BUCKET_NAME = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"

#: In the manifest, ``{region}`` stands for the region being published (in a launch role name
#: or a topic ARN): IAM is global, so each region's bootstrap stack names its role after it.
REGION_PLACEHOLDER = "{region}"

# --- the bootstrap stack (``portfolio bootstrap`` deploys it, ``portfolio publish`` reads it) ---

#: Default name of the bootstrap stack in each region.
BOOTSTRAP_STACK_NAME = "signed-urls-portfolio-bootstrap"
#: The bootstrap stack's outputs.
ARTIFACT_BUCKET_OUTPUT = "ArtifactBucketName"
LAUNCH_ROLE_ARN_OUTPUT = "LaunchRoleArn"
LAUNCH_ROLE_NAME_OUTPUT = "LaunchRoleName"
BOUNDARY_POLICY_OUTPUT = "PermissionsBoundaryArn"

#: The launch role's name is this plus ``-<region>`` ...
LAUNCH_ROLE_NAME_PREFIX = "signed-urls-portfolio-launch"
#: ... so LAUNCH constraints name it as this ``local_role_name``, and each account that
#: launches a product resolves its own region's copy.
LAUNCH_ROLE_LOCAL_NAME = f"{LAUNCH_ROLE_NAME_PREFIX}-{REGION_PLACEHOLDER}"

# --- who owns what ---------------------------------------------------------------------------

#: The tag the publisher puts on every portfolio and product it creates (and finds them by):
#: the portfolio's value is the manifest's ``portfolio.id``, a product's is
#: ``<portfolio.id>/<product id>``. Names are not unique in Service Catalog; this tag is. Keys
#: and values allow letters, digits, spaces and _ . : / = + - @ (128 and 256 characters:
#: https://docs.aws.amazon.com/servicecatalog/latest/dg/API_Tag.html), so identities are made
#: of lowercase letters, digits and hyphens.
IDENTITY_TAG_KEY = "signed-urls-portfolio:id"
#: A portfolio or product identity: lowercase letters, digits and hyphens.
IDENTITY = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"

#: The lease object in the artifact bucket: one writer (publish, bootstrap, adopt) per region.
LEASE_KEY = "leases/{region}.json"

#: Path of every IAM role and instance profile the products create (the launch role may create,
#: change and pass only roles under it), and of the permissions boundary policy.
PRODUCT_ROLE_PATH = capability_names.ROLE_PATH

#: The bootstrap stack's permissions boundary is named this plus ``-<region>``, under
#: PRODUCT_ROLE_PATH; every product role carries it.
BOUNDARY_POLICY_NAME_PREFIX = capability_names.BOUNDARY_POLICY_NAME_PREFIX
