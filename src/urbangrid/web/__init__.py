"""Web UI (监督指挥 + 无线采集 + the role workbenches): pages, static assets, session login."""
