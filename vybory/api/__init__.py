"""vybory.api: the HTTP interface (FastAPI), OpenAPI at /openapi.json.

``create_app(database_url, ...)`` builds the application (API and pages).
"""

from vybory.api.app import create_app

__all__ = ["create_app"]
