"""The bootstrap stack each region needs before publishing: the artifact bucket the publisher
uploads templates to, the least-privilege launch role Service Catalog launches products with,
and the permissions boundary every product role carries.

``template`` builds it, ``launch_role`` holds the role's permissions per product resource type,
``boundary`` the most a product role may do, ``stack_deployment`` creates or updates it
(``portfolio bootstrap``).
"""
