#!/usr/bin/env python3
"""Stripe-Signature parity corpus: verdicts of the official SDK (`stripe` on PyPI) for a deterministic set of headers.

Run by Tests/ServerTests/StripeSignatureTests.swift (`python3 stripe_parity.py OUT.json`), which checks that
StripeSignatureVerifier gives the same verdict for every case. The SDK reads the clock with `time.time()`; each case
fixes it by replacing `time.time` with a constant. Verdicts use the CONTRACT codes:
  verified | malformed_signature_header | invalid_signature | timestamp_out_of_tolerance
Mapping of the SDK's outcomes (see StripeSignature.swift): the "no header" / "Unable to extract timestamp and
signatures" / "No signatures found with expected scheme" errors are malformed_signature_header; "No signatures found
matching" and the TypeError that hmac.compare_digest raises on a non-ASCII v1 are invalid_signature; "Timestamp
outside the tolerance zone" is timestamp_out_of_tolerance. With several secrets (rotation) the verdict is
"verified" if the SDK verifies with any one secret, else timestamp_out_of_tolerance if any secret got that far,
else the SDK's answer for the first secret.
"""
import json
import random
import sys
import time

import stripe
from stripe import WebhookSignature

NOW = 1_700_000_000
PAYLOAD = '{"id":"evt_1PnNinja","object":"event","type":"invoice.paid","data":{"object":{"note":"caf\u00e9 \u2615 \U0001F4DE"}}}'
PAYLOAD_BYTES = PAYLOAD.encode("utf-8")
S1 = "whsec_test_primary_0123456789abcdef"
S2 = "whsec_test_rotated_fedcba9876543210"
S3 = "whsec_not_configured"


def sdk_verdict(header, secret, tolerance, now):
    real_time = time.time
    time.time = lambda: now
    try:
        WebhookSignature.verify_header(PAYLOAD_BYTES, header, secret, tolerance)
        return "verified"
    except stripe.SignatureVerificationError as e:
        message = str(e)
        if message.startswith("No Stripe-Signature header") or message.startswith("Unable to extract") \
                or message.startswith("No signatures found with expected scheme"):
            return "malformed_signature_header"
        if message.startswith("No signatures found matching"):
            return "invalid_signature"
        if message.startswith("Timestamp outside the tolerance zone"):
            return "timestamp_out_of_tolerance"
        return "unexpected:" + message
    except TypeError:
        return "invalid_signature"
    except Exception as e:  # anything else is a finding: the Swift test fails on it
        return "unexpected:%s:%s" % (type(e).__name__, e)
    finally:
        time.time = real_time


def combined(header, secrets, tolerance, now):
    verdicts = [sdk_verdict(header, s, tolerance, now) for s in secrets]
    if "verified" in verdicts:
        return "verified"
    if "timestamp_out_of_tolerance" in verdicts:
        return "timestamp_out_of_tolerance"
    return verdicts[0]


def sig(t, secret=S1):
    """The v1 the SDK expects for timestamp text t (signed with its int() value re-printed, like the SDK)."""
    return WebhookSignature._compute_signature("%d.%s" % (int(t), PAYLOAD), secret)


cases = []


def add(name, header, secrets=(S1,), tolerance=300, now=NOW):
    cases.append({"name": name, "header": header, "secrets": list(secrets), "tolerance": tolerance, "now": now,
                  "verdict": combined(header, list(secrets), tolerance, now)})


n = str(NOW)
good = sig(n)

# Valid, rotation, wrong secret.
add("valid", "t=%s,v1=%s" % (n, good))
add("valid, two secrets configured, first matches", "t=%s,v1=%s" % (n, good), (S1, S2))
add("rotated: signed with the second secret", "t=%s,v1=%s" % (n, sig(n, S2)), (S1, S2))
add("rotated: signed with the old secret only", "t=%s,v1=%s" % (n, sig(n, S2)), (S1,))
add("signed with an unknown secret", "t=%s,v1=%s" % (n, sig(n, S3)), (S1, S2))
add("both secrets' signatures", "t=%s,v1=%s,v1=%s" % (n, sig(n, S1), sig(n, S2)), (S2,))
add("stale and rotated", "t=%d,v1=%s" % (NOW - 301, sig(NOW - 301, S2)), (S1, S2))
add("stale, unknown secret", "t=%d,v1=%s" % (NOW - 301, sig(NOW - 301, S3)), (S1, S2))

# Ages against tolerances (future is never rejected; 0 disables; negative tolerance is applied as the SDK does).
for tolerance in (300, 0, 10, 1, -5):
    for offset in (-100000, -301, -300, -299, -11, -10, -9, -1, 0, 1, 5, 299, 300, 301, 86400, 10 ** 6):
        t = str(NOW + offset)
        add("age %+d tolerance %d" % (offset, tolerance), "t=%s,v1=%s" % (t, sig(t)), tolerance=tolerance)
    add("stale with a wrong signature, tolerance %d" % tolerance, "t=%d,v1=%s" % (NOW - 1000, good), tolerance=tolerance)

# Several v1, v0 and unknown schemes.
wrong = "0" * 64
add("wrong then right", "t=%s,v1=%s,v1=%s" % (n, wrong, good))
add("right then wrong", "t=%s,v1=%s,v1=%s" % (n, good, wrong))
add("ten wrong then right", "t=%s," % n + ",".join("v1=%064x" % i for i in range(10)) + ",v1=" + good)
add("only wrong ones", "t=%s,v1=%s,v1=%s" % (n, wrong, "f" * 64))
add("v0 only", "t=%s,v0=%s" % (n, good))
add("v0 and v1", "t=%s,v0=%s,v1=%s" % (n, wrong, good))
add("v2 only", "t=%s,v2=%s" % (n, good))
add("uppercase scheme V1", "t=%s,V1=%s" % (n, good))
add("uppercase T", "T=%s,v1=%s" % (n, good))
add("uppercase hex", "t=%s,v1=%s" % (n, good.upper()))
add("truncated signature", "t=%s,v1=%s" % (n, good[:63]))
add("signature with an extra char", "t=%s,v1=%s0" % (n, good))
add("empty v1", "t=%s,v1=" % n)
add("empty v1 then right", "t=%s,v1=,v1=%s" % (n, good))
add("v1 first, t last", "v1=%s,t=%s" % (good, n))
add("v1 between t items", "t=%s,v1=%s,t=5" % (n, good))
add("sig of another timestamp", "t=%s,v1=%s" % (n, sig(NOW + 1)))

# Missing and garbage headers.
add("missing header", None)
for h in ["", " ", ",", ",,", "=", "==", "t", "v1", "t=", "v1=", "t=,v1=", "t=%s" % n, "v1=%s" % good,
          "t=%s," % n, "t=%s,v1" % n, "t=%s,t,v1=%s" % (n, good), "t,t=%s,v1=%s" % (n, good), "v1,t=%s,v1=%s" % (n, good),
          "t=%s,v1=%s,v1" % (n, good), "t=%s;v1=%s" % (n, good), "t:%s,v1:%s" % (n, good), "garbage",
          "t=abc,v1=%s" % good, "t=1.5,v1=%s" % good, "t=1e9,v1=%s" % good, "t=0x10,v1=%s" % good,
          "t=%s,v1=%s\x00" % (n, good), "t=%s\x00,v1=%s" % (n, good), "\x00", "t=%s,v1=%s,\x00" % (n, good)]:
    add("garbage %r" % h, h)

# Duplicated keys.
add("duplicate t, second is garbage", "t=%s,t=abc,v1=%s" % (n, good))
add("duplicate t, first is garbage", "t=abc,t=%s,v1=%s" % (n, good))
add("duplicate t, first wins", "t=1,t=%s,v1=%s" % (n, good))
add("duplicate t, first wins (signed with it)", "t=1,t=%s,v1=%s" % (n, sig("1")), tolerance=0)
add("duplicate t and v1", "t=%s,v1=%s,t=%s,v1=%s" % (n, wrong, n, good))

# Values with more "=": the SDK reads the text between the first and the second "=".
add("v1 with trailing =junk", "t=%s,v1=%s=junk" % (n, good))
add("v1 with trailing =", "t=%s,v1=%s=" % (n, good))
add("t with =junk", "t=%s=99,v1=%s" % (n, good))
add("t==", "t==%s,v1=%s" % (n, good))
add("v1==sig", "t=%s,v1==%s" % (n, good))

# Whitespace: keys are not trimmed; int() trims the timestamp; signatures are not trimmed.
for ws in [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u1680", "\u2000", "\u200a",
           "\u200b", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff"]:
    add("ws %r before t value" % ws, "t=%s%s,v1=%s" % (ws, n, good))
    add("ws %r after t value" % ws, "t=%s%s,v1=%s" % (n, ws, good))
    add("ws %r before key t" % ws, "%st=%s,v1=%s" % (ws, n, good))
    add("ws %r before key v1" % ws, "t=%s,%sv1=%s" % (n, ws, good))
    add("ws %r after v1 value" % ws, "t=%s,v1=%s%s" % (n, good, ws))
add("space after key t", "t =%s,v1=%s" % (n, good))
add("space after comma", "t=%s, v1=%s" % (n, good))
add("spaces inside t", "t=17 00000000,v1=%s" % good)
add("space after sign", "t=- %s,v1=%s" % (n, good))

# Empty parts.
add("leading comma", ",t=%s,v1=%s" % (n, good))
add("trailing comma", "t=%s,v1=%s," % (n, good))
add("empty items everywhere", ",,t=%s,,,v1=%s,," % (n, good))

# Numbers as Python's int() reads them (the SDK signs "%d" of the value).
number_forms = [
    "+" + n, "-" + n, "0000" + n, "+0000" + n, "1_700_000_000", "17_0000_0000", "1__700000000", "_1700000000",
    "1700000000_", "+_1700000000", "0", "-0", "+0", "00", "0_0", "-1", "1", "9" * 19, "9" * 20, "1" + "0" * 37,
    "-" + "9" * 40, "9" * 4300, "9" * 4301, "0" * 4290 + n, "0" * 4291 + n, "1_" * 2150 + "1", "1_" * 4300 + "1",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "18446744073709551616", "\u0661\u0667\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660",
    "\uff11\uff17\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10", "\U0001D7CF\U0001D7D5" + "0" * 8,
    "1\u0667\u06f0\u0966\u09e60000\uff10\u0e50", "\u0967\u096d" + "0" * 8, "\U00011F51\U00011F57" + "0" * 8,
    "\U0001E4F1" + n[1:], "\u00b9" + n[1:], "\u2460" + n[1:], "\u4e00", "1\u0301" + n[1:], "\u00bd",
    "\xa0+" + n + "\u3000", "\u2003-\u0661", "+-" + n, "--" + n, "+", "-", "_",
]
for form in number_forms:
    try:
        value = int(form)
        s = sig(form)
    except ValueError:
        value, s = None, good
    add("number %r" % form[:40], "t=%s,v1=%s" % (form, s))
    add("number %r, tolerance off" % form[:40], "t=%s,v1=%s" % (form, s), tolerance=0)
    if value is not None:
        add("number %r signed as written" % form[:40], "t=%s,v1=%s" % (form, WebhookSignature._compute_signature(
            "%s.%s" % (form, PAYLOAD), S1)), tolerance=0)

# Non-ASCII: compare_digest raises TypeError on a non-ASCII v1 (the SDK stops there).
add("non-ASCII v1 then right", "t=%s,v1=\u00e9,v1=%s" % (n, good))
add("right then non-ASCII v1", "t=%s,v1=%s,v1=\u00e9" % (n, good))
add("wrong, non-ASCII, right", "t=%s,v1=%s,v1=\u2603,v1=%s" % (n, wrong, good))
add("non-ASCII v1 only", "t=%s,v1=%s\u00e9" % (n, good[:63]))
add("non-ASCII key", "t=%s,\u00e9=1,v1=%s" % (n, good))
add("non-ASCII v0", "t=%s,v0=\u00e9,v1=%s" % (n, good))
add("non-ASCII after the second =", "t=%s,v1=%s=\u00e9" % (n, good))
add("non-ASCII v1 then right, rotated", "t=%s,v1=\u00e9,v1=%s" % (n, sig(n, S2)), (S1, S2))
add("emoji t", "t=\U0001F4DE,v1=%s" % good)

# A fractional clock: Swift passes ceil(now).
for frac in (0.25, 0.5, 0.999):
    for offset in (-301, -300, -299):
        t = str(NOW + offset)
        add("age %+d at now+%s" % (offset, frac), "t=%s,v1=%s" % (t, sig(t)), now=NOW + frac)

# Deterministic fuzz: headers assembled from fragments.
rng = random.Random(20240611)
fragments = ["t=%s" % n, "t=%d" % (NOW - 1000), "t= %s" % n, "t=%s " % n, "t=", "t", "v1=%s" % good, "v1=%s" % wrong,
             "v1=%s" % sig(n, S2), "v1=", "v1", "v0=%s" % good, "v1=%s=x" % good, "", " ", "=", "x=y", "t=abc",
             "t=+%s" % n, "v1=\u00e9", "t=1_700_000_000", "v1=%s" % good.upper(), "\u00e9", "T=%s" % n, " v1=%s" % good]
for i in range(220):
    items = [rng.choice(fragments) for _ in range(rng.randint(0, 6))]
    secrets = rng.choice([(S1,), (S2,), (S1, S2), (S3,)])
    tolerance = rng.choice([300, 0, 10])
    add("fuzz %d" % i, ",".join(items), secrets, tolerance)

# Random printable noise, with and without a valid pair inside.
alphabet = "t=v10,; \t\u00e9\u0661_+-9" + "abcdef"
for i in range(80):
    noise = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
    add("noise %d" % i, noise if i % 2 else "t=%s,%s,v1=%s" % (n, noise, good))

out = {
    "sdk": "stripe %s" % stripe.VERSION,
    "python": sys.version.split()[0],
    "payload": PAYLOAD,
    "cases": cases,
}
text = json.dumps(out, ensure_ascii=True, indent=0)
if len(sys.argv) > 1:
    with open(sys.argv[1], "w") as f:
        f.write(text)
else:
    sys.stdout.write(text)
