"""Publisher for the signed-URLs Service Catalog portfolio.

Subpackages, each owning one part of the job:

- ``manifest``: the portfolio manifest (portfolio.yaml): its typed model, loading it from YAML,
  every validation rule, the version lock, the field reference in docs/publishing.md, and
  semantic versions.
- ``publish``: plan and publish the manifest in each region: the plan as data (``steps``), the
  ``planner`` with one module per kind of association (``constraints``, ``shares``,
  ``tag_options``, ``principals``), what a region holds now (``observed``), the boto3
  ``clients``, ``apply``, the ``report`` and ``run`` (both phases, every region at once).
- ``bootstrap``: the per-region bootstrap stack: its ``template`` (artifact bucket, launch
  role), the launch role's permissions (``launch_role``) and ``stack_deployment``.
- ``local_aws``: a local AWS endpoint to publish against (moto plus a Service Catalog backend
  with every operation the publisher uses), in-process or over HTTP on 127.0.0.1.
- ``cli``: the ``portfolio`` command, one module per command group, and the flags they share.

Beside them: ``names`` (names and patterns used in more than one place), ``errors`` (exit codes,
BadInput, one-line messages), ``regions`` (which regions exist, and which a command works on),
``paths`` (how a path is shown) and ``demo`` (``python -m portfolio.demo``).
"""
