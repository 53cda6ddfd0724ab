"""The site's URLs plus the benchmark's reference views, for tests that count their queries."""

from django.urls import include, path

from config.urls import urlpatterns as site

urlpatterns = [*site, path("bench/", include("bench.urls"))]
