"""Razorpay's HMAC-SHA256 signatures: Checkout's payment signature and the webhook signature.

The verifiers take whatever a client sent (str or bytes, possibly empty or garbage) and answer
False rather than raise; an empty secret verifies nothing, so an unset secret is never a key
that anyone can sign with.
"""

import hashlib
import hmac


def _as_bytes(value: object) -> bytes | None:
    """The value as bytes, or None when it is missing, empty, or not text at all."""
    if isinstance(value, str):
        try:
            value = value.encode()
        except UnicodeEncodeError:
            return None
    return value if isinstance(value, bytes) and value else None


def _hex_hmac(message: bytes, secret: bytes) -> str:
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _matches(message: bytes | None, signature: object, secret: object) -> bool:
    given, key = _as_bytes(signature), _as_bytes(secret)
    if message is None or given is None or key is None:
        return False
    return hmac.compare_digest(_hex_hmac(message, key).encode(), given)


def _checkout_message(order_id: object, payment_id: object) -> bytes | None:
    order, payment = _as_bytes(order_id), _as_bytes(payment_id)
    if order is None or payment is None:
        return None
    return order + b"|" + payment


def payment_signature(order_id: str, payment_id: str, secret: str) -> str:
    """What Razorpay Checkout returns as `razorpay_signature` for this order and payment."""
    return _hex_hmac(f"{order_id}|{payment_id}".encode(), secret.encode())


def verify_payment_signature(
    *,
    order_id: str | bytes | None,
    payment_id: str | bytes | None,
    signature: str | bytes | None,
    secret: str | bytes | None,
) -> bool:
    """Whether `signature` is Checkout's signature of this order and payment under `secret`."""
    return _matches(_checkout_message(order_id, payment_id), signature, secret)


def webhook_signature(body: bytes, secret: str) -> str:
    """What Razorpay sends as `X-Razorpay-Signature` for this raw webhook body."""
    return _hex_hmac(body, secret.encode())


def verify_webhook_signature(
    *, body: bytes | str | None, signature: str | bytes | None, secret: str | bytes | None
) -> bool:
    """Whether `signature` is the webhook signature of the raw `body` under `secret`."""
    return _matches(_as_bytes(body), signature, secret)
