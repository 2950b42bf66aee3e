"""``urbangrid geo ...``: boundaries, unit grids, addresses, components, conversion.

The geography modules (NumPy, Shapely, the database) are imported inside the commands:
``--help`` stays fast."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from urbangrid.cli.common import open_session, reports_errors
from urbangrid.kit.errors import InvalidInput

if TYPE_CHECKING:
    from urbangrid.geo import service
    from urbangrid.geo.crs import Crs

CLI_NAME = "geo"
app = typer.Typer(
    help="Geography: boundaries, unit grids (万米单元网格), addresses, components (部件).",
    no_args_is_help=True,
)

CrsOption = Annotated[str, typer.Option("--crs", help="coordinate system of the file")]
JurisdictionOption = Annotated[
    str | None, typer.Option("--jurisdiction", "-j", help="6-digit district code")
]


def _crs(value: str) -> Crs:
    from urbangrid.geo.crs import Crs

    try:
        return Crs.parse(value)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}")
    return path


def _print(summary: service.Summary) -> None:
    for line in summary.lines():
        typer.echo(line)


@app.command("import-boundary")
@reports_errors
def import_boundary(
    file: Path,
    crs: CrsOption = "gcj02",
    level: Annotated[str, typer.Option(help="district | street | community")] = "district",
    code: Annotated[str | None, typer.Option(help="code (6 digits district, else 3)")] = None,
    name: Annotated[str | None, typer.Option(help="name (overrides the file's)")] = None,
    jurisdiction: JurisdictionOption = None,
    street: Annotated[str | None, typer.Option(help="street code of the communities")] = None,
) -> None:
    """Import a district / street / community boundary (GeoJSON or shapefile)."""
    from urbangrid.geo import service
    from urbangrid.geo.features import read_features

    features = read_features(_existing(file))
    with open_session() as session:
        summary = service.import_boundary(
            session,
            features,
            _crs(crs),
            level=level,
            code=code,
            name=name,
            jurisdiction_code=jurisdiction,
            street_code=street,
        )
        _print(summary)


@app.command("make-grids")
@reports_errors
def make_grids(
    size: Annotated[float, typer.Option(help="cell side in metres")] = 100.0,
    jurisdiction: JurisdictionOption = None,
) -> None:
    """Generate the unit grids of the jurisdiction (per community where known)."""
    from urbangrid.geo import service

    with open_session() as session:
        _print(service.make_grids(session, jurisdiction, size_m=size))


@app.command("import-grids")
@reports_errors
def import_grids(
    file: Path,
    crs: CrsOption = "wgs84",
    code_property: Annotated[str, typer.Option(help="property holding the code")] = "code",
    jurisdiction: JurisdictionOption = None,
) -> None:
    """Import a grid layer with its own 15-digit codes (replaces the current grids)."""
    from urbangrid.geo import service
    from urbangrid.geo.features import read_features

    features = read_features(_existing(file))
    with open_session() as session:
        _print(
            service.import_grids(
                session,
                features,
                _crs(crs),
                jurisdiction_code=jurisdiction,
                code_property=code_property,
            )
        )


@app.command("locate")
@reports_errors
def locate(
    lon: float,
    lat: float,
    crs: CrsOption = "wgs84",
    jurisdiction: JurisdictionOption = None,
) -> None:
    """Print the grid, community and street of a point."""
    from urbangrid.geo import locator, service

    with open_session() as session:
        j = service.get_jurisdiction(session, jurisdiction)
        loc = locator.locate_point(session, j.id, lon, lat, _crs(crs))
        typer.echo(
            f"{loc.grid_code}  {loc.street_name} / {loc.community_name}"
            + (f"  (snapped {loc.snapped_m:.1f} m)" if loc.snapped_m else "")
        )


@app.command("convert")
@reports_errors
def convert_cmd(
    lon: float,
    lat: float,
    src: Annotated[str, typer.Option("--from")] = "wgs84",
    dst: Annotated[str, typer.Option("--to")] = "gcj02",
) -> None:
    """Convert one point between wgs84, gcj02 and bd09."""
    from urbangrid.geo.crs import convert

    x, y = convert(lon, lat, _crs(src), _crs(dst))
    typer.echo(f"{float(x):.8f} {float(y):.8f}")


@app.command("import-addresses")
@reports_errors
def import_addresses(
    file: Path, crs: CrsOption = "wgs84", jurisdiction: JurisdictionOption = None
) -> None:
    """Import 门牌地址 (CSV: address, lon, lat; or GeoJSON points)."""
    from urbangrid.geo import addresses, service

    data = _existing(file).read_bytes()
    with open_session() as session:
        j = service.get_jurisdiction(session, jurisdiction)
        rows = addresses.parse_address_rows(data, file.name)
        typer.echo(json.dumps(addresses.import_addresses(session, j, rows, _crs(crs))))


@app.command("import-components")
@reports_errors
def import_components(
    file: Path, crs: CrsOption = "wgs84", jurisdiction: JurisdictionOption = None
) -> None:
    """Import the 部件 inventory (CSV or GeoJSON points)."""
    from urbangrid.geo import components, service

    data = _existing(file).read_bytes()
    with open_session() as session:
        j = service.get_jurisdiction(session, jurisdiction)
        rows = components.parse_component_rows(data, file.name)
        typer.echo(json.dumps(components.import_components(session, j, rows, _crs(crs))))


@app.command("export-components")
@reports_errors
def export_components(
    file: Path,
    fmt: Annotated[str, typer.Option("--format", help="geojson | csv")] = "geojson",
    jurisdiction: JurisdictionOption = None,
) -> None:
    """Write the 部件 inventory to FILE."""
    from urbangrid.geo import components, service

    with open_session() as session:
        j = service.get_jurisdiction(session, jurisdiction)
        text = components.export_components(session, j, fmt)
    file.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {file}")
