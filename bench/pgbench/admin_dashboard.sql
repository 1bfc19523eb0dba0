-- GET /admin/dashboard: the staff member, thirty days of the per-day totals and the all-time
-- totals with the unassigned upcoming bookings and active partners (one UNION ALL), the ten
-- newest bookings.
SELECT admin_users.id, admin_users.role FROM admin_users
WHERE admin_users.id = bench.id('admin', 1) AND admin_users.is_active;
SELECT booking_day_totals.booking_date,
       CAST(coalesce(sum(booking_count), 0) AS BIGINT) AS total_bookings,
       CAST(coalesce(sum(booking_count) FILTER (WHERE status = 'pending'), 0) AS BIGINT) AS pending,
       CAST(coalesce(sum(booking_count) FILTER (WHERE status = 'confirmed'), 0) AS BIGINT) AS confirmed,
       CAST(coalesce(sum(booking_count) FILTER (WHERE status = 'in_progress'), 0) AS BIGINT) AS in_progress,
       CAST(coalesce(sum(booking_count) FILTER (WHERE status = 'completed'), 0) AS BIGINT) AS completed,
       CAST(coalesce(sum(booking_count) FILTER (WHERE status = 'cancelled'), 0) AS BIGINT) AS cancelled,
       CAST(coalesce(sum(grand_total_paise) FILTER (
           WHERE payment_status = 'paid' OR status = 'completed'), 0) AS BIGINT) AS revenue_paise,
       CAST(NULL AS BIGINT) AS unassigned_upcoming, CAST(NULL AS BIGINT) AS active_partners
FROM booking_day_totals
WHERE booking_day_totals.booking_date BETWEEN :today::date - 29 AND :today::date
GROUP BY booking_day_totals.booking_date
UNION ALL
SELECT NULL,
       CAST(coalesce(sum(booking_count), 0) AS BIGINT),
       CAST(coalesce(sum(booking_count) FILTER (WHERE status = 'pending'), 0) AS BIGINT),
       CAST(coalesce(sum(booking_count) FILTER (WHERE status = 'confirmed'), 0) AS BIGINT),
       CAST(coalesce(sum(booking_count) FILTER (WHERE status = 'in_progress'), 0) AS BIGINT),
       CAST(coalesce(sum(booking_count) FILTER (WHERE status = 'completed'), 0) AS BIGINT),
       CAST(coalesce(sum(booking_count) FILTER (WHERE status = 'cancelled'), 0) AS BIGINT),
       CAST(coalesce(sum(grand_total_paise) FILTER (
           WHERE payment_status = 'paid' OR status = 'completed'), 0) AS BIGINT),
       (SELECT count(*) FROM bookings WHERE partner_id IS NULL AND status <> 'cancelled'
          AND bookings.start_at >= now()),
       (SELECT count(*) FROM partners WHERE partners.is_active)
FROM booking_day_totals;
SELECT bookings.id, bookings.booking_number, bookings.status, bookings.payment_status,
       bookings.payment_method, bookings.booking_date, bookings.booking_time, bookings.services,
       bookings.grand_total, bookings.partner_id, bookings.created_at, bookings.user_id,
       bookings.customer_name, bookings.customer_phone, bookings.assignment_status
FROM bookings ORDER BY bookings.created_at DESC, bookings.id DESC LIMIT 10;
