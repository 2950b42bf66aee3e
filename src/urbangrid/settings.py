"""Runtime settings, read from the environment (prefix ``URBANGRID_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from urbangrid.kit.errors import InvalidInput

DEFAULT_SECRET_KEY = "change-me-in-production"
# A key from ``secrets.token_urlsafe(32)`` has 43 characters.
MIN_SECRET_KEY_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="URBANGRID_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///urbangrid.db"
    data_dir: Path = Path("urbangrid-data")
    timezone: str = "Asia/Shanghai"
    # Bearer tokens issued by /api/v1/auth/login live this long.
    token_ttl_hours: int = 12
    # Secret for signing session cookies and webhook payloads. The server refuses to start
    # with the default, an empty or a short one unless ``demo`` is on.
    secret_key: str = DEFAULT_SECRET_KEY
    # Demo mode (URBANGRID_DEMO=1, set by scripts/demo.sh): a trial on one's own machine,
    # where the server may run with the default secret key.
    demo: bool = False
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
    # Optional offline base map (离线底图): an MBTiles file of raster tiles on this machine,
    # served at /api/v1/geo/tiles/{z}/{x}/{y}.<format> and used when map_tile_url is unset.
    map_tiles_path: Path | None = None
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


class InsecureSecretKey(InvalidInput):
    """The server's secret key is the shipped default, empty or too short (outside demo
    mode)."""

    title = "Insecure secret key"


def secret_key_problem(settings: Settings) -> str | None:
    """What is wrong with the secret key for a production server, or None when it is long
    enough and not the default. (Demo mode is not considered here.)"""
    key = settings.secret_key
    if not key.strip():
        return "URBANGRID_SECRET_KEY is empty"
    if key == DEFAULT_SECRET_KEY:
        return f"URBANGRID_SECRET_KEY is the shipped default ({DEFAULT_SECRET_KEY!r})"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"URBANGRID_SECRET_KEY is too short ({len(key)} characters)"
    return None


def ensure_production_secret(settings: Settings) -> None:
    """Refuse to serve with the default, an empty or a short secret key unless in demo mode
    (``URBANGRID_DEMO=1``): whoever knows the key can forge what it signs (the CSRF tokens
    of cookie sessions). Raises :class:`InsecureSecretKey`, whose message says how to set
    one. Called when the server's app is built (``create_server_app``)."""
    if settings.demo:
        return
    problem = secret_key_problem(settings)
    if problem is None:
        return
    raise InsecureSecretKey(
        f"{problem}: the server will not start with it. Set URBANGRID_SECRET_KEY (in the "
        f"environment or .env) to a random key of {MIN_SECRET_KEY_LENGTH}+ characters, kept "
        "secret, made for example with\n"
        "  python3 -c 'import secrets; print(secrets.token_urlsafe(32))'\n"
        "or set URBANGRID_DEMO=1 for a demo on your own machine (scripts/demo.sh does).",
        field="secret_key",
    )
