"""Troposphere generators, one module per Service Catalog product.

``building_blocks`` holds what every template is made of, ``gates`` the quality gates every
generated template must pass (cfn-lint, checkov), ``key_pair`` the key pair product (generator
and the Lambda source it inlines); ``catalog`` lists every product, ``reference_docs`` renders
their parameter reference pages.
"""
