"""Field-by-field check of a change to a jurisdiction's case settings (时限与工作日历).

Pure: no database. ``setting_errors`` returns every problem of a change at once, each on
the field it belongs to (``workflow.stage_limits.dispatch``, ``worktime.office_hours.1``,
``worktime.calendar_overrides.2027-02-06`` ...) with a stable ``code`` the web UI words, so
the settings screen can show each error beside its control; the service stores nothing
while the list is not empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from urbangrid.cases import workflow as wf
from urbangrid.cases.calendar_workdays import parse_overrides
from urbangrid.cases.numbering import format_case_number
from urbangrid.cases.worktime import OfficeHours, WorkClock, WorkTimeError
from urbangrid.catalog.timelimits import parse_unit, parse_value

SECTIONS = ("workflow", "worktime", "case_number_pattern")


@dataclass(frozen=True)
class SettingError:
    field: str
    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "code": self.code,
            "message": self.message,
            "params": dict(self.params),
        }


def _stage_limit_errors(raw: Any) -> list[SettingError]:
    if raw is None:
        return []
    if not isinstance(raw, Mapping):
        return [
            SettingError(
                "workflow.stage_limits",
                "invalid_input",
                "stage_limits must be an object",
                {"field": "workflow.stage_limits"},
            )
        ]
    errors: list[SettingError] = []
    for stage, spec in raw.items():
        where = f"workflow.stage_limits.{stage}"
        try:
            wf.Stage(stage)
        except ValueError:
            errors.append(
                SettingError(
                    where, "invalid_input", f"unknown workflow stage {stage!r}", {"field": where}
                )
            )
            continue
        if isinstance(spec, Mapping) and "minutes" in spec and "value" not in spec:
            spec = {"value": spec["minutes"], "unit": "urgent_hour_continuous"}
            minutes = True
        else:
            minutes = False
        if not isinstance(spec, Mapping) or "value" not in spec or "unit" not in spec:
            errors.append(
                SettingError(where, "time_limit_invalid", f"{stage}: give a value and a unit")
            )
            continue
        try:
            parse_value(str(spec["value"]))
            if not minutes:
                parse_unit(str(spec["unit"]))
        except ValueError as exc:
            errors.append(SettingError(where, "time_limit_invalid", f"{stage}: {exc}"))
    return errors


def _workflow_errors(raw: Any) -> list[SettingError]:
    if not isinstance(raw, Mapping):
        return [
            SettingError(
                "workflow", "invalid_input", "workflow must be an object", {"field": "workflow"}
            )
        ]
    errors = _stage_limit_errors(raw.get("stage_limits"))
    if "yellow_ratio" in raw:
        try:
            ratio = Decimal(str(raw["yellow_ratio"]))
            good = ratio.is_finite() and Decimal(0) < ratio <= Decimal(1)
        except InvalidOperation:
            good = False
        if not good:
            errors.append(
                SettingError(
                    "workflow.yellow_ratio",
                    "yellow_ratio_invalid",
                    f"yellow_ratio {raw['yellow_ratio']!r} must be a number in (0, 1]",
                )
            )
    if not errors:  # the rest (flags, sources, extension count) as the workflow reads it
        try:
            wf.WorkflowConfig.from_dict(raw)
        except (ValueError, KeyError, TypeError) as exc:
            errors.append(
                SettingError("workflow", "invalid_input", f"workflow: {exc}", {"field": "workflow"})
            )
    return errors


def _office_hour_errors(raw: Any) -> list[SettingError]:
    """Each period on its own (``worktime.office_hours.<index>``), then the order/overlap."""
    if raw is None:
        return []
    if isinstance(raw, str):
        parts = raw.split(",")
    elif isinstance(raw, list) and all(isinstance(p, str) for p in raw):
        parts = list(raw)
    else:
        return [
            SettingError(
                "worktime.office_hours",
                "office_hours_invalid",
                "office_hours must be 'HH:MM-HH:MM,...' or a list of such periods",
            )
        ]
    if not parts or parts == [""]:
        return [
            SettingError(
                "worktime.office_hours", "office_hours_invalid", "office hours need a period"
            )
        ]
    errors: list[SettingError] = []
    ends: list[tuple[int, dt.time, dt.time]] = []
    for index, part in enumerate(parts):
        where = f"worktime.office_hours.{index}"
        try:
            (period,) = OfficeHours.parse([part.strip()]).periods
        except (WorkTimeError, ValueError) as exc:
            errors.append(SettingError(where, "office_hours_invalid", str(exc)))
            continue
        ends.append((index, period[0], period[1]))
    previous: tuple[int, dt.time, dt.time] | None = None
    for index, start, end in ends:
        if previous is not None and start < previous[2]:
            errors.append(
                SettingError(
                    f"worktime.office_hours.{index}",
                    "office_period_overlap",
                    f"office period {start}-{end} overlaps the one before or is out of order",
                )
            )
        previous = (index, start, end)
    return errors


def _override_errors(raw: Any) -> list[SettingError]:
    if raw is None:
        return []
    if not isinstance(raw, Mapping):
        return [
            SettingError(
                "worktime.calendar_overrides",
                "calendar_override_invalid",
                "calendar_overrides must map YYYY-MM-DD to work or off",
                {"date": ""},
            )
        ]
    errors: list[SettingError] = []
    for day, value in raw.items():
        try:
            parse_overrides({day: value})
        except (WorkTimeError, ValueError) as exc:
            errors.append(
                SettingError(
                    f"worktime.calendar_overrides.{day}",
                    "calendar_override_invalid",
                    str(exc),
                    {"date": str(day)},
                )
            )
    return errors


def _worktime_errors(raw: Any, tz: str) -> list[SettingError]:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        return [
            SettingError(
                "worktime", "invalid_input", "worktime must be an object", {"field": "worktime"}
            )
        ]
    errors = [
        SettingError(
            f"worktime.{key}", "invalid_input", f"worktime: unknown key {key!r}", {"field": key}
        )
        for key in sorted(set(raw) - {"office_hours", "calendar_overrides"})
    ]
    errors += _office_hour_errors(raw.get("office_hours"))
    errors += _override_errors(raw.get("calendar_overrides"))
    if not errors:  # the whole clock as cases will use it (calendar range ...)
        try:
            WorkClock.from_config(
                office_hours=raw.get("office_hours"),
                overrides=raw.get("calendar_overrides") or None,
                tz=tz,
            )
        except (WorkTimeError, ValueError, TypeError) as exc:
            errors.append(
                SettingError("worktime", "invalid_input", f"worktime: {exc}", {"field": "worktime"})
            )
    return errors


def _pattern_errors(raw: Any) -> list[SettingError]:
    if raw is None:
        return []
    try:
        if not isinstance(raw, str):
            raise ValueError("the case number pattern must be text")
        format_case_number(2026, 1, district_code="330102", pattern=raw)
    except (ValueError, KeyError, IndexError) as exc:
        return [SettingError("case_number_pattern", "case_number_pattern_invalid", str(exc))]
    return []


def setting_errors(changes: Mapping[str, Any], tz: str = "Asia/Shanghai") -> list[SettingError]:
    """Every problem of ``changes`` (a partial settings document), in field order."""
    errors = [
        SettingError(key, "invalid_input", f"unknown setting {key!r}", {"field": key})
        for key in sorted(set(changes) - set(SECTIONS))
    ]
    if "workflow" in changes:
        errors += _workflow_errors(changes["workflow"])
    if "worktime" in changes:
        errors += _worktime_errors(changes["worktime"], tz)
    if "case_number_pattern" in changes:
        errors += _pattern_errors(changes["case_number_pattern"])
    return errors
