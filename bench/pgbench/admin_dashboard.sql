-- GET /admin/dashboard: the staff member, counts and revenue over every booking, active
-- partners, the ten newest bookings, thirty days of revenue.
BEGIN;
SELECT * FROM admin_users WHERE admin_users.id = bench.id('admin', 1);
SELECT count(*) AS total_bookings,
       count(*) FILTER (WHERE bookings.status = 'pending') AS pending,
       count(*) FILTER (WHERE bookings.status = 'confirmed') AS confirmed,
       count(*) FILTER (WHERE bookings.status = 'in_progress') AS in_progress,
       count(*) FILTER (WHERE bookings.status = 'completed') AS completed,
       count(*) FILTER (WHERE bookings.status = 'cancelled') AS cancelled,
       coalesce(sum(bookings.grand_total) FILTER (
           WHERE bookings.payment_status = 'paid' OR bookings.status = 'completed'), 0) AS revenue,
       count(*) FILTER (WHERE bookings.booking_date = :today::date) AS today_bookings,
       count(*) FILTER (WHERE bookings.status != 'cancelled' AND bookings.partner_id IS NULL
                          AND bookings.start_at >= now()) AS unassigned_upcoming
FROM bookings;
SELECT count(*) AS count_1 FROM partners WHERE partners.is_active;
SELECT * FROM bookings ORDER BY bookings.created_at DESC, bookings.id DESC LIMIT 10;
SELECT bookings.booking_date,
       coalesce(sum(bookings.grand_total) FILTER (
           WHERE bookings.payment_status = 'paid' OR bookings.status = 'completed'), 0),
       count(*)
FROM bookings
WHERE bookings.booking_date BETWEEN :today::date - 29 AND :today::date
GROUP BY bookings.booking_date;
COMMIT;
