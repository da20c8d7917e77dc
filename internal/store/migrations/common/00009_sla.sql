-- +goose Up
-- Time limits (限时办理). Administrators edit the policy set as a whole; every edit is a new version and
-- all of them are kept, so that an order's due times can be traced to the set that produced them.
-- A deployment's own holiday arrangements (a new year, local days off) are kept one row a year in
-- the calendar's text format. Each order's clock says how its due times were computed; its timers
-- are the alerts still to come, claimed by whichever node's sweeper finds them due (fired_at set in
-- the transaction that writes the alert, so a timer fires once however many nodes sweep).

CREATE TABLE sla_policy_sets (
    version    INTEGER PRIMARY KEY,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE calendar_years (
    year        INTEGER PRIMARY KEY,
    arrangement TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL
);

CREATE TABLE ticket_clocks (
    ticket_id  TEXT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    clock      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE ticket_timers (
    ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('sign_warn', 'sign_overdue', 'close_warn', 'close_overdue')),
    due_at    BIGINT NOT NULL,
    fire_at   BIGINT NOT NULL,
    fired_at  BIGINT,
    fired_by  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (ticket_id, kind)
);
-- A sweep reads only what is due and not yet fired, however many open orders there are.
CREATE INDEX ticket_timers_due ON ticket_timers (fire_at) WHERE fired_at IS NULL;

-- +goose Down
DROP TABLE ticket_timers;
DROP TABLE ticket_clocks;
DROP TABLE calendar_years;
DROP TABLE sla_policy_sets;
