-- GET /bookings?page=1 or 5 by a heavy user: the caller, the count, one page newest first.
\set user random(1, :heavy)
\set offset random(0, 1) * 40
BEGIN;
SELECT * FROM users WHERE users.id = bench.id('user', :user);
SELECT count(*) AS count_1 FROM bookings WHERE bookings.user_id = bench.id('user', :user);
SELECT * FROM bookings WHERE bookings.user_id = bench.id('user', :user)
ORDER BY bookings.created_at DESC, bookings.id DESC LIMIT 10 OFFSET :offset;
COMMIT;
