"""Troposphere generators, one module per Service Catalog product."""
