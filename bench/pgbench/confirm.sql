-- POST /checkout/confirm: the caller, the preview, the address, the preview locked, the
-- partners covering the cart who are free for the visit, each with their day's load, a savepoint with the
-- chosen partner locked (SKIP LOCKED) and checked for overlap, the booking, its two history events, the
-- preview marked used, and (every other request, as online) the payment row.
-- The booking goes far in the future (bench.far_future) so it never overlaps another; the
-- bench deletes those bookings after this script has run.
\set j random(1, :previews)
\set partner random(1, :partners)
\set day random(0, :confirm_days - 1)
BEGIN;
SELECT * FROM users WHERE users.id = bench.id('user', bench.preview_user(:j));
SELECT * FROM checkout_previews
WHERE checkout_previews.id = bench.id('preview', :j)
  AND checkout_previews.user_id = bench.id('user', bench.preview_user(:j));
SELECT * FROM user_addresses
WHERE user_addresses.id = bench.id('address', bench.preview_user(:j))
  AND user_addresses.user_id = bench.id('user', bench.preview_user(:j))
  AND user_addresses.deleted_at IS NULL;
SELECT * FROM checkout_previews WHERE checkout_previews.id = bench.id('preview', :j) FOR UPDATE;
SELECT partners.id, partners.rating,
  (SELECT count(*) FROM bookings
   WHERE bookings.partner_id = partners.id AND bookings.status != 'cancelled'
     AND bookings.start_at >= ((:confirm_first_day::date + :day::int)::timestamp AT TIME ZONE 'Asia/Kolkata')
     AND bookings.start_at < (((:confirm_first_day::date + :day::int) + 1)::timestamp AT TIME ZONE 'Asia/Kolkata')),
  partners.current_lat, partners.current_lng
FROM partners
WHERE partners.is_active AND partners.is_available
  AND partners.service_categories @> (SELECT categories FROM bench.eligible_one WHERE c = :j % 8)
  AND NOT (EXISTS (SELECT bookings.id FROM bookings
    WHERE bookings.partner_id = partners.id AND bookings.status != 'cancelled'
      AND bookings.start_at < ((:confirm_first_day::date + :day::int)::timestamp AT TIME ZONE 'Asia/Kolkata') + interval '18 hours 30 minutes'
      AND bookings.end_at > ((:confirm_first_day::date + :day::int)::timestamp AT TIME ZONE 'Asia/Kolkata') + interval '17 hours'
      AND bookings.start_at > ((:confirm_first_day::date + :day::int)::timestamp AT TIME ZONE 'Asia/Kolkata') - interval '7 hours'));
SAVEPOINT sa_savepoint_1;
SELECT * FROM partners WHERE partners.id = bench.id('partner', :partner) FOR UPDATE SKIP LOCKED;
SELECT bookings.id FROM bookings
WHERE bookings.partner_id = bench.id('partner', :partner) AND bookings.status != 'cancelled'
  AND bookings.start_at < ((:confirm_first_day::date + :day::int)::timestamp AT TIME ZONE 'Asia/Kolkata') + interval '18 hours 30 minutes'
  AND bookings.end_at > ((:confirm_first_day::date + :day::int)::timestamp AT TIME ZONE 'Asia/Kolkata') + interval '17 hours'
LIMIT 1;
RELEASE SAVEPOINT sa_savepoint_1;
WITH seq AS (SELECT nextval('bench.far_future') AS n)
INSERT INTO bookings (booking_number, user_id, address_id, partner_id, services, booking_date,
    booking_time, start_at, end_at, status, payment_method, payment_status, hold_expires_at,
    total_price, discount, tax, grand_total, partner_payout, customer_name, customer_phone,
    assignment_status, assigned_at, updated_at, id, created_at)
SELECT 'BK-PGBENCH-' || seq.n, bench.id('user', bench.preview_user(:j)),
    bench.id('address', bench.preview_user(:j)), bench.id('partner', :partner),
    '[{"name": "Facial Classic 9", "tier": "Classic", "category": "Facial", "quantity": 1, "line_total": "949.00", "service_id": "efb55a1a-f918-7901-c95e-fef5a254ddf1", "unit_price": "949.00", "duration_minutes": 60}]',
    DATE '2100-01-01', TIME '17:00', TIMESTAMPTZ '2100-01-01' + seq.n * interval '3 hours',
    TIMESTAMPTZ '2100-01-01' + seq.n * interval '3 hours' + interval '90 minutes',
    'pending', 'online', 'pending', now() + interval '15 minutes',
    949.00, 0, 170.82, 1119.82, 664.30, 'Bench User', '+919000000001',
    'assigned', now(), now(), gen_random_uuid(), now()
FROM seq RETURNING id AS booking_id, booking_number \gset
INSERT INTO booking_events (booking_id, actor_type, actor_id, field, from_value, to_value, note,
    id, created_at)
VALUES (:booking_id, 'customer', 'bench', 'status', NULL, 'pending', NULL, gen_random_uuid(), now()),
       (:booking_id, 'customer', 'bench', 'partner_id', NULL, 'bench', NULL, gen_random_uuid(), now());
UPDATE checkout_previews SET booking_id = :booking_id WHERE checkout_previews.id = bench.id('preview', :j);
\if :j % 2 = 1
INSERT INTO payments (booking_id, razorpay_order_id, razorpay_payment_id, amount, status,
    payment_method, failure_reason, updated_at, id, created_at)
VALUES (:booking_id, 'order_' || :booking_number, NULL, 1119.82, 'pending', NULL, NULL, now(),
    gen_random_uuid(), now());
\endif
COMMIT;
