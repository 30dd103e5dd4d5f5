"""Publishing the manifest into Service Catalog, region by region.

``run`` takes each region's ``lease`` (one writer at a time), reads every region (``observed``,
which finds the manifest's portfolio and products by their ``identity`` tag, through the
counted, retrying ``clients``), plans it (``planner``, with ``tag_options``, ``principals``,
``constraints`` and ``shares``) into ``steps``, and, unless a plan asks for what the manifest
may not, has ``apply`` run the steps (a retry that meets what its earlier attempt did is
recognised by ``recognize``; ``halt`` stops a run starting new steps); ``report`` prints the
outcome as text or JSON.
"""
