"""生活垃圾分类 supervision (投放 → 收集 → 运输 → 处理) on the case engine: registers, drop-point
inspections, collection and transport, indicators and the monthly assessment."""
