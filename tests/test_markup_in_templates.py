"""HTML lives in template files: no module of the app builds markup from strings and calls it safe,
and no template turns escaping off. The two exceptions are the search highlighter, which escapes the
text before it adds its <mark> tags, and the admin, whose list columns Django's admin asks for as
HTML (built with format_html, which escapes every argument)."""

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
ALLOWED = {"archive/search/highlight.py"}
#: The admin's list columns (status badges, stance chips) are built as Django's admin asks for them.
ALLOWED_PACKAGES = ("archive/admin/",)
#: What marks a string as markup that the template engine will not escape.
SAFE_MAKERS = {"mark_safe", "format_html", "format_html_join", "SafeString", "SafeText", "SafeData", "Markup"}
SAFE_MODULES = {"django.utils.safestring", "markupsafe"}
SAFE_KEYWORDS = {"is_safe", "needs_autoescape"}  # a template filter declaring its output markup
TEMPLATE_UNSAFE = re.compile(r"\|\s*safe\b|autoescape\s+(off|false)|\|\s*mark_safe\b", re.IGNORECASE)


def offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Name) and node.id in SAFE_MAKERS:
            found.append(f"{node.id} (line {node.lineno})")
        elif isinstance(node, ast.Attribute) and node.attr in SAFE_MAKERS:
            found.append(f".{node.attr} (line {node.lineno})")
        elif isinstance(node, ast.ImportFrom) and (node.module in SAFE_MODULES or node.module == "django.utils.html"):
            names = {alias.name for alias in node.names} & (SAFE_MAKERS | {"*"})
            if node.module in SAFE_MODULES or names:
                found.append(f"from {node.module} import … (line {node.lineno})")
        elif isinstance(node, ast.Import) and any(alias.name in SAFE_MODULES for alias in node.names):
            found.append(f"import of {', '.join(alias.name for alias in node.names)} (line {node.lineno})")
        elif isinstance(node, ast.FunctionDef) and node.name == "__html__":
            found.append(f"def __html__ (line {node.lineno})")
        elif isinstance(node, ast.keyword) and node.arg in SAFE_KEYWORDS:
            found.append(f"{node.arg}= (line {node.lineno})")
    return found


def test_no_module_outside_the_highlighter_and_the_admin_builds_safe_markup():
    offenders = {}
    for path in sorted((ROOT / "archive").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in ALLOWED or name.startswith(ALLOWED_PACKAGES) or "/migrations/" in name:
            continue
        if found := offences(path):
            offenders[name] = found
    assert not offenders, f"markup built in Python (put it in a template): {offenders}"


def test_the_scan_sees_each_way_of_marking_markup_safe(tmp_path):
    module = tmp_path / "tags.py"
    module.write_text(
        "from django.utils.html import format_html\n"
        "from django.utils.safestring import mark_safe\n"
        "from django import template\n"
        "register = template.Library()\n"
        "@register.filter(is_safe=True)\n"
        "def chip(value):\n"
        "    return mark_safe('<li>' + value + '</li>')\n"
        "class Card:\n"
        "    def __html__(self):\n"
        "        return '<b>'\n"
    )
    found = " ".join(offences(module))
    for expected in ("from django.utils.html", "from django.utils.safestring", "is_safe=", "mark_safe", "__html__"):
        assert expected in found


def test_no_template_turns_escaping_off():
    offenders = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "templates").rglob("*.html"))
        if TEMPLATE_UNSAFE.search(path.read_text())
    ]
    assert not offenders, f"templates that mark text safe or turn autoescape off: {offenders}"
