"""Names and patterns the publisher uses in more than one place: their one home.

Everything here is a fact about AWS naming or about this project's own resource names; modules
import it instead of writing it again. Patterns are unanchored: match them with ``re.fullmatch``.
The names the products give their resources (role path, boundary policy, name prefixes) live
with the products, in ``products.building_blocks.capability_names``; the publisher's own uses
are re-exported here.
"""

from __future__ import annotations

from products.building_blocks import capability_names

#: An AWS region name in any partition: us-east-1, us-gov-west-1, us-isob-east-1, ... (every
#: ``--region`` flag and the manifest's ``regions`` accept exactly this).
REGION = r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}"

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

#: Path of every IAM role and instance profile the products create (the launch role may create,
#: change and pass only roles under it), and of the permissions boundary policy.
PRODUCT_ROLE_PATH = capability_names.ROLE_PATH

#: The bootstrap stack's permissions boundary is named this plus ``-<region>``, under
#: PRODUCT_ROLE_PATH; every product role carries it.
BOUNDARY_POLICY_NAME_PREFIX = capability_names.BOUNDARY_POLICY_NAME_PREFIX
