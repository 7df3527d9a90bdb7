"""profgate's benchmark harness: run it as ``python -m profgate run`` (see ``profgate/__main__.py`` for the help)."""

# Must equal "version" in package.json: results record it as environment.tool_version.
__version__ = "0.1.0"
