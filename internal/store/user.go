package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/localsquared/localsquared/internal/crm"
)

const userColumns = `id, org_id, first_name, last_name, email, role, active, time_zone, created_on, modified_on`

func scanUser(row interface{ Scan(...any) error }, u *crm.User) error {
	var active, created, modified int64
	if err := row.Scan(&u.ID, &u.OrgID, &u.FirstName, &u.LastName, &u.Email, &u.Role, &active, &u.TimeZone, &created, &modified); err != nil {
		return err
	}
	u.Active = active == 1
	u.CreatedOn, u.ModifiedOn = fromMS(created), fromMS(modified)
	return nil
}

// CreateUser adds u to org u.OrgID, filling its id and times. It returns
// KindInvalid for a bad role or email, KindNotFound for an unknown org and
// KindDuplicate when the org has a user with that email.
func (s *Store) CreateUser(ctx context.Context, u *crm.User) error {
	if err := validateUser(u); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error { return s.createUser(ctx, tx, u) })
}

func validateUser(u *crm.User) error {
	u.Email = strings.TrimSpace(u.Email)
	if u.Email == "" || !strings.Contains(u.Email, "@") || len(u.Email) > 100 {
		return crm.Invalidf("EmailAddress")
	}
	if u.Role == "" {
		u.Role = crm.RoleSalesUser
	}
	if !crm.ValidRole(u.Role) {
		return crm.Invalidf("Role (one of Administrator, Sales_Manager, Sales_User, Marketing_User)")
	}
	if u.TimeZone == "" {
		u.TimeZone = "UTC"
	}
	return nil
}

func (s *Store) createUser(ctx context.Context, tx *sql.Tx, u *crm.User) error {
	var exists int
	if err := tx.QueryRowContext(ctx, s.d.q(`SELECT COUNT(*) FROM orgs WHERE id = ?`), u.OrgID).Scan(&exists); err != nil {
		return internal("store.CreateUser", err)
	}
	if exists == 0 {
		return crm.Errorf(crm.KindNotFound, "org %d does not exist", u.OrgID)
	}
	now := s.now(0)
	u.ID = crm.NewID()
	u.Active = true
	u.CreatedOn, u.ModifiedOn = now.Truncate(1e6), now.Truncate(1e6)
	_, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO users (`+userColumns+`, email_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		u.ID, u.OrgID, u.FirstName, u.LastName, u.Email, u.Role, 1, u.TimeZone, ms(now), ms(now), crm.EmailKey(u.Email))
	if _, ok := uniqueViolation(err); ok {
		return crm.Errorf(crm.KindDuplicate, "A User with same Email already exists.")
	}
	return internal("store.CreateUser", err)
}

// User returns a user of the org, or KindNotFound.
func (s *Store) User(ctx context.Context, org crm.OrgID, id string) (*crm.User, error) {
	var u crm.User
	err := scanUser(s.r.QueryRowContext(ctx, s.d.q(`SELECT `+userColumns+` FROM users WHERE org_id = ? AND id = ?`), org, strings.ToLower(id)), &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crm.Errorf(crm.KindNotFound, "User does not exist")
	}
	if err != nil {
		return nil, internal("store.User", err)
	}
	return &u, nil
}

// Users lists the org's users by creation.
func (s *Store) Users(ctx context.Context, org crm.OrgID) ([]crm.User, error) {
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT `+userColumns+` FROM users WHERE org_id = ? ORDER BY created_on, id`), org)
	if err != nil {
		return nil, internal("store.Users", err)
	}
	defer rows.Close()
	var out []crm.User
	for rows.Next() {
		var u crm.User
		if err := scanUser(rows, &u); err != nil {
			return nil, internal("store.Users", err)
		}
		out = append(out, u)
	}
	return out, internal("store.Users", rows.Err())
}

// SetUserActive activates or deactivates a user. A deactivated user's keys
// are refused from the next call on. KindNotFound for an unknown user.
func (s *Store) SetUserActive(ctx context.Context, org crm.OrgID, id string, active bool) (*crm.User, error) {
	var u crm.User
	err := s.write(ctx, func(tx *sql.Tx) error {
		s.auth.changed()
		err := scanUser(tx.QueryRowContext(ctx, s.d.q(`UPDATE users SET active = ?, modified_on = ? WHERE org_id = ? AND id = ? RETURNING `+userColumns),
			boolInt(active), ms(s.now(0)), org, strings.ToLower(id)), &u)
		if errors.Is(err, sql.ErrNoRows) {
			return crm.Errorf(crm.KindNotFound, "User does not exist")
		}
		return internal("store.SetUserActive", err)
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}
