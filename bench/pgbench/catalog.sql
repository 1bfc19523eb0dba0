-- GET /services/catalog: the active services in one query.
BEGIN;
SELECT services.id, services.name, services.category, services.tier, services.product_cost,
       services.market_price, services.duration_minutes, services.image_url
FROM services WHERE services.is_active;
COMMIT;
