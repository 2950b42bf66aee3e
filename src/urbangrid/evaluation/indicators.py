"""Base counts of the evaluation (基础指标), per object kind.

A base count is "cases whose ``anchor`` time falls in the period, grouped by ``key``, that
satisfy ``where`` as of the evaluation time". The definitions follow STANDARDS.md §7 (the
CJ/T 292 structure as implemented by deployed systems); where the sources disagree the
choice is written next to the definition. Rates, weights and bands live in ``config``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from urbangrid.evaluation.facts import PUBLIC_SOURCES, Source
from urbangrid.evaluation.predicates import (
    Always,
    In,
    Pred,
    Present,
    before_as_of,
    const,
    done,
    later,
    on_time,
)


class ObjectKind(StrEnum):
    DISTRICT = "district"  # 区县 (区级评价: a city platform ranks its districts)
    DEPARTMENT = "department"  # 专业部门
    STREET = "street"  # 街道
    COMMUNITY = "community"  # 社区
    GRID = "grid"  # 单元网格
    INSPECTOR = "inspector"  # 监督员
    INTAKE_OPERATOR = "intake_operator"  # 受理员
    SHIFT_LEAD = "shift_lead"  # 值班长
    DISPATCHER = "dispatcher"  # 派遣员

    @property
    def label_zh(self) -> str:
        return _KIND_LABELS[self]

    @property
    def is_area(self) -> bool:
        return self in (
            ObjectKind.DISTRICT,
            ObjectKind.STREET,
            ObjectKind.COMMUNITY,
            ObjectKind.GRID,
        )

    @property
    def is_position(self) -> bool:
        return self in (
            ObjectKind.INSPECTOR,
            ObjectKind.INTAKE_OPERATOR,
            ObjectKind.SHIFT_LEAD,
            ObjectKind.DISPATCHER,
        )


_KIND_LABELS = {
    ObjectKind.DISTRICT: "区县",
    ObjectKind.DEPARTMENT: "专业部门",
    ObjectKind.STREET: "街道",
    ObjectKind.COMMUNITY: "社区",
    ObjectKind.GRID: "单元网格",
    ObjectKind.INSPECTOR: "监督员",
    ObjectKind.INTAKE_OPERATOR: "受理员",
    ObjectKind.SHIFT_LEAD: "值班长",
    ObjectKind.DISPATCHER: "派遣员",
}

AREA_KEYS = {
    ObjectKind.DISTRICT: "district_code",
    ObjectKind.STREET: "street_code",
    ObjectKind.COMMUNITY: "community_code",
    ObjectKind.GRID: "grid_code",
}


@dataclass(frozen=True)
class CountDef:
    name: str
    label_zh: str
    key: str  # fact field holding the object's id (grouping key)
    anchor: str  # fact time field that must fall in the period
    where: Pred
    sum_field: str | None = None  # when set: the sum of this field instead of a count
    # When set: counts of the same key and anchor whose rows split this count's rows
    # between them, so SQL adds them up instead of counting again (see evaluation.sql).
    sum_of: tuple[str, ...] = ()


PUBLIC = In("source", tuple(sorted(PUBLIC_SOURCES)))
INSPECTOR_SOURCE = In("source", (Source.INSPECTOR.value,))

# 应处置数 / 应结案数: handled by the evaluation time, or past its limit without feedback.
DUE = done("handled_at") | (~done("handled_at") & before_as_of("handle_deadline"))
HANDLED_ON_TIME = on_time("handled_at", "handle_deadline")


def _handling(key: str, anchor: str) -> list[CountDef]:
    """The disposal counts, shared by departments (anchored on dispatch) and areas
    (anchored on filing)."""
    # 应处置 = 按期处置 + 超期处置 + 超期未处置 and 处置 = 按期处置 + 超期处置: the parts never
    # overlap (a case is handled by the evaluation time or not, on time or late).
    handled_parts = ("handled_on_time", "handled_late")
    return [
        CountDef("due", "应处置数", key, anchor, DUE, sum_of=(*handled_parts, "overdue_open")),
        CountDef("handled", "处置数", key, anchor, done("handled_at"), sum_of=handled_parts),
        CountDef("handled_on_time", "按期处置数", key, anchor, HANDLED_ON_TIME),
        CountDef("handled_late", "超期处置数", key, anchor, later("handled_at", "handle_deadline")),
        CountDef(
            "overdue_open",
            "超期未处置数",
            key,
            anchor,
            ~done("handled_at") & before_as_of("handle_deadline"),
        ),
        CountDef("extended", "延期数", key, anchor, DUE & const("extensions", ">", 0)),
        CountDef("reworked", "返工数", key, anchor, DUE & const("reworks", ">", 0)),
        CountDef("closed", "结案数", key, anchor, DUE & done("closed_at")),
        CountDef(
            "closed_on_time", "按期结案数", key, anchor, DUE & done("closed_at") & HANDLED_ON_TIME
        ),
        CountDef("suspended", "挂账数", key, anchor, const("suspensions", ">", 0)),
        CountDef("returned", "回退数", key, anchor, const("returns", ">", 0)),
        CountDef(
            "handle_minutes_sum",
            "处置时长合计(分钟)",
            key,
            anchor,
            done("handled_at") & Present("handle_minutes"),
            sum_field="handle_minutes",
        ),
    ]


def _citizen(key: str) -> list[CountDef]:
    """Citizen-side counts for hotline / Open311 cases, anchored on the report time."""
    a = "reported_at"
    return [
        CountDef("citizen_cases", "公众诉求数", key, a, PUBLIC),
        CountDef("replied", "答复数", key, a, PUBLIC & done("replied_at")),
        CountDef(
            "replied_on_time",
            "按时答复数",
            key,
            a,
            PUBLIC & on_time("replied_at", "reply_deadline"),
        ),
        CountDef("completed", "办结数", key, a, PUBLIC & done("closed_at")),
        CountDef("rated", "评价数", key, a, PUBLIC & const("rating", ">=", 1)),
        CountDef("satisfied", "满意数", key, a, PUBLIC & const("rating", ">=", 4)),
    ]


def _department() -> list[CountDef]:
    key, a = "department_id", "dispatched_at"
    # 派遣数 doubles as the department's 立案数 for the volume band (cases it was given).
    return [CountDef("dispatched", "派遣数", key, a, Always()), *_handling(key, a), *_citizen(key)]


def _area(kind: ObjectKind) -> list[CountDef]:
    key, a = AREA_KEYS[kind], "filed_at"
    return [
        CountDef("filed", "立案数", key, a, Always()),
        # 监督举报核实数: filed cases that citizens reported (not found by patrols).
        CountDef("public_filed", "监督举报核实数", key, a, PUBLIC),
        CountDef("voided", "作废数", key, a, done("voided_at")),
        *_handling(key, a),
        *_citizen(key),
    ]


def _inspector() -> list[CountDef]:
    return [
        CountDef("reports", "上报数", "reporter_id", "reported_at", INSPECTOR_SOURCE),
        # 有效上报: the report was filed (立案); Unicom also counts voided ones, we do not.
        CountDef(
            "valid_reports",
            "有效上报数",
            "reporter_id",
            "reported_at",
            INSPECTOR_SOURCE & done("filed_at"),
        ),
        # 自行处置数 (§7, 监督员): self-handled reports archived as closed (结案存档); one the
        # review found 无效 is voided, not counted (STANDARDS.md §5, 自处理).
        CountDef(
            "self_handled",
            "自行处置数",
            "reporter_id",
            "reported_at",
            INSPECTOR_SOURCE & const("self_handled", "==", True) & done("closed_at"),
        ),
        CountDef("verify_due", "应核实数", "verifier_id", "verify_sent_at", Always()),
        CountDef(
            "verified_on_time",
            "按时核实数",
            "verifier_id",
            "verify_sent_at",
            on_time("verified_at", "verify_deadline"),
        ),
        CountDef("check_due", "应核查数", "checker_id", "check_sent_at", Always()),
        CountDef(
            "checked_on_time",
            "按时核查数",
            "checker_id",
            "check_sent_at",
            on_time("checked_at", "check_deadline"),
        ),
        # 漏报: a citizen report, filed, in a grid this inspector patrols.
        CountDef("patrol_filed", "责任网格立案数", "patrol_inspector_id", "filed_at", Always()),
        CountDef("missed", "漏报数", "patrol_inspector_id", "filed_at", PUBLIC),
    ]


def _intake_operator() -> list[CountDef]:
    k = "intake_operator_id"
    return [
        CountDef("accepted", "受理数", k, "accepted_at", Always()),
        CountDef(
            "verify_send_due", "应发核实数", k, "accepted_at", Present("verify_send_deadline")
        ),
        CountDef(
            "verify_sent_on_time",
            "按时发核实数",
            k,
            "accepted_at",
            Present("verify_send_deadline") & on_time("verify_sent_at", "verify_send_deadline"),
        ),
        CountDef(
            "check_send_due",
            "应发核查数",
            "check_sender_id",
            "handled_at",
            Present("check_send_deadline"),
        ),
        CountDef(
            "check_sent_on_time",
            "按时发核查数",
            "check_sender_id",
            "handled_at",
            Present("check_send_deadline") & on_time("check_sent_at", "check_send_deadline"),
        ),
    ]


def _shift_lead() -> list[CountDef]:
    return [
        CountDef("filed", "立案数", "filer_id", "filed_at", Always()),
        CountDef(
            "filed_on_time",
            "按时立案数",
            "filer_id",
            "filed_at",
            on_time("filed_at", "file_deadline"),
        ),
        CountDef("filed_kept", "未作废立案数", "filer_id", "filed_at", ~done("voided_at")),
        CountDef("closed", "结案数", "closer_id", "closed_at", Always()),
        CountDef(
            "closed_on_time",
            "按时结案数",
            "closer_id",
            "closed_at",
            on_time("closed_at", "close_deadline"),
        ),
    ]


def _dispatcher() -> list[CountDef]:
    k, a = "dispatcher_id", "dispatched_at"
    return [
        CountDef("dispatched", "派遣数", k, a, Always()),
        CountDef(
            "dispatched_on_time", "按时派遣数", k, a, on_time("dispatched_at", "dispatch_deadline")
        ),
        CountDef("dispatched_accurately", "准确派遣数", k, a, const("wrong_dispatches", "==", 0)),
    ]


COUNT_DEFS: dict[ObjectKind, tuple[CountDef, ...]] = {
    ObjectKind.DEPARTMENT: tuple(_department()),
    ObjectKind.DISTRICT: tuple(_area(ObjectKind.DISTRICT)),
    ObjectKind.STREET: tuple(_area(ObjectKind.STREET)),
    ObjectKind.COMMUNITY: tuple(_area(ObjectKind.COMMUNITY)),
    ObjectKind.GRID: tuple(_area(ObjectKind.GRID)),
    ObjectKind.INSPECTOR: tuple(_inspector()),
    ObjectKind.INTAKE_OPERATOR: tuple(_intake_operator()),
    ObjectKind.SHIFT_LEAD: tuple(_shift_lead()),
    ObjectKind.DISPATCHER: tuple(_dispatcher()),
}


# The counts that make an object's volume (案件量): the cases it acted on in the period. An
# object with fewer than ``EvaluationConfig.min_cases`` of them is scored but not ranked, so a
# department with 2 cases cannot outrank one with 170 by luck.
VOLUME_COUNTS: dict[ObjectKind, tuple[str, ...]] = {
    ObjectKind.DEPARTMENT: ("dispatched",),
    ObjectKind.DISTRICT: ("filed",),
    ObjectKind.STREET: ("filed",),
    ObjectKind.COMMUNITY: ("filed",),
    ObjectKind.GRID: ("filed",),
    ObjectKind.INSPECTOR: ("reports", "verify_due", "check_due"),
    ObjectKind.INTAKE_OPERATOR: ("accepted",),
    ObjectKind.SHIFT_LEAD: ("filed", "closed"),
    ObjectKind.DISPATCHER: ("dispatched",),
}


def count_def(kind: ObjectKind, name: str) -> CountDef:
    for d in COUNT_DEFS[kind]:
        if d.name == name:
            return d
    raise KeyError(f"{kind.value} has no count {name!r}")


def count_labels(kind: ObjectKind) -> dict[str, str]:
    return {d.name: d.label_zh for d in COUNT_DEFS[kind]}


__all__ = ["AREA_KEYS", "COUNT_DEFS", "VOLUME_COUNTS", "CountDef", "ObjectKind", "count_def"]
