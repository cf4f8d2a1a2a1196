"""Every view is also data: feeds, CSV and JSON downloads, citations, sitemaps (docs/open-data.md)."""
