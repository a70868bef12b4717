-- A performance may let its tickets in again after an exit (issue 15: a
-- seat ticket admits once unless re-entry is allowed for the performance).
ALTER TABLE performances ADD COLUMN reentry boolean NOT NULL DEFAULT false;
