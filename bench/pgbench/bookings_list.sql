-- GET /bookings?page=1 or 5 by a heavy user: one statement, the caller's row with their count,
-- outer-joined to one page newest first (no transaction: the route reads in autocommit).
\set user random(1, :heavy)
\set offset random(0, 1) * 40
SELECT (SELECT count(*) FROM bookings WHERE bookings.user_id = bench.id('user', :user)) AS total,
  page.*
FROM users LEFT OUTER JOIN (
  SELECT bookings.id AS "booking.id", bookings.booking_number AS "booking.booking_number",
    bookings.status AS "booking.status", bookings.payment_status AS "booking.payment_status",
    bookings.payment_method AS "booking.payment_method",
    bookings.booking_date AS "booking.booking_date", bookings.booking_time AS "booking.booking_time",
    CAST(bookings.services AS TEXT) AS "booking.services",
    bookings.grand_total AS "booking.grand_total", bookings.partner_id AS "booking.partner_id",
    bookings.created_at AS "booking.created_at"
  FROM bookings WHERE bookings.user_id = bench.id('user', :user)
  ORDER BY bookings.created_at DESC, bookings.id DESC LIMIT 10 OFFSET :offset) AS page ON true
WHERE users.id = bench.id('user', :user)
ORDER BY page."booking.created_at" DESC, page."booking.id" DESC;
