#!/usr/bin/env python3
"""X-DIDWW-Signature parity corpus: verdicts of the official SDK (`didww` on PyPI, RequestValidator) for a
deterministic (seeded) set of callback URLs, payloads and signatures.

Run by Tests/ServerTests/DIDWWSignatureParityTests.swift (`python3 didww_parity.py OUT.json`), which checks that
DIDWWSignatureVerifier gives the same verdict for every case and computes the same signature as the SDK.

Each case: url, payload (list of [key, value], keys unique, as the SDK takes a dict), secret, signature (a string
or null), sdk_signature (what the SDK computes for url + payload + secret), verdict ("verified" | "invalid").
The SDK answers False for a missing or empty signature and raises TypeError from hmac.compare_digest for a
non-ASCII one; both are "invalid".

URLs are ones the server can rebuild from NUMNINJA_PUBLIC_URL and a request target: a scheme, an authority
(userinfo, a DNS name, IPv4 or a valid IPv6 literal, an optional decimal port), then a path, query and fragment
without whitespace or control characters (the HTTP parser refuses those in a request target). Two URL shapes are
left out on purpose, being impossible here and handled differently by DIDWW's own SDKs: a path with `;params`
(Python's urlparse drops them from the path, the Ruby SDK keeps them; DESIGN.md keeps the path exactly as sent,
and no `;` can reach our endpoint's path), and an authority ending in an empty port (`host:`), on which the
Python SDK raises ValueError.
"""
import json
import random
import sys

import didww
from didww.callback.request_validator import RequestValidator

try:
    from importlib.metadata import version
    SDK = "didww %s" % version("didww")
except Exception:  # pragma: no cover
    SDK = "didww"

rng = random.Random(20240917)

SCHEMES = ["http", "https", "HTTPS", "Http"]
USERINFO = ["", "", "", "user@", "user:pass@", "us%40er:p%3Ass@", "user:@", ":pass@"]
HOSTS = ["example.com", "Hooks.Example.COM", "127.0.0.1", "localhost", "[::1]", "[2001:DB8::1]", "[::ffff:192.0.2.1]",
         "xn--caf-dma.example", "a-b.c_d.example"]
PORTS = ["", "", ":80", ":443", ":8080", ":8443", ":080", ":0", ":65535", ":1"]
PATHS = ["", "/", "/api/webhooks/didww", "/numninja/api/webhooks/didww", "/a/b/", "/hello%20world", "/foo%2Fbar",
         "/caf\u00e9", "/%E2%98%8E", "/a.b/c-d_e~f", "/a+b", "/a%2b", "//double", "/a/./b/../c"]
QUERIES = ["", "", "?", "?number=num_1", "?number=num_1&token=t", "?a=1&b=2", "?a=&b=", "?a", "?a=%20+b",
           "?x=caf\u00e9", "?x=%E2%98%8E", "?id=ord_1&type=orders&status=completed", "?a=1&a=2", "?%zz=1", "?a==b",
           "?a=1;b=2", "?q=a/b?c"]
FRAGMENTS = ["", "", "", "#", "#frag", "#a?b", "#caf\u00e9", "#%20"]

KEYS = ["id", "type", "status", "did_number", "reject_reason", "a", "B", "_", "a1", "A", "\u00e4", "\u00df", "\u260e",
        "key with space", "k=v", "k&v", "\U0001F4DE"]
VALUES = ["", "orders", "completed", "canceled", "bf2cee72-6caa-4ae2-917e-bea01945691e", "caf\u00e9", "a b",
          "a+b", "%20", "\u260e\U0001F4DE", "line\nbreak", "tab\tx", "&=?#", "0", "x" * 200]
SECRETS = ["szrdgh6547umt7tht7xbqhj6g9gdbyp7", "s", "caf\u00e9-secret", "0123456789abcdef" * 8]


def sdk_signature(secret, url, payload):
    return RequestValidator(secret)._compute_signature(url, dict(payload))


def sdk_verdict(secret, url, payload, signature):
    try:
        return "verified" if RequestValidator(secret).validate(url, dict(payload), signature) else "invalid"
    except TypeError:
        return "invalid"


def random_url():
    return (rng.choice(SCHEMES) + "://" + rng.choice(USERINFO) + rng.choice(HOSTS) + rng.choice(PORTS)
            + rng.choice(PATHS) + rng.choice(QUERIES) + rng.choice(FRAGMENTS))


def random_payload():
    keys = rng.sample(KEYS, rng.randint(0, 6))
    return [[k, rng.choice(VALUES)] for k in keys]


def signatures_for(good, secret, url, payload):
    """The signatures each case is tried with: right, and several wrong ones."""
    other = sdk_signature(secret + "x", url, payload)
    flipped = good[:-1] + ("0" if good[-1] != "0" else "1")
    return [good, good, other, flipped, good.upper(), good[:39], good + "0", "", None, "\u00e9" * 40, " " + good[1:]]


cases = []


def add(name, url, payload, secret, signature):
    good = sdk_signature(secret, url, payload)
    cases.append({"name": name, "url": url, "payload": payload, "secret": secret, "signature": signature,
                  "sdk_signature": good, "verdict": sdk_verdict(secret, url, payload, signature)})


# The shapes the server really sees: callbacks to our endpoint, signed right, through various public URLs.
for i in range(120):
    url = random_url()
    payload = random_payload()
    secret = rng.choice(SECRETS)
    add("random-%d" % i, url, payload, secret, sdk_signature(secret, url, payload))

# Every kind of wrong signature on a sample of those.
for i in range(60):
    url = random_url()
    payload = random_payload()
    secret = rng.choice(SECRETS)
    good = sdk_signature(secret, url, payload)
    for j, signature in enumerate(signatures_for(good, secret, url, payload)):
        add("wrong-%d-%d" % (i, j), url, payload, secret, signature)

# Payloads that differ only in ways the signature must see: an empty value, key order, a changed value.
base_url = "https://hooks.example.com/numninja/api/webhooks/didww?number=num_1"
base = [["id", "ord_1"], ["type", "orders"], ["status", "completed"]]
secret = SECRETS[0]
good = sdk_signature(secret, base_url, base)
add("payload-exact", base_url, base, secret, good)
add("payload-reordered", base_url, list(reversed(base)), secret, good)
add("payload-extra-empty", base_url, base + [["reject_reason", ""]], secret, good)
add("payload-changed", base_url, [["id", "ord_2"], ["type", "orders"], ["status", "completed"]], secret, good)
add("payload-none", base_url, [], secret, good)
for url in ["https://hooks.example.com:443/numninja/api/webhooks/didww?number=num_1",
            "https://HOOKS.example.com/numninja/api/webhooks/didww?number=num_1",
            "HTTPS://hooks.example.com/numninja/api/webhooks/didww?number=num_1#",
            "https://hooks.example.com/numninja/api/webhooks/didww?number=num_1&",
            "https://hooks.example.com/numninja/api/webhooks/didww/?number=num_1",
            "https://hooks.example.com:8443/numninja/api/webhooks/didww?number=num_1",
            "http://hooks.example.com/numninja/api/webhooks/didww?number=num_1"]:
    add("url-variant " + url, url, base, secret, good)

json.dump({"sdk": SDK, "module": didww.__name__ + ".callback.request_validator.RequestValidator", "cases": cases},
          open(sys.argv[1], "w", encoding="utf-8"), ensure_ascii=False)
