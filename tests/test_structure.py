"""The code's shape: only the database packages ask which database they run on."""

import re
from pathlib import Path

from django.conf import settings

ARCHIVE = Path(settings.BASE_DIR) / "archive"

#: Where a branch on the database vendor belongs: the database-side machinery, the search
#: engines' backends, and migrations (which must run on both databases).
VENDOR_PACKAGES = ("archive/db/", "archive/search/backends/", "archive/migrations/")

VENDOR = re.compile(r"connection\.vendor|\.vendor\s*[!=]=|\bvendor\(")


def modules() -> list[str]:
    return sorted(path.relative_to(ARCHIVE.parent).as_posix() for path in ARCHIVE.rglob("*.py"))


def test_no_module_outside_the_database_packages_branches_on_the_vendor():
    offenders = []
    for name in modules():
        if name.startswith(VENDOR_PACKAGES):
            continue
        text = (ARCHIVE.parent / name).read_text(encoding="utf-8")
        offenders += [
            f"{name}:{number}: {line.strip()}"
            for number, line in enumerate(text.splitlines(), start=1)
            if VENDOR.search(line)
        ]
    assert offenders == [], "branch on the database vendor outside archive/db/:\n" + "\n".join(offenders)


def test_the_check_sees_a_vendor_branch():
    assert VENDOR.search('if connection.vendor == "postgresql":')
    assert VENDOR.search("if connections[using].vendor != 'sqlite':")
    assert VENDOR.search("if engine.vendor(using) == 'sqlite':")
    assert not VENDOR.search("connection.display_name")
