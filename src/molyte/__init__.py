"""Molyte: electrolyte simulations on an HPC cluster from a web page."""

__version__ = "0.1.0"
