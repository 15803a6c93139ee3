package lsqapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/lsq"
)

// fieldMeta is one LeadsMetaData.Get item. Its field order is the wire
// order (reference §2.5); absent properties are null.
type fieldMeta struct {
	Entity              string
	SchemaName          string
	DisplayName         string
	DataType            string
	IsMandatory         bool
	Options             []fieldMetaOption
	MaxLength           *string
	EntityAttributeId   string
	Name                string
	Description         *string
	EntityAttributeType int
	RenderType          int
	RenderTypeTextValue string
	IsVisible           bool
	IsSearchable        bool
	ShowInMailMerge     bool
	RangeMin            *string
	DefaultValue        *string
	AllowMultiple       bool
	ShowInImport        bool
	ShowInQuickAdd      bool
	ShowInQuickSearch   bool
	Txt_Row             *int
	Txt_Col             *int
	OwnerID             *string
	CreatedBy           *string
	CreatedOn           string
	ModifiedBy          *string
	ModifiedOn          string
	OwnerIdName         *string
	CreatedByName       *string
	ModifiedByName      *string
	IsLeadIdentifier    bool
	LockAfterCreate     int
	UseInLeadClone      bool
	IsSortable          bool
}

type fieldMetaOption struct {
	Value string
}

// Entity attribute types in metadata: a system field or a custom one.
const (
	attrSystem = 0
	attrCustom = 1
)

// GET LeadManagement.svc/LeadsMetaData.Get[?schemaName=&excludeOptionSets=1]
// A bare array of every lead field (system fields, then custom fields in
// creation order), or of the one named by schemaName (matched exactly);
// an unknown name is KindInvalid.
func (a *API) leadsMetaData(c *call) error {
	sch, err := a.store.Schema(c.ctx, &c.p.Org)
	if err != nil {
		return err
	}
	fields := sch.Fields
	if name, ok := c.param("schemaname"); ok {
		f := sch.Field(name)
		if f == nil {
			return crm.Invalidf("schemaName ('%s' is not a lead field)", sanitize(name))
		}
		fields = []*crm.Field{f}
	}
	ex, _ := c.param("excludeoptionsets")
	noOptions := ex == "1" || strings.EqualFold(ex, "true")
	sets, err := a.store.FieldSettings(c.ctx, c.p.Org.ID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	if len(sets) > 0 {
		users, err := a.store.Users(c.ctx, c.p.Org.ID)
		if err != nil {
			return err
		}
		for i := range users {
			names[users[i].ID] = users[i].Name()
		}
	}
	out := make([]fieldMeta, 0, len(fields))
	for _, f := range fields {
		out = append(out, metaOf(&c.p.Org, f, sets[f.SchemaName], names, noOptions))
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}

// quickAdd are the system fields LeadSquared's quick-add form shows.
var quickAdd = map[string]bool{"FirstName": true, "LastName": true, "EmailAddress": true, "Phone": true, "Mobile": true}

func metaOf(org *crm.Org, f *crm.Field, set crm.FieldSettings, names map[string]string, noOptions bool) fieldMeta {
	m := fieldMeta{
		Entity: "1", SchemaName: f.SchemaName, DisplayName: f.DisplayName, DataType: f.DataType,
		IsMandatory: f.Mandatory, EntityAttributeId: crm.FieldID(org.ID, f.SchemaName), Name: f.SchemaName,
		RenderType: f.RenderType, RenderTypeTextValue: f.RenderTypeText, IsVisible: true, IsSearchable: true,
		ShowInQuickAdd: f.Mandatory || quickAdd[f.SchemaName], ShowInQuickSearch: f.ShowInQuickSearch,
		IsLeadIdentifier: f.Unique, IsSortable: true,
	}
	if f.MaxLength > 0 {
		s := strconv.Itoa(f.MaxLength)
		m.MaxLength = &s
	}
	if f.DataType == crm.TypeSelect && !noOptions {
		m.Options = make([]fieldMetaOption, 0, len(f.Options))
		for _, o := range f.Options {
			m.Options = append(m.Options, fieldMetaOption{o})
		}
	}
	created, modified := f.CreatedOn, f.ModifiedOn
	if f.System {
		m.EntityAttributeType = attrSystem
		m.ShowInMailMerge, m.ShowInImport, m.UseInLeadClone = !f.Managed, !f.Managed, !f.Managed
		// System fields exist from the org's creation; ModifiedOn moves
		// when the org changes one's settings.
		created = org.CreatedOn
		if modified.IsZero() {
			modified = created
		}
	} else {
		m.EntityAttributeType = attrCustom
		m.ShowInMailMerge, m.ShowInImport, m.UseInLeadClone = set.ShowInMailMerge, set.ShowInImport, set.UseInLeadClone
		m.LockAfterCreate = set.LockAfterCreate
		m.OwnerID, m.OwnerIdName = userRef(set.CreatedBy, names)
		m.CreatedBy, m.CreatedByName = userRef(set.CreatedBy, names)
		m.ModifiedBy, m.ModifiedByName = userRef(set.ModifiedBy, names)
	}
	m.CreatedOn, m.ModifiedOn = lsq.FormatWCF(created), lsq.FormatWCF(modified)
	return m
}

// userRef returns a user id and name for metadata, both nil for "".
func userRef(id string, names map[string]string) (*string, *string) {
	if id == "" {
		return nil, nil
	}
	name := names[id]
	return &id, &name
}

const fieldShape = `a JSON object {"DisplayName","DataType","RenderTypeTextValue",…}`

type wireField struct {
	DisplayName         *string
	DataType            *string
	RenderTypeTextValue string
	IsMandatory         json.RawMessage
	MaxLength           json.RawMessage
	OptionsJson         json.RawMessage
	ShowInImport        json.RawMessage
	ShowInMailMerge     json.RawMessage
	LockAfterCreate     json.RawMessage
	UseInLeadClone      json.RawMessage
	ShowInQuickSearch   json.RawMessage
}

type wireOption struct {
	Value *string
	Text  string
	Order json.RawMessage
}

// POST LeadManagement.svc/CreateLeadField (administrators only)
// Creates a custom lead field; Message.Id is its schema name.
func (a *API) createLeadField(c *call) error {
	var w wireField
	if err := decodeObject(c.body, fieldShape, &w); err != nil {
		return err
	}
	for name, v := range map[string]*string{"DisplayName": w.DisplayName, "DataType": w.DataType} {
		if v == nil || strings.TrimSpace(*v) == "" {
			return crm.Errorf(crm.KindMandatory, "'%s' is mandatory", name)
		}
	}
	spec := crm.FieldSpec{DisplayName: *w.DisplayName, DataType: *w.DataType, RenderType: w.RenderTypeTextValue,
		Mandatory: rawBool(w.IsMandatory), ShowInQuickSearch: rawBool(w.ShowInQuickSearch),
		Settings: crm.FieldSettings{ShowInImport: boolOr(w.ShowInImport, true), ShowInMailMerge: boolOr(w.ShowInMailMerge, true),
			UseInLeadClone: boolOr(w.UseInLeadClone, true)}}
	n, given, err := rawInt(w.MaxLength)
	if err != nil || given && (n <= 0 || n > 1<<20) {
		return crm.Invalidf("MaxLength (must be a positive whole number)")
	}
	spec.MaxLength = int(n)
	if spec.Settings.LockAfterCreate, err = lockAfterCreate(w.LockAfterCreate); err != nil {
		return err
	}
	if spec.Options, err = fieldOptions(w.OptionsJson); err != nil {
		return err
	}
	f, err := a.store.CreateField(c.ctx, c.p, spec)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(idMessage{f.SchemaName}))
	return nil
}

// boolOr reads a flag like rawBool, with def when it is absent or null.
func boolOr(v json.RawMessage, def bool) bool {
	if s, err := scalarText(v); err == nil && s == nil {
		return def
	}
	return rawBool(v)
}

// lockAfterCreate reads LockAfterCreate: 0, 1 or 2, or a boolean (true is 1).
func lockAfterCreate(v json.RawMessage) (int, error) {
	s, err := scalarText(v)
	if err == nil && s != nil {
		switch strings.ToLower(strings.TrimSpace(*s)) {
		case "", "0", "false":
			return 0, nil
		case "1", "true":
			return 1, nil
		case "2":
			return 2, nil
		}
	} else if err == nil {
		return 0, nil
	}
	return 0, crm.Invalidf("LockAfterCreate (must be 0, 1 or 2)")
}

// fieldOptions reads OptionsJson: a string holding a JSON array of
// {"Value","Text","Order"} (as LeadSquared documents it), or that array
// itself. Absent, null or "" is no options.
func fieldOptions(v json.RawMessage) ([]crm.FieldOption, error) {
	raw := []byte(strings.TrimSpace(string(v)))
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, crm.Invalidf("OptionsJson (not a valid string)")
		}
		if strings.TrimSpace(s) == "" {
			return nil, nil
		}
		raw = []byte(s)
	}
	var opts []wireOption
	if err := json.Unmarshal(raw, &opts); err != nil {
		return nil, crm.Invalidf(`OptionsJson (must be a JSON array of {"Value","Text","Order"} objects)`)
	}
	out := make([]crm.FieldOption, 0, len(opts))
	for i, o := range opts {
		if o.Value == nil {
			return nil, crm.Invalidf("OptionsJson (option %d has no Value)", i+1)
		}
		n, _, err := rawInt(o.Order)
		if err != nil || n < 0 || n > 1<<30 {
			return nil, crm.Invalidf("OptionsJson (option %d has an Order that is not a whole number)", i+1)
		}
		out = append(out, crm.FieldOption{Value: *o.Value, Order: int(n)})
	}
	return out, nil
}

const pushShape = `a JSON object {"SchemaName":"mx_…","Options":["…"]}`

// POST LeadManagement.svc/LeadField/Dropdown/Options/Push (administrators only)
// Appends options to a custom Select field; AffectedRows is 1 when any was
// new, 0 when all were already there.
func (a *API) pushFieldOptions(c *call) error {
	var w struct {
		SchemaName *string
		Options    []string
	}
	if err := decodeObject(c.body, pushShape, &w); err != nil {
		return err
	}
	if w.SchemaName == nil || strings.TrimSpace(*w.SchemaName) == "" {
		return crm.Errorf(crm.KindMandatory, "'SchemaName' is mandatory")
	}
	if len(w.Options) == 0 {
		return crm.Errorf(crm.KindMandatory, "'Options' is mandatory")
	}
	n, err := a.store.AddFieldOptions(c.ctx, c.p, strings.TrimSpace(*w.SchemaName), w.Options)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(affectedMessage{min(n, 1)}))
	return nil
}
