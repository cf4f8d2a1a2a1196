"""/api/v1/: the resources (a router's list and detail URLs), the OpenAPI schema, and a JSON 404
for any other path under /api/."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from archive.api.machinery import not_found
from archive.api.views import RESOURCES
from archive.cache import not_kept


class Router(DefaultRouter):
    include_format_suffixes = False  # ?format= only: one URL, one body (archive/api/machinery.py)


router = Router()
for prefix, viewset in RESOURCES.items():
    router.register(prefix, viewset, basename=prefix.removesuffix("s"))

app_name = "api"
urlpatterns = [
    # The schema holds no archive data: never looked up or kept by the page cache.
    path("v1/schema/", not_kept(SpectacularAPIView.as_view()), name="schema"),
    path("v1/", include(router.urls)),
    re_path(r"^", not_found),
]
