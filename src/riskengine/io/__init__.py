"""Reading files: YAML scenario files into model objects. Errors name file, field, line."""

from .scenario import load_scenario

__all__ = ["load_scenario"]
