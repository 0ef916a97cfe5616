"""Accounting: core-hours per user and per project over a period."""
