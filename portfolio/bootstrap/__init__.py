"""The bootstrap stack each region needs before publishing: the artifact bucket the publisher
uploads templates to and the least-privilege launch role Service Catalog launches products with.

``template`` builds it, ``launch_role`` holds the role's permissions per product resource type,
``stack_deployment`` creates or updates it (``portfolio bootstrap``).
"""
