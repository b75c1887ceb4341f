-- Lasting sign-in (pipelines/accounts/sessions.py): one row per signed-in browser. Only the sha256
-- of the cookie's random token is stored, so a copy of the store signs nobody in.
CREATE SEQUENCE IF NOT EXISTS app_session_id_seq START 1;

CREATE TABLE IF NOT EXISTS app_session (
    id              INTEGER PRIMARY KEY DEFAULT nextval('app_session_id_seq'),
    token_hash      VARCHAR NOT NULL UNIQUE,
    user_name       VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    last_seen       TIMESTAMP NOT NULL,
    idle_expires_at TIMESTAMP NOT NULL,   -- last_seen + idle limit (default 8 h)
    expires_at      TIMESTAMP NOT NULL,   -- created_at + absolute limit (default 7 days)
    client          VARCHAR               -- the client address at sign-in
);

-- Failed sign-ins counted per account and per client address (pipelines/accounts/throttle.py).
-- key: sha256 of the typed name (scope 'account') or the address (scope 'address'); label: the
-- account name when it exists, '(tên không tồn tại)' otherwise, or the address.
CREATE TABLE IF NOT EXISTS signin_throttle (
    scope         VARCHAR NOT NULL CHECK (scope IN ('account', 'address')),
    key           VARCHAR NOT NULL,
    label         VARCHAR NOT NULL,
    failures      INTEGER NOT NULL,
    last_failure  TIMESTAMP NOT NULL,
    blocked_until TIMESTAMP,
    PRIMARY KEY (scope, key)
);
