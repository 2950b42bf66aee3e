"""The register of illegal buildings (违建台账)."""

from __future__ import annotations

from urbangrid.registers.spec import FieldSpec, RegisterSpec

SOURCES = ("巡查发现", "群众举报", "12345", "无人机比对", "卫星图斑", "其他")
KINDS = ("新增", "存量")
TYPES = ("危及公共安全", "严重影响市容", "妨碍重大工程", "侵占公共空间", "其他")
STRUCTURES = ("砖混", "钢结构", "彩钢板", "钢混", "木结构", "其他")
# 在查: under enforcement; 已拆除: taken down (verified by 验收 or imported as such);
# 已销号: closed; 已补办: made legal (permit), no longer counted as illegal.
STATUSES = ("在查", "已拆除", "已销号", "已补办")
STATUS_OPEN, STATUS_DEMOLISHED, STATUS_CLOSED, STATUS_LEGALISED = STATUSES

BUILDINGS = RegisterSpec(
    name="construction.buildings",
    label_zh="违法建设",
    label_en="illegal buildings",
    geometry="polygon",
    department_field="responsible_department",
    fields=(
        FieldSpec("address", "地址", "address"),
        FieldSpec("party", "当事人", "party"),
        FieldSpec("source", "发现来源", "source", "choice", required=True, choices=SOURCES),
        FieldSpec("discovered", "发现日期", "discovered on", "date", required=True),
        # 新增 / 存量 against the platform's baseline date when left empty.
        FieldSpec("kind", "新增/存量", "new or stock", "choice", choices=KINDS),
        FieldSpec("type", "违建类型", "type", "choice", choices=TYPES),
        FieldSpec("structure", "结构", "structure", "choice", choices=STRUCTURES),
        FieldSpec("floors", "层数", "floors", "int", min=0, max=100),
        FieldSpec("area_estimated", "估算面积(㎡)", "estimated area (m²)", "number", min=0),
        FieldSpec("area_measured", "实测面积(㎡)", "measured area (m²)", "number", min=0),
        FieldSpec("status", "状态", "status", "choice", choices=STATUSES),
        FieldSpec("demolished_area", "已拆除面积(㎡)", "area demolished (m²)", "number", min=0),
        FieldSpec("demolished_on", "拆除日期", "demolished on", "date"),
        FieldSpec(
            "demolition", "拆除方式", "demolished by", "choice", choices=("自行拆除", "强制拆除")
        ),
        FieldSpec("permit_no", "许可证号", "permit no.", max_length=64),
        FieldSpec(
            "responsible_department", "责任单位编码", "responsible department code", max_length=32
        ),
    ),
)

SPECS = (BUILDINGS,)
