"""Accounts: users, roles, lock-out, role-guarded data changes and the audit log (`users`).

The roles are here, not in `users`, so the command line can build its parser without importing the
store (see pipelines/cli/__init__.py)."""

ROLES = ("viewer", "analyst", "admin")
ROLE_NAMES = {"viewer": "Người xem", "analyst": "Chuyên viên", "admin": "Quản trị"}
