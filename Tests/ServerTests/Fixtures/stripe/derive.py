#!/usr/bin/env python3
"""Derives the extra Stripe fixtures of this directory from the copied originals (see SOURCES.md).
Run from this directory: python3 derive.py"""
import copy, json

def load(name):
    with open(name) as f:
        return json.load(f)

def save(name, event):
    with open(name, "w") as f:
        json.dump(event, f, indent=2, ensure_ascii=False)
        f.write("\n")

def derive(base, new_type, suffix, edit, filename=None):
    event = copy.deepcopy(load(base))
    event["type"] = new_type
    event["id"] = event["id"][:-4] + suffix
    event["created"] = 1767225600
    edit(event["data"]["object"])
    save(filename or new_type + ".json", event)
    return event

def async_succeeded(o):
    o["payment_status"] = "paid"
    o["client_reference_id"] = "num_async"
derive("checkout.session.async_payment_failed.json", "checkout.session.async_payment_succeeded", "CSAS", async_succeeded)

def expired(o):
    o["status"] = "expired"
    o["payment_status"] = "unpaid"
derive("checkout.session.completed.json", "checkout.session.expired", "CSEX", expired)

def pi_failed(o):
    o["status"] = "requires_payment_method"
    o["metadata"] = {"number_id": "num_pi"}
    o["customer"] = "cus_pi"
    o["latest_charge"] = "ch_pi_failed"
derive("payment_intent.succeeded.json", "payment_intent.payment_failed", "PIPF", pi_failed)

def paused(o):
    o["status"] = "paused"
derive("customer.subscription.updated.json", "customer.subscription.paused", "SUBP", paused)

def resumed(o):
    o["status"] = "active"
derive("customer.subscription.updated.json", "customer.subscription.resumed", "SUBR", resumed)

def closed(o):
    o["status"] = "lost"
    o["payment_intent"] = "pi_disputed"
derive("charge.dispute.created.json", "charge.dispute.closed", "DPCL", closed)

# invoice.payment_succeeded, current API shape: parent.subscription_details, payments list, two lines.
def succeeded_current(o):
    o["status"] = "paid"
    o["parent"]["subscription_details"]["metadata"] = {"number_id": "num_current"}
    line = copy.deepcopy(o["lines"]["data"][0])
    line["id"] = "il_5678"
    line["period"] = {"start": 1776969906, "end": 1808505906}
    o["lines"]["data"].append(line)
    o["lines"]["total_count"] = 2
    o["payments"] = {"object": "list", "data": [
        {"id": "inpay_1", "object": "invoice_payment", "amount_paid": 24900, "currency": "usd", "invoice": "in_1234",
         "is_default": True, "livemode": True, "status": "paid",
         "payment": {"type": "payment_intent", "payment_intent": "pi_current"}},
        {"id": "inpay_2", "object": "invoice_payment", "amount_paid": 0, "currency": "usd", "invoice": "in_1234",
         "is_default": False, "livemode": True, "status": "canceled",
         "payment": {"type": "charge", "charge": "ch_current"}}],
        "has_more": False, "url": "/v1/invoice_payments"}
derive("invoice.payment_failed.json", "invoice.payment_succeeded", "INVS", succeeded_current)

# invoice.payment_succeeded, older API shape (before 2025-03-31.basil): top-level subscription, charge,
# payment_intent and subscription_details; no parent; the number id only on a line's metadata.
def succeeded_legacy(o):
    del o["parent"]
    o["status"] = "paid"
    o["subscription"] = "sub_legacy"
    o["charge"] = "ch_legacy"
    o["payment_intent"] = "pi_legacy"
    o["subscription_details"] = {"metadata": {}}
    for line in o["lines"]["data"]:
        del line["parent"]
        line["subscription"] = "sub_legacy"
        line["metadata"] = {"number_id": "num_legacy"}
    early = copy.deepcopy(o["lines"]["data"][0])
    early["id"] = "il_0001"
    early["period"] = {"start": 1700000000, "end": 1702592000}
    o["lines"]["data"].insert(0, early)
derive("invoice.payment_action_required.json", "invoice.payment_succeeded", "INVL", succeeded_legacy,
       filename="invoice.payment_succeeded.legacy.json")
