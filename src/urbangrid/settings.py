"""Runtime settings, read from the environment (prefix ``URBANGRID_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="URBANGRID_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///urbangrid.db"
    data_dir: Path = Path("urbangrid-data")
    timezone: str = "Asia/Shanghai"
    # Bearer tokens issued by /api/v1/auth/login live this long.
    token_ttl_hours: int = 12
    # Secret for signing session cookies and webhook payloads; set it in production.
    secret_key: str = "change-me-in-production"
    # argon2id cost (OWASP's suggested floor is 19 MiB, 2 passes; we default higher).
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    max_upload_bytes: int = 10 * 1024 * 1024
    # Requests without a user's credentials (login, Open311 apps, the 12345 interface) may
    # send this much: below the multipart parser's 1 MiB spill to disk.
    anonymous_max_request_bytes: int = 512 * 1024
    # Abuse limits of the machine interfaces, per API key and per client address (429 with
    # Retry-After beyond them).
    open311_posts_per_minute: int = 30
    hotline_orders_per_minute: int = 120
    # Optional online raster tile URL for the map; the map works without it.
    map_tile_url: str | None = None
    # Run the SLA watcher inside ``urbangrid serve`` (embedded setup).
    embedded_worker: bool = True
    # Proxies whose X-Forwarded-Proto / -For ``urbangrid serve`` trusts (comma-separated
    # addresses, or "*"): behind a TLS-terminating proxy, cookies are then Secure and HSTS
    # is sent, and the client address of the rate limits is the real one.
    forwarded_allow_ips: str = "127.0.0.1"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"


@lru_cache
def get_settings() -> Settings:
    return Settings()
