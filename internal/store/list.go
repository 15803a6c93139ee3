package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
)

const listColumns = `l.id, l.name, l.description, l.list_type, l.created_by, l.created_on, l.modified_on,
	(SELECT COUNT(*) FROM list_members m WHERE m.list_id = l.id)`

func scanList(row interface{ Scan(...any) error }, l *crm.List) error {
	var created, modified int64
	if err := row.Scan(&l.ID, &l.Name, &l.Description, &l.Type, &l.CreatedBy, &created, &modified, &l.MemberCount); err != nil {
		return err
	}
	l.CreatedOn, l.ModifiedOn = fromMS(created), fromMS(modified)
	return nil
}

// CreateList creates an empty static list named name (trimmed) in the
// principal's org. Errors: those of crm.CheckListText, crm.ErrListNameTaken
// when the org has a list of that name in any case (decided by the
// database's unique index, so of concurrent creates one wins).
func (s *Store) CreateList(ctx context.Context, p *crm.Principal, name, description string) (*crm.List, error) {
	if err := crm.CheckListText(name, description); err != nil {
		return nil, err
	}
	l := &crm.List{ID: crm.NewID(), Name: strings.TrimSpace(name), Description: description, Type: crm.ListStatic, CreatedBy: p.User.ID}
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := fromMS(ms(s.now(p.Org.ClockOffset)))
		l.CreatedOn, l.ModifiedOn = now, now
		_, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO lists (id, org_id, name, name_key, description, list_type, created_by, created_on, modified_on)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			l.ID, p.Org.ID, l.Name, crm.ListNameKey(l.Name), l.Description, l.Type, l.CreatedBy, ms(l.CreatedOn), ms(l.ModifiedOn))
		if _, dup := uniqueViolation(err); dup {
			return crm.ErrListNameTaken
		}
		return internal("store.CreateList", err)
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// List returns the org's list id with its member count, or
// crm.ErrListNotFound.
func (s *Store) List(ctx context.Context, org crm.OrgID, id string) (*crm.List, error) {
	nid, ok := normID(id)
	if !ok {
		return nil, crm.ErrListNotFound
	}
	var l crm.List
	err := scanList(s.r.QueryRowContext(ctx, s.d.q(`SELECT `+listColumns+` FROM lists l WHERE l.id = ? AND l.org_id = ?`), nid, org), &l)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crm.ErrListNotFound
	}
	if err != nil {
		return nil, internal("store.List", err)
	}
	return &l, nil
}

// ListFilter selects lists for Lists; zero fields do not filter.
type ListFilter struct {
	Type   *int
	Search string // case-insensitive substring of the name
	Offset int
	Limit  int
}

// Lists returns one page of the org's lists, by name (case-insensitively)
// then id, each with its member count.
func (s *Store) Lists(ctx context.Context, org crm.OrgID, f ListFilter) ([]crm.List, error) {
	where, args := `l.org_id = ?`, []any{org}
	if f.Type != nil {
		where, args = where+` AND l.list_type = ?`, append(args, *f.Type)
	}
	if f.Search != "" {
		where, args = where+` AND l.name_key LIKE ? ESCAPE '\'`, append(args, "%"+likeEscape(crm.ListNameKey(f.Search))+"%")
	}
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT `+listColumns+` FROM lists l WHERE `+where+
		` ORDER BY l.name_key`+s.d.collateC+`, l.id`+s.d.collateC+` LIMIT ? OFFSET ?`), append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, internal("store.Lists", err)
	}
	defer rows.Close()
	out := []crm.List{}
	for rows.Next() {
		var l crm.List
		if err := scanList(rows, &l); err != nil {
			return nil, internal("store.Lists", err)
		}
		out = append(out, l)
	}
	return out, internal("store.Lists", rows.Err())
}

// likeEscape escapes LIKE's wildcards (with \ as the escape character).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// lockList reads the org's list id inside tx, locking its row on
// PostgreSQL: membership writes to one list run one at a time, and always
// lock the list before any lead. Errors: crm.ErrListNotFound.
func (s *Store) lockList(ctx context.Context, tx *sql.Tx, org crm.OrgID, id string) (string, error) {
	nid, ok := normID(id)
	if !ok {
		return "", crm.ErrListNotFound
	}
	err := tx.QueryRowContext(ctx, s.d.q(`SELECT id FROM lists WHERE id = ? AND org_id = ?`+s.d.forUpdate), nid, org).Scan(&nid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", crm.ErrListNotFound
	}
	return nid, internal("store.lockList", err)
}

// unknownMember is AddListMembers' error for a lead id that is not one of
// the org's leads. It wraps crm.ErrLeadNotFound so single-lead callers can
// answer with that instead.
func unknownMember(id string) error {
	return &crm.Error{Kind: crm.KindInvalid, Err: crm.ErrLeadNotFound,
		Msg: "Invalid Input! Parameter Name: leadIds (no lead with id '" + sanitizeName(id) + "')"}
}

// AddListMembers adds the org's leads leadIDs to the org's static list
// listID and returns how many it added; leads already in the list (and
// repeated ids) are skipped. Every newly added lead's LeadLastModifiedOn
// moves, in the same transaction. Errors: crm.ErrListNotFound; KindInvalid
// naming the first id (in the caller's order) that is not a lead of the
// org, wrapping crm.ErrLeadNotFound, and then nothing is added.
func (s *Store) AddListMembers(ctx context.Context, p *crm.Principal, listID string, leadIDs []string) (int, error) {
	ids := make([]string, 0, len(leadIDs))
	seen := make(map[string]bool, len(leadIDs))
	for _, id := range leadIDs {
		nid, ok := normID(id)
		if !ok {
			return 0, unknownMember(id)
		}
		if !seen[nid] {
			seen[nid] = true
			ids = append(ids, nid)
		}
	}
	order := append([]string(nil), ids...)
	sort.Strings(ids) // lock leads in one order in every transaction
	added := 0
	err := s.write(ctx, func(tx *sql.Tx) error {
		added = 0
		list, err := s.lockList(ctx, tx, p.Org.ID, listID)
		if err != nil {
			return err
		}
		found, err := s.lockLeadIDs(ctx, tx, p.Org.ID, ids)
		if err != nil {
			return err
		}
		if len(found) != len(ids) {
			for _, id := range order {
				if !found[id] {
					return unknownMember(id)
				}
			}
		}
		now := fromMS(ms(s.now(p.Org.ClockOffset)))
		var fresh []string
		for rest := ids; len(rest) > 0; {
			n := min(len(rest), sqlBatch)
			args := make([]any, 0, 4*n)
			for _, id := range rest[:n] {
				args = append(args, list, id, p.Org.ID, ms(now))
			}
			rows, err := tx.QueryContext(ctx, s.d.q(`INSERT INTO list_members (list_id, lead_id, org_id, added_on) VALUES `+
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", n), ", ")+
				` ON CONFLICT (list_id, lead_id) DO NOTHING RETURNING lead_id`), args...)
			if err != nil {
				return internal("store.AddListMembers", err)
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return internal("store.AddListMembers", err)
				}
				fresh = append(fresh, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return internal("store.AddListMembers", err)
			}
			rest = rest[n:]
		}
		added = len(fresh)
		if added == 0 {
			return nil
		}
		sort.Strings(fresh)
		if err := s.touchLastModified(ctx, tx, p.Org.ID, now, fresh...); err != nil {
			return err
		}
		return s.touchList(ctx, tx, p.Org.ID, list, now)
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// AddListMember adds one lead to a static list and returns the lead's id
// and whether it was added (false: it was already a member). Errors:
// crm.ErrListNotFound, crm.ErrLeadNotFound.
func (s *Store) AddListMember(ctx context.Context, p *crm.Principal, listID, leadID string) (string, bool, error) {
	n, err := s.AddListMembers(ctx, p, listID, []string{leadID})
	if errors.Is(err, crm.ErrLeadNotFound) {
		return "", false, crm.ErrLeadNotFound
	}
	if err != nil {
		return "", false, err
	}
	id, _ := normID(leadID)
	return id, n == 1, nil
}

// lockLeadIDs returns which of ids (sorted) are the org's leads, locking
// their rows in id order on PostgreSQL.
func (s *Store) lockLeadIDs(ctx context.Context, tx *sql.Tx, org crm.OrgID, ids []string) (map[string]bool, error) {
	found := make(map[string]bool, len(ids))
	for rest := ids; len(rest) > 0; {
		n := min(len(rest), sqlBatch)
		args := make([]any, 0, n+1)
		args = append(args, org)
		for _, id := range rest[:n] {
			args = append(args, id)
		}
		rows, err := tx.QueryContext(ctx, s.d.q(`SELECT id FROM leads WHERE `+leadIDsWhere(n)+` ORDER BY id`+
			s.d.collateC+s.d.forUpdate), args...)
		if err != nil {
			return nil, internal("store.lockLeadIDs", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, internal("store.lockLeadIDs", err)
			}
			found[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, internal("store.lockLeadIDs", err)
		}
		rest = rest[n:]
	}
	return found, nil
}

// touchList moves a list's ModifiedOn after its membership changed.
func (s *Store) touchList(ctx context.Context, tx *sql.Tx, org crm.OrgID, list string, now time.Time) error {
	_, err := tx.ExecContext(ctx, s.d.q(`UPDATE lists SET modified_on = ? WHERE id = ? AND org_id = ?`), ms(now), list, org)
	return internal("store.touchList", err)
}

// RemoveListMember removes the org's lead from the org's list and reports
// whether it was a member; removing moves the lead's LeadLastModifiedOn.
// Removing a lead that is not a member changes nothing and succeeds.
// Errors: crm.ErrListNotFound, crm.ErrLeadNotFound.
func (s *Store) RemoveListMember(ctx context.Context, p *crm.Principal, listID, leadID string) (bool, error) {
	removed := false
	err := s.write(ctx, func(tx *sql.Tx) error {
		list, err := s.lockList(ctx, tx, p.Org.ID, listID)
		if err != nil {
			return err
		}
		l, err := s.lockLead(ctx, tx, p.Org.ID, leadID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.d.q(`DELETE FROM list_members WHERE list_id = ? AND lead_id = ?`), list, l.ID)
		if err != nil {
			return internal("store.RemoveListMember", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		removed = true
		now := fromMS(ms(s.now(p.Org.ClockOffset)))
		if err := s.touchLastModified(ctx, tx, p.Org.ID, now, l.ID); err != nil {
			return err
		}
		return s.touchList(ctx, tx, p.Org.ID, list, now)
	})
	return removed, err
}

// IsListMember reports whether the org's lead is in the org's list.
// Errors: crm.ErrListNotFound, crm.ErrLeadNotFound.
func (s *Store) IsListMember(ctx context.Context, org crm.OrgID, listID, leadID string) (bool, error) {
	list, err := s.List(ctx, org, listID)
	if err != nil {
		return false, err
	}
	l, err := s.Lead(ctx, org, leadID)
	if err != nil {
		return false, err
	}
	var n int64
	err = s.r.QueryRowContext(ctx, s.d.q(`SELECT COUNT(*) FROM list_members WHERE list_id = ? AND lead_id = ?`), list.ID, l.ID).Scan(&n)
	return n > 0, internal("store.IsListMember", err)
}

// LeadOrder sorts leads by a lead field's schema name, then by lead id.
type LeadOrder struct {
	Field string
	Desc  bool
}

// leadSortExpr is the SQL sort expression of a lead field over the leads
// table aliased l. The field must be in the org's schema; values compare
// as text, ASCII letters case-insensitively, absent as "" (so Number
// fields sort as text too), except ProspectAutoId and the dates, which
// compare as numbers. Errors: KindInvalid naming an unknown field.
func (s *Store) leadSortExpr(sch *crm.Schema, name string) (string, error) {
	switch name {
	case "ProspectID":
		return "l.id" + s.d.collateC, nil
	case "ProspectAutoId":
		return "l.auto_id", nil
	case "CreatedOn":
		return "l.created_on", nil
	case "ModifiedOn":
		return "l.modified_on", nil
	case "LeadLastModifiedOn":
		return "l.last_modified_on", nil
	case "CreatedBy":
		return "l.created_by" + s.d.collateC, nil
	case "ModifiedBy":
		return "l.modified_by" + s.d.collateC, nil
	}
	if sch.Field(name) == nil || !plainName(name) {
		return "", crm.Invalidf("Sorting.ColumnName ('%s' is not a lead field)", sanitizeName(name))
	}
	// name is a schema name made only of letters, digits and _, so it is
	// safe inside the JSON path literal. lower() folds ASCII letters only
	// under SQLite and under PostgreSQL's "C" collation alike, so both
	// databases order the same way.
	return "lower(COALESCE(" + s.d.jsonText("l.fields", name) + ", '')" + s.d.collateC + ")", nil
}

// plainName reports whether name is made only of ASCII letters, digits and
// underscores.
func plainName(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return name != ""
}

// ListLeads returns one page of the leads in the org's list, sorted by
// o (then lead id, so pages never overlap), and how many leads the list
// has. Errors: crm.ErrListNotFound, KindInvalid for a sort field that is
// not in sch.
func (s *Store) ListLeads(ctx context.Context, org *crm.Org, listID string, o LeadOrder, offset, limit int) (int64, []crm.Lead, error) {
	sch, err := s.Schema(ctx, org)
	if err != nil {
		return 0, nil, err
	}
	expr, err := s.leadSortExpr(sch, o.Field)
	if err != nil {
		return 0, nil, err
	}
	list, err := s.List(ctx, org.ID, listID)
	if err != nil {
		return 0, nil, err
	}
	if list.MemberCount == 0 || offset >= int(list.MemberCount) {
		return list.MemberCount, nil, nil
	}
	dir := " ASC"
	if o.Desc {
		dir = " DESC"
	}
	cols := "l." + strings.ReplaceAll(leadColumns, ", ", ", l.")
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT `+cols+` FROM list_members m JOIN leads l ON l.id = m.lead_id
		WHERE m.list_id = ? AND l.org_id = ? ORDER BY `+expr+dir+`, l.id`+s.d.collateC+dir+` LIMIT ? OFFSET ?`),
		list.ID, org.ID, limit, offset)
	if err != nil {
		return 0, nil, internal("store.ListLeads", err)
	}
	defer rows.Close()
	var out []crm.Lead
	for rows.Next() {
		var l crm.Lead
		if err := scanLead(rows, &l); err != nil {
			return 0, nil, internal("store.ListLeads", err)
		}
		out = append(out, l)
	}
	return list.MemberCount, out, internal("store.ListLeads", rows.Err())
}
