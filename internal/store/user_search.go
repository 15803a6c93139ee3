package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/localsquared/localsquared/internal/crm"
)

// UserRecord is a user with the UserManagement.svc attributes kept beside
// the columns authentication needs.
type UserRecord struct {
	crm.User
	Details map[string]string
}

// UserFilter selects users; zero fields do not filter. Obsolete users are
// never returned.
type UserFilter struct {
	ID     string
	Email  string
	Search string // in first name, last name or email, any case
	Role   string
	Active *bool
	Offset int
	Limit  int // 0: no limit
}

// SearchUsers returns one page of the org's users by creation, and how
// many match.
func (s *Store) SearchUsers(ctx context.Context, org crm.OrgID, f UserFilter) (int64, []UserRecord, error) {
	where, args := `org_id = ? AND obsolete = 0`, []any{org}
	if f.ID != "" {
		nid, ok := normID(f.ID)
		if !ok {
			return 0, nil, nil
		}
		where, args = where+` AND id = ?`, append(args, nid)
	}
	if f.Email != "" {
		where, args = where+` AND email_key = ?`, append(args, crm.EmailKey(f.Email))
	}
	if f.Search != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(f.Search)) + "%"
		where += ` AND (LOWER(first_name) LIKE ? ESCAPE '\' OR LOWER(last_name) LIKE ? ESCAPE '\' OR email_key LIKE ? ESCAPE '\')`
		args = append(args, like, like, like)
	}
	if f.Role != "" {
		where, args = where+` AND role = ?`, append(args, f.Role)
	}
	if f.Active != nil {
		where, args = where+` AND active = ?`, append(args, boolInt(*f.Active))
	}
	var total int64
	if err := s.r.QueryRowContext(ctx, s.d.q(`SELECT COUNT(*) FROM users WHERE `+where), args...).Scan(&total); err != nil {
		return 0, nil, internal("store.SearchUsers", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1 << 30
	}
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT `+userColumns+`, details FROM users WHERE `+where+` ORDER BY created_on, id LIMIT ? OFFSET ?`),
		append(args, limit, f.Offset)...)
	if err != nil {
		return 0, nil, internal("store.SearchUsers", err)
	}
	defer rows.Close()
	var out []UserRecord
	for rows.Next() {
		var u UserRecord
		var active, created, modified int64
		var details string
		if err := rows.Scan(&u.ID, &u.OrgID, &u.FirstName, &u.LastName, &u.Email, &u.Role, &active, &u.TimeZone, &created, &modified, &details); err != nil {
			return 0, nil, internal("store.SearchUsers", err)
		}
		u.Active, u.CreatedOn, u.ModifiedOn = active == 1, fromMS(created), fromMS(modified)
		if err := json.Unmarshal([]byte(details), &u.Details); err != nil {
			return 0, nil, internal("store.SearchUsers", err)
		}
		out = append(out, u)
	}
	return total, out, internal("store.SearchUsers", rows.Err())
}

// CreateOrgUser adds a user with its details to the org. Errors: those of
// CreateUser.
func (s *Store) CreateOrgUser(ctx context.Context, u *crm.User, details map[string]string) error {
	if err := validateUser(u); err != nil {
		return err
	}
	b, err := json.Marshal(details)
	if err != nil {
		return internal("store.CreateOrgUser", err)
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := s.createUser(ctx, tx, u); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.d.q(`UPDATE users SET details = ? WHERE id = ?`), string(b), u.ID)
		return internal("store.CreateOrgUser", err)
	})
}

// UserUpdate changes a user; nil fields stay, details are merged (an empty
// value removes the key).
type UserUpdate struct {
	FirstName, LastName, Email, Role, TimeZone *string
	Active                                     *bool
	Details                                    map[string]string
}

// UpdateOrgUser applies u to the org's user id as the principal. Errors:
// KindNotFound, KindInvalid for a bad role or email or for deactivating
// oneself, KindDuplicate for a taken email.
func (s *Store) UpdateOrgUser(ctx context.Context, p *crm.Principal, id string, up UserUpdate) error {
	nid, ok := normID(id)
	if !ok {
		return crm.Errorf(crm.KindNotFound, "User does not exist")
	}
	if up.Active != nil && !*up.Active && nid == p.User.ID {
		return crm.Invalidf("StatusCode (you can not deactivate yourself)")
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var u crm.User
		var details string
		var obsolete int64
		row := tx.QueryRowContext(ctx, s.d.q(`SELECT `+userColumns+`, details, obsolete FROM users WHERE org_id = ? AND id = ?`+s.d.forUpdate), p.Org.ID, nid)
		var active, created, modified int64
		err := row.Scan(&u.ID, &u.OrgID, &u.FirstName, &u.LastName, &u.Email, &u.Role, &active, &u.TimeZone, &created, &modified, &details, &obsolete)
		if errors.Is(err, sql.ErrNoRows) || err == nil && obsolete == 1 {
			return crm.Errorf(crm.KindNotFound, "User does not exist")
		}
		if err != nil {
			return internal("store.UpdateOrgUser", err)
		}
		u.Active = active == 1
		d := map[string]string{}
		if err := json.Unmarshal([]byte(details), &d); err != nil {
			return internal("store.UpdateOrgUser", err)
		}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = strings.TrimSpace(*v)
			}
		}
		set(&u.FirstName, up.FirstName)
		set(&u.LastName, up.LastName)
		set(&u.Email, up.Email)
		set(&u.Role, up.Role)
		set(&u.TimeZone, up.TimeZone)
		if up.Active != nil {
			u.Active = *up.Active
		}
		if err := validateUser(&u); err != nil {
			return err
		}
		for k, v := range up.Details {
			if v == "" {
				delete(d, k)
			} else {
				d[k] = v
			}
		}
		b, err := json.Marshal(d)
		if err != nil {
			return internal("store.UpdateOrgUser", err)
		}
		s.auth.changed()
		_, err = tx.ExecContext(ctx, s.d.q(`UPDATE users SET first_name = ?, last_name = ?, email = ?, email_key = ?, role = ?, time_zone = ?,
			active = ?, details = ?, modified_on = ? WHERE org_id = ? AND id = ?`),
			u.FirstName, u.LastName, u.Email, crm.EmailKey(u.Email), u.Role, u.TimeZone, boolInt(u.Active), string(b), ms(s.now(0)), p.Org.ID, nid)
		if _, ok := uniqueViolation(err); ok {
			return crm.Errorf(crm.KindDuplicate, "A User with same Email already exists.")
		}
		return internal("store.UpdateOrgUser", err)
	})
}

// MarkUserObsolete retires a deactivated user of the org: it disappears
// from user reads and its email is free for a new user. Its keys stay
// refused. Errors: KindNotFound, KindInvalid when the user is active.
func (s *Store) MarkUserObsolete(ctx context.Context, org crm.OrgID, id string) error {
	nid, ok := normID(id)
	if !ok {
		return crm.Errorf(crm.KindNotFound, "User does not exist")
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var active, obsolete int64
		err := tx.QueryRowContext(ctx, s.d.q(`SELECT active, obsolete FROM users WHERE org_id = ? AND id = ?`+s.d.forUpdate), org, nid).Scan(&active, &obsolete)
		if errors.Is(err, sql.ErrNoRows) || err == nil && obsolete == 1 {
			return crm.Errorf(crm.KindNotFound, "User does not exist")
		}
		if err != nil {
			return internal("store.MarkUserObsolete", err)
		}
		if active == 1 {
			return crm.Invalidf("userId (only a deactivated user can be marked obsolete)")
		}
		s.auth.changed()
		_, err = tx.ExecContext(ctx, s.d.q(`UPDATE users SET obsolete = 1, email_key = ?, modified_on = ? WHERE org_id = ? AND id = ?`),
			"obsolete:"+nid, ms(s.now(0)), org, nid)
		return internal("store.MarkUserObsolete", err)
	})
}
