"""Which demo department handles a category by default (pure).

Rules go by 大类 and by words in the category name, most specific first. They reflect the
usual split of work in a Chinese city: utilities own their manhole covers and poles,
sanitation owns cleanliness, enforcement owns street order, advertising and building.
"""

from __future__ import annotations

# (department code, words in the name) — first match wins.
_NAME_RULES: list[tuple[str, tuple[str, ...]]] = [
    ("GS", ("供水", "水表", "消防栓", "消火栓", "水鹤", "水塔", "水井", "供水器")),
    ("PS", ("污水", "雨水", "排水", "化粪池", "雨污", "积水", "泵站", "管道堵塞")),
    ("RQ", ("燃气", "输油", "液化气", "加油")),
    ("GD", ("电力", "变压器", "高压", "电缆", "配电", "充电桩")),
    ("TX", ("通信", "网络", "电视", "电话", "邮筒", "信息亭", "基站", "线缆", "线体")),
    ("JT", ("交通信号", "信号灯", "公安", "治安", "机动车乱停", "电子眼")),
    ("YL", ("绿", "树", "花", "园林", "草", "喷泉", "雕塑", "病虫害", "藤蔓")),
    ("HW", ("垃圾", "不洁", "公厕", "公共厕所", "粪", "烟头", "脏乱", "环卫", "动物尸体", "遗撒")),
    ("ZF", ("违", "乱", "占道", "经营", "广告", "私搭", "私设", "无证", "施工", "游商", "摊")),
]

_BIG_CLASS_DEFAULTS: dict[tuple[str, str], str] = {
    ("component", "01"): "SZ",
    ("component", "02"): "SZ",
    ("component", "03"): "HW",
    ("component", "04"): "YL",
    ("component", "05"): "SZ",
    ("matter", "01"): "SZ",
    ("matter", "02"): "SZ",
    ("matter", "03"): "HW",
    ("matter", "04"): "YL",
    ("matter", "05"): "SZ",
    ("matter", "06"): "HW",
    ("matter", "07"): "ZF",
    ("matter", "08"): "ZF",
    ("matter", "09"): "ZF",
    ("matter", "10"): "SZ",
    ("matter", "11"): "ZF",
}


def default_department_for(kind: str, big_code: str, name: str) -> str:
    for code, words in _NAME_RULES:
        if any(w in name for w in words):
            return code
    return _BIG_CLASS_DEFAULTS.get((kind, big_code), "SZ")
