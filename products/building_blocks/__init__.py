"""What every product template is made of, shared by the products and the bootstrap template.

``product_template`` (parameters in console groups, exported outputs, deterministic YAML),
``parameter_patterns`` (AllowedPattern pieces one product's output and the next one's parameter
share), ``private_bucket`` (settings every private bucket here has), ``checkov`` (justified
scanner skips in a resource's Metadata) and ``errors`` (what a generator raises).
"""
