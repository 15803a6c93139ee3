package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
)

func msDuration(v int64) time.Duration { return time.Duration(v) * time.Millisecond }

// Credentials are the secrets made by Bootstrap, shown once.
type Credentials struct {
	OrgID      crm.OrgID `json:"orgId"`
	OrgName    string    `json:"orgName"`
	UserID     string    `json:"userId"`
	UserEmail  string    `json:"userEmail"`
	AccessKey  string    `json:"accessKey"`
	SecretKey  string    `json:"secretKey"`
	AdminToken string    `json:"adminToken"`
}

// Bootstrap makes the first org "Sandbox", its administrator, a key pair
// and an admin token when the database has no org yet, all in one
// transaction. It returns nil, nil when the database was already set up;
// that is the one case where nil means "nothing to do", not "not found".
func (s *Store) Bootstrap(ctx context.Context) (*Credentials, error) {
	var c *Credentials
	err := s.write(ctx, func(tx *sql.Tx) error {
		if s.d.name == "postgres" {
			// Two instances starting on an empty database: one bootstraps.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7316002)`); err != nil {
				return internal("store.Bootstrap", err)
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs`).Scan(&n); err != nil {
			return internal("store.Bootstrap", err)
		}
		if n > 0 {
			return nil
		}
		var o crm.Org
		if err := s.createOrg(ctx, tx, "Sandbox", &o); err != nil {
			return err
		}
		u := crm.User{OrgID: o.ID, FirstName: "Sandbox", LastName: "Admin", Email: "admin@sandbox.localsquared.dev", Role: crm.RoleAdministrator}
		if err := validateUser(&u); err != nil {
			return err
		}
		if err := s.createUser(ctx, tx, &u); err != nil {
			return err
		}
		var k crm.KeyPair
		if err := s.createKey(ctx, tx, o.ID, u.ID, &k); err != nil {
			return err
		}
		tok := "lsqadm_" + randomHex(24)
		if err := s.insertAdminToken(ctx, tx, tok); err != nil {
			return err
		}
		c = &Credentials{OrgID: o.ID, OrgName: o.Name, UserID: u.ID, UserEmail: u.Email,
			AccessKey: k.AccessKey, SecretKey: k.SecretKey, AdminToken: tok}
		return nil
	})
	return c, err
}
