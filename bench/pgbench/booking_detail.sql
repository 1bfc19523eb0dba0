-- GET /bookings/{id} by its owner: one statement, the caller's row outer-joined to the
-- booking, its partner and its latest payment (no transaction: the route reads in autocommit).
\set n random(1, :bookings)
SELECT bookings.id AS "booking.id", bookings.booking_number AS "booking.booking_number",
  bookings.status AS "booking.status", bookings.payment_status AS "booking.payment_status",
  bookings.payment_method AS "booking.payment_method", bookings.booking_date AS "booking.booking_date",
  bookings.booking_time AS "booking.booking_time", CAST(bookings.services AS TEXT) AS "booking.services",
  bookings.grand_total AS "booking.grand_total", bookings.partner_id AS "booking.partner_id",
  bookings.created_at AS "booking.created_at", bookings.address_id AS "booking.address_id",
  bookings.start_at AS "booking.start_at", bookings.end_at AS "booking.end_at",
  bookings.total_price AS "booking.total_price", bookings.discount AS "booking.discount",
  bookings.tax AS "booking.tax", bookings.promo_code AS "booking.promo_code",
  bookings.customer_name AS "booking.customer_name", bookings.customer_phone AS "booking.customer_phone",
  bookings.customer_email AS "booking.customer_email",
  bookings.assignment_status AS "booking.assignment_status",
  bookings.razorpay_order_id AS "booking.razorpay_order_id",
  bookings.hold_expires_at AS "booking.hold_expires_at", bookings.cancelled_at AS "booking.cancelled_at",
  bookings.cancellation_reason AS "booking.cancellation_reason",
  bookings.refund_amount AS "booking.refund_amount",
  partners.id AS "partner.id", partners.name AS "partner.name", partners.rating AS "partner.rating",
  payments.id AS "payment.id", payments.razorpay_order_id AS "payment.razorpay_order_id",
  payments.razorpay_payment_id AS "payment.razorpay_payment_id", payments.amount AS "payment.amount",
  payments.status AS "payment.status", payments.payment_method AS "payment.payment_method",
  payments.created_at AS "payment.created_at"
FROM users
LEFT OUTER JOIN bookings ON bookings.id = bench.id('booking', :n) AND bookings.user_id = users.id
LEFT OUTER JOIN partners ON partners.id = bookings.partner_id
LEFT OUTER JOIN payments ON payments.booking_id = bookings.id AND payments.id = (
  SELECT payments.id FROM payments WHERE payments.booking_id = bookings.id
  ORDER BY payments.created_at DESC LIMIT 1)
WHERE users.id = bench.id('user', bench.user_of(:n));
