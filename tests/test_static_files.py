"""Static files: each URL carries the release's fingerprint, and the browser keeps
the file for a year without asking again."""

from __future__ import annotations

import re

from brokerage.static_files import fingerprint


def _asset_urls(response) -> list[str]:
    """What the page's <link> and <script> elements load."""
    html = response.get_data(as_text=True)
    return re.findall(r'<(?:link|script)\b[^>]*?(?:href|src)="([^"]+)"', html)


def test_every_asset_on_a_page_is_fingerprinted_and_kept_for_a_year(client):
    page = client.get("/")
    urls = _asset_urls(page)
    assert any(u.endswith("/css/application.css") for u in urls)
    assert any(u.endswith("/js/application.mjs") for u in urls)
    for url in urls:
        assert re.fullmatch(r"/static/[0-9a-f]{12}/[\w./-]+", url), url
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        answer.close()
    # The page itself is never kept.
    assert page.headers["Cache-Control"] == "no-store"


def test_a_module_imports_its_neighbours_relatively_so_they_share_the_fingerprint(client):
    [module] = [u for u in _asset_urls(client.get("/")) if u.endswith("application.mjs")]
    answer = client.get(module)
    source = answer.get_data(as_text=True)
    answer.close()
    [imported] = re.findall(r"from '([^']+)'", source)
    assert imported.startswith("../"), "an absolute import would miss the fingerprint"
    target = module.rsplit("/js/", 1)[0] + "/" + imported.removeprefix("../")
    answer = client.get(target)
    assert answer.status_code == 200
    answer.close()


def test_the_fingerprint_changes_when_any_file_changes(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "a.css").write_text("p { color: black }")
    before = fingerprint(tmp_path)
    assert fingerprint(tmp_path) == before
    (tmp_path / "css" / "a.css").write_text("p { color: blue }")
    assert fingerprint(tmp_path) != before


def test_an_old_release_s_url_is_not_found(client):
    assert client.get("/static/000000000000/css/application.css").status_code == 404
