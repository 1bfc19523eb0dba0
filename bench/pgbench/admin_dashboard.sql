-- GET /admin/dashboard: the staff member, then the version the process's copy of the dashboard
-- is filed under (every booking date's and the partners' counters, and the unassigned upcoming
-- bookings). Nothing changes while the scenario runs, so the copy itself is never rebuilt, and
-- requests arriving together share one read of each (which pgbench cannot do).
SELECT admin_users.id, admin_users.role FROM admin_users
WHERE admin_users.id = bench.id('admin', 1) AND admin_users.is_active;
SELECT (SELECT coalesce(sum(booking_revisions.revision), 0)
            + (SELECT cache_revisions.revision FROM cache_revisions
               WHERE cache_revisions.name = 'partners')
        FROM booking_revisions) AS revision,
       (SELECT count(*) FROM bookings WHERE partner_id IS NULL AND status <> 'cancelled'
          AND bookings.start_at >= now()) AS unassigned_upcoming;
