package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
)

const activityColumns = `auto_id, id, lead_id, code, note, status, owner_id, score, engagement, fields, data, locked,
	created_by, modified_by, activity_on, created_on, modified_on`

func scanActivity(row interface{ Scan(...any) error }, a *crm.Activity) error {
	var fields string
	var data sql.NullString
	var locked, on, created, modified int64
	if err := row.Scan(&a.AutoID, &a.ID, &a.LeadID, &a.Code, &a.Note, &a.Status, &a.Owner, &a.Score, &a.Engagement,
		&fields, &data, &locked, &a.CreatedBy, &a.ModifiedBy, &on, &created, &modified); err != nil {
		return err
	}
	a.Locked = locked == 1
	a.On, a.CreatedOn, a.ModifiedOn = fromMS(on), fromMS(created), fromMS(modified)
	// fields is json.Marshal of the map: decodeFields reads it without
	// reflection (a fifth of a Retrieve page's scan went to encoding/json).
	if fields != "null" {
		a.Fields = make(map[string]string, 4)
		if err := decodeFields(fields, a.Fields); err != nil {
			return err
		}
	}
	if data.Valid {
		return json.Unmarshal([]byte(data.String), &a.Data)
	}
	return nil
}

// lockLead reads the org's lead inside tx, locking its row on PostgreSQL
// (SQLite's single writer already serialises), so that read-modify-write
// of its score and roll-ups never loses a concurrent update. The lock is
// FOR NO KEY UPDATE, so activities elsewhere that name the lead in a Lead
// field (checkLeadRefs, FOR KEY SHARE) do not wait for it; a delete or a
// merge, which removes the row, waits for them.
func (s *Store) lockLead(ctx context.Context, tx *sql.Tx, org crm.OrgID, id string) (*crm.Lead, error) {
	id, ok := normID(id)
	if !ok {
		return nil, crm.ErrLeadNotFound
	}
	var l crm.Lead
	err := scanLead(s.txQueryRow(ctx, tx, `SELECT `+leadColumns+` FROM leads WHERE org_id = ? AND id = ?`+s.d.forNoKeyUpdate, org, id), &l)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crm.ErrLeadNotFound
	}
	if err != nil {
		return nil, internal("store.lockLead", err)
	}
	return &l, nil
}

// touchLead writes the lead's values and LeadLastModifiedOn after
// activities changed its score or roll-ups; ModifiedOn stays.
func (s *Store) touchLead(ctx context.Context, tx *sql.Tx, org crm.OrgID, l *crm.Lead) error {
	_, err := s.txExec(ctx, tx, `UPDATE leads SET fields = ?, last_modified_on = ? WHERE org_id = ? AND id = ?`,
		encodeFields(l.Values), ms(l.LastModifiedOn), org, l.ID)
	return internal("store.touchLead", err)
}

const rollupDate = "2006-01-02 15:04:05.000"

// insertActivitySQL inserts an activity and returns its auto_id, which
// PostgreSQL's identity column gives; sqliteInsertActivitySQL takes it as
// a 17th value.
const (
	insertActivityRow = `INSERT INTO activities (id, org_id, lead_id, code, note, status, owner_id, score, engagement,
		fields, data, locked, created_by, modified_by, activity_on, created_on, modified_on`
	insertActivitySQL = insertActivityRow + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?) RETURNING auto_id`
	// On SQLite a NULL 17th value takes the next id from activity_seq,
	// which trigger activities_seq (migration 0014) then advances.
	sqliteInsertActivitySQL = insertActivityRow + `, auto_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?,
		COALESCE(?, (SELECT last + 1 FROM activity_seq WHERE one = 1))) RETURNING auto_id`
)

// reserveActivitySQL takes the next n ProspectActivityAutoIds on SQLite.
const reserveActivitySQL = `UPDATE activity_seq SET last = last + ? WHERE one = 1 RETURNING last`

// reserveAutoIDs takes n ProspectActivityAutoIds on SQLite and returns
// the first; a bulk call takes its rows' ids in one statement.
func (s *Store) reserveAutoIDs(ctx context.Context, tx *sql.Tx, n int) (int64, error) {
	var last int64
	err := s.txQueryRow(ctx, tx, reserveActivitySQL, n).Scan(&last)
	return last - int64(n) + 1, err
}

// insertActivity writes a (of type t) on lead l, whose row the caller has
// locked, and applies it to l in memory (on SQLite a.AutoID, when set, is
// one the caller reserved): Score, EngagementScore, the
// ProspectActivity*_Max/_Min roll-ups and LeadLastModifiedOn. When
// a.Engagement is not 0 the caller recomputes EngagementScore (once per
// lead per transaction, s.engagement) and then writes l (touchLead, or
// saveLead when the lead row changes too).
func (s *Store) insertActivity(ctx context.Context, tx *sql.Tx, org crm.OrgID, l *crm.Lead, t *crm.ActivityType, a *crm.Activity, now time.Time) error {
	a.ID, a.LeadID, a.Code = crm.NewID(), l.ID, t.Code
	a.Score, a.Engagement = t.Score, crm.EngagementOf(t, t.Score)
	a.CreatedOn, a.ModifiedOn = now, now
	if a.On.IsZero() {
		a.On = now
	}
	if a.Fields == nil {
		a.Fields = map[string]string{}
	}
	var data any
	if a.Data != nil {
		b, err := json.Marshal(a.Data)
		if err != nil {
			return internal("store.insertActivity", err)
		}
		data = string(b)
	}
	args := []any{a.ID, org, a.LeadID, a.Code, a.Note, a.Status, a.Owner, a.Score, a.Engagement, encodeFields(a.Fields), data,
		a.CreatedBy, a.ModifiedBy, ms(a.On), ms(now), ms(now)}
	q := insertActivitySQL
	if s.d.name != "postgres" {
		// SQLite keys activities by lead (migration 0012), so auto_id comes
		// from activity_seq rather than the rowid: reserved by the caller
		// for a batch (reserveAutoIDs), else taken by the INSERT itself.
		q, args = sqliteInsertActivitySQL, append(args, nullID(a.AutoID))
	}
	if err := s.txQueryRow(ctx, tx, q, args...).Scan(&a.AutoID); err != nil {
		return internal("store.insertActivity", err)
	}
	if a.Score != 0 {
		l.Values["Score"] = strconv.FormatInt(leadScore(l)+a.Score, 10)
	}
	on := a.On.Format(rollupDate)
	if cur := l.Values["ProspectActivityDate_Max"]; cur == "" || on >= cur {
		l.Values["ProspectActivityId_Max"], l.Values["ProspectActivityName_Max"], l.Values["ProspectActivityDate_Max"] = a.ID, t.DisplayName, on
	}
	if cur := l.Values["ProspectActivityDate_Min"]; cur == "" || on < cur {
		l.Values["ProspectActivityId_Min"], l.Values["ProspectActivityDate_Min"] = a.ID, on
	}
	l.LastModifiedOn = now
	return nil
}

// postOnLead posts a on lead l (locked by the caller) and recomputes the
// lead's EngagementScore when a counts towards it; the caller then writes
// l (touchLead, or saveLead when the lead row changed too).
func (s *Store) postOnLead(ctx context.Context, tx *sql.Tx, org crm.OrgID, l *crm.Lead, t *crm.ActivityType, a *crm.Activity, now time.Time) error {
	if err := s.insertActivity(ctx, tx, org, l, t, a, now); err != nil {
		return err
	}
	if a.Engagement != 0 {
		return s.engagement(ctx, tx, org, l, now)
	}
	return nil
}

func leadScore(l *crm.Lead) int64 {
	f, _ := strconv.ParseFloat(l.Values["Score"], 64)
	return int64(f)
}

// engagementSQL sums a lead's engagement since a time: a range of the
// lead's activities in key order on SQLite (plan_internal_test.go), of
// the covering activities_lead index on PostgreSQL.
const engagementSQL = `SELECT COALESCE(SUM(engagement), 0) FROM activities WHERE org_id = ? AND lead_id = ? AND activity_on >= ?`

// engagement recomputes the lead's EngagementScore: the engagement of its
// activities dated within the window before now.
func (s *Store) engagement(ctx context.Context, tx *sql.Tx, org crm.OrgID, l *crm.Lead, now time.Time) error {
	var sum int64
	err := s.txQueryRow(ctx, tx, engagementSQL, org, l.ID, ms(now.Add(-crm.EngagementWindow))).Scan(&sum)
	if err != nil {
		return internal("store.engagement", err)
	}
	l.Values["EngagementScore"] = strconv.FormatInt(sum, 10)
	return nil
}

// rollupSQL reads a lead's newest (dir DESC) or oldest (ASC) activity.
func rollupSQL(dir string) string {
	return `SELECT id, code, activity_on FROM activities WHERE org_id = ? AND lead_id = ?
		ORDER BY activity_on ` + dir + `, auto_id ` + dir + ` LIMIT 1`
}

// rollups recomputes the lead's first and last activity after deletes.
func (s *Store) rollups(ctx context.Context, tx *sql.Tx, org crm.OrgID, l *crm.Lead, types typeCache) error {
	for _, dir := range []string{"DESC", "ASC"} {
		var id string
		var code int
		var on int64
		err := tx.QueryRowContext(ctx, s.d.q(rollupSQL(dir)), org, l.ID).Scan(&id, &code, &on)
		suffix := "_Max"
		if dir == "ASC" {
			suffix = "_Min"
		}
		if errors.Is(err, sql.ErrNoRows) {
			delete(l.Values, "ProspectActivityId"+suffix)
			delete(l.Values, "ProspectActivityDate"+suffix)
			delete(l.Values, "ProspectActivityName_Max")
			continue
		}
		if err != nil {
			return internal("store.rollups", err)
		}
		l.Values["ProspectActivityId"+suffix] = id
		l.Values["ProspectActivityDate"+suffix] = fromMS(on).Format(rollupDate)
		if suffix == "_Max" {
			if t := s.typeOf(ctx, tx, org, types, code); t != nil {
				l.Values["ProspectActivityName_Max"] = t.DisplayName
			} else {
				delete(l.Values, "ProspectActivityName_Max")
			}
		}
	}
	return nil
}

// prepareActivity checks in against its type (Lead fields must name a
// lead of the org) and resolves the owner:
// the Owner field, else ActivityOwnerEmail, else the caller.
func (s *Store) prepareActivity(ctx context.Context, tx *sql.Tx, p *crm.Principal, t *crm.ActivityType, in *crm.ActivityInput) (*crm.Activity, error) {
	if !t.Active {
		return nil, crm.ErrEventCode
	}
	fields, status, owner, err := crm.NormalizeActivityFields(t, nil, in.Fields)
	if err != nil {
		return nil, err
	}
	if err := s.checkLeadRefs(ctx, tx, p.Org.ID, t, nil, fields); err != nil {
		return nil, err
	}
	a := &crm.Activity{Fields: fields, On: in.On, CreatedBy: p.User.ID, ModifiedBy: p.User.ID, Owner: p.User.ID}
	if in.Note != nil {
		a.Note = *in.Note
	}
	if status != nil {
		a.Status = *status
	}
	switch {
	case owner != nil && *owner != "":
		if a.Owner, err = s.activeUserID(ctx, tx, p.Org.ID, *owner); err != nil {
			return nil, err
		}
	case in.OwnerMail != "":
		if a.Owner, err = s.activeUserByEmail(ctx, tx, p.Org.ID, in.OwnerMail); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (s *Store) activeUserID(ctx context.Context, tx *sql.Tx, org crm.OrgID, id string) (string, error) {
	nid, ok := normID(id)
	var active int64
	err := sql.ErrNoRows
	if ok {
		err = tx.QueryRowContext(ctx, s.d.q(`SELECT active FROM users WHERE org_id = ? AND id = ?`), org, nid).Scan(&active)
	}
	if errors.Is(err, sql.ErrNoRows) || err == nil && active != 1 {
		return "", crm.FieldsError("Field name : 'Owner' of datatype : 'ActiveUsers' has an invalid value.")
	}
	return nid, internal("store.activeUserID", err)
}

func (s *Store) activeUserByEmail(ctx context.Context, tx *sql.Tx, org crm.OrgID, email string) (string, error) {
	var id string
	var active int64
	err := tx.QueryRowContext(ctx, s.d.q(`SELECT id, active FROM users WHERE org_id = ? AND email_key = ?`), org, crm.EmailKey(email)).Scan(&id, &active)
	if errors.Is(err, sql.ErrNoRows) || err == nil && active != 1 {
		return "", crm.Invalidf("ActivityOwnerEmail (no active user with this email)")
	}
	return id, internal("store.activeUserByEmail", err)
}

// PostActivity posts an activity on the org's lead leadID as the caller and
// returns it with the lead as it now is. Errors: crm.ErrEventCode,
// KindActivityFields, crm.ErrLeadNotFound.
func (s *Store) PostActivity(ctx context.Context, p *crm.Principal, leadID string, in crm.ActivityInput) (*crm.Activity, *crm.Lead, error) {
	t, err := s.ActivityType(ctx, &p.Org, in.Code)
	if err != nil {
		return nil, nil, err
	}
	var a *crm.Activity
	var l *crm.Lead
	err = s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if a, err = s.prepareActivity(ctx, tx, p, t, &in); err != nil {
			return err
		}
		if l, err = s.lockLead(ctx, tx, p.Org.ID, leadID); err != nil {
			return err
		}
		now := fromMS(ms(s.now(p.Org.ClockOffset)))
		if err := s.postOnLead(ctx, tx, p.Org.ID, l, t, a, now); err != nil {
			return err
		}
		return s.touchLead(ctx, tx, p.Org.ID, l)
	})
	if err != nil {
		return nil, nil, err
	}
	return a, l, nil
}

// CaptureActivity finds the lead by the unique field searchBy among attrs
// (updating it with attrs) or creates it from attrs, then posts the
// activity, all in one transaction. It returns the activity, the lead and
// whether the lead was created. With update false an existing lead is
// left as it is. Errors: those of CreateLead, UpdateLead and PostActivity;
// KindInvalid for a searchBy that is not a unique field, KindMandatory
// when it has no value among attrs.
func (s *Store) CaptureActivity(ctx context.Context, p *crm.Principal, searchBy string, attrs []crm.Attribute, in crm.ActivityInput, update bool) (*crm.Activity, *crm.Lead, bool, error) {
	sch, err := s.Schema(ctx, &p.Org)
	if err != nil {
		return nil, nil, false, err
	}
	searchBy = searchKey(searchBy)
	if err := checkSearchBy(sch, searchBy); err != nil {
		return nil, nil, false, err
	}
	var key *string
	for _, a := range attrs {
		if a.Name == searchBy && a.Value != nil && strings.TrimSpace(*a.Value) != "" {
			key = a.Value
		}
	}
	if key == nil {
		return nil, nil, false, crm.Errorf(crm.KindMandatory, "'%s' is mandatory as it is the SearchBy field", sanitizeName(searchBy))
	}
	var a *crm.Activity
	var l *crm.Lead
	created := false
	t, err := s.ActivityType(ctx, &p.Org, in.Code)
	if err != nil {
		return nil, nil, false, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if a, err = s.prepareActivity(ctx, tx, p, t, &in); err != nil {
			return err
		}
		now := fromMS(ms(s.now(p.Org.ClockOffset)))
		id, err := s.findLeadBy(ctx, tx, sch, p.Org.ID, searchBy, *key)
		switch {
		case crm.KindOf(err) == crm.KindNotFound:
			vals, err := crm.PrepareCreate(sch, attrs, p.User.ID)
			if err != nil {
				return err
			}
			if l, err = s.createLeadTx(ctx, tx, p, vals, 0, now); err != nil {
				return err
			}
			created = true
			if err := s.postOnLead(ctx, tx, p.Org.ID, l, t, a, now); err != nil {
				return err
			}
			return s.touchLead(ctx, tx, p.Org.ID, l)
		case err != nil:
			return err
		}
		if l, err = s.lockLead(ctx, tx, p.Org.ID, id); err != nil {
			return err
		}
		vals, changed, err := crm.PrepareUpdate(sch, l.Values, attrs)
		if err != nil && update {
			return err
		}
		if changed && update {
			if vals["OwnerId"] != l.Values["OwnerId"] {
				if err := s.checkOwner(ctx, tx, p.Org.ID, vals["OwnerId"], p.User.ID); err != nil {
					return err
				}
			}
			if err := s.postTrail(ctx, tx, &p.Org, &p.User, l, l.Values, vals, now); err != nil {
				return err
			}
			l.Values, l.ModifiedBy, l.ModifiedOn = vals, p.User.ID, now
		}
		if err := s.postOnLead(ctx, tx, p.Org.ID, l, t, a, now); err != nil {
			return err
		}
		return s.saveLead(ctx, tx, p.Org.ID, l)
	})
	if err != nil {
		return nil, nil, false, err
	}
	return a, l, created, nil
}

func sanitizeName(s string) string { return truncate(strings.ToValidUTF8(s, "?"), 64) }

// findLeadBy returns the id of the org's lead whose unique field name has
// value v, or crm.ErrLeadNotFound. KindInvalid when name is not a unique
// field of the org (LeadSquared's "Invalid SearchBy value provided").
func (s *Store) findLeadBy(ctx context.Context, db querier, sch *crm.Schema, org crm.OrgID, name, v string) (string, error) {
	var col string
	var arg any
	switch name {
	case "EmailAddress":
		col, arg = "email_key", crm.EmailKey(v)
	case "Phone":
		col, arg = "phone_key", crm.PhoneKey(v)
	case "Mobile":
		col, arg = "mobile_key", crm.PhoneKey(v)
	case "ProspectID", "ProspectId":
		nid, ok := normID(v)
		if !ok {
			return "", crm.ErrLeadNotFound
		}
		col, arg = "id", nid
	default:
		if err := checkSearchBy(sch, name); err != nil {
			return "", err
		}
		f := sch.Field(name)
		// A unique custom field's values are recorded as uniqueness
		// compares them (see syncUniqueValues).
		key := uniqueKey(v)
		if key == "" || strings.IndexByte(key, 0) >= 0 {
			return "", crm.ErrLeadNotFound
		}
		var id string
		err := db.QueryRowContext(ctx, s.d.q(`SELECT lead_id FROM lead_unique_values WHERE org_id = ? AND field = ? AND value_key = ?`),
			org, f.SchemaName, key).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return "", crm.ErrLeadNotFound
		}
		return id, internal("store.findLeadBy", err)
	}
	var id string
	err := db.QueryRowContext(ctx, s.d.q(`SELECT id FROM leads WHERE org_id = ? AND `+col+` = ? LIMIT 1`), org, arg).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", crm.ErrLeadNotFound
	}
	return id, internal("store.findLeadBy", err)
}

// checkSearchBy refuses a searchBy that is not a unique lead field: the
// check findLeadBy makes, without a query, for calls that validate it up
// front.
func checkSearchBy(sch *crm.Schema, name string) error {
	switch name {
	case "EmailAddress", "Phone", "Mobile", "ProspectID", "ProspectId":
		return nil
	}
	if f := sch.Field(name); f == nil || !f.Unique || f.Managed {
		return crm.Invalidf("Invalid SearchBy value provided")
	}
	return nil
}

// BulkActivity is one row of a bulk post: the lead by id (LeadID) or by a
// unique field value (SearchValue, with the call's searchBy).
type BulkActivity struct {
	LeadID      string
	SearchValue string
	Input       crm.ActivityInput
	Err         error // a parse error for this row; the row is reported, not posted
}

// BulkResult is the outcome of one bulk row.
type BulkResult struct {
	ID  string
	Err error
}

// PostActivities posts up to 25 activities in one transaction, each row
// on its own: a row that fails (unknown lead or type, bad fields) is
// reported and changes nothing. searchBy names the unique lead field rows
// are matched on when they carry SearchValue. The error is for the call as
// a whole (KindInvalid for a bad searchBy, or internal).
func (s *Store) PostActivities(ctx context.Context, p *crm.Principal, searchBy string, rows []BulkActivity) ([]BulkResult, error) {
	sch, err := s.Schema(ctx, &p.Org)
	if err != nil {
		return nil, err
	}
	if searchBy != "" {
		if err := checkSearchBy(sch, searchBy); err != nil {
			return nil, err
		}
	}
	// The rows' types, before the transaction (nil for an unknown code).
	types := map[int]*crm.ActivityType{}
	for i := range rows {
		if code := rows[i].Input.Code; rows[i].Err == nil {
			if _, ok := types[code]; !ok {
				t, err := s.ActivityType(ctx, &p.Org, code)
				if err != nil && crm.KindOf(err) == crm.KindInternal {
					return nil, err
				}
				types[code] = t
			}
		}
	}
	out := make([]BulkResult, len(rows))
	err = s.write(ctx, func(tx *sql.Tx) error {
		now := fromMS(ms(s.now(p.Org.ClockOffset)))
		leads := map[string]*crm.Lead{}
		engaged := map[string]bool{}
		var order []*crm.Lead
		// Every row is checked and its lead locked first; then the rows
		// that passed are inserted, their auto_ids reserved at once.
		type post struct {
			i int
			l *crm.Lead
			t *crm.ActivityType
			a *crm.Activity
		}
		var posts []post
		for i := range rows {
			r := &rows[i]
			if r.Err != nil {
				out[i].Err = r.Err
				continue
			}
			t := types[r.Input.Code]
			if t == nil {
				out[i].Err = crm.ErrEventCode
				continue
			}
			a, err := s.prepareActivity(ctx, tx, p, t, &r.Input)
			if err != nil {
				if crm.KindOf(err) == crm.KindInternal {
					return err
				}
				out[i].Err = err
				continue
			}
			id := r.LeadID
			if searchBy != "" {
				if id, err = s.findLeadBy(ctx, tx, sch, p.Org.ID, searchBy, r.SearchValue); err != nil {
					if crm.KindOf(err) == crm.KindInternal {
						return err
					}
					out[i].Err = err
					continue
				}
			}
			nid, _ := normID(id)
			l := leads[nid]
			if l == nil {
				if l, err = s.lockLead(ctx, tx, p.Org.ID, id); err != nil {
					if crm.KindOf(err) == crm.KindInternal {
						return err
					}
					out[i].Err = err
					continue
				}
				leads[nid] = l
				order = append(order, l)
			}
			posts = append(posts, post{i, l, t, a})
		}
		var next int64
		if s.d.name != "postgres" && len(posts) > 0 {
			var err error
			if next, err = s.reserveAutoIDs(ctx, tx, len(posts)); err != nil {
				return internal("store.PostActivities", err)
			}
		}
		for _, r := range posts {
			if next != 0 {
				r.a.AutoID, next = next, next+1
			}
			if err := s.insertActivity(ctx, tx, p.Org.ID, r.l, r.t, r.a, now); err != nil {
				return err
			}
			if r.a.Engagement != 0 {
				engaged[r.l.ID] = true
			}
			out[r.i].ID = r.a.ID
		}
		for _, l := range order {
			if engaged[l.ID] {
				if err := s.engagement(ctx, tx, p.Org.ID, l, now); err != nil {
					return err
				}
			}
			if err := s.touchLead(ctx, tx, p.Org.ID, l); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// activityByIDSQL reads one activity: a probe of activities_id_uq.
const activityByIDSQL = `SELECT ` + activityColumns + ` FROM activities WHERE id = ? AND org_id = ?`

// Activity returns the org's activity with this id, or
// crm.ErrActivityMissing.
func (s *Store) Activity(ctx context.Context, org crm.OrgID, id string) (*crm.Activity, error) {
	return s.activity(ctx, s.r, org, id, "")
}

func (s *Store) activity(ctx context.Context, db querier, org crm.OrgID, id, lock string) (*crm.Activity, error) {
	nid, ok := normID(id)
	if !ok {
		return nil, crm.ErrActivityMissing
	}
	var a crm.Activity
	err := scanActivity(db.QueryRowContext(ctx, s.d.q(activityByIDSQL+lock), nid, org), &a)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crm.ErrActivityMissing
	}
	if err != nil {
		return nil, internal("store.Activity", err)
	}
	return &a, nil
}

// UpdateActivity changes the note and fields of the org's custom activity
// id (code must be its type when given) and records each changed value in
// the change history. Errors: crm.ErrActivityMissing, crm.ErrEventCode
// for a code that is not the activity's, KindInvalidActivity for a system
// or locked activity, KindActivityFields (also for a changed Lead field
// that names no lead of the org).
func (s *Store) UpdateActivity(ctx context.Context, p *crm.Principal, id string, code int, note *string, in []crm.ActivityFieldValue) (*crm.Activity, error) {
	var a *crm.Activity
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if a, err = s.activity(ctx, tx, p.Org.ID, id, s.d.forUpdate); err != nil {
			return err
		}
		if code != 0 && code != a.Code {
			return crm.ErrEventCode
		}
		if a.Code < crm.FirstCustomCode {
			return crm.Errorf(crm.KindInvalidActivity, "Only custom activities can be updated.")
		}
		if a.Locked {
			return crm.Errorf(crm.KindInvalidActivity, "Activity is locked and cannot be updated.")
		}
		t, err := s.activityType(ctx, tx, p.Org.ID, a.Code)
		if err != nil {
			return err
		}
		fields, status, owner, err := crm.NormalizeActivityFields(t, a.Fields, in)
		if err != nil {
			return err
		}
		if err := s.checkLeadRefs(ctx, tx, p.Org.ID, t, a.Fields, fields); err != nil {
			return err
		}
		type change struct{ field, old, new string }
		var changes []change
		for _, f := range t.Fields {
			if o, n := a.Fields[f.SchemaName], fields[f.SchemaName]; o != n {
				changes = append(changes, change{f.SchemaName, o, n})
			}
		}
		if note != nil && *note != a.Note {
			changes = append(changes, change{"ActivityEvent_Note", a.Note, *note})
			a.Note = *note
		}
		if status != nil && *status != a.Status {
			changes = append(changes, change{"Status", a.Status, *status})
			a.Status = *status
		}
		if owner != nil && *owner != "" {
			nid, err := s.activeUserID(ctx, tx, p.Org.ID, *owner)
			if err != nil {
				return err
			}
			if nid != a.Owner {
				changes = append(changes, change{"Owner", a.Owner, nid})
				a.Owner = nid
			}
		}
		if len(changes) == 0 {
			return nil
		}
		now := fromMS(ms(s.now(p.Org.ClockOffset)))
		a.Fields, a.ModifiedBy, a.ModifiedOn = fields, p.User.ID, now
		if _, err := tx.ExecContext(ctx, s.d.q(`UPDATE activities SET note = ?, status = ?, owner_id = ?, fields = ?, modified_by = ?, modified_on = ?
			WHERE org_id = ? AND id = ?`), a.Note, a.Status, a.Owner, encodeFields(a.Fields), a.ModifiedBy, ms(now), p.Org.ID, a.ID); err != nil {
			return internal("store.UpdateActivity", err)
		}
		for _, c := range changes {
			if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO activity_changes (org_id, activity_id, lead_id, code, field, old_value, new_value, changed_by, changed_on)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), p.Org.ID, a.ID, a.LeadID, a.Code, c.field, nullable(c.old), nullable(c.new), p.User.ID, ms(now)); err != nil {
				return internal("store.UpdateActivity", err)
			}
		}
		_, err = tx.ExecContext(ctx, s.d.q(`UPDATE leads SET last_modified_on = ? WHERE org_id = ? AND id = ?`), ms(now), p.Org.ID, a.LeadID)
		return internal("store.UpdateActivity", err)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// nullID is NULL for 0 (no id reserved), else id.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// LockActivity locks the org's custom activity id against updates and
// deletes. Locking a locked activity succeeds. Errors:
// crm.ErrActivityMissing, KindInvalidActivity for a system activity.
func (s *Store) LockActivity(ctx context.Context, p *crm.Principal, id string) (*crm.Activity, error) {
	var a *crm.Activity
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if a, err = s.activity(ctx, tx, p.Org.ID, id, s.d.forUpdate); err != nil {
			return err
		}
		if a.Code < crm.FirstCustomCode {
			return crm.Errorf(crm.KindInvalidActivity, "Only custom activities can be locked.")
		}
		a.Locked = true
		_, err = tx.ExecContext(ctx, s.d.q(`UPDATE activities SET locked = 1 WHERE org_id = ? AND id = ?`), p.Org.ID, a.ID)
		return internal("store.LockActivity", err)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// ActivityPage is one page of activities and the total that matched.
type ActivityPage struct {
	Total int64
	List  []crm.Activity
	Types map[int]*crm.ActivityType // the activities' types by code; nil for a deleted type
}

func (s *Store) collect(ctx context.Context, org *crm.Org, page *ActivityPage, q string, args ...any) error {
	rows, err := s.r.QueryContext(ctx, s.d.q(q), args...)
	if err != nil {
		return internal("store.activities", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a crm.Activity
		if err := scanActivity(rows, &a); err != nil {
			return internal("store.activities", err)
		}
		page.List = append(page.List, a)
	}
	if err := rows.Err(); err != nil {
		return internal("store.activities", err)
	}
	page.Types = map[int]*crm.ActivityType{}
	for _, a := range page.List {
		if _, ok := page.Types[a.Code]; !ok {
			t, err := s.ActivityType(ctx, org, a.Code)
			if err != nil && crm.KindOf(err) == crm.KindInternal {
				return err
			}
			page.Types[a.Code] = t
		}
	}
	return nil
}

// LeadActivities returns the org's lead's activities, newest first
// (ActivityDateTime, then post order), skipping offset and returning at
// most limit, with the total; code 0 means every type. An unknown lead has
// none.
func (s *Store) LeadActivities(ctx context.Context, org *crm.Org, leadID string, code int, offset, limit int) (*ActivityPage, error) {
	page := &ActivityPage{}
	id, ok := normID(leadID)
	if !ok {
		return page, nil
	}
	where, args := leadWhere, []any{org.ID, id}
	if code != 0 {
		where, args = leadCodeWhere, append(args, code)
	}
	if err := s.collect(ctx, org, page, leadPageSQL(where), append(args, limit, offset)...); err != nil {
		return nil, err
	}
	// A page that is not full ends the list, so it gives the total (unless
	// it is empty because the offset is past the end); most leads have
	// fewer activities than a page, and their Retrieve costs one query.
	if n := len(page.List); n < limit && (n > 0 || offset == 0) {
		page.Total = int64(offset + n)
		return page, nil
	}
	if err := s.r.QueryRowContext(ctx, s.d.q(leadCountSQL(where)), args...).Scan(&page.Total); err != nil {
		return nil, internal("store.LeadActivities", err)
	}
	return page, nil
}

// The reads of LeadActivities: a range in key order of the activities
// table itself on SQLite, which is keyed by lead, and of the
// activities_lead index on PostgreSQL (plan_internal_test.go).
const (
	leadWhere     = `org_id = ? AND lead_id = ?`
	leadCodeWhere = leadWhere + ` AND code = ?`
)

func leadPageSQL(where string) string {
	return `SELECT ` + activityColumns + ` FROM activities WHERE ` + where + ` ORDER BY activity_on DESC, auto_id DESC LIMIT ? OFFSET ?`
}

func leadCountSQL(where string) string { return `SELECT COUNT(*) FROM activities WHERE ` + where }

// ActivityWindow selects activities whose ModifiedOn lies in [From, To]
// (both inclusive), optionally of one type, sorted by Sort ("ModifiedOn"
// or "CreatedOn", the activity date) with the auto id as tie-breaker.
type ActivityWindow struct {
	From, To time.Time
	Code     int // 0: every type
	Sort     string
	Desc     bool
	Offset   int
	Limit    int
}

// ActivitiesInWindow returns one page of the org's activities in the
// window, and how many the window holds.
func (s *Store) ActivitiesInWindow(ctx context.Context, org *crm.Org, w ActivityWindow) (*ActivityPage, error) {
	page := &ActivityPage{}
	where, args := `org_id = ? AND modified_on >= ? AND modified_on <= ?`, []any{org.ID, ms(w.From), ms(w.To)}
	if w.Code != 0 {
		where, args = `org_id = ? AND code = ? AND modified_on >= ? AND modified_on <= ?`, []any{org.ID, w.Code, ms(w.From), ms(w.To)}
	}
	if err := s.r.QueryRowContext(ctx, s.d.q(`SELECT COUNT(*) FROM activities WHERE `+where), args...).Scan(&page.Total); err != nil {
		return nil, internal("store.ActivitiesInWindow", err)
	}
	if page.Total == 0 || w.Offset >= int(page.Total) {
		return page, nil
	}
	col := "modified_on"
	if w.Sort == "CreatedOn" {
		col = "activity_on"
	}
	dir := " ASC"
	if w.Desc {
		dir = " DESC"
	}
	return page, s.collect(ctx, org, page, `SELECT `+activityColumns+` FROM activities WHERE `+where+`
		ORDER BY `+col+dir+`, auto_id`+dir+` LIMIT ? OFFSET ?`, append(args, w.Limit, w.Offset)...)
}

// ActivityChange is one changed value of an activity.
type ActivityChange struct {
	ActivityID string
	LeadID     string
	Code       int
	Field      string
	Old, New   *string
	ChangedBy  string
	ChangedOn  time.Time
}

// ActivityChanges returns the org's activity changes in [from, to], oldest
// first, for the given types or the one activity, and their total.
func (s *Store) ActivityChanges(ctx context.Context, org crm.OrgID, from, to time.Time, codes []int, activityID string, offset, limit int) (int64, []ActivityChange, error) {
	where, args := `org_id = ? AND changed_on >= ? AND changed_on <= ?`, []any{org, ms(from), ms(to)}
	if activityID != "" {
		nid, ok := normID(activityID)
		if !ok {
			return 0, nil, nil
		}
		where, args = `org_id = ? AND activity_id = ? AND changed_on >= ? AND changed_on <= ?`, []any{org, nid, ms(from), ms(to)}
	} else if len(codes) > 0 {
		where += ` AND code IN (?` + strings.Repeat(", ?", len(codes)-1) + `)`
		for _, c := range codes {
			args = append(args, c)
		}
	}
	var total int64
	if err := s.r.QueryRowContext(ctx, s.d.q(`SELECT COUNT(*) FROM activity_changes WHERE `+where), args...).Scan(&total); err != nil {
		return 0, nil, internal("store.ActivityChanges", err)
	}
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT activity_id, lead_id, code, field, old_value, new_value, changed_by, changed_on
		FROM activity_changes WHERE `+where+` ORDER BY changed_on, seq LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return 0, nil, internal("store.ActivityChanges", err)
	}
	defer rows.Close()
	var out []ActivityChange
	for rows.Next() {
		var c ActivityChange
		var o, n sql.NullString
		var on int64
		if err := rows.Scan(&c.ActivityID, &c.LeadID, &c.Code, &c.Field, &o, &n, &c.ChangedBy, &on); err != nil {
			return 0, nil, internal("store.ActivityChanges", err)
		}
		if o.Valid {
			c.Old = &o.String
		}
		if n.Valid {
			c.New = &n.String
		}
		c.ChangedOn = fromMS(on)
		out = append(out, c)
	}
	return total, out, internal("store.ActivityChanges", rows.Err())
}

// DeleteActivities deletes the org's lead's unlocked custom activities of
// the given types dated in [from, to] (zero times: unbounded), reverses
// their scores and recomputes the lead's roll-ups, and returns how many it
// deleted. Errors: crm.ErrLeadNotFound, KindInvalidActivity for a system
// code.
func (s *Store) DeleteActivities(ctx context.Context, p *crm.Principal, leadID string, codes []int, from, to time.Time) (int, error) {
	for _, c := range codes {
		if c < crm.FirstCustomCode {
			return 0, crm.Errorf(crm.KindInvalidActivity, "Only custom activities can be deleted; %d is a system activity.", c)
		}
	}
	n := 0
	err := s.write(ctx, func(tx *sql.Tx) error {
		l, err := s.lockLead(ctx, tx, p.Org.ID, leadID)
		if err != nil {
			return err
		}
		where, args := `org_id = ? AND lead_id = ? AND locked = 0 AND code IN (?`+strings.Repeat(", ?", len(codes)-1)+`)`, []any{p.Org.ID, l.ID}
		for _, c := range codes {
			args = append(args, c)
		}
		if !from.IsZero() {
			where, args = where+` AND activity_on >= ?`, append(args, ms(from))
		}
		if !to.IsZero() {
			where, args = where+` AND activity_on <= ?`, append(args, ms(to))
		}
		var cnt, score int64
		if err := tx.QueryRowContext(ctx, s.d.q(`SELECT COUNT(*), COALESCE(SUM(score), 0) FROM activities WHERE `+where), args...).Scan(&cnt, &score); err != nil {
			return internal("store.DeleteActivities", err)
		}
		if cnt == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.d.q(`DELETE FROM activities WHERE `+where), args...); err != nil {
			return internal("store.DeleteActivities", err)
		}
		n = int(cnt)
		now := fromMS(ms(s.now(p.Org.ClockOffset)))
		l.Values["Score"] = strconv.FormatInt(leadScore(l)-score, 10)
		if err := s.engagement(ctx, tx, p.Org.ID, l, now); err != nil {
			return err
		}
		if err := s.rollups(ctx, tx, p.Org.ID, l, typeCache{}); err != nil {
			return err
		}
		l.LastModifiedOn = now
		return s.touchLead(ctx, tx, p.Org.ID, l)
	})
	return n, err
}
