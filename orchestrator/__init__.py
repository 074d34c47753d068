"""benchnorm's orchestrator: run the native harnesses, read their output, compare like for like."""

__version__ = "0.1.0"
