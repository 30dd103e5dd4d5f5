"""Publishing the manifest into Service Catalog, region by region.

``run`` reads every region (``observed``, through the counted, retrying ``clients``), plans
it (``planner``, with ``tag_options``, ``principals``, ``constraints`` and ``shares``) into
``steps``, and, unless a plan asks for what the manifest may not, has ``apply`` run the steps;
``report`` prints the outcome as text or JSON.
"""
