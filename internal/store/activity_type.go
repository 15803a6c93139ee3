package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/localsquared/localsquared/internal/crm"
)

const activityTypeColumns = `code, id, name, display_name, description, score, direction, track_location,
	allow_attachments, show_in_grid, can_delete, active, fields, created_on, modified_on`

func scanActivityType(row interface{ Scan(...any) error }, t *crm.ActivityType) error {
	var track, attach, grid, del, active, created, modified int64
	var fields string
	if err := row.Scan(&t.Code, &t.ID, &t.Name, &t.DisplayName, &t.Description, &t.Score, &t.Direction, &track,
		&attach, &grid, &del, &active, &fields, &created, &modified); err != nil {
		return err
	}
	t.TrackLocation, t.AllowAttachments, t.ShowInActivityGrid, t.CanDelete, t.Active = track == 1, attach == 1, grid == 1, del == 1, active == 1
	t.CreatedOn, t.ModifiedOn = fromMS(created), fromMS(modified)
	t.Category, t.Listed = crm.CategoryCustom, true
	return json.Unmarshal([]byte(fields), &t.Fields)
}

// ActivityTypes returns the org's activity types: the system types, then
// the custom ones by code.
func (s *Store) ActivityTypes(ctx context.Context, org crm.OrgID) ([]crm.ActivityType, error) {
	out := crm.SystemActivityTypes()
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT `+activityTypeColumns+` FROM activity_types WHERE org_id = ? ORDER BY code`), org)
	if err != nil {
		return nil, internal("store.ActivityTypes", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t crm.ActivityType
		if err := scanActivityType(rows, &t); err != nil {
			return nil, internal("store.ActivityTypes", err)
		}
		out = append(out, t)
	}
	return out, internal("store.ActivityTypes", rows.Err())
}

// ActivityType returns the org's type with this code, or crm.ErrEventCode.
// The result is shared: callers must not change it.
func (s *Store) ActivityType(ctx context.Context, org *crm.Org, code int) (*crm.ActivityType, error) {
	if t := crm.SystemActivityType(code); t != nil {
		return t, nil
	}
	if code < crm.FirstCustomCode {
		return nil, crm.ErrEventCode
	}
	set, err := s.customTypes(ctx, org)
	if err != nil {
		return nil, err
	}
	if t := set.byCode[code]; t != nil {
		return t, nil
	}
	return nil, crm.ErrEventCode
}

// typeSet is an org's custom activity types as of a schema_version:
// changing a type moves the org's schema_version on (bumpSchema), so the
// version the caller authenticated with tells whether a cached set is
// current, on every instance.
type typeSet struct {
	version int64
	byCode  map[int]*crm.ActivityType
}

// customTypes returns the org's custom types for reads, from the cache
// when it holds org.SchemaVersion's set. Sets are shared and never
// changed once stored.
func (s *Store) customTypes(ctx context.Context, org *crm.Org) (*typeSet, error) {
	s.typesMu.Lock()
	set := s.types[org.ID]
	s.typesMu.Unlock()
	if set != nil && set.version == org.SchemaVersion {
		return set, nil
	}
	// Read after the caller's authentication, the rows are at least as new
	// as org.SchemaVersion; a newer change moves the version on and makes
	// the next caller read again.
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT `+activityTypeColumns+` FROM activity_types WHERE org_id = ?`), org.ID)
	if err != nil {
		return nil, internal("store.ActivityType", err)
	}
	defer rows.Close()
	set = &typeSet{version: org.SchemaVersion, byCode: map[int]*crm.ActivityType{}}
	for rows.Next() {
		t := &crm.ActivityType{}
		if err := scanActivityType(rows, t); err != nil {
			return nil, internal("store.ActivityType", err)
		}
		set.byCode[t.Code] = t
	}
	if err := rows.Err(); err != nil {
		return nil, internal("store.ActivityType", err)
	}
	s.typesMu.Lock()
	if cur := s.types[org.ID]; org.SchemaVersion > 0 && (cur == nil || cur.version < set.version) {
		s.types[org.ID] = set
	}
	s.typesMu.Unlock()
	return set, nil
}

func (s *Store) activityType(ctx context.Context, db querier, org crm.OrgID, code int) (*crm.ActivityType, error) {
	if t := crm.SystemActivityType(code); t != nil {
		return t, nil
	}
	if code < crm.FirstCustomCode {
		return nil, crm.ErrEventCode
	}
	var t crm.ActivityType
	err := scanActivityType(db.QueryRowContext(ctx, s.d.q(`SELECT `+activityTypeColumns+` FROM activity_types WHERE org_id = ? AND code = ?`), org, code), &t)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crm.ErrEventCode
	}
	if err != nil {
		return nil, internal("store.ActivityType", err)
	}
	return &t, nil
}

// typeCache holds the types one transaction or read has looked up by code
// (nil for a code that no longer has a type).
type typeCache map[int]*crm.ActivityType

func (s *Store) typeOf(ctx context.Context, db querier, org crm.OrgID, cache typeCache, code int) *crm.ActivityType {
	if t, ok := cache[code]; ok {
		return t
	}
	t, _ := s.activityType(ctx, db, org, code)
	cache[code] = t
	return t
}

// CreateActivityType adds a custom type to the org with the next free
// code (200 and up) and fills t's code, id and times. Errors:
// KindDuplicate when the name is taken (system names included).
func (s *Store) CreateActivityType(ctx context.Context, org *crm.Org, t *crm.ActivityType) error {
	if err := checkTypeName(t.Name); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		// The org row lock serialises code allocation on PostgreSQL; SQLite
		// has one writer.
		var id crm.OrgID
		if err := tx.QueryRowContext(ctx, s.d.q(`SELECT id FROM orgs WHERE id = ?`+s.d.forUpdate), org.ID).Scan(&id); err != nil {
			return internal("store.CreateActivityType", err)
		}
		var code int
		if err := tx.QueryRowContext(ctx, s.d.q(`SELECT COALESCE(MAX(code), ?) + 1 FROM activity_types WHERE org_id = ?`),
			crm.FirstCustomCode-1, org.ID).Scan(&code); err != nil {
			return internal("store.CreateActivityType", err)
		}
		now := fromMS(ms(s.now(org.ClockOffset)))
		t.Code, t.ID, t.CreatedOn, t.ModifiedOn, t.Active = code, crm.NewID(), now, now, true
		t.Category, t.Listed = crm.CategoryCustom, true
		if t.DisplayName == "" {
			t.DisplayName = t.Name
		}
		fields, err := json.Marshal(t.Fields)
		if err != nil {
			return internal("store.CreateActivityType", err)
		}
		_, err = tx.ExecContext(ctx, s.d.q(`INSERT INTO activity_types (org_id, name_key, `+activityTypeColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			org.ID, strings.ToLower(t.Name), t.Code, t.ID, t.Name, t.DisplayName, t.Description, t.Score, t.Direction,
			boolInt(t.TrackLocation), boolInt(t.AllowAttachments), boolInt(t.ShowInActivityGrid), boolInt(t.CanDelete),
			1, string(fields), ms(now), ms(now))
		if _, ok := uniqueViolation(err); ok {
			return crm.Errorf(crm.KindDuplicate, "An Activity Type with same name already exists.")
		}
		if err != nil {
			return internal("store.CreateActivityType", err)
		}
		_, err = s.bumpSchema(ctx, tx, org.ID)
		return err
	})
}

func checkTypeName(name string) error {
	for _, st := range crm.SystemActivityTypes() {
		if strings.EqualFold(st.Name, name) || strings.EqualFold(st.DisplayName, name) {
			return crm.Errorf(crm.KindDuplicate, "An Activity Type with same name already exists.")
		}
	}
	return nil
}

// ActivityTypeUpdate is a CustomActivityType/Update; nil fields stay.
// Fields are merged by schema name: a listed field replaces the one with
// its name, a new name is added.
type ActivityTypeUpdate struct {
	Name        *string
	Description *string
	Score       *int64
	Direction   *int
	CanDelete   *bool
	Fields      []crm.ActivityField
}

// UpdateActivityType changes the org's custom type with this GUID and
// returns it. Errors: KindInvalid for an unknown id or a system type,
// KindDuplicate for a taken name, KindInvalid for more than 50 fields.
func (s *Store) UpdateActivityType(ctx context.Context, org *crm.Org, id string, u ActivityTypeUpdate) (*crm.ActivityType, error) {
	nid, ok := normID(id)
	if !ok {
		return nil, crm.Invalidf("ID")
	}
	if u.Name != nil {
		if err := checkTypeName(*u.Name); err != nil {
			return nil, err
		}
	}
	var t crm.ActivityType
	err := s.write(ctx, func(tx *sql.Tx) error {
		err := scanActivityType(tx.QueryRowContext(ctx, s.d.q(`SELECT `+activityTypeColumns+` FROM activity_types WHERE org_id = ? AND id = ?`+s.d.forUpdate), org.ID, nid), &t)
		if errors.Is(err, sql.ErrNoRows) {
			return crm.Invalidf("ID (no custom activity type with this id)")
		}
		if err != nil {
			return internal("store.UpdateActivityType", err)
		}
		if u.Name != nil {
			if t.DisplayName == t.Name {
				t.DisplayName = *u.Name
			}
			t.Name = *u.Name
		}
		if u.Description != nil {
			t.Description = *u.Description
		}
		if u.Score != nil {
			t.Score = *u.Score
		}
		if u.Direction != nil {
			t.Direction = *u.Direction
		}
		if u.CanDelete != nil {
			t.CanDelete = *u.CanDelete
		}
		for _, f := range u.Fields {
			if cur := t.Field(f.SchemaName); cur != nil {
				*cur = f
			} else {
				t.Fields = append(t.Fields, f)
			}
		}
		if len(t.Fields) > crm.MaxTypeFields {
			return crm.Invalidf("Fields (at most %d custom fields)", crm.MaxTypeFields)
		}
		t.ModifiedOn = fromMS(ms(s.now(org.ClockOffset)))
		fields, err := json.Marshal(t.Fields)
		if err != nil {
			return internal("store.UpdateActivityType", err)
		}
		_, err = tx.ExecContext(ctx, s.d.q(`UPDATE activity_types SET name = ?, name_key = ?, display_name = ?, description = ?,
			score = ?, direction = ?, can_delete = ?, fields = ?, modified_on = ? WHERE org_id = ? AND code = ?`),
			t.Name, strings.ToLower(t.Name), t.DisplayName, t.Description, t.Score, t.Direction, boolInt(t.CanDelete),
			string(fields), ms(t.ModifiedOn), org.ID, t.Code)
		if _, ok := uniqueViolation(err); ok {
			return crm.Errorf(crm.KindDuplicate, "An Activity Type with same name already exists.")
		}
		if err != nil {
			return internal("store.UpdateActivityType", err)
		}
		_, err = s.bumpSchema(ctx, tx, org.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}
