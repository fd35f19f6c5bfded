-- The owner token of a job's lease (issue #4). Each claim writes a fresh random id; the
-- worker renews its lease, finishes and reschedules only WHERE claim_id is still its own, so
-- a replica whose lease ran out and was taken over records nothing over the new owner's work.
-- V10, not V9: V9 is kept for other work in flight; Flyway allows the gap.
ALTER TABLE dane_job ADD COLUMN claim_id VARCHAR(36);
