-- A row per limited subject (a number, an address, a username) that a command locks before it
-- counts that subject's recent events: on PostgreSQL (READ COMMITTED) two transactions would
-- otherwise each count without seeing the other's uncommitted event and both go past a limit
-- (SQLite's one write lock hid this). The row holds nothing; the lock is the point.
CREATE TABLE rate_locks (
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    PRIMARY KEY (scope, subject)
);
