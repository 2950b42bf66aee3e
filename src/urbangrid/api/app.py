"""The FastAPI application: every domain's routes under one app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from urbangrid import __version__
from urbangrid.api.docs import install_api_docs
from urbangrid.api.headers import SecurityHeaders
from urbangrid.api.limits import BodyLimit
from urbangrid.api.problems import install_problem_handlers
from urbangrid.api.retry import RetryLocked
from urbangrid.db import get_engine, session_factory
from urbangrid.domains import domain_modules
from urbangrid.settings import ensure_production_secret, get_settings


def create_app(engine: Engine | None = None, *, background: bool = False) -> FastAPI:
    """Build the app. ``background`` runs the domains' background jobs (SLA watcher ...) in
    a thread of the server process: the embedded setup (see :mod:`urbangrid.ops.worker`)."""
    engine = engine or get_engine()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stoppers: list[Callable[[], object]] = []
        if background:
            from urbangrid.ops.worker import start_embedded

            stoppers.append(start_embedded(app))
        try:
            yield
        finally:
            for stop in reversed(stoppers):
                result = stop()
                if hasattr(result, "__await__"):
                    await result  # type: ignore[misc]

    app = FastAPI(
        title="UrbanGrid",
        version=__version__,
        description="Digital urban management platform (数字化城管) — REST API",
        lifespan=lifespan,
        # /docs and /redoc from local files, not a CDN (urbangrid.api.docs).
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    install_problem_handlers(app)
    settings = get_settings()
    if engine.dialect.name == "sqlite":
        app.add_middleware(RetryLocked)
    app.add_middleware(
        BodyLimit,
        user_limit=settings.max_upload_bytes + 256 * 1024,  # a photo and its form fields
        anonymous_limit=settings.anonymous_max_request_bytes,
    )
    # Added last, so outermost: a 413 from the limit gets the headers too.
    app.add_middleware(SecurityHeaders, tile_url=settings.map_tile_url)
    install_api_docs(app, settings.map_tile_url)
    for module in domain_modules("routes"):
        app.include_router(module.router)
        install = getattr(module, "install", None)
        if install is not None:
            install(app)
    return app


def create_server_app() -> FastAPI:
    """The app each ``urbangrid serve`` process runs (uvicorn's factory, also with
    ``--workers N``): background jobs in the server unless ``URBANGRID_EMBEDDED_WORKER=0``
    (then ``urbangrid worker`` runs them). Refuses the default, an empty or a short secret
    key outside demo mode (:func:`urbangrid.settings.ensure_production_secret`); apps
    built with ``create_app`` directly (tests, benchmarks) are not checked."""
    settings = get_settings()
    ensure_production_secret(settings)
    return create_app(background=settings.embedded_worker)
