"""The roles of the platform (岗位)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    INSPECTOR = "inspector"  # 监督员
    INTAKE_OPERATOR = "intake_operator"  # 受理员
    SHIFT_LEAD = "shift_lead"  # 值班长
    DISPATCHER = "dispatcher"  # 派遣员
    DEPARTMENT_HANDLER = "department_handler"  # 专业部门处置人员
    LEADER = "leader"  # 领导
    ADMIN = "admin"  # 系统管理员


ROLE_LABELS_ZH: dict[Role, str] = {
    Role.INSPECTOR: "监督员",
    Role.INTAKE_OPERATOR: "受理员",
    Role.SHIFT_LEAD: "值班长",
    Role.DISPATCHER: "派遣员",
    Role.DEPARTMENT_HANDLER: "专业部门",
    Role.LEADER: "领导",
    Role.ADMIN: "管理员",
}
