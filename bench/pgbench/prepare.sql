-- POST /checkout/prepare, a 3-service cart over two neighbouring categories with a promo code,
-- slots for the busy day: the caller, the address, the services, the promo, the partners
-- covering the cart, a row each with their busy ranges on the day as epoch seconds, the preview.
\set user random(1, :users)
\set c random(0, 7)
\set m random(0, :per_category - 1)
\set promo random(1, :promos)
BEGIN;
SELECT * FROM users WHERE users.id = bench.id('user', :user);
SELECT * FROM user_addresses
WHERE user_addresses.id = bench.id('address', :user)
  AND user_addresses.user_id = bench.id('user', :user) AND user_addresses.deleted_at IS NULL;
SELECT * FROM services
WHERE services.id IN (bench.id('service', :c + 1 + 8 * :m),
                      bench.id('service', :c + 1 + 8 * ((:m + 1) % :per_category)),
                      bench.id('service', (:c + 1) % 8 + 1 + 8 * :m))
  AND services.is_active;
SELECT * FROM promo_codes WHERE promo_codes.code = 'BENCH' || lpad(:promo::text, 2, '0');
SELECT partners.id, partners.rating, partners.current_lat, partners.current_lng,
       array_agg(CAST(floor(date_part('epoch', bookings.start_at)) AS BIGINT))
           FILTER (WHERE bookings.start_at IS NOT NULL),
       array_agg(CAST(floor(date_part('epoch', bookings.end_at)) AS BIGINT))
           FILTER (WHERE bookings.start_at IS NOT NULL)
FROM partners
LEFT OUTER JOIN bookings ON bookings.partner_id = partners.id
  AND bookings.status != 'cancelled'
  AND bookings.start_at < ((:busy_day::date + 1)::timestamp AT TIME ZONE 'Asia/Kolkata')
  AND bookings.end_at > (:busy_day::date::timestamp AT TIME ZONE 'Asia/Kolkata')
  AND bookings.start_at > (:busy_day::date::timestamp AT TIME ZONE 'Asia/Kolkata') - interval '1 day'
WHERE partners.is_active AND partners.is_available
  AND partners.service_categories @> (SELECT categories FROM bench.eligible WHERE c = :c)
GROUP BY partners.id ORDER BY partners.id;
INSERT INTO checkout_previews (user_id, address_id, items, categories, duration_minutes,
    subtotal, discount, tax, grand_total, partner_payout, promo, promo_code_id, booking_date,
    expires_at, booking_id, id, created_at)
VALUES (bench.id('user', :user), bench.id('address', :user),
    '[{"name": "Facial Minimal 1", "tier": "Minimal", "category": "Facial", "quantity": 1, "line_total": "1149.00", "service_id": "fc8126df-a1f5-c0f6-45a1-9e49cd44bf7a", "unit_price": "1149.00", "duration_minutes": 30}, {"name": "Waxing Minimal 2", "tier": "Minimal", "category": "Waxing", "quantity": 1, "line_total": "999.00", "service_id": "0184e202-b26c-5b63-e14d-c58d6411134d", "unit_price": "999.00", "duration_minutes": 30}, {"name": "Facial Classic 9", "tier": "Classic", "category": "Facial", "quantity": 1, "line_total": "949.00", "service_id": "efb55a1a-f918-7901-c95e-fef5a254ddf1", "unit_price": "949.00", "duration_minutes": 45}]',
    '["Facial", "Waxing"]', 105, 3097.00, 309.70, 501.71, 3289.01, 1950.11,
    '{"code": "BENCH01", "reason": null, "applied": true, "discount": "309.70"}',
    bench.id('promo', :promo), :busy_day::date, now() + interval '15 minutes', NULL,
    gen_random_uuid(), now());
COMMIT;
