"""The reading pages' filters (django-filter FilterSets), one module per list, on shared conventions.

- ``base``: the conventions: forgiving slug parameters resolved once, notices for what was ignored,
  the caps, and a FilterSet whose filters can be re-applied in any subset
- ``querystrings``: the one query-string helper: the links of facets, chips, sorts, tabs and pages
- ``facets``: the take list's facet counts (their SQL) and choices
- ``takes``: /takes/ — ``TakeFilter``
- ``experts``: /experts/ — ``ExpertFilter``
- ``quotes``: /quotes/ — ``QuoteFilter`` and its menus
"""

from archive.filters.experts import ExpertFilter
from archive.filters.quotes import QuoteFilter
from archive.filters.takes import TakeFilter

__all__ = ["ExpertFilter", "QuoteFilter", "TakeFilter"]
