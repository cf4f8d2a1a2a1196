"""The public reading pages, one module per family of pages (the search pages are in archive/search/).

- ``base``: rendering with a title and description, link parameters, canonical query strings
- ``home``: the home page, About
- ``takes``: the take list with its filters and facets; a take's page
- ``experts``: the expert list (by name, or by stance on a question); an expert's page
- ``questions``: the questions with their stance splits; a question's page
- ``browse``: the outlet list; one page for an outlet, a collection or a theme with its takes

A view gathers what its page needs through QuerySet methods (archive/models/) and page builders
(archive/reading.py, and the builders beside each view), then renders its template. Each page does
a fixed number of queries whatever it shows (pinned in tests/test_query_counts.py), and public pages
are cached whole against the data version (archive/cache.py).
"""
