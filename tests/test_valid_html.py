"""Every public page type is valid HTML by the Nu Html Checker (vnu-jar from npm, run with Java).

`make test` installs the checker (`make tools`: npm install --prefix .venv/node vnu-jar). Without it,
or without Java, this test fails and says how to get them; it is never skipped.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.archive_data import build_archive
from tests.pages import public_pages

pytestmark = pytest.mark.django_db

VNU_JAR = Path(os.environ.get("VNU_JAR") or settings.BASE_DIR / ".venv/node/node_modules/vnu-jar/build/dist/vnu.jar")


def nu_check(files: list[Path]) -> list[dict]:
    """The checker's messages for ``files``, in one Java run."""
    java = shutil.which("java")
    assert java, "Java is needed for the Nu Html Checker: apt-get install default-jre-headless"
    assert VNU_JAR.is_file(), f"The Nu Html Checker is missing at {VNU_JAR}: run `make tools` (or set VNU_JAR)."
    run = subprocess.run(
        [java, "-Xss1024k", "-jar", str(VNU_JAR), "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        return json.loads(run.stdout)["messages"]
    except (json.JSONDecodeError, KeyError):
        raise AssertionError(f"vnu gave no report (exit {run.returncode}): {run.stderr[-2000:]}") from None


def test_every_public_page_type_is_valid_html(client, seed_collection, tmp_path):
    build_archive(25)  # enough takes for a second page of results next to the seed's
    pages = {
        **public_pages(),
        "takes page 2": "/takes/?page=2",
        "takes, bad filters": "/takes/?stance=nope&page=abc&date_from=2019-13-45&theme_mode=odd",
        "search without results": "/search/?q=zzzyxq",
        "search with stray syntax": '/search/?q="kim+OR+-&type=quotes',
        "not found": "/no-such-page/",
    }
    files: dict[str, tuple[str, str]] = {}
    for kind, url in pages.items():
        response = client.get(url)
        assert response.status_code in (200, 404), (kind, url)
        path = tmp_path / f"page-{len(files):02d}.html"
        path.write_bytes(response.content)
        files[path.name] = (kind, url)
    # A control: a broken page in the same run proves the checker read the files and reports errors.
    canary = tmp_path / "canary.html"
    canary.write_text("<!DOCTYPE html><html lang=en><title>x</title><p><div>unclosed</p>")
    messages = nu_check([tmp_path / name for name in files] + [canary])
    errors = [m for m in messages if m.get("type") in ("error", "non-document-error")]
    assert any(m.get("url", "").endswith("/canary.html") for m in errors), messages
    page_errors = [
        f"{files[name]}: line {m.get('lastLine')}: {m.get('message')}"
        for m in errors
        if (name := m.get("url", "").rsplit("/", 1)[-1]) != canary.name
    ]
    assert page_errors == [], "\n".join(page_errors)
    assert len(files) == len(pages) >= 20
