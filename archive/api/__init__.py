"""The read-only JSON API at /api/v1/ (docs/open-data.md "API"): Django REST Framework over the
pages' own FilterSets (archive/filters/) and the one ranked search path (archive/search/results.py)."""
