"""Accounts, login (JWT), worker tokens and who may call what."""
