package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"

	"github.com/localsquared/localsquared/internal/crm"
)

// Access keys look like LeadSquared's ("u$r" and 32 hex digits); secret
// keys are 40 hex digits (160 random bits). Only a SHA-256 of the secret is
// stored: the secret has full entropy, so a slow hash adds nothing.
func newAccessKey() string { return "u$r" + randomHex(16) }
func newSecretKey() string { return randomHex(20) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

const keyColumns = `access_key, org_id, user_id, created_on, revoked_on`

func scanKey(row interface{ Scan(...any) error }, k *crm.KeyPair) error {
	var created int64
	var revoked sql.NullInt64
	if err := row.Scan(&k.AccessKey, &k.OrgID, &k.UserID, &created, &revoked); err != nil {
		return err
	}
	k.CreatedOn = fromMS(created)
	if revoked.Valid {
		k.RevokedOn = fromMS(revoked.Int64)
	}
	return nil
}

// CreateKey issues a new key pair for a user of the org. The returned
// SecretKey is the only time the secret is available. KindNotFound for an
// unknown user.
func (s *Store) CreateKey(ctx context.Context, org crm.OrgID, userID string) (*crm.KeyPair, error) {
	var k crm.KeyPair
	err := s.write(ctx, func(tx *sql.Tx) error { return s.createKey(ctx, tx, org, userID, &k) })
	if err != nil {
		return nil, err
	}
	return &k, nil
}

func (s *Store) createKey(ctx context.Context, tx *sql.Tx, org crm.OrgID, userID string, k *crm.KeyPair) error {
	var n int
	if err := tx.QueryRowContext(ctx, s.d.q(`SELECT COUNT(*) FROM users WHERE org_id = ? AND id = ?`), org, userID).Scan(&n); err != nil {
		return internal("store.CreateKey", err)
	}
	if n == 0 {
		return crm.Errorf(crm.KindNotFound, "User does not exist")
	}
	now := s.now(0)
	*k = crm.KeyPair{AccessKey: newAccessKey(), SecretKey: newSecretKey(), OrgID: org, UserID: userID, CreatedOn: fromMS(ms(now))}
	_, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO api_keys (access_key, org_id, user_id, secret_hash, created_on) VALUES (?, ?, ?, ?, ?)`),
		k.AccessKey, org, userID, hashSecret(k.SecretKey), ms(now))
	return internal("store.CreateKey", err)
}

// Keys lists a user's key pairs (without secrets), newest first.
func (s *Store) Keys(ctx context.Context, org crm.OrgID, userID string) ([]crm.KeyPair, error) {
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT `+keyColumns+` FROM api_keys WHERE org_id = ? AND user_id = ? ORDER BY created_on DESC, access_key`), org, userID)
	if err != nil {
		return nil, internal("store.Keys", err)
	}
	defer rows.Close()
	var out []crm.KeyPair
	for rows.Next() {
		var k crm.KeyPair
		if err := scanKey(rows, &k); err != nil {
			return nil, internal("store.Keys", err)
		}
		out = append(out, k)
	}
	return out, internal("store.Keys", rows.Err())
}

// RotateKey gives an existing, unrevoked access key a new secret and
// returns it; the old secret stops working at once. KindNotFound for an
// unknown or revoked key.
func (s *Store) RotateKey(ctx context.Context, org crm.OrgID, accessKey string) (*crm.KeyPair, error) {
	var k crm.KeyPair
	secret := newSecretKey()
	err := s.write(ctx, func(tx *sql.Tx) error {
		s.auth.changed()
		err := scanKey(tx.QueryRowContext(ctx, s.d.q(`UPDATE api_keys SET secret_hash = ? WHERE org_id = ? AND access_key = ? AND revoked_on IS NULL RETURNING `+keyColumns),
			hashSecret(secret), org, accessKey), &k)
		if errors.Is(err, sql.ErrNoRows) {
			return crm.Errorf(crm.KindNotFound, "access key does not exist or is revoked")
		}
		return internal("store.RotateKey", err)
	})
	if err != nil {
		return nil, err
	}
	k.SecretKey = secret
	return &k, nil
}

// RevokeKey revokes an access key for good. KindNotFound for an unknown or
// already revoked key.
func (s *Store) RevokeKey(ctx context.Context, org crm.OrgID, accessKey string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		s.auth.changed()
		res, err := tx.ExecContext(ctx, s.d.q(`UPDATE api_keys SET revoked_on = ? WHERE org_id = ? AND access_key = ? AND revoked_on IS NULL`),
			ms(s.now(0)), org, accessKey)
		if err != nil {
			return internal("store.RevokeKey", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return crm.Errorf(crm.KindNotFound, "access key does not exist or is revoked")
		}
		return nil
	})
}

// Authenticate resolves a key pair to its user and org in one query. It
// returns crm.ErrBadKeys for an unknown, revoked or wrong pair (the
// comparison is constant-time) and crm.ErrDeactivated for an inactive user.
func (s *Store) Authenticate(ctx context.Context, accessKey, secretKey string) (*crm.Principal, error) {
	if accessKey == "" || secretKey == "" || len(accessKey) > 100 || len(secretKey) > 200 {
		return nil, crm.ErrBadKeys
	}
	hash := hashSecret(secretKey)
	var gen uint64
	cache := false
	if s.auth != nil {
		// The generation is read before the query: see authcache.go.
		if gen, cache = s.auth.gen(); cache {
			if e, ok := s.auth.get(accessKey, hash, gen); ok {
				if !e.active {
					return nil, crm.ErrDeactivated
				}
				p := e.p
				return &p, nil
			}
		}
	}
	var p crm.Principal
	var stored string
	row := s.r.QueryRowContext(ctx, s.d.q(`SELECT k.secret_hash,
		u.id, u.org_id, u.first_name, u.last_name, u.email, u.role, u.active, u.time_zone, u.created_on, u.modified_on,
		o.id, o.name, o.plan, o.lead_delete_enabled, o.journal_level, o.clock_offset_ms, o.schema_version, o.created_on
		FROM api_keys k JOIN users u ON u.id = k.user_id JOIN orgs o ON o.id = k.org_id
		WHERE k.access_key = ? AND k.revoked_on IS NULL`), accessKey)
	var active, uc, um, del, off, oc int64
	err := row.Scan(&stored, &p.User.ID, &p.User.OrgID, &p.User.FirstName, &p.User.LastName, &p.User.Email, &p.User.Role,
		&active, &p.User.TimeZone, &uc, &um,
		&p.Org.ID, &p.Org.Name, &p.Org.Plan, &del, &p.Org.JournalLevel, &off, &p.Org.SchemaVersion, &oc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crm.ErrBadKeys
	}
	if err != nil {
		return nil, internal("store.Authenticate", err)
	}
	if subtle.ConstantTimeCompare([]byte(hash), []byte(stored)) != 1 {
		return nil, crm.ErrBadKeys
	}
	p.User.Active = active == 1
	p.User.CreatedOn, p.User.ModifiedOn = fromMS(uc), fromMS(um)
	p.Org.LeadDeleteEnabled = del == 1
	p.Org.ClockOffset = msDuration(off)
	p.Org.CreatedOn = fromMS(oc)
	p.AccessKey = accessKey
	if cache {
		s.auth.put(accessKey, authEntry{gen: gen, hash: stored, active: p.User.Active, p: p})
	}
	if !p.User.Active {
		return nil, crm.ErrDeactivated
	}
	return &p, nil
}

// CreateAdminToken issues a new admin token and returns it; only its hash is kept.
func (s *Store) CreateAdminToken(ctx context.Context) (string, error) {
	tok := "lsqadm_" + randomHex(24)
	err := s.write(ctx, func(tx *sql.Tx) error { return s.insertAdminToken(ctx, tx, tok) })
	if err != nil {
		return "", err
	}
	return tok, nil
}

func (s *Store) insertAdminToken(ctx context.Context, tx *sql.Tx, tok string) error {
	_, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO admin_tokens (token_hash, created_on) VALUES (?, ?)`), hashSecret(tok), ms(s.now(0)))
	return internal("store.CreateAdminToken", err)
}

// CheckAdminToken returns nil when tok is a valid admin token, else
// crm.ErrBadKeys.
func (s *Store) CheckAdminToken(ctx context.Context, tok string) error {
	if tok == "" || len(tok) > 200 {
		return crm.ErrBadKeys
	}
	var n int
	if err := s.r.QueryRowContext(ctx, s.d.q(`SELECT COUNT(*) FROM admin_tokens WHERE token_hash = ?`), hashSecret(tok)).Scan(&n); err != nil {
		return internal("store.CheckAdminToken", err)
	}
	if n == 0 {
		return crm.ErrBadKeys
	}
	return nil
}
