"""The JSON Schemas, shipped inside the package as data (read with importlib.resources)."""
