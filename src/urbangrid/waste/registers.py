"""The registers (台账) of household waste sorting: estates, drop points, collection companies
and vehicles, transfer stations, treatment facilities."""

from __future__ import annotations

from urbangrid.registers.spec import FieldSpec, RegisterSpec

# 生活垃圾分类 categories as the registers write them (the rules use ``WasteCategory``).
CATEGORY_LABELS = ("可回收物", "有害垃圾", "厨余垃圾", "其他垃圾", "大件垃圾", "装修垃圾")
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
FACILITY_TYPES = ("焚烧厂", "填埋场", "厨余处理厂", "可回收物分拣中心", "有害垃圾处置中心", "其他")

ESTATES = RegisterSpec(
    name="waste.estates",
    label_zh="居住小区",
    label_en="residential estates",
    geometry="polygon",
    department_field="responsible_department",
    fields=(
        FieldSpec("households", "户数", "households", "int", min=0),
        FieldSpec("property_company", "物业公司", "property company"),
        FieldSpec("sorting_started", "开展分类", "sorting started", "bool", required=True),
        FieldSpec("three_fixed", "三定一督", "三定一督 in place", "bool", required=True),
        FieldSpec(
            "responsible_department", "责任单位编码", "responsible department code", max_length=32
        ),
    ),
)

DROP_POINTS = RegisterSpec(
    name="waste.drop_points",
    label_zh="投放点",
    label_en="drop points",
    geometry="point",
    fields=(
        FieldSpec("estate", "所属小区", "estate", "ref", ref="waste.estates"),
        FieldSpec("bins", "桶类", "bins", "multi", required=True, choices=CATEGORY_LABELS),
        FieldSpec("bin_count", "桶数", "number of bins", "int", min=0),
        FieldSpec("hours", "投放时间", "drop-off hours", "hours"),
        FieldSpec("supervisor", "督导员", "supervisor"),
        FieldSpec("supervisor_phone", "督导员电话", "supervisor phone", max_length=32),
        # 收运日: the weekdays its 可回收物 / 有害垃圾 bins are collected (empty: every day; the
        # other categories are collected daily) — the missed-collection rule reads them.
        FieldSpec("recyclable_days", "可回收物收运日", "recyclables on", "multi", choices=WEEKDAYS),
        FieldSpec(
            "hazardous_days", "有害垃圾收运日", "hazardous collected on", "multi", choices=WEEKDAYS
        ),
    ),
)

COMPANIES = RegisterSpec(
    name="waste.companies",
    label_zh="收运企业",
    label_en="collection companies",
    geometry="none",
    geometry_required=False,
    # the department code of the company, the dispatch suggestion of cases about its vehicles
    department_field="responsible_department",
    fields=(
        FieldSpec("licence", "许可证号", "licence no.", max_length=64),
        FieldSpec("contact", "联系人", "contact"),
        FieldSpec("phone", "联系电话", "phone", max_length=32),
        FieldSpec(
            "responsible_department", "责任单位编码", "responsible department code", max_length=32
        ),
    ),
)

VEHICLES = RegisterSpec(
    name="waste.vehicles",
    label_zh="收运车辆",
    label_en="collection vehicles",
    geometry="none",
    geometry_required=False,
    fields=(
        FieldSpec("company", "所属企业", "company", "ref", required=True, ref="waste.companies"),
        FieldSpec(
            "category",
            "运输类别",
            "waste category",
            "choice",
            required=True,
            choices=CATEGORY_LABELS,
        ),
        FieldSpec("terminal", "终端号", "GPS terminal (JT/T 808 phone no.)", max_length=20),
        FieldSpec("capacity_t", "核载吨位", "capacity (t)", "number", min=0),
        # The street the vehicle collects for: its tickets' tonnage counts for that street
        # (waste.report); a street code or name of the platform.
        FieldSpec("service_street", "服务街道", "service street (code or name)", max_length=100),
    ),
)

TRANSFER_STATIONS = RegisterSpec(
    name="waste.transfer_stations",
    label_zh="中转站",
    label_en="transfer stations",
    geometry="point",
    outside_allowed=True,
    fields=(
        FieldSpec(
            "categories",
            "接收类别",
            "accepted categories",
            "multi",
            required=True,
            choices=CATEGORY_LABELS,
        ),
        FieldSpec("capacity_t_per_day", "日转运能力(吨)", "capacity (t/day)", "number", min=0),
    ),
)

FACILITIES = RegisterSpec(
    name="waste.facilities",
    label_zh="处理设施",
    label_en="treatment facilities",
    geometry="point",
    outside_allowed=True,
    fields=(
        FieldSpec("type", "设施类型", "type", "choice", required=True, choices=FACILITY_TYPES),
        FieldSpec(
            "categories",
            "接收类别",
            "accepted categories",
            "multi",
            required=True,
            choices=CATEGORY_LABELS,
        ),
        FieldSpec("capacity_t_per_day", "日处理能力(吨)", "capacity (t/day)", "number", min=0),
        FieldSpec(
            "conversion_coefficient", "折算系数", "conversion coefficient", "number", min=0, max=1
        ),
        FieldSpec("harmless", "无害化处理", "harmless treatment", "bool"),
    ),
)

SPECS = (ESTATES, DROP_POINTS, COMPANIES, VEHICLES, TRANSFER_STATIONS, FACILITIES)
