"""Indexes the web screens' read models need on the cases table (no tables of its own).

Declared here, on the cases package's table, so the metadata Alembic compares with stays in
step with migration ``0006_web``. Each serves one hot query of :mod:`urbangrid.web.queries`:

- a department's to-do list: its few open cases among its many closed ones, deadline order;
- the command map's per-grid counts of open cases, answered from the index alone on
  PostgreSQL (the deadline and warning level ride along as included columns).
"""

from __future__ import annotations

from sqlalchemy import Index

from urbangrid.cases.models import Case

department_queue_index = Index(
    "ix_cases_department_status_due", Case.department_id, Case.status, Case.due_at
)
grid_counts_index = Index(
    "ix_cases_status_grid",
    Case.status,
    Case.grid_code,
    postgresql_include=["due_at", "warning_level", "jurisdiction_id"],
)
