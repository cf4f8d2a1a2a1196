"""A URL configuration whose take addresses differ from the archive's (tests/test_url_around_one.py)."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("t/<slug:slug>/", lambda request, slug: HttpResponse(), name="take_detail")]
