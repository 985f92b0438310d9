"""Production set-ups that need an app of their own: Redis rate limits (and Redis
down), behind a proxy; and the README's production recipe, which the scale-out bench
runs (bench/scale/Procfile).

Flask-Limiter keeps its storage on the one Limiter object, so each of these
builds its app in a separate Python process rather than disturb the test app.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import uuid
from pathlib import Path

import pytest

from brokerage import SERVED_GC_THRESHOLD
from brokerage.config import ROOT
from tests.helpers import python_says

SCRIPT = r"""
import json, os, sys
from brokerage import create_app
from brokerage.extensions import limiter

app = create_app({
    "APP_ENV": "testing",
    "SQLALCHEMY_DATABASE_URI": os.environ["DB_URL"],
    "WTF_CSRF_ENABLED": False,
    **json.loads(os.environ["EXTRA"]),
})
client = app.test_client()
codes = {}
for address in sys.argv[1:]:
    codes[address] = [
        client.post(
            "/account/sign-in",
            data={"email": "nobody@example.org", "password": "wrong password"},
            headers={"X-Forwarded-For": address},
        ).status_code
        for _ in range(11)
    ]
print(json.dumps({"codes": codes, "storage": type(limiter.storage).__name__}))
"""


def _run(app, extra: dict, *addresses: str) -> dict:
    env = dict(os.environ, DB_URL=app.config["SQLALCHEMY_DATABASE_URI"], EXTRA=json.dumps(extra))
    return python_says(SCRIPT, env, *addresses)


def test_sign_in_limits_are_shared_through_redis(app):
    redis = pytest.importorskip("redis")
    prefix = f"test-{uuid.uuid4().hex}"
    extra = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    result = _run(app, extra, "203.0.113.5")
    assert result["storage"] == "RedisStorage"
    # Ten tries a minute are allowed; the eleventh is refused.
    assert result["codes"]["203.0.113.5"][:10] == [200] * 10
    assert result["codes"]["203.0.113.5"][10] == 429
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    keys = connection.keys(f"*{prefix}*")
    assert keys, "the limiter wrote nothing to Redis"
    connection.delete(*keys)


def test_behind_a_proxy_each_visitor_has_their_own_limit(app):
    result = _run(app, {"TRUSTED_PROXIES": 1}, "198.51.100.1", "198.51.100.2")
    assert result["codes"]["198.51.100.1"][10] == 429
    # A second visitor behind the same proxy is not locked out by the first.
    assert result["codes"]["198.51.100.2"][0] == 200


def test_without_trusting_the_proxy_forwarded_addresses_are_ignored(app):
    result = _run(app, {}, "198.51.100.1", "198.51.100.2")
    # Forged X-Forwarded-For headers do not buy a fresh allowance.
    assert result["codes"]["198.51.100.2"][0] == 429


def test_with_redis_down_the_forms_still_work_and_each_process_counts_alone(app):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]  # nothing listens there once the socket closes
    extra = {"RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{closed}/0"}
    result = _run(app, extra, "203.0.113.9")
    # No 500: the limits fall back to this process's memory, and still hold there.
    assert result["codes"]["203.0.113.9"][:10] == [200] * 10
    assert result["codes"]["203.0.113.9"][10] == 429


# --- The production recipe: README, Procfile and the scale-out bench agree ---------------


def _recipe():
    spec = importlib.util.spec_from_file_location("recipe", ROOT / "bench/scale/recipe.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _production_section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Running in production")
    return readme[start : readme.index("\n## ", start + 1)]


def _blocks(section: str, language: str) -> list[str]:
    """The text of each fenced code block in `language` ("" for none)."""
    blocks, current, kind = [], None, ""
    for line in section.splitlines(keepends=True):
        if current is None and line.startswith("```"):
            current, kind = [], line[3:].strip()
        elif current is not None and line.strip() == "```":
            if kind == language:
                blocks.append("".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def test_the_readme_lists_the_commands_the_scale_out_bench_runs():
    recipe = _recipe()
    commands = recipe.commands()
    assert list(commands) == ["release", "web", "worker"]
    section = _production_section()
    listed = [
        line.split("#", 1)[0].strip()
        for block in _blocks(section, "sh")
        for line in block.splitlines()
        if line.startswith(("flask ", "gunicorn "))
    ]
    assert listed == list(commands.values())
    # The Procfile itself, as it is, and the systemd units run the same commands.
    procfile = (ROOT / "bench/scale/Procfile").read_text()
    assert any(procfile.strip() in block for block in _blocks(section, ""))
    started = [
        re.sub(r"\$\{(\w+)\}", r"$\1", line.removeprefix("ExecStart=/srv/brokerage/.venv/bin/"))
        for block in _blocks(section, "ini")
        for line in block.splitlines()
        if line.startswith("ExecStart=")
    ]
    assert sorted(started) == sorted([commands["web"], commands["worker"]])


def test_the_bench_starts_each_process_with_the_recipe():
    recipe = _recipe()
    web = recipe.argv("web", {"PORT": "5601"})
    assert Path(web[0]).name == "gunicorn"
    assert web[1:] == ["--bind", "127.0.0.1:5601", "wsgi:app"]
    assert recipe.argv("worker", {})[1:] == ["--app", "brokerage", "worker"]


READY = r"""
import gc, json
import wsgi
env = wsgi.app.jinja_env
compiled = {name for _loader, name in env.cache.keys()}
print(json.dumps({"templates": len(env.list_templates()),
                  "not_compiled": sorted(set(env.list_templates()) - compiled),
                  "gc_threshold": gc.get_threshold(), "gc_frozen": gc.get_freeze_count()}))
"""


def test_the_served_app_compiles_every_template_before_its_first_request(app):
    # gunicorn's wsgi:app: the order page and the confirmation email are ready before a
    # worker takes its first buyer, not compiled on that buyer's time.
    env = dict(os.environ, APP_ENV="testing", DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    found = python_says(READY, env)
    assert found["templates"] > 300  # ours and GOV.UK Frontend's
    assert found["not_compiled"] == []
    # What the start made is left out of the collector's scans; young objects are
    # collected less often than Python's default (700), but still collected.
    assert found["gc_frozen"] > 100_000
    assert list(found["gc_threshold"]) == list(SERVED_GC_THRESHOLD)
