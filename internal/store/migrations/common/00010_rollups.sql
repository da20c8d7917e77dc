-- +goose Up
-- The measures' rollups (docs/measures.md): counters kept up to date in the transaction of every step
-- of every order, so that a dashboard reads a few thousand rows instead of the orders. One row per
-- Shanghai day (yyyymmdd) × lead unit ('' for the centre) × grid code × category × line × channel ×
-- request type; each counter is defined in internal/measure. h00…h14 are a histogram of handling
-- times (internal/measure.HandleBounds) from which p90 is read.
-- The primary key starts with the day and the place, so that one region's month is read as a few
-- dozen short ranges (one per day); the second index serves one unit's months and the rankings.

CREATE TABLE measure_rollups (
    day                  INTEGER NOT NULL,
    place_code           TEXT NOT NULL,
    unit_id              TEXT NOT NULL,
    category_code        TEXT NOT NULL,
    line_code            TEXT NOT NULL,
    channel              TEXT NOT NULL,
    request_type         TEXT NOT NULL,
    taken                BIGINT NOT NULL DEFAULT 0,
    answered             BIGINT NOT NULL DEFAULT 0,
    dispatched           BIGINT NOT NULL DEFAULT 0,
    signed               BIGINT NOT NULL DEFAULT 0,
    signed_on_time       BIGINT NOT NULL DEFAULT 0,
    returned             BIGINT NOT NULL DEFAULT 0,
    visited              BIGINT NOT NULL DEFAULT 0,
    resolved             BIGINT NOT NULL DEFAULT 0,
    satisfied            BIGINT NOT NULL DEFAULT 0,
    basically            BIGINT NOT NULL DEFAULT 0,
    unsatisfied          BIGINT NOT NULL DEFAULT 0,
    rehandled            BIGINT NOT NULL DEFAULT 0,
    closed               BIGINT NOT NULL DEFAULT 0,
    closed_with_deadline BIGINT NOT NULL DEFAULT 0,
    closed_on_time       BIGINT NOT NULL DEFAULT 0,
    overdue              BIGINT NOT NULL DEFAULT 0,
    handle_ms            BIGINT NOT NULL DEFAULT 0,
    h00                  BIGINT NOT NULL DEFAULT 0,
    h01                  BIGINT NOT NULL DEFAULT 0,
    h02                  BIGINT NOT NULL DEFAULT 0,
    h03                  BIGINT NOT NULL DEFAULT 0,
    h04                  BIGINT NOT NULL DEFAULT 0,
    h05                  BIGINT NOT NULL DEFAULT 0,
    h06                  BIGINT NOT NULL DEFAULT 0,
    h07                  BIGINT NOT NULL DEFAULT 0,
    h08                  BIGINT NOT NULL DEFAULT 0,
    h09                  BIGINT NOT NULL DEFAULT 0,
    h10                  BIGINT NOT NULL DEFAULT 0,
    h11                  BIGINT NOT NULL DEFAULT 0,
    h12                  BIGINT NOT NULL DEFAULT 0,
    h13                  BIGINT NOT NULL DEFAULT 0,
    h14                  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, place_code, unit_id, category_code, line_code, channel, request_type)
);
CREATE INDEX measure_rollups_unit ON measure_rollups (unit_id, day);

-- The same counters by day, street (the first nine digits of the grid code) and unit only: a
-- twentieth of the rows, for the views that filter by nothing finer — a unit, a street, a district,
-- the city, the rankings. Every step is added to both tables in its transaction.
CREATE TABLE measure_area_rollups (
    day                  INTEGER NOT NULL,
    street_code          TEXT NOT NULL,
    unit_id              TEXT NOT NULL,
    taken                BIGINT NOT NULL DEFAULT 0,
    answered             BIGINT NOT NULL DEFAULT 0,
    dispatched           BIGINT NOT NULL DEFAULT 0,
    signed               BIGINT NOT NULL DEFAULT 0,
    signed_on_time       BIGINT NOT NULL DEFAULT 0,
    returned             BIGINT NOT NULL DEFAULT 0,
    visited              BIGINT NOT NULL DEFAULT 0,
    resolved             BIGINT NOT NULL DEFAULT 0,
    satisfied            BIGINT NOT NULL DEFAULT 0,
    basically            BIGINT NOT NULL DEFAULT 0,
    unsatisfied          BIGINT NOT NULL DEFAULT 0,
    rehandled            BIGINT NOT NULL DEFAULT 0,
    closed               BIGINT NOT NULL DEFAULT 0,
    closed_with_deadline BIGINT NOT NULL DEFAULT 0,
    closed_on_time       BIGINT NOT NULL DEFAULT 0,
    overdue              BIGINT NOT NULL DEFAULT 0,
    handle_ms            BIGINT NOT NULL DEFAULT 0,
    h00                  BIGINT NOT NULL DEFAULT 0,
    h01                  BIGINT NOT NULL DEFAULT 0,
    h02                  BIGINT NOT NULL DEFAULT 0,
    h03                  BIGINT NOT NULL DEFAULT 0,
    h04                  BIGINT NOT NULL DEFAULT 0,
    h05                  BIGINT NOT NULL DEFAULT 0,
    h06                  BIGINT NOT NULL DEFAULT 0,
    h07                  BIGINT NOT NULL DEFAULT 0,
    h08                  BIGINT NOT NULL DEFAULT 0,
    h09                  BIGINT NOT NULL DEFAULT 0,
    h10                  BIGINT NOT NULL DEFAULT 0,
    h11                  BIGINT NOT NULL DEFAULT 0,
    h12                  BIGINT NOT NULL DEFAULT 0,
    h13                  BIGINT NOT NULL DEFAULT 0,
    h14                  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, street_code, unit_id)
);
CREATE INDEX measure_area_rollups_unit ON measure_area_rollups (unit_id, day);

-- Orders open past their closure deadline are counted live from their closure timers, which exist
-- exactly while an order is open and its closure clock runs.
CREATE INDEX ticket_timers_close_due ON ticket_timers (due_at) WHERE kind = 'close_overdue';

-- A rebuild finds the orders that missed a deadline in its range but took no step in it (closed
-- later, after a silent spell) here. Only late-closed orders are in this index: other writes to
-- an order never touch it.
CREATE INDEX tickets_closed_late ON tickets (due_close_at) WHERE closed_at > due_close_at;

-- +goose Down
DROP INDEX tickets_closed_late;
DROP INDEX ticket_timers_close_due;
DROP TABLE measure_area_rollups;
DROP TABLE measure_rollups;
