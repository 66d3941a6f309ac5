"""The JSON API, assembled from each app's router. OpenAPI docs at /api/docs."""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from ninja import NinjaAPI

from cbcoord.activities.api import router as activities_router
from cbcoord.coordination.api import router as coordination_router
from cbcoord.core.api_errors import install_error_handlers
from cbcoord.exports.api import router as exports_router
from cbcoord.frameworks.api import router as frameworks_router
from cbcoord.imports.api import router as imports_router
from cbcoord.meetings.api import router as meetings_router
from cbcoord.needs.api import router as needs_router
from cbcoord.registry.api import router as registry_router

api = NinjaAPI(
    title="cbcoord API",
    version="1",
    description=(
        "Customs capacity-building coordination: regions, members, partners, instruments. "
        "Authenticate scripts with `Authorization: Bearer <token>`; the browser uses its session. "
        "Anonymous callers read published data only."
    ),
    urls_namespace="api",
    # Swagger UI (served from ninja's own static files) sets inline styles.
    docs_decorator=csp_update({"style-src": [UNSAFE_INLINE]}),
)
install_error_handlers(api)
api.add_router("/", registry_router)
api.add_router("/", frameworks_router)
api.add_router("/", activities_router)
api.add_router("/", imports_router)
api.add_router("/", needs_router)
api.add_router("/", coordination_router)
api.add_router("/", meetings_router)
api.add_router("/", exports_router)
