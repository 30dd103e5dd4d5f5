"""The portfolio manifest: what to publish, checked before any AWS call.

``model`` (the typed dataclasses, which are the schema), ``loading`` (YAML -> model),
``validation`` (every rule: each field's, across fields, the version lock), ``version_lock``
(versions.lock.yaml), ``reference`` (the field table of docs/publishing.md) and ``semver``.
"""
