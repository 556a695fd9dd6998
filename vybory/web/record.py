"""The public record for download: the zip ``vybory export`` writes (vybory.cli.record.export_record)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from vybory.service import ElectionService


def record_bytes(service: ElectionService, slug: str) -> bytes:
    """The record zip of ``slug`` (refused for an unknown election)."""
    from vybory.cli.record import export_record

    service.head(slug)
    with tempfile.TemporaryDirectory(prefix="vybory-record-") as folder:
        target = Path(folder) / "record.zip"
        export_record(service, slug, target)
        return target.read_bytes()


async def record_response(service: ElectionService, slug: str) -> Response:
    data = await run_in_threadpool(record_bytes, service, slug)
    return Response(
        data,
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="{slug}-record.zip"'},
    )
