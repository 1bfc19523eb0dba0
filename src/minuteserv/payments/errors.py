from minuteserv.core.errors import BadGateway, BadRequest, NotFound


class PaymentGatewayFailed(BadGateway):
    code = "PAYMENT_GATEWAY_ERROR"
    message = "The payment gateway failed or timed out; nothing was booked or charged."


class PaymentNotFound(NotFound):
    code = "PAYMENT_NOT_FOUND"
    message = "No such payment order."


class InvalidSignature(BadRequest):
    code = "INVALID_SIGNATURE"
    message = "The payment signature does not match."


class MalformedWebhook(BadRequest):
    code = "MALFORMED_WEBHOOK"
    message = "The webhook body is not a Razorpay event."


class SimulatedOrderUnknown(NotFound):
    code = "ORDER_NOT_FOUND"
    message = "The simulated gateway has no such order."
