-- Migration 0003: every installed version of a year's plan is kept (text and hash), and each
-- submission records the version of the plan it was validated with. `plans` stays the version in
-- force for each year; `plan_version` is the history (issue 8 §4).

CREATE TABLE IF NOT EXISTS plan_version (
    year         INTEGER NOT NULL,
    sha          VARCHAR NOT NULL,       -- sha256 of the TOML text
    source_file  VARCHAR NOT NULL,
    source_text  VARCHAR NOT NULL,
    installed_at TIMESTAMP NOT NULL,     -- UTC
    installed_by VARCHAR NOT NULL,
    PRIMARY KEY (year, sha)
);

-- The versions a store already holds: the one in force for each year.
INSERT INTO plan_version
SELECT p.year, p.source_sha, p.source_file, p.source_text, p.loaded_at, 'init'
FROM plans AS p
WHERE NOT EXISTS (SELECT 1 FROM plan_version AS v WHERE v.year = p.year AND v.sha = p.source_sha);

ALTER TABLE submission ADD COLUMN IF NOT EXISTS plan_sha VARCHAR;

-- Submissions loaded before this migration were validated with the plan then in force, as far as the
-- store can tell: the version it holds for their year.
UPDATE submission SET plan_sha = (SELECT p.source_sha FROM plans AS p WHERE p.year = submission.year)
WHERE plan_sha IS NULL;
