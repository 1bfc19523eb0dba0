"""`make bench`: seed PostgreSQL at scale, drive each scenario with wrk, compare with pgbench."""
