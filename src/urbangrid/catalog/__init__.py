"""Category catalogue (管理部件 / 管理事项) with filing conditions and time limits."""
