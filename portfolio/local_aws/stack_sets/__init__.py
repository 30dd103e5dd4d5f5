"""Service-managed CloudFormation StackSets on the local endpoint, with AWS's asynchronous
operations and documented errors (moto's own StackSets finish every operation at once, ignore
CallAs, automatic deployment and operation preferences, and report made-up results).

Modules, along moto's seams: ``exceptions`` (AWS's errors), ``models`` (StackSets, instances,
operations), ``organization`` (the organization a request is made in, from moto's
Organizations), ``templates`` (template, capabilities, parameters), ``deployment`` (what an
instance creates in its account: the template's IAM roles and policies, in moto's IAM),
``progress`` (how an operation runs), ``state`` + ``stack_set_ops`` + ``instance_ops`` (the
operations), ``backend`` (which backend answers, by ``CallAs``) and ``responses`` (routing
moto's requests; ``portfolio.local_aws.responses.install`` calls it).

Behaviour worth knowing when testing against it:

- Only ``PermissionModel: SERVICE_MANAGED``: the StackSets of the organization's management
  account, created and changed from it (``CallAs`` SELF) or from a delegated administrator
  (DELEGATED_ADMIN); anything else is AWS's ValidationError. Trusted access starts off, as in
  a new organization: ``ActivateOrganizationsAccess`` (or Organizations'
  ``EnableAWSServiceAccess`` for ``member.org.stacksets.cloudformation.amazonaws.com``) turns
  it on.
- Operations run while polled: the first DescribeStackSetOperation sees RUNNING with every
  result PENDING, each later one works a batch of accounts per its preferences; an operation
  nobody polls finishes ``settings.STACK_SET_SETTLE_SECONDS`` after it started. A second
  operation while one runs is OperationInProgressException.
- An instance deploys the template's IAM roles and managed policies into its account (moto's
  IAM); a role or policy name already taken there fails the instance with CloudFormation's
  reason.
- Automatic deployment reacts, at the next request, to accounts created in or moved into a
  target OU (and to accounts leaving one).
"""
