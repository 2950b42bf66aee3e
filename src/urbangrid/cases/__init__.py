"""Case lifecycle (案件): workflow, working-time deadlines, routing and the SLA watcher."""
