-- POST /checkout/confirm: the preview with the caller's contact and the address (locked as it
-- is read), then one statement that scores the partners covering the cart who are free for the
-- visit (each partner's `partner_days` row of the day: their load and their busy time), locks
-- the best-ranked one no one holds (SKIP LOCKED) and, for them, writes the booking, its two
-- history events, (every other request, as online) the payment row and the preview's mark;
-- the booking's insert gives way to the exclusion constraint (ON CONFLICT DO NOTHING), and
-- the rest follow it.
-- When the day has nobody free (as the route's 409), nothing is written.
-- The booking goes far in the future (bench.far_future) so it never overlaps another, dated
-- by its start's day in India as the route's are; the bench deletes those bookings after this
-- script has run.
\set j random(1, :previews)
\set day random(0, :confirm_days - 1)
BEGIN;
SELECT checkout_previews.id, checkout_previews.booking_id, checkout_previews.expires_at,
       checkout_previews.duration_minutes, checkout_previews.subtotal, checkout_previews.discount,
       checkout_previews.tax, checkout_previews.grand_total, checkout_previews.partner_payout,
       checkout_previews.promo_code_id, CAST(checkout_previews.items AS TEXT),
       CAST(checkout_previews.categories AS TEXT), CAST(checkout_previews.promo AS TEXT),
       user_addresses.id, CAST(user_addresses.lat AS FLOAT) AS lat,
       CAST(user_addresses.lng AS FLOAT) AS lng,
       users.id, users.name, users.phone_number, users.email
FROM checkout_previews
JOIN users ON users.id = checkout_previews.user_id
LEFT OUTER JOIN user_addresses
  ON user_addresses.id = coalesce(NULL::uuid, checkout_previews.address_id)
  AND user_addresses.user_id = checkout_previews.user_id AND user_addresses.deleted_at IS NULL
WHERE checkout_previews.id = bench.id('preview', :j)
  AND checkout_previews.user_id = bench.id('user', bench.preview_user(:j))
FOR UPDATE OF checkout_previews \gset address_
WITH ranked AS MATERIALIZED (
  SELECT free.id,
    0.5 * CASE WHEN free.lat IS NULL OR free.lng IS NULL THEN 0.5
      ELSE 1.0 / (1.0 + 2 * 6371.0088 * asin(sqrt(least(1.0,
        sin(radians(:address_lat - free.lat) * 0.5) ^ 2
        + cos(radians(free.lat)) * cos(radians(:address_lat))
          * sin(radians(:address_lng - free.lng) * 0.5) ^ 2))) / 5.0) END
    + 0.06 * free.rating
    + 0.2 * (1.0 - free.day_load::float / (max(free.day_load) OVER () + 1.0)) AS score
  FROM (
    SELECT partners.id, CAST(partners.rating AS FLOAT) AS rating,
      coalesce(day.booking_count, 0) AS day_load,
      CAST(partners.current_lat AS FLOAT) AS lat, CAST(partners.current_lng AS FLOAT) AS lng
    FROM partners LEFT OUTER JOIN (
      SELECT partner_days.partner_id, partner_days.booking_count, partner_days.busy
      FROM partner_days WHERE partner_days.booking_date = :confirm_first_day::date + :day::int
      OFFSET 0) AS day ON day.partner_id = partners.id
    WHERE partners.is_active AND partners.is_available
      AND partners.service_categories @> (SELECT categories FROM bench.eligible_one WHERE c = :j % 8)
      AND NOT coalesce(day.busy && tstzrange(
        ((:confirm_first_day::date + :day::int)::timestamp AT TIME ZONE 'Asia/Kolkata') + interval '17 hours',
        ((:confirm_first_day::date + :day::int)::timestamp AT TIME ZONE 'Asia/Kolkata') + interval '18 hours 30 minutes',
        '[)'), false)
    OFFSET 0) AS free
  WHERE free.id != ALL ('{}'::uuid[])),
taken AS (
  SELECT partners.id
  FROM partners JOIN (SELECT * FROM ranked ORDER BY score DESC, id) AS in_order
    ON in_order.id = partners.id
  WHERE partners.is_active AND partners.is_available
    AND partners.service_categories @> (SELECT categories FROM bench.eligible_one WHERE c = :j % 8)
  ORDER BY in_order.score DESC, in_order.id LIMIT 1 FOR UPDATE OF partners SKIP LOCKED),
-- Every other request pays online: a gateway order id, a hold, and a payment row.
seq AS (SELECT n, gen_random_uuid() AS id, taken.id AS partner_id, :j % 2 = 1 AS online,
    CASE WHEN :j % 2 = 1 THEN 'online' ELSE 'cash' END AS method,
    CASE WHEN :j % 2 = 1 THEN 'order_' || n END AS order_id
  FROM taken, (SELECT nextval('bench.far_future') AS n) AS drawn),
b AS (INSERT INTO bookings (booking_number, user_id, address_id, partner_id, services, booking_date,
    booking_time, start_at, end_at, status, payment_method, payment_status, razorpay_order_id,
    razorpay_payment_id, hold_expires_at, total_price, discount, tax, grand_total,
    partner_payout, promo_code, promo_code_id, customer_name, customer_phone, customer_email,
    assignment_status, assigned_at, accepted_at, cancelled_at, cancellation_reason,
    refund_amount, customer_rating, customer_feedback, updated_at, id, created_at)
  SELECT 'BK-PGBENCH-' || seq.n, bench.id('user', bench.preview_user(:j)),
    bench.id('address', bench.preview_user(:j)), seq.partner_id,
    '[{"name": "Facial Classic 9", "tier": "Classic", "category": "Facial", "quantity": 1, "line_total": 949.0, "service_id": "efb55a1a-f918-7901-c95e-fef5a254ddf1", "unit_price": 949.0, "duration_minutes": 60}]',
    CAST((TIMESTAMPTZ '2100-01-01' + seq.n * interval '3 hours') AT TIME ZONE 'Asia/Kolkata' AS DATE),
    TIME '17:00', TIMESTAMPTZ '2100-01-01' + seq.n * interval '3 hours',
    TIMESTAMPTZ '2100-01-01' + seq.n * interval '3 hours' + interval '90 minutes',
    'pending', seq.method, 'pending', seq.order_id, NULL,
    CASE WHEN seq.online THEN now() + interval '15 minutes' END,
    949.00, 0, 170.82, 1119.82, 664.30, NULL, NULL, 'Bench User', '+919000000001', NULL,
    'assigned', now(), NULL, NULL, NULL, NULL, NULL, NULL, now(), seq.id, now()
  FROM seq
  ON CONFLICT ON CONSTRAINT ex_bookings_partner_overlap DO NOTHING RETURNING id),
e1 AS (INSERT INTO booking_events (booking_id, actor_type, actor_id, field, from_value,
    to_value, note, id, created_at)
  SELECT seq.id, 'customer', 'bench', 'status', NULL, 'pending', NULL, gen_random_uuid(), now()
  FROM seq WHERE EXISTS (SELECT FROM b)),
e2 AS (INSERT INTO booking_events (booking_id, actor_type, actor_id, field, from_value,
    to_value, note, id, created_at)
  SELECT seq.id, 'customer', 'bench', 'partner_id', NULL, seq.partner_id::varchar, NULL,
    gen_random_uuid(), now()
  FROM seq WHERE EXISTS (SELECT FROM b)),
p AS (INSERT INTO payments (booking_id, razorpay_order_id, razorpay_payment_id, amount, status,
    payment_method, failure_reason, updated_at, id, created_at)
  SELECT seq.id, seq.order_id, NULL, 1119.82, 'pending', NULL, NULL, now(),
    gen_random_uuid(), now()
  FROM seq WHERE seq.online AND EXISTS (SELECT FROM b)),
m AS (UPDATE checkout_previews SET booking_id = seq.id FROM seq
  WHERE checkout_previews.id = bench.id('preview', :j) AND EXISTS (SELECT FROM b))
SELECT (SELECT id FROM taken) AS partner_id,
  (SELECT array_agg(ranked.id ORDER BY ranked.score DESC, ranked.id) FROM ranked
   WHERE NOT EXISTS (SELECT FROM taken)) AS waiting,
  EXISTS (SELECT FROM b) AS written;
COMMIT;
