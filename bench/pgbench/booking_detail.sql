-- GET /bookings/{id} by its owner: the caller, the booking, its partner, its latest payment.
\set n random(1, :bookings)
BEGIN;
SELECT * FROM users WHERE users.id = bench.id('user', bench.user_of(:n));
SELECT * FROM bookings
WHERE bookings.id = bench.id('booking', :n) AND bookings.user_id = bench.id('user', bench.user_of(:n)) \gset b_
SELECT * FROM partners WHERE partners.id = :b_partner_id;
SELECT * FROM payments WHERE payments.booking_id = :b_id ORDER BY payments.created_at DESC LIMIT 1;
COMMIT;
