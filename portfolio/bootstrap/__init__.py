"""The bootstrap each region needs before publishing: the hub stack (the artifact bucket the
publisher uploads templates to, the least-privilege launch role Service Catalog launches
products with, and the permissions boundary every product role carries) and, with OU shares,
the spokes: the same launch role and boundary in every account of those OUs, through a
service-managed StackSet.

``template`` builds the hub's template, ``spokes`` the spoke template from the same functions,
``launch_role`` holds the role's permissions per product resource type, ``boundary`` the most
a product role may do, ``stack_deployment`` creates or updates the hub stack;
``spoke_organization`` (read-only checks), ``stack_set_plan`` (the spokes as data),
``stack_set_deployment`` and ``spoke_run`` deploy the StackSet, ``spoke_status`` reports it
(``portfolio bootstrap``, ``portfolio status``).
"""
