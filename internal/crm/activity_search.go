package crm

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ActivitySearchKind is how a searchable activity field compares.
type ActivitySearchKind uint8

const (
	AKText     ActivitySearchKind = iota // text, compared case-insensitively (String, dropdowns, note, Status)
	AKNumber                             // a Number field
	AKDateTime                           // a DateTime or Date field, stored as yyyy-MM-dd HH:mm:ss.000
	AKBool                               // a Boolean field, stored as 1 or 0
	AKID                                 // a GUID (ids, Owner, ActiveUsers and Lead fields), stored lower-case
	AKTime                               // a time column: CreatedOn, ActivityDateTime, ModifiedOn
)

// Activity search operators (the AdvancedSearch Operator values).
const (
	AOpEq         = "eq"
	AOpNeq        = "neq"
	AOpLt         = "lt"
	AOpGt         = "gt"
	AOpLte        = "lte"
	AOpGte        = "gte"
	AOpContains   = "contains"
	AOpStartsWith = "startswith"
	AOpBetween    = "between"
	AOpIsEmpty    = "isempty"
	AOpIsNotEmpty = "isnotempty"
)

// MaxActivityTerms caps the row conditions of one activity search.
const MaxActivityTerms = 50

// ActivitySearchField is a field an activity search may name: one of the
// activity's own system fields or a custom field of its type.
type ActivitySearchField struct {
	Name string // canonical schema name
	Kind ActivitySearchKind
	Date bool // a Date field: values may be yyyy-MM-dd
}

// activitySystemFields are the fields every activity has, with how they
// compare. CreatedOn is the activity date, as activity records show it.
var activitySystemFields = []ActivitySearchField{
	{Name: "ProspectActivityId", Kind: AKID},
	{Name: "RelatedProspectId", Kind: AKID},
	{Name: "Owner", Kind: AKID},
	{Name: "Status", Kind: AKText},
	{Name: "ActivityEvent_Note", Kind: AKText},
	{Name: "CreatedOn", Kind: AKTime},
	{Name: "ActivityDateTime", Kind: AKTime},
	{Name: "ModifiedOn", Kind: AKTime},
}

// SearchField returns the searchable field of activities of type t named
// name (case-insensitively; the result carries the canonical name), or
// false.
func (t *ActivityType) SearchField(name string) (ActivitySearchField, bool) {
	name = strings.TrimSpace(name)
	for _, f := range activitySystemFields {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	var f *ActivityField
	for i := range t.Fields {
		if strings.EqualFold(t.Fields[i].SchemaName, name) {
			f = &t.Fields[i]
		}
	}
	if f == nil {
		return ActivitySearchField{}, false
	}
	out := ActivitySearchField{Name: f.SchemaName, Kind: AKText}
	switch f.DataType {
	case ActNumber:
		out.Kind = AKNumber
	case ActDateTime:
		out.Kind = AKDateTime
	case ActDate:
		out.Kind, out.Date = AKDateTime, true
	case ActBoolean:
		out.Kind = AKBool
	case ActUser, ActLead:
		out.Kind = AKID
	}
	return out, true
}

// ActivityTerm is one checked row condition. Values are in the form the
// field is stored in (text lower-cased, numbers as float64 text, dates as
// yyyy-MM-dd HH:mm:ss.000, booleans 1/0, ids lower-case); Times holds the
// values of AKTime fields. between has two values, isempty and isnotempty
// none, the others one.
type ActivityTerm struct {
	Field   ActivitySearchField
	Op      string
	Values  []string
	Numbers []float64
	Times   []time.Time
}

// ActivityExpr is a search condition tree: a leaf (Term) or the And/Or of
// its Kids.
type ActivityExpr struct {
	Or   bool
	Kids []*ActivityExpr
	Term *ActivityTerm
}

// ActivityRow is one AdvancedSearch RowCondition as the request spelled it.
type ActivityRow struct {
	SubConOp string
	LSO      string
	Operator string
	RSO      string
}

// ActivityGroup is one AdvancedSearch Condition as the request spelled it.
type ActivityGroup struct {
	Type  string
	ConOp string
	Rows  []ActivityRow
}

// conOp reads And/Or (any case); empty is def.
func conOp(what, s string, def bool) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return def, nil
	case "and":
		return false, nil
	case "or":
		return true, nil
	}
	return false, Invalidf("%s ('%s' is not And or Or)", what, truncateText(strings.ToValidUTF8(s, "?"), 40))
}

// ActivityFilter checks an AdvancedSearch against type t and returns its
// condition tree (nil: no condition). Groups are joined by grpOr; within
// a group, each row after the first joins the rows before it with its
// SubConOp, or the group's ConOp when it has none, left to right.
// Errors: KindInvalid naming the bad part (an unknown LSO, an operator
// the field's type does not take, a value it cannot hold, a group Type
// other than Activity, more than MaxActivityTerms rows).
func ActivityFilter(t *ActivityType, grpOp string, groups []ActivityGroup) (*ActivityExpr, error) {
	grpOr, err := conOp("GrpConOp", grpOp, false)
	if err != nil {
		return nil, err
	}
	n := 0
	root := &ActivityExpr{Or: grpOr}
	for gi, g := range groups {
		if typ := strings.TrimSpace(g.Type); typ != "" && !strings.EqualFold(typ, "Activity") {
			return nil, Invalidf("Conditions[%d].Type ('%s'; only Activity is supported)", gi, truncateText(strings.ToValidUTF8(typ, "?"), 40))
		}
		gOr, err := conOp(fmt.Sprintf("Conditions[%d].ConOp", gi), g.ConOp, false)
		if err != nil {
			return nil, err
		}
		var acc *ActivityExpr
		for ri, r := range g.Rows {
			if n++; n > MaxActivityTerms {
				return nil, Invalidf("AdvancedSearch (at most %d row conditions)", MaxActivityTerms)
			}
			term, err := activityTerm(t, r)
			if err != nil {
				return nil, err
			}
			leaf := &ActivityExpr{Term: term}
			if acc == nil {
				acc = leaf
				continue
			}
			or, err := conOp(fmt.Sprintf("Conditions[%d].RowCondition[%d].SubConOp", gi, ri), r.SubConOp, gOr)
			if err != nil {
				return nil, err
			}
			acc = &ActivityExpr{Or: or, Kids: []*ActivityExpr{acc, leaf}}
		}
		if acc != nil {
			root.Kids = append(root.Kids, acc)
		}
	}
	switch len(root.Kids) {
	case 0:
		return nil, nil
	case 1:
		return root.Kids[0], nil
	}
	return root, nil
}

// operatorsOf lists the operators each kind takes.
var operatorsOf = map[ActivitySearchKind][]string{
	AKText:     {AOpEq, AOpNeq, AOpContains, AOpStartsWith, AOpIsEmpty, AOpIsNotEmpty},
	AKNumber:   {AOpEq, AOpNeq, AOpLt, AOpGt, AOpLte, AOpGte, AOpBetween, AOpIsEmpty, AOpIsNotEmpty},
	AKDateTime: {AOpEq, AOpNeq, AOpLt, AOpGt, AOpLte, AOpGte, AOpBetween, AOpIsEmpty, AOpIsNotEmpty},
	AKTime:     {AOpEq, AOpNeq, AOpLt, AOpGt, AOpLte, AOpGte, AOpBetween, AOpIsEmpty, AOpIsNotEmpty},
	AKBool:     {AOpEq, AOpNeq, AOpIsEmpty, AOpIsNotEmpty},
	AKID:       {AOpEq, AOpNeq, AOpIsEmpty, AOpIsNotEmpty},
}

var allOperators = []string{AOpEq, AOpNeq, AOpLt, AOpGt, AOpLte, AOpGte, AOpContains, AOpStartsWith, AOpBetween, AOpIsEmpty, AOpIsNotEmpty}

var kindWords = map[ActivitySearchKind]string{AKText: "text", AKNumber: "Number", AKDateTime: "DateTime",
	AKBool: "Boolean", AKID: "id", AKTime: "DateTime"}

func activityTerm(t *ActivityType, r ActivityRow) (*ActivityTerm, error) {
	lso := strings.TrimSpace(r.LSO)
	if lso == "" {
		return nil, Invalidf("LSO (empty)")
	}
	f, ok := t.SearchField(lso)
	if !ok {
		return nil, Invalidf("LSO ('%s' is not a field of activity '%s')", truncateText(strings.ToValidUTF8(lso, "?"), 100), t.Name)
	}
	op := strings.ToLower(strings.TrimSpace(r.Operator))
	known := false
	for _, o := range allOperators {
		known = known || o == op
	}
	if !known {
		return nil, Invalidf("Operator ('%s' is not one of %s)", truncateText(strings.ToValidUTF8(r.Operator, "?"), 40), strings.Join(allOperators, ", "))
	}
	allowed := false
	for _, o := range operatorsOf[f.Kind] {
		allowed = allowed || o == op
	}
	if !allowed {
		return nil, Invalidf("Operator ('%s' does not apply to %s, a %s field; use one of %s)", op, f.Name, kindWords[f.Kind], strings.Join(operatorsOf[f.Kind], ", "))
	}
	term := &ActivityTerm{Field: f, Op: op}
	if op == AOpIsEmpty || op == AOpIsNotEmpty {
		return term, nil
	}
	raw := []string{r.RSO}
	if op == AOpBetween {
		from, to, ok := splitBetween(r.RSO)
		if !ok {
			return nil, Invalidf("RSO ('%s' for between on %s; expected \"from TO to\" or \"from,to\")", truncateText(strings.ToValidUTF8(r.RSO, "?"), 60), f.Name)
		}
		raw = []string{from, to}
	}
	for _, v := range raw {
		if err := term.add(strings.TrimSpace(v)); err != nil {
			return nil, err
		}
	}
	if op == AOpBetween && term.after() {
		return nil, Invalidf("RSO (between on %s: the first value is after the second)", f.Name)
	}
	return term, nil
}

// splitBetween splits "from TO to" (TO in any case) or "from,to".
func splitBetween(s string) (string, string, bool) {
	up := strings.ToUpper(s)
	if i := strings.Index(up, " TO "); i >= 0 {
		return s[:i], s[i+4:], true
	}
	if from, to, ok := strings.Cut(s, ","); ok && !strings.Contains(to, ",") {
		return from, to, true
	}
	return "", "", false
}

// after reports whether a between's first value lies after its second.
func (a *ActivityTerm) after() bool {
	switch a.Field.Kind {
	case AKTime:
		return a.Times[0].After(a.Times[1])
	case AKNumber:
		return a.Numbers[0] > a.Numbers[1]
	}
	return a.Values[0] > a.Values[1]
}

// add checks one value against the field's kind and appends its stored form.
func (a *ActivityTerm) add(v string) error {
	f := a.Field
	bad := func(expect string) error {
		return Invalidf("RSO ('%s' is not %s for %s)", truncateText(strings.ToValidUTF8(v, "?"), 60), expect, f.Name)
	}
	if v == "" {
		return Invalidf("RSO (empty for %s on %s; use isempty to find empty values)", a.Op, f.Name)
	}
	if strings.IndexByte(v, 0) >= 0 || len(v) > 4000 {
		return bad("a valid value")
	}
	switch f.Kind {
	case AKText:
		a.Values = append(a.Values, strings.ToLower(v))
	case AKNumber:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
			return bad("a number")
		}
		a.Numbers = append(a.Numbers, n)
	case AKBool:
		switch strings.ToLower(v) {
		case "1", "true", "yes":
			a.Values = append(a.Values, "1")
		case "0", "false", "no":
			a.Values = append(a.Values, "0")
		default:
			return bad("a Boolean (true, false, 1 or 0)")
		}
	case AKID:
		if !ValidID(v) {
			return bad("an id")
		}
		a.Values = append(a.Values, strings.ToLower(v))
	case AKDateTime, AKTime:
		t, err := time.Parse("2006-01-02 15:04:05", v)
		if len(v) != 19 || err != nil {
			if !f.Date || len(v) != 10 {
				return bad("a date-time (yyyy-MM-dd HH:mm:ss)")
			}
			if t, err = time.Parse("2006-01-02", v); err != nil {
				return bad("a date (yyyy-MM-dd)")
			}
		}
		if f.Kind == AKTime {
			a.Times = append(a.Times, t)
		} else {
			a.Values = append(a.Values, t.Format("2006-01-02 15:04:05.000"))
		}
	}
	return nil
}
