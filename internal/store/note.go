package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
)

const noteColumns = `id, lead_id, note, attachment_name, created_by, modified_by, created_on, modified_on`

func scanNote(row interface{ Scan(...any) error }, n *crm.Note) error {
	var created, modified int64
	if err := row.Scan(&n.ID, &n.LeadID, &n.Note, &n.AttachmentName, &n.CreatedBy, &n.ModifiedBy, &created, &modified); err != nil {
		return err
	}
	n.CreatedOn, n.ModifiedOn = fromMS(created), fromMS(modified)
	return nil
}

// touchLastModified moves LeadLastModifiedOn of the org's leads ids (not
// ModifiedOn: their rows did not change, something related to them did).
// Callers on PostgreSQL have locked the rows already, in id order, so
// batches updating many leads cannot deadlock with each other.
func (s *Store) touchLastModified(ctx context.Context, tx *sql.Tx, org crm.OrgID, now time.Time, ids ...string) error {
	for len(ids) > 0 {
		n := min(len(ids), sqlBatch)
		args := make([]any, 0, n+2)
		args = append(args, ms(now), org)
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		if _, err := tx.ExecContext(ctx, s.d.q(`UPDATE leads SET last_modified_on = ? WHERE `+leadIDsWhere(n)), args...); err != nil {
			return internal("store.touchLastModified", err)
		}
		ids = ids[n:]
	}
	return nil
}

// sqlBatch bounds the ids one statement carries, well under both
// databases' limits on bound parameters.
const sqlBatch = 500

// placeholders returns n comma-separated ? placeholders.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return "?" + strings.Repeat(", ?", n-1)
}

// leadIDsIn is the WHERE of a statement on an org's leads whose ids list
// gives (arguments: the org, then list's). The org test is written
// +org_id: SQLite, which plans without statistics and takes an equality to
// match about ten rows, otherwise read every lead of the org through an
// index led by org_id once the list passed ten or so ids (0.5 s at
// 3,000,000 leads) instead of probing the ids (plan_internal_test.go).
func leadIDsIn(list string) string { return `+org_id = ? AND id IN (` + list + `)` }

// leadIDsWhere is leadIDsIn for n ids given as arguments.
func leadIDsWhere(n int) string { return leadIDsIn(placeholders(n)) }

// CreateNote adds a note to the org's lead leadID as the principal's user
// and moves the lead's LeadLastModifiedOn, in one transaction. Errors:
// crm.ErrLeadNotFound, those of crm.CheckNoteText.
func (s *Store) CreateNote(ctx context.Context, p *crm.Principal, leadID, note, attachment string) (*crm.Note, error) {
	if err := crm.CheckNoteText(note, attachment); err != nil {
		return nil, err
	}
	n := &crm.Note{ID: crm.NewID(), Note: note, AttachmentName: attachment, CreatedBy: p.User.ID, ModifiedBy: p.User.ID}
	err := s.write(ctx, func(tx *sql.Tx) error {
		l, err := s.lockLead(ctx, tx, p.Org.ID, leadID)
		if err != nil {
			return err
		}
		now := fromMS(ms(s.now(p.Org.ClockOffset)))
		n.LeadID, n.CreatedOn, n.ModifiedOn = l.ID, now, now
		if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO lead_notes (`+noteColumns+`, org_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			n.ID, n.LeadID, n.Note, n.AttachmentName, n.CreatedBy, n.ModifiedBy, ms(n.CreatedOn), ms(n.ModifiedOn), p.Org.ID); err != nil {
			return internal("store.CreateNote", err)
		}
		return s.touchLastModified(ctx, tx, p.Org.ID, now, l.ID)
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// lockNote reads the lead's note id inside tx, locking the row on
// PostgreSQL. Errors: crm.ErrNoteNotFound.
func (s *Store) lockNote(ctx context.Context, tx *sql.Tx, org crm.OrgID, leadID, id string) (*crm.Note, error) {
	nid, ok := normID(id)
	if !ok {
		return nil, crm.ErrNoteNotFound
	}
	var n crm.Note
	err := scanNote(tx.QueryRowContext(ctx, s.d.q(`SELECT `+noteColumns+` FROM lead_notes WHERE id = ? AND org_id = ? AND lead_id = ?`+s.d.forUpdate),
		nid, org, leadID), &n)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crm.ErrNoteNotFound
	}
	if err != nil {
		return nil, internal("store.lockNote", err)
	}
	return &n, nil
}

// UpdateNote replaces the text and/or attachment name (nil keeps the
// current one) of the lead's note and moves the lead's LeadLastModifiedOn.
// Errors: crm.ErrLeadNotFound, crm.ErrNoteNotFound (also for a note of
// another lead), those of crm.CheckNoteText for the note as it would be.
func (s *Store) UpdateNote(ctx context.Context, p *crm.Principal, leadID, noteID string, note, attachment *string) (*crm.Note, error) {
	var n *crm.Note
	err := s.write(ctx, func(tx *sql.Tx) error {
		l, err := s.lockLead(ctx, tx, p.Org.ID, leadID)
		if err != nil {
			return err
		}
		if n, err = s.lockNote(ctx, tx, p.Org.ID, l.ID, noteID); err != nil {
			return err
		}
		if note != nil {
			n.Note = *note
		}
		if attachment != nil {
			n.AttachmentName = *attachment
		}
		if err := crm.CheckNoteText(n.Note, n.AttachmentName); err != nil {
			return err
		}
		now := fromMS(ms(s.now(p.Org.ClockOffset)))
		n.ModifiedBy, n.ModifiedOn = p.User.ID, now
		if _, err := tx.ExecContext(ctx, s.d.q(`UPDATE lead_notes SET note = ?, attachment_name = ?, modified_by = ?, modified_on = ?
			WHERE id = ? AND org_id = ?`), n.Note, n.AttachmentName, n.ModifiedBy, ms(n.ModifiedOn), n.ID, p.Org.ID); err != nil {
			return internal("store.UpdateNote", err)
		}
		return s.touchLastModified(ctx, tx, p.Org.ID, now, l.ID)
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// DeleteNote deletes the lead's note and moves the lead's
// LeadLastModifiedOn. Errors: crm.ErrLeadNotFound, crm.ErrNoteNotFound.
func (s *Store) DeleteNote(ctx context.Context, p *crm.Principal, leadID, noteID string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		l, err := s.lockLead(ctx, tx, p.Org.ID, leadID)
		if err != nil {
			return err
		}
		n, err := s.lockNote(ctx, tx, p.Org.ID, l.ID, noteID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.d.q(`DELETE FROM lead_notes WHERE id = ? AND org_id = ?`), n.ID, p.Org.ID); err != nil {
			return internal("store.DeleteNote", err)
		}
		return s.touchLastModified(ctx, tx, p.Org.ID, fromMS(ms(s.now(p.Org.ClockOffset))), l.ID)
	})
}

// NoteFilter selects one lead's notes for Notes.
type NoteFilter struct {
	LeadID     string
	NoteID     string // "" for all of the lead's notes
	ByModified bool   // sort by ModifiedOn instead of CreatedOn
	Desc       bool
	Offset     int
	Limit      int
}

// Notes returns one page of a lead's notes, sorted by creation (or
// modification) time and then id, and how many match. A lead or note id
// that is malformed or not the org's matches nothing.
func (s *Store) Notes(ctx context.Context, org crm.OrgID, f NoteFilter) (int64, []crm.Note, error) {
	lead, ok := normID(f.LeadID)
	if !ok {
		return 0, nil, nil
	}
	where, args := `org_id = ? AND lead_id = ?`, []any{org, lead}
	if f.NoteID != "" {
		nid, ok := normID(f.NoteID)
		if !ok {
			return 0, nil, nil
		}
		where, args = where+` AND id = ?`, append(args, nid)
	}
	var total int64
	if err := s.r.QueryRowContext(ctx, s.d.q(`SELECT COUNT(*) FROM lead_notes WHERE `+where), args...).Scan(&total); err != nil {
		return 0, nil, internal("store.Notes", err)
	}
	if total == 0 || f.Offset >= int(total) {
		return total, nil, nil
	}
	col, dir := "created_on", " ASC"
	if f.ByModified {
		col = "modified_on"
	}
	if f.Desc {
		dir = " DESC"
	}
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT `+noteColumns+` FROM lead_notes WHERE `+where+
		` ORDER BY `+col+dir+`, id`+dir+` LIMIT ? OFFSET ?`), append(args, f.Limit, f.Offset)...)
	if err != nil {
		return 0, nil, internal("store.Notes", err)
	}
	defer rows.Close()
	var out []crm.Note
	for rows.Next() {
		var n crm.Note
		if err := scanNote(rows, &n); err != nil {
			return 0, nil, internal("store.Notes", err)
		}
		out = append(out, n)
	}
	return total, out, internal("store.Notes", rows.Err())
}
