"""Every Vietnamese user-facing string, one module per feature."""
