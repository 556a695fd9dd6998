"""The public record for download: the verifier's ``export_record`` zip, or the board as JSON lines."""

from __future__ import annotations

import importlib
import inspect
import tempfile
from pathlib import Path
from typing import Any

from fastapi.responses import RedirectResponse, Response

from vybory.service import ElectionService


def export_function() -> Any:
    """``vybory.cli.record.export_record`` if the record exporter is installed, else ``None``."""
    try:
        module = importlib.import_module("vybory.cli.record")
    except ImportError:
        return None
    return getattr(module, "export_record", None)


def record_response(service: ElectionService, slug: str) -> Response:
    """``record.zip`` made by ``vybory export``'s function; the board's JSON lines when it is absent."""
    service.head(slug)  # an unknown election is refused here
    export = export_function()
    if export is None:
        return RedirectResponse(f"/api/elections/{slug}/board.jsonl", status_code=303)
    with tempfile.TemporaryDirectory(prefix="vybory-record-") as folder:
        target = Path(folder) / f"{slug}-record.zip"
        parameters = inspect.signature(export).parameters
        if "service" in parameters:
            export(service=service, slug=slug, out=target) if "out" in parameters else \
                export(service, slug, target)
        else:
            export(service.database.url, slug, target)
        data = target.read_bytes()
    return Response(data, media_type="application/zip",
                    headers={"content-disposition": f'attachment; filename="{slug}-record.zip"'})
