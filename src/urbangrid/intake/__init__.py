"""Intake channels and data exchange (监督中心受理 + 数据交换): Open311 GeoReport v2, the 12345
hotline work-order interface, duplicate detection, historical import and signed webhooks."""
