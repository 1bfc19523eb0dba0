-- POST /checkout/prepare, a 3-service cart over two neighbouring categories with a promo code,
-- slots for the busy day: the address (the caller's, so also the check that they exist), the
-- services, the promo, the counters the day's schedule depends on (the partners and their busy
-- ranges come from the process's copy, which nothing changes while prepare alone runs), the
-- preview.
\set user random(1, :users)
\set c random(0, 7)
\set m random(0, :per_category - 1)
\set promo random(1, :promos)
BEGIN;
SELECT user_addresses.id FROM user_addresses
WHERE user_addresses.id = bench.id('address', :user)
  AND user_addresses.user_id = bench.id('user', :user) AND user_addresses.deleted_at IS NULL;
SELECT services.id, services.name, services.category, services.tier, services.product_cost,
       services.duration_minutes FROM services
WHERE services.id IN (bench.id('service', :c + 1 + 8 * :m),
                      bench.id('service', :c + 1 + 8 * ((:m + 1) % :per_category)),
                      bench.id('service', (:c + 1) % 8 + 1 + 8 * :m))
  AND services.is_active;
SELECT promo_codes.id, promo_codes.code, promo_codes.discount_type, promo_codes.discount_value,
       promo_codes.min_order_amount, promo_codes.usage_limit, promo_codes.used_count,
       promo_codes.valid_from, promo_codes.valid_until, promo_codes.is_active
FROM promo_codes WHERE promo_codes.code = 'BENCH' || lpad(:promo::text, 2, '0');
SELECT coalesce(sum(booking_revisions.revision), 0)
       + (SELECT cache_revisions.revision FROM cache_revisions
          WHERE cache_revisions.name = 'partners')
FROM booking_revisions
WHERE booking_revisions.day BETWEEN :busy_day::date - 1 AND :busy_day::date + 1;
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
