-- GET /admin/bookings?date_from&date_to&status: the staff member, the count, page one.
\set day random(0, :seeded_days - 7)
\set status random(1, 4)
SELECT admin_users.id, admin_users.role FROM admin_users
WHERE admin_users.id = bench.id('admin', 1) AND admin_users.is_active;
SELECT count(*) AS count_1 FROM (
    SELECT * FROM bookings
    WHERE bookings.status = (ARRAY['pending', 'confirmed', 'completed', 'cancelled'])[:status]
      AND bookings.booking_date >= :first_day::date + :day::int
      AND bookings.booking_date <= :first_day::date + :day::int + 6) AS anon_1;
SELECT * FROM bookings
WHERE bookings.status = (ARRAY['pending', 'confirmed', 'completed', 'cancelled'])[:status]
  AND bookings.booking_date >= :first_day::date + :day::int
  AND bookings.booking_date <= :first_day::date + :day::int + 6
ORDER BY coalesce(bookings.created_at, bookings.created_at) DESC, bookings.id DESC LIMIT 20 OFFSET 0;
