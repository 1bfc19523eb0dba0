import hashlib
import hmac
from typing import Any

import pytest

from minuteserv.integrations.signatures import (
    payment_signature,
    verify_payment_signature,
    verify_webhook_signature,
    webhook_signature,
)

KEY_SECRET = "EnLs21M47BllR3X8PSFtjtbd"
ORDER_ID = "order_9A33XWu170gUtm"
PAYMENT_ID = "pay_29QQoUBi66xm2f"
WEBHOOK_SECRET = "whsec-test-0123456789"
WEBHOOK_BODY = b'{"entity":"event","event":"payment.captured","payload":{}}'

# Computed here, independently of the module under test.
EXPECTED_PAYMENT_SIGNATURE = hmac.new(
    KEY_SECRET.encode(), f"{ORDER_ID}|{PAYMENT_ID}".encode(), hashlib.sha256
).hexdigest()
EXPECTED_WEBHOOK_SIGNATURE = hmac.new(
    WEBHOOK_SECRET.encode(), WEBHOOK_BODY, hashlib.sha256
).hexdigest()

GARBAGE_SIGNATURES = [
    None,
    "",
    b"",
    "not-hex-at-all",
    "ab" * 31,
    "ab" * 33,
    EXPECTED_PAYMENT_SIGNATURE[:-1],
    "é" * 64,
    "\ud800" * 64,
    "0" * 64,
    12345,
]


def test_payment_signature_is_hmac_sha256_of_order_and_payment_ids() -> None:
    assert payment_signature(ORDER_ID, PAYMENT_ID, KEY_SECRET) == EXPECTED_PAYMENT_SIGNATURE


def test_webhook_signature_is_hmac_sha256_of_the_raw_body() -> None:
    assert webhook_signature(WEBHOOK_BODY, WEBHOOK_SECRET) == EXPECTED_WEBHOOK_SIGNATURE


def test_payment_signature_verifies() -> None:
    assert verify_payment_signature(
        order_id=ORDER_ID,
        payment_id=PAYMENT_ID,
        signature=EXPECTED_PAYMENT_SIGNATURE,
        secret=KEY_SECRET,
    )


def test_payment_signature_verifies_when_given_as_bytes() -> None:
    assert verify_payment_signature(
        order_id=ORDER_ID.encode(),
        payment_id=PAYMENT_ID.encode(),
        signature=EXPECTED_PAYMENT_SIGNATURE.encode(),
        secret=KEY_SECRET.encode(),
    )


@pytest.mark.parametrize(
    ("order_id", "payment_id", "secret"),
    [
        ("order_9A33XWu170gUtn", PAYMENT_ID, KEY_SECRET),
        (ORDER_ID, "pay_29QQoUBi66xm2g", KEY_SECRET),
        (PAYMENT_ID, ORDER_ID, KEY_SECRET),
        (ORDER_ID, PAYMENT_ID, "another-key-secret"),
    ],
    ids=["order-id", "payment-id", "swapped-ids", "secret"],
)
def test_payment_signature_fails_when_anything_is_tampered(
    order_id: str, payment_id: str, secret: str
) -> None:
    assert not verify_payment_signature(
        order_id=order_id,
        payment_id=payment_id,
        signature=EXPECTED_PAYMENT_SIGNATURE,
        secret=secret,
    )


@pytest.mark.parametrize("signature", GARBAGE_SIGNATURES)
def test_garbage_payment_signature_is_false(signature: Any) -> None:
    assert not verify_payment_signature(
        order_id=ORDER_ID,
        payment_id=PAYMENT_ID,
        signature=signature,
        secret=KEY_SECRET,
    )


@pytest.mark.parametrize(
    ("order_id", "payment_id"), [(None, PAYMENT_ID), (ORDER_ID, None), ("", PAYMENT_ID)]
)
def test_missing_ids_never_verify(order_id: str | None, payment_id: str | None) -> None:
    assert not verify_payment_signature(
        order_id=order_id,
        payment_id=payment_id,
        signature=EXPECTED_PAYMENT_SIGNATURE,
        secret=KEY_SECRET,
    )


def test_empty_key_secret_verifies_nothing() -> None:
    signature = hmac.new(b"", f"{ORDER_ID}|{PAYMENT_ID}".encode(), hashlib.sha256).hexdigest()
    assert not verify_payment_signature(
        order_id=ORDER_ID, payment_id=PAYMENT_ID, signature=signature, secret=""
    )


def test_webhook_signature_verifies() -> None:
    assert verify_webhook_signature(
        body=WEBHOOK_BODY, signature=EXPECTED_WEBHOOK_SIGNATURE, secret=WEBHOOK_SECRET
    )


def test_webhook_signature_verifies_when_given_as_bytes() -> None:
    assert verify_webhook_signature(
        body=WEBHOOK_BODY,
        signature=EXPECTED_WEBHOOK_SIGNATURE.encode(),
        secret=WEBHOOK_SECRET.encode(),
    )


def test_webhook_signature_fails_for_a_tampered_body() -> None:
    tampered = WEBHOOK_BODY.replace(b"captured", b"failed")
    assert not verify_webhook_signature(
        body=tampered, signature=EXPECTED_WEBHOOK_SIGNATURE, secret=WEBHOOK_SECRET
    )


def test_webhook_signature_fails_for_another_secret() -> None:
    assert not verify_webhook_signature(
        body=WEBHOOK_BODY, signature=EXPECTED_WEBHOOK_SIGNATURE, secret="another-webhook-secret"
    )


@pytest.mark.parametrize("signature", GARBAGE_SIGNATURES)
def test_garbage_webhook_signature_is_false(signature: Any) -> None:
    assert not verify_webhook_signature(
        body=WEBHOOK_BODY,
        signature=signature,
        secret=WEBHOOK_SECRET,
    )


def test_empty_webhook_secret_verifies_nothing() -> None:
    signature = hmac.new(b"", WEBHOOK_BODY, hashlib.sha256).hexdigest()
    assert not verify_webhook_signature(body=WEBHOOK_BODY, signature=signature, secret="")


def test_empty_webhook_body_never_verifies() -> None:
    signature = hmac.new(WEBHOOK_SECRET.encode(), b"", hashlib.sha256).hexdigest()
    assert not verify_webhook_signature(body=b"", signature=signature, secret=WEBHOOK_SECRET)
