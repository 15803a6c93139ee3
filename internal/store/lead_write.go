package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
)

// createLeadTx inserts a new lead with vals (from crm.PrepareCreate) in
// tx, with a new UUID v7; autoID 0 means allocate one.
func (s *Store) createLeadTx(ctx context.Context, tx *sql.Tx, p *crm.Principal, vals map[string]string, autoID int64, now time.Time) (*crm.Lead, error) {
	if err := s.checkOwner(ctx, tx, p.Org.ID, vals["OwnerId"], p.User.ID); err != nil {
		return nil, err
	}
	if autoID == 0 {
		ids, err := s.nextAutoIDs(ctx, tx, p.Org.ID, 1)
		if err != nil {
			return nil, err
		}
		autoID = ids[0]
	}
	l := newLead(p, vals, autoID, now)
	return l, s.insertLead(ctx, tx, p.Org.ID, l)
}

// newLead is a new lead with vals, made by p's user at now.
func newLead(p *crm.Principal, vals map[string]string, autoID int64, now time.Time) *crm.Lead {
	return &crm.Lead{ID: crm.NewID(), AutoID: autoID, Values: vals, CreatedBy: p.User.ID, ModifiedBy: p.User.ID,
		CreatedOn: now, ModifiedOn: now, LastModifiedOn: now}
}

// updateLeadTx applies attrs to l, which the caller read with lockLead in
// tx, posts the owner/stage trail and saves it. It reports whether
// anything changed; a write that changes nothing moves no dates.
func (s *Store) updateLeadTx(ctx context.Context, tx *sql.Tx, p *crm.Principal, sch *crm.Schema, l *crm.Lead, attrs []crm.Attribute, now time.Time) (bool, error) {
	vals, changed, err := crm.PrepareUpdate(sch, l.Values, attrs)
	if err != nil || !changed {
		return false, err
	}
	if vals["OwnerId"] != l.Values["OwnerId"] {
		if err := s.checkOwner(ctx, tx, p.Org.ID, vals["OwnerId"], p.User.ID); err != nil {
			return false, err
		}
	}
	if err := s.postTrail(ctx, tx, &p.Org, &p.User, l, l.Values, vals, now); err != nil {
		return false, err
	}
	l.Values, l.ModifiedBy, l.ModifiedOn, l.LastModifiedOn = vals, p.User.ID, now, now
	return true, s.saveLead(ctx, tx, p.Org.ID, l)
}

// txNow is the org's time for a transaction, at millisecond precision.
func (s *Store) txNow(org *crm.Org) time.Time { return fromMS(ms(s.now(org.ClockOffset))) }

// savepoint runs fn inside a savepoint of tx: when fn fails, everything it
// wrote is undone and the transaction goes on. Used by bulk calls, whose
// rows succeed or fail one by one inside one transaction.
func (s *Store) savepoint(ctx context.Context, tx *sql.Tx, fn func() error) error {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT lead_row"); err != nil {
		return internal("store.savepoint", err)
	}
	if err := fn(); err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT lead_row"); rerr != nil {
			return internal("store.savepoint", rerr)
		}
		if _, rerr := tx.ExecContext(ctx, "RELEASE SAVEPOINT lead_row"); rerr != nil {
			return internal("store.savepoint", rerr)
		}
		return err
	}
	_, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT lead_row")
	return internal("store.savepoint", err)
}

// retryDuplicate runs a find-or-create transaction, and once more when it
// fails with a duplicate: on PostgreSQL two concurrent upserts of one new
// email both find nothing and both insert; the loser's retry then finds
// the winner's lead and updates it.
func retryDuplicate(fn func() error) error {
	err := fn()
	if crm.KindOf(err) == crm.KindDuplicate {
		err = fn()
	}
	return err
}

// attrValue returns the trimmed value of the attribute name in attrs.
func attrValue(attrs []crm.Attribute, name string) string {
	v := ""
	for _, a := range attrs {
		if a.Name == name && a.Value != nil {
			v = strings.TrimSpace(*a.Value)
		}
	}
	return v
}

// searchKey maps LeadSquared's SearchBy spellings to the schema name
// findLeadBy takes ("ProspectId" finds by ProspectID).
func searchKey(searchBy string) string {
	if strings.EqualFold(searchBy, "ProspectId") {
		return "ProspectID"
	}
	return searchBy
}

// upsertTx finds the org's lead whose searchBy field has the value attrs
// give it and updates it, or creates one. A searchBy with no value among
// attrs always creates.
func (s *Store) upsertTx(ctx context.Context, tx *sql.Tx, p *crm.Principal, sch *crm.Schema, searchBy string, attrs []crm.Attribute, now time.Time) (*crm.Lead, bool, error) {
	searchBy = searchKey(searchBy)
	if key := attrValue(attrs, searchBy); key != "" || searchBy == "ProspectID" {
		id, err := s.findLeadBy(ctx, tx, sch, p.Org.ID, searchBy, key)
		switch {
		case err == nil:
			l, err := s.lockLead(ctx, tx, p.Org.ID, id)
			if err != nil {
				return nil, false, err
			}
			_, err = s.updateLeadTx(ctx, tx, p, sch, l, attrs, now)
			return l, false, err
		case crm.KindOf(err) != crm.KindNotFound:
			return nil, false, err
		}
	}
	vals, err := crm.PrepareCreate(sch, attrs, p.User.ID)
	if err != nil {
		return nil, false, err
	}
	l, err := s.createLeadTx(ctx, tx, p, vals, 0, now)
	return l, true, err
}

// CreateOrUpdateLead updates the org's lead matched on searchBy (default
// EmailAddress; Phone, Mobile, ProspectId or a unique custom field) with
// attrs, or creates it, and reports whether it created. Concurrent calls
// for one new value make exactly one lead. Errors: KindInvalid for a
// searchBy that is not a unique field ("Invalid SearchBy value provided"),
// and those of CreateLead and UpdateLead.
func (s *Store) CreateOrUpdateLead(ctx context.Context, p *crm.Principal, searchBy string, attrs []crm.Attribute) (*crm.Lead, bool, error) {
	sch, err := s.Schema(ctx, &p.Org)
	if err != nil {
		return nil, false, err
	}
	if searchBy == "" {
		searchBy = "EmailAddress"
	}
	// Checked before anything else: a SearchBy field the row gives no
	// value for would otherwise fall through to a create.
	if err := checkSearchBy(sch, searchKey(searchBy)); err != nil {
		return nil, false, err
	}
	var l *crm.Lead
	var created bool
	err = retryDuplicate(func() error {
		return s.write(ctx, func(tx *sql.Tx) error {
			var err error
			l, created, err = s.upsertTx(ctx, tx, p, sch, searchBy, attrs, s.txNow(&p.Org))
			return err
		})
	})
	if err != nil {
		return nil, false, err
	}
	return l, created, nil
}

// Lead.Capture's LeadUpdateBehavior values.
const (
	CaptureUpdate              = ""
	CaptureDoNotUpdate         = "DoNotUpdate"
	CaptureOnlyEmptyFields     = "UpdateOnlyEmptyFields"
	CaptureDoNotUpdateUniqueFs = "DoNotUpdateUniqueFields"
)

// sourceFields keep the value of the first capture: a repeat capture does
// not overwrite a lead's source.
var sourceFields = map[string]bool{"Source": true, "SourceMedium": true, "SourceCampaign": true,
	"SourceContent": true, "SourceReferrer": true, "SourceReferrerURL": true, "Origin": true}

// CaptureResult is what Lead.Capture did.
type CaptureResult struct {
	Lead       *crm.Lead
	ActivityID string // the Lead Capture activity (RelatedId)
	Created    bool
}

// CaptureLead is Lead.Capture: it matches a lead by LeadSquared's rules
// (SearchBy first unless ProspectID, EmailAddress and Phone are all given;
// else ProspectID, then EmailAddress, then Phone; a ProspectID whose lead
// has another email creates a new lead; an unknown ProspectID is ignored,
// since LocalSquared has no tracked visitors whose id a lead could take),
// updates
// it as behavior allows or creates it, and posts a Lead Capture activity
// (23) on it, all in one transaction. Errors: those of CreateOrUpdateLead.
func (s *Store) CaptureLead(ctx context.Context, p *crm.Principal, searchBy string, attrs []crm.Attribute, behavior string) (*CaptureResult, error) {
	sch, err := s.Schema(ctx, &p.Org)
	if err != nil {
		return nil, err
	}
	if searchBy != "" {
		if err := checkSearchBy(sch, searchKey(searchBy)); err != nil {
			return nil, err
		}
	}
	var res *CaptureResult
	err = retryDuplicate(func() error {
		return s.write(ctx, func(tx *sql.Tx) error {
			var err error
			res, err = s.captureTx(ctx, tx, p, sch, searchBy, attrs, behavior)
			return err
		})
	})
	return res, err
}

func (s *Store) captureTx(ctx context.Context, tx *sql.Tx, p *crm.Principal, sch *crm.Schema, searchBy string, attrs []crm.Attribute, behavior string) (*CaptureResult, error) {
	now := s.txNow(&p.Org)
	pid, email, phone := attrValue(attrs, "ProspectID"), attrValue(attrs, "EmailAddress"), attrValue(attrs, "Phone")
	if pid == "" {
		pid = attrValue(attrs, "ProspectId")
	}
	find := func(field, v string) (*crm.Lead, error) {
		if v == "" {
			return nil, nil
		}
		id, err := s.findLeadBy(ctx, tx, sch, p.Org.ID, field, v)
		if crm.KindOf(err) == crm.KindNotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return s.lockLead(ctx, tx, p.Org.ID, id)
	}
	var match *crm.Lead
	var err error
	switch {
	case searchBy != "" && !(pid != "" && email != "" && phone != ""):
		match, err = find(searchKey(searchBy), attrValue(attrs, searchKey(searchBy)))
	default:
		if pid != "" {
			if match, err = find("ProspectID", pid); err != nil {
				return nil, err
			}
			if match != nil && email != "" && match.Values["EmailAddress"] != "" && crm.EmailKey(match.Values["EmailAddress"]) != crm.EmailKey(email) {
				match = nil // the id's lead has another email: a new lead
				break
			}
		}
		if match == nil && err == nil {
			match, err = find("EmailAddress", email)
		}
		if match == nil && err == nil {
			match, err = find("Phone", phone)
		}
	}
	if err != nil {
		return nil, err
	}
	res := &CaptureResult{}
	if match == nil {
		vals, err := crm.PrepareCreate(sch, attrs, p.User.ID)
		if err != nil {
			return nil, err
		}
		if res.Lead, err = s.createLeadTx(ctx, tx, p, vals, 0, now); err != nil {
			return nil, err
		}
		res.Created = true
	} else {
		res.Lead = match
		if _, err := s.updateLeadTx(ctx, tx, p, sch, match, captureAttrs(sch, match, attrs, behavior), now); err != nil {
			return nil, err
		}
	}
	t, err := s.activityType(ctx, tx, p.Org.ID, crm.CodeLeadCapture)
	if err != nil {
		return nil, err
	}
	a := &crm.Activity{Owner: res.Lead.Values["OwnerId"], CreatedBy: p.User.ID, ModifiedBy: p.User.ID}
	if err := s.postOnLead(ctx, tx, p.Org.ID, res.Lead, t, a, now); err != nil {
		return nil, err
	}
	res.ActivityID = a.ID
	return res, s.touchLead(ctx, tx, p.Org.ID, res.Lead)
}

// captureAttrs is the part of attrs a capture may write to the matched
// lead l under behavior; source fields already set are always kept.
func captureAttrs(sch *crm.Schema, l *crm.Lead, attrs []crm.Attribute, behavior string) []crm.Attribute {
	if behavior == CaptureDoNotUpdate {
		return nil
	}
	out := make([]crm.Attribute, 0, len(attrs))
	for _, a := range attrs {
		cur := l.Values[a.Name]
		switch {
		case sourceFields[a.Name] && cur != "":
		case behavior == CaptureOnlyEmptyFields && cur != "":
		case behavior == CaptureDoNotUpdateUniqueFs && isUniqueField(sch, a.Name):
		default:
			out = append(out, a)
		}
	}
	return out
}

func isUniqueField(sch *crm.Schema, name string) bool {
	for _, u := range crm.UniqueByDefault {
		if u == name {
			return true
		}
	}
	f := sch.Field(name)
	return f != nil && f.Unique
}

// DeleteLead is Lead/Delete/ById: it removes the org's lead with its
// activities, tasks, notes and list memberships, and clears the Lead
// fields of other activities that name it, in one transaction. Errors:
// KindForbidden when the org has not enabled lead deletes,
// crm.ErrLeadNotFound.
func (s *Store) DeleteLead(ctx context.Context, p *crm.Principal, id string) error {
	if !p.Org.LeadDeleteEnabled {
		return crm.ErrDeleteDisabled
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		l, err := s.lockLead(ctx, tx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if err := s.deleteLeadTx(ctx, tx, p.Org.ID, l.ID); err != nil {
			return err
		}
		return s.repointLeadRefs(ctx, tx, p, l.ID, "", s.txNow(&p.Org))
	})
}

// leadChildren are the statements that remove what belongs to a lead
// before the lead row goes (notes and list memberships cascade).
var leadChildren = []string{
	`DELETE FROM activity_changes WHERE org_id = ? AND lead_id = ?`,
	`DELETE FROM activities WHERE org_id = ? AND lead_id = ?`,
	`DELETE FROM tasks WHERE org_id = ? AND related_id = ?`,
}

func (s *Store) deleteLeadTx(ctx context.Context, tx *sql.Tx, org crm.OrgID, id string) error {
	for _, q := range leadChildren {
		if _, err := tx.ExecContext(ctx, s.d.q(q), org, id); err != nil {
			return internal("store.deleteLead", err)
		}
	}
	res, err := tx.ExecContext(ctx, s.d.q(`DELETE FROM leads WHERE org_id = ? AND id = ?`), org, id)
	if err != nil {
		return internal("store.deleteLead", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return internal("store.deleteLead", err)
	}
	return s.addLeadCount(ctx, tx, org, -1)
}

// leadMoves re-point what belongs to a merged child lead at its master.
var leadMoves = []string{
	`UPDATE activity_changes SET lead_id = ? WHERE org_id = ? AND lead_id = ?`,
	`UPDATE activities SET lead_id = ? WHERE org_id = ? AND lead_id = ?`,
	`UPDATE tasks SET related_id = ? WHERE org_id = ? AND related_id = ?`,
}

// MergeLeads is Lead.Merge: the child lead is absorbed into the master,
// which keeps its own values and gains the child's activities (and their
// score), tasks, notes and list memberships; activity Lead fields that
// named the child name the master. A Lead Merge activity (3003)
// is posted on the master; its id is the audit id that
// MergedChildLeads takes. Errors: crm.ErrLeadNotFound for either id,
// KindInvalid when they are the same lead.
func (s *Store) MergeLeads(ctx context.Context, p *crm.Principal, masterID, childID string) (string, error) {
	var auditID string
	err := s.write(ctx, func(tx *sql.Tx) error {
		master, err := s.lockLead(ctx, tx, p.Org.ID, masterID)
		if err != nil {
			return err
		}
		child, err := s.lockLead(ctx, tx, p.Org.ID, childID)
		if err != nil {
			return err
		}
		if master.ID == child.ID {
			return crm.Invalidf("childId (the same lead as masterId)")
		}
		now := s.txNow(&p.Org)
		for _, q := range leadMoves {
			if _, err := tx.ExecContext(ctx, s.d.q(q), master.ID, p.Org.ID, child.ID); err != nil {
				return internal("store.MergeLeads", err)
			}
		}
		if err := s.moveLeadExtras(ctx, tx, p.Org.ID, master.ID, child.ID); err != nil {
			return err
		}
		master.Values["Score"] = crm.AddScores(master.Values["Score"], child.Values["Score"])
		snapshot, err := json.Marshal(child)
		if err != nil {
			return internal("store.MergeLeads", err)
		}
		if err := s.deleteLeadTx(ctx, tx, p.Org.ID, child.ID); err != nil {
			return err
		}
		if err := s.repointLeadRefs(ctx, tx, p, child.ID, master.ID, now); err != nil {
			return err
		}
		t, err := s.activityType(ctx, tx, p.Org.ID, crm.CodeLeadMerge)
		if err != nil {
			return err
		}
		a := &crm.Activity{Owner: master.Values["OwnerId"], CreatedBy: p.User.ID, ModifiedBy: p.User.ID,
			Data: []crm.KV{{Key: "MergedLeadId", Value: child.ID}, {Key: "MergedLeadName", Value: leadName(child)}}}
		if err := s.insertActivity(ctx, tx, p.Org.ID, master, t, a, now); err != nil {
			return err
		}
		if err := s.rollups(ctx, tx, p.Org.ID, master, typeCache{}); err != nil {
			return err
		}
		if err := s.engagement(ctx, tx, p.Org.ID, master, now); err != nil {
			return err
		}
		auditID = a.ID
		if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO lead_merges (audit_id, org_id, master_id, child_id, child, merged_on)
			VALUES (?, ?, ?, ?, ?, ?)`), a.ID, p.Org.ID, master.ID, child.ID, string(snapshot), ms(now)); err != nil {
			return internal("store.MergeLeads", err)
		}
		return s.touchLead(ctx, tx, p.Org.ID, master)
	})
	return auditID, err
}

func leadName(l *crm.Lead) string {
	return strings.TrimSpace(l.Values["FirstName"] + " " + l.Values["LastName"])
}

// MergedChildLeads returns the leads absorbed by the merge with this
// audit id, as they were: unique fields other than EmailAddress and Phone
// read as null. An unknown audit id gives none.
func (s *Store) MergedChildLeads(ctx context.Context, org crm.OrgID, sch *crm.Schema, auditID string) ([]*crm.Lead, error) {
	id, ok := normID(auditID)
	if !ok {
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT child FROM lead_merges WHERE org_id = ? AND audit_id = ?`), org, id)
	if err != nil {
		return nil, internal("store.MergedChildLeads", err)
	}
	defer rows.Close()
	var out []*crm.Lead
	for rows.Next() {
		var snap string
		if err := rows.Scan(&snap); err != nil {
			return nil, internal("store.MergedChildLeads", err)
		}
		l := &crm.Lead{}
		if err := json.Unmarshal([]byte(snap), l); err != nil {
			return nil, internal("store.MergedChildLeads", err)
		}
		for name := range l.Values {
			if name != "EmailAddress" && name != "Phone" && isUniqueField(sch, name) {
				delete(l.Values, name)
			}
		}
		out = append(out, l)
	}
	return out, internal("store.MergedChildLeads", rows.Err())
}

// LeadRowResult is the outcome of one row of a bulk lead call.
type LeadRowResult struct {
	ID       string
	Created  bool
	Updated  bool
	NotFound bool // UpdateV2: no lead matched the row
	Err      error
}

// BulkLeadRow is one row of a bulk lead call: its attributes (already
// type-checked) or the error that parsing them gave.
type BulkLeadRow struct {
	SearchBy string
	Attrs    []crm.Attribute
	Err      error

	// Set by BulkCreateLeads before its transaction, so that the single
	// writer does not spend its time on them: the row's values and
	// their JSON.
	vals   map[string]string
	fields string
}

// errRowFailed stops bulk's fast attempt at the first failing row.
var errRowFailed = errors.New("a bulk row failed")

// bulkRun is one bulk call: begin, when set, runs first in the transaction
// (bulk create allocates the batch's ProspectAutoIds there); fn writes one
// row; end, when set, runs last, with every row's result (bulk create
// counts the leads it made there, once).
type bulkRun struct {
	begin func(tx *sql.Tx, valid int) error
	fn    func(tx *sql.Tx, r *BulkLeadRow, out *LeadRowResult, now time.Time) error
	end   func(tx *sql.Tx, out []LeadRowResult) error
}

// bulk runs b.fn for every row without an error inside one transaction: a
// row that fails is reported and writes nothing, the others commit
// together. The first attempt writes rows directly; only when a row fails
// is the transaction redone with a savepoint around each row, so a clean
// batch costs no savepoint statements. Only an internal error fails the
// whole call.
func (s *Store) bulk(ctx context.Context, p *crm.Principal, rows []BulkLeadRow, b bulkRun) ([]LeadRowResult, error) {
	valid := 0
	for _, r := range rows {
		if r.Err == nil {
			valid++
		}
	}
	out := make([]LeadRowResult, len(rows))
	attempt := func(safe bool) error {
		return s.write(ctx, func(tx *sql.Tx) error {
			now := s.txNow(&p.Org)
			if b.begin != nil && valid > 0 {
				if err := b.begin(tx, valid); err != nil {
					return err
				}
			}
			for i := range rows {
				out[i] = LeadRowResult{Err: rows[i].Err}
				if rows[i].Err != nil {
					continue
				}
				row := func() error { return b.fn(tx, &rows[i], &out[i], now) }
				var err error
				if safe {
					err = s.savepoint(ctx, tx, row)
				} else {
					err = row()
				}
				if err == nil {
					continue
				}
				if crm.KindOf(err) == crm.KindInternal {
					return err
				}
				if !safe {
					return errRowFailed
				}
				out[i] = LeadRowResult{Err: err, NotFound: out[i].NotFound}
			}
			if b.end != nil {
				return b.end(tx, out)
			}
			return nil
		})
	}
	err := attempt(false)
	if errors.Is(err, errRowFailed) {
		err = attempt(true)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// BulkCreateLeads is Lead/Bulk/Create: each row becomes a lead or reports
// its error. Errors: internal only.
func (s *Store) BulkCreateLeads(ctx context.Context, p *crm.Principal, rows []BulkLeadRow) ([]LeadRowResult, error) {
	sch, err := s.Schema(ctx, &p.Org)
	if err != nil {
		return nil, err
	}
	// Each row's values depend on the schema alone: they are prepared
	// and marshalled here, beside other calls, rather than in the
	// transaction, where every other write waits for them.
	rows = slices.Clone(rows)
	for i := range rows {
		r := &rows[i]
		if r.Err != nil {
			continue
		}
		if r.vals, r.Err = crm.PrepareCreate(sch, r.Attrs, p.User.ID); r.Err != nil {
			continue
		}
		r.fields = encodeFields(r.vals)
	}
	var ids []int64 // the batch's ProspectAutoIds, allocated in one statement
	return s.bulk(ctx, p, rows, bulkRun{begin: func(tx *sql.Tx, valid int) (err error) {
		ids, err = s.nextAutoIDs(ctx, tx, p.Org.ID, valid)
		return err
	}, fn: func(tx *sql.Tx, r *BulkLeadRow, out *LeadRowResult, now time.Time) error {
		if err := s.checkOwner(ctx, tx, p.Org.ID, r.vals["OwnerId"], p.User.ID); err != nil {
			return err
		}
		id := ids[0]
		ids = ids[1:]
		l := newLead(p, r.vals, id, now)
		if err := s.insertLeadRow(ctx, tx, p.Org.ID, l, r.fields, false); err != nil {
			return err
		}
		out.ID, out.Created = l.ID, true
		return nil
	}, end: func(tx *sql.Tx, out []LeadRowResult) error {
		var n int64
		for _, o := range out {
			if o.Created {
				n++
			}
		}
		if n == 0 {
			return nil
		}
		return s.addLeadCount(ctx, tx, p.Org.ID, n)
	}})
}

// BulkUpsertLeads is Lead/Bulk/CreateOrUpdate: each row is matched on its
// SearchBy (default EmailAddress) and updated, or created. A row whose
// SearchBy is not a unique field fails with KindInvalid ("Invalid
// SearchBy value provided") and writes nothing, whether or not it gives
// that field a value.
func (s *Store) BulkUpsertLeads(ctx context.Context, p *crm.Principal, rows []BulkLeadRow) ([]LeadRowResult, error) {
	sch, err := s.Schema(ctx, &p.Org)
	if err != nil {
		return nil, err
	}
	rows = slices.Clone(rows)
	for i := range rows {
		if rows[i].SearchBy == "" {
			rows[i].SearchBy = "EmailAddress"
		}
		if rows[i].Err == nil {
			rows[i].Err = checkSearchBy(sch, searchKey(rows[i].SearchBy))
		}
	}
	return s.bulk(ctx, p, rows, bulkRun{fn: func(tx *sql.Tx, r *BulkLeadRow, out *LeadRowResult, now time.Time) error {
		by := r.SearchBy
		attempt := func() error {
			l, created, err := s.upsertTx(ctx, tx, p, sch, by, r.Attrs, now)
			if err != nil {
				return err
			}
			out.ID, out.Created, out.Updated = l.ID, created, !created
			return nil
		}
		// As retryDuplicate, inside the row's savepoint: a concurrent call
		// that created the lead first is found on the second attempt.
		err := s.savepoint(ctx, tx, attempt)
		if crm.KindOf(err) == crm.KindDuplicate {
			err = attempt()
		}
		return err
	}})
}

// BulkUpdateLeads is Lead/Bulk/UpdateV2 (and, with one attribute for
// every row, Lead/Bulk/Update): each row's lead is found by its value of
// searchBy (ProspectID by default) and updated with the row's other
// attributes. A row whose lead does not exist is reported NotFound.
// Errors: KindInvalid for a searchBy that is not a unique field ("Invalid
// SearchBy value provided"; nothing is written), or internal.
func (s *Store) BulkUpdateLeads(ctx context.Context, p *crm.Principal, searchBy string, rows []BulkLeadRow) ([]LeadRowResult, error) {
	searchBy = searchKey(searchBy)
	if searchBy == "" {
		searchBy = "ProspectID"
	}
	sch, err := s.Schema(ctx, &p.Org)
	if err != nil {
		return nil, err
	}
	if err := checkSearchBy(sch, searchBy); err != nil {
		return nil, err
	}
	return s.bulk(ctx, p, rows, bulkRun{fn: func(tx *sql.Tx, r *BulkLeadRow, out *LeadRowResult, now time.Time) error {
		key := attrValue(r.Attrs, searchBy)
		if searchBy == "ProspectID" && key == "" {
			key = attrValue(r.Attrs, "ProspectId")
		}
		id, err := s.findLeadBy(ctx, tx, sch, p.Org.ID, searchBy, key)
		if crm.KindOf(err) == crm.KindNotFound {
			out.NotFound = true
			return crm.ErrLeadNotFoundOrDenied
		}
		if err != nil {
			return err
		}
		l, err := s.lockLead(ctx, tx, p.Org.ID, id)
		if err != nil {
			return err
		}
		attrs := make([]crm.Attribute, 0, len(r.Attrs))
		for _, a := range r.Attrs {
			if a.Name != searchBy && a.Name != "ProspectId" {
				attrs = append(attrs, a)
			}
		}
		if len(attrs) == 0 {
			return crm.Errorf(crm.KindMandatory, "Fields cannot be empty")
		}
		if _, err := s.updateLeadTx(ctx, tx, p, sch, l, attrs, now); err != nil {
			return err
		}
		out.ID, out.Updated = l.ID, true
		return nil
	}})
}

// moveLeadExtras re-points a merged child's notes and list memberships at
// the master (a membership the master already has is dropped).
func (s *Store) moveLeadExtras(ctx context.Context, tx *sql.Tx, org crm.OrgID, master, child string) error {
	if _, err := tx.ExecContext(ctx, s.d.q(`UPDATE lead_notes SET lead_id = ? WHERE org_id = ? AND lead_id = ?`), master, org, child); err != nil {
		return internal("store.moveLeadExtras", err)
	}
	if _, err := tx.ExecContext(ctx, s.d.q(`DELETE FROM list_members WHERE org_id = ? AND lead_id = ?
		AND list_id IN (SELECT list_id FROM list_members WHERE org_id = ? AND lead_id = ?)`), org, child, org, master); err != nil {
		return internal("store.moveLeadExtras", err)
	}
	_, err := tx.ExecContext(ctx, s.d.q(`UPDATE list_members SET lead_id = ? WHERE org_id = ? AND lead_id = ?`), master, org, child)
	return internal("store.moveLeadExtras", err)
}
