"""Domain errors. Services raise these; the API renders them as RFC 9457 problem+json
and the CLI prints the message and exits non-zero.

Every problem body carries a stable machine ``code`` and its ``params`` (the action, the
roles needed, the field ...) beside the English ``detail``: the web UI words the message in
the user's language from the code and the params. A class has a default code; a raise site
names a more precise one with ``code=`` (and its params with ``params=``). ``CODES`` lists
every code the server emits (a test checks each has a Chinese and an English text)."""

from __future__ import annotations

from typing import Any

# code -> the params its message uses. The web UI's locales translate each code
# (``error.<code>`` in frontend/src/locales/zh.ts and en.ts).
CODES: dict[str, tuple[str, ...]] = {
    # one per class: the fallback when a raise site names no precise code
    "bad_request": (),
    "not_found": (),
    "unauthorized": (),
    "forbidden": (),
    "conflict": (),
    "invalid_input": ("field",),
    "payload_too_large": (),
    "unsupported_media_type": (),
    "too_many_requests": ("retry_after",),
    "import_rejected": (),
    # from the problem handlers (request validation, unknown routes)
    "validation_error": ("field",),
    "malformed_json": (),
    "route_not_found": (),
    "http_error": (),
    # precise codes
    "login_required": (),
    "csrf_missing": (),
    "role_required": ("roles",),
    "action_role_required": ("action", "roles"),
    "other_department": ("action",),
    "other_platform": ("number", "action"),
    "case_out_of_scope": ("number", "action"),
    "case_not_found": ("case_id",),
    "action_not_possible": ("action", "status"),
    "action_not_now": ("action",),
    "reason_required": ("action",),
    "field_required": ("action", "field"),
    "version_conflict": ("number", "current_version"),
    "concurrent_change": (),
    "worklist_forbidden": ("queue",),
    "worklist_not_found": ("queue",),
    # case search and exports (案件查询)
    "bad_overdue": (),
    "bad_date_field": (),
    "unknown_sort": ("sort", "allowed"),
    "export_too_large": ("count", "limit"),
    "bad_period": ("field",),
    "unknown_category": ("category_id",),
    "point_outside": ("jurisdiction",),
    "point_outside_grids": ("jurisdiction", "distance_m"),
    "point_in_no_district": ("jurisdiction",),
    "department_required": (),
    "department_inactive": ("department",),
    "weak_password": ("min_length",),
    "wrong_password": (),
    "last_admin": ("jurisdiction",),
    "user_exists": ("username",),
    "callback_role": (),
    "reply_empty": (),
    "bad_satisfaction": ("allowed",),
    "satisfaction_unreached": (),
    "case_closed_meanwhile": ("number",),
    "call_text_empty": (),
    # 违法建设 (construction): patch batches, 核查, enforcement steps
    "batch_name_invalid": (),
    "batch_source_invalid": (),
    "batch_exists": ("name",),
    "batch_not_found": (),
    "patch_file_unreadable": (),
    "patch_not_found": (),
    "patch_not_a_task": (),
    "patch_verified": (),
    "verdict_invalid": (),
    "verdict_permit_missing": (),
    "category_missing": ("code",),
    "construction_settings_invalid": ("problems",),
    "step_unknown": ("step",),
    "step_after_closed": ("step",),
    "step_not_applicable": ("step",),
    "step_repeated": ("step",),
    "step_demolition_recorded": ("step",),
    "step_out_of_order": ("step",),
    "step_in_future": ("step", "day"),
    "step_before_previous": ("step", "previous"),
    "step_document_missing": ("step",),
    "step_party_deadline_missing": ("step",),
    "step_party_deadline_past": ("step", "deadline"),
    "step_too_early": ("step", "earliest"),
    "step_area_invalid": ("area", "building"),
    "step_record_settled": ("status",),
    "measure_invalid": ("measure",),
    "period_invalid": (),
    "level_invalid": (),
    "shapefile_zip_invalid": (),
    "register_no_geometry": (),
    "register_not_found": ("name",),
    "register_record_not_found": ("code",),
    "register_record_in_use": ("code", "count"),
    # 垃圾分类 inspections
    "waste_checklist_invalid": (),
    "file_not_utf8": (),
    "file_empty": (),
    "file_too_many_rows": (),
    # 垃圾分类 indicators and reports
    "waste_level_unknown": ("field",),
    "waste_month_invalid": ("field",),
    "waste_source_kind_unknown": ("field",),
    "waste_level_has_no_source": ("kind", "level"),
    # administration screens (机构管理)
    "department_exists": ("code",),
    "department_cycle": ("department", "parent"),
    "department_has_open_cases": ("department", "count"),
    "department_has_children": ("department", "count"),
    "department_has_users": ("department", "count"),
    "department_has_cases": ("department", "count"),
    "department_in_use": ("department", "count"),
    "not_inspector": ("username",),
    "unknown_timezone": ("timezone",),
    # 时限与工作日历 (case settings): the whole refusal, then one per field in ``errors``
    "settings_invalid": ("count",),
    "time_limit_invalid": (),
    "yellow_ratio_invalid": (),
    "office_hours_invalid": (),
    "office_period_overlap": (),
    "calendar_override_invalid": ("date",),
    "case_number_pattern_invalid": (),
    # 派遣规则
    "rule_not_found": ("rule_id",),
    "department_not_found": ("department_id",),
    "area_not_found": ("area_level", "area_id"),
    "area_required": (),
    "category_or_big": (),
    "unknown_big_category": ("big_code",),
    "rule_platform_fixed": (),
    # 分类与立案条件
    "category_not_found": ("code",),
    "condition_not_found": ("condition_id",),
    "category_disabled": ("category",),
    "text_invalid": ("field",),
    "condition_exists": (),
    "notification_not_found": ("notification_id",),
    # 垃圾分类 collection checks and bad chain data
    "check_period_invalid": (),
    "check_period_too_long": ("days",),
    "fix_out_of_range": ("lon", "lat"),
    "fix_in_future": ("time",),
    "fix_too_old": ("time",),
    "unknown_terminal": ("terminal",),
    "unknown_vehicle": (),
    "ticket_weights_inconsistent": (),
    "register_unknown_reference": (),
    "register_bad_choice": (),
    "register_outside_grids": (),
    "register_duplicate_code": (),
    # 统计分析
    "stats_unknown_dimension": ("dimension", "dimensions"),
    "stats_same_dimension": ("dimension",),
    "stats_end_before_start": ("first", "last"),
    "stats_range_too_long": ("max_days",),
    "stats_unknown_metric": ("metric", "metrics"),
}


class DomainError(Exception):
    status: int = 400
    title: str = "Bad request"
    code: str = "bad_request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        params: dict[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        if code is not None:
            self.code = code
        if self.code not in CODES:
            raise ValueError(f"unknown problem code {self.code!r}: add it to CODES")
        # The message's params: those named, else the extra fields the code's text uses.
        wanted = CODES[self.code]
        self.params: dict[str, Any] = {k: extra[k] for k in wanted if k in extra}
        self.params.update(params or {})

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://urbangrid.dev/problems/{type(self).__name__}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
            "params": dict(self.params),
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class NotFound(DomainError):
    status = 404
    title = "Not found"
    code = "not_found"


class Unauthorized(DomainError):
    status = 401
    title = "Authentication required"
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    code = "conflict"


class InvalidInput(DomainError):
    """Input that is well-formed but wrong (unknown code, point outside the area ...)."""

    status = 422
    title = "Invalid input"
    code = "invalid_input"


class PayloadTooLarge(DomainError):
    status = 413
    title = "Payload too large"
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    status = 415
    title = "Unsupported media type"
    code = "unsupported_media_type"


class TooManyRequests(DomainError):
    """An abuse limit (too many logins, reports …): try again after ``retry_after`` seconds
    (the API sends it as the Retry-After header too)."""

    status = 429
    title = "Too many requests"
    code = "too_many_requests"

    def __init__(self, detail: str, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, retry_after=retry_after, **extra)
        self.retry_after = retry_after


class ImportRejected(DomainError):
    """A bulk import with bad rows: nothing was imported. ``errors`` lists every bad row."""

    status = 422
    title = "Import rejected"
    code = "import_rejected"

    def __init__(self, detail: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(detail, errors=errors)
        self.errors = errors

    def __str__(self) -> str:
        lines = [self.detail]
        for err in self.errors:
            where = f"line {err['line']}" if err.get("line") is not None else "file"
            lines.append(f"  {where}: {err['message']}")
        return "\n".join(lines)
