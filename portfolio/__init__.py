"""Publisher for the signed-URLs Service Catalog portfolio."""
