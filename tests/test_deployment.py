"""Production set-ups that need an app of their own: Redis rate limits, behind a proxy.

Flask-Limiter keeps its storage on the one Limiter object, so each of these
builds its app in a separate Python process rather than disturb the test app.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

from brokerage.config import ROOT

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
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *addresses],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


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
