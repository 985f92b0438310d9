"""A fake Stripe at its HTTP boundary, and webhooks signed as Stripe signs them.

`FakeStripe` is a `stripe.HTTPClient`: the real StripeClient builds and sends each
request (form-encoded, with its Idempotency-Key header) and reads the answer, so the
payments module runs unchanged. It answers creating and retrieving Checkout sessions
and creating refunds, with objects shaped like Stripe's own examples
(stripe_fixtures.json, from Stripe's OpenAPI fixtures), and repeats its first answer
for a repeated idempotency key as Stripe does.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import stripe

FIXTURES = json.loads((Path(__file__).with_name("stripe_fixtures.json")).read_text())["resources"]
WEBHOOK_SECRET = "whsec_test_fake_secret"


def unflatten(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding back into nested dicts and lists:
    line_items[0][price_data][unit_amount]=9500 -> {"line_items": [{"price_data": ...}]}."""
    root: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_lists(node[k]) for k in sorted(node, key=int)]
        return {k: _lists(v) for k, v in node.items()}
    return node


@dataclass
class Call:
    method: str
    path: str
    params: dict
    idempotency_key: str | None


@dataclass
class FakeStripe(stripe.HTTPClient):
    calls: list[Call] = field(default_factory=list)
    sessions: dict[str, dict] = field(default_factory=dict)
    refunds: list[dict] = field(default_factory=list)
    # Set to an HTTP status to make the next request fail with it.
    fail_next: int | None = None
    _answers: dict[str, tuple[str, int]] = field(default_factory=dict)

    name = "fake"

    def __post_init__(self):
        super().__init__()

    # stripe.HTTPClient's one method to implement.
    def request(self, method, url, headers, post_data=None, *, _usage=None):
        path = urlsplit(url).path
        params = unflatten(parse_qsl(post_data or "", keep_blank_values=True))
        key = (headers or {}).get("Idempotency-Key")
        self.calls.append(Call(method.upper(), path, params, key))
        if self.fail_next:
            status, self.fail_next = self.fail_next, None
            error = {"error": {"type": "api_error", "message": "Stripe is having a bad day"}}
            return json.dumps(error), status, {}
        if key and key in self._answers:
            body, status = self._answers[key]
            return body, status, {"Idempotent-Replayed": "true"}
        body, status = self._answer(method.upper(), path, params)
        if key:
            self._answers[key] = (body, status)
        return body, status, {"Request-Id": f"req_{secrets.token_hex(7)}"}

    def _answer(self, method: str, path: str, params: dict) -> tuple[str, int]:
        if method == "POST" and path == "/v1/checkout/sessions":
            return json.dumps(self._create_session(params)), 200
        found = re.fullmatch(r"/v1/checkout/sessions/([^/]+)", path)
        if method == "GET" and found:
            session = self.sessions.get(found.group(1))
            if session is None:
                missing = {"error": {"type": "invalid_request_error", "code": "resource_missing"}}
                return json.dumps(missing), 404
            return json.dumps(session), 200
        found = re.fullmatch(r"/v1/checkout/sessions/([^/]+)/expire", path)
        if method == "POST" and found and found.group(1) in self.sessions:
            session = self.sessions[found.group(1)]
            if session["status"] != "open":
                # What Stripe answers for a session that is complete or expired already.
                error = {
                    "error": {
                        "type": "invalid_request_error",
                        "message": 'Only Checkout Sessions with a status in ["open"] '
                        "can be expired.",
                    }
                }
                return json.dumps(error), 400
            session.update(status="expired")
            return json.dumps(session), 200
        if method == "POST" and path == "/v1/refunds":
            return json.dumps(self._create_refund(params)), 200
        return json.dumps({"error": {"type": "invalid_request_error", "message": path}}), 404

    def _create_session(self, params: dict) -> dict:
        session = copy.deepcopy(FIXTURES["checkout.session"])
        session_id = f"cs_test_{secrets.token_hex(12)}"
        amount = sum(
            int(item["price_data"]["unit_amount"]) * int(item["quantity"])
            for item in params.get("line_items", [])
        )
        session.update(
            id=session_id,
            url=f"https://checkout.stripe.test/c/pay/{session_id}",
            amount_subtotal=amount,
            amount_total=amount,
            currency=params["line_items"][0]["price_data"]["currency"],
            client_reference_id=params.get("client_reference_id"),
            customer_email=params.get("customer_email"),
            metadata=params.get("metadata", {}),
            expires_at=int(params["expires_at"]),
            success_url=params.get("success_url"),
            cancel_url=params.get("cancel_url"),
            payment_intent=None,
            payment_status="unpaid",
            status="open",
            created=int(time.time()),
        )
        self.sessions[session_id] = session
        return session

    def _create_refund(self, params: dict) -> dict:
        refund = copy.deepcopy(FIXTURES["refund"])
        refund.update(
            id=f"re_test_{secrets.token_hex(10)}",
            amount=int(params["amount"]),
            currency="gbp",
            payment_intent=params["payment_intent"],
            status="succeeded",
        )
        self.refunds.append(refund)
        return refund

    # --- What the tests do as the buyer, at Stripe ---------------------------------------

    def pay(self, session_id: str, *, amount: int | None = None, currency: str = "gbp") -> dict:
        """The buyer pays on Stripe's page: the session is complete and paid."""
        session = self.sessions[session_id]
        session.update(
            status="complete",
            payment_status="paid",
            payment_intent=session.get("payment_intent") or f"pi_test_{secrets.token_hex(10)}",
            currency=currency,
        )
        if amount is not None:
            session["amount_total"] = amount
        return copy.deepcopy(session)

    def expire(self, session_id: str) -> dict:
        session = self.sessions[session_id]
        session.update(status="expired")
        return copy.deepcopy(session)

    def last(self, path: str) -> Call:
        return [call for call in self.calls if call.path == path][-1]


def event(kind: str, obj: dict, event_id: str | None = None) -> dict:
    """A webhook event as Stripe sends it, around `obj`."""
    shell = copy.deepcopy(FIXTURES["event"])
    shell.update(
        id=event_id or f"evt_{secrets.token_hex(12)}",
        type=kind,
        created=int(time.time()),
        api_version="2026-10-28.endive",
        data={"object": obj},
    )
    return shell


def signed(payload: dict | str, secret: str = WEBHOOK_SECRET, *, timestamp=None):
    """(body, headers) for a webhook POST, signed with Stripe's real scheme."""
    body = payload if isinstance(payload, str) else json.dumps(payload)
    header = stripe.WebhookSignature.generate_signature_header(
        body, secret, **({"timestamp": timestamp} if timestamp is not None else {})
    )
    return body, {"Stripe-Signature": header, "Content-Type": "application/json"}


def charge_refunded(payment_intent: str, amount: int, refunded: int) -> dict:
    charge = copy.deepcopy(FIXTURES["charge"])
    charge.update(
        id=f"ch_test_{secrets.token_hex(10)}",
        amount=amount,
        amount_captured=amount,
        amount_refunded=refunded,
        refunded=refunded >= amount,
        currency="gbp",
        payment_intent=payment_intent,
        captured=True,
    )
    return charge
