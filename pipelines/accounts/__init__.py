"""Accounts: users, roles, lock-out, role-guarded data changes and the audit log (`users`)."""
