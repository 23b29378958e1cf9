"""UDE (arXiv 2403.05056) for udebench. Importing this package imports no torch."""

__version__ = "0.1.0"
