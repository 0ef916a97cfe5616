"""Simulation engines behind the `Engine` protocol, chosen by short name."""
