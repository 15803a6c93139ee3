package crm

import (
	"strings"
	"testing"
)

// show prints a condition tree as (a AND b) OR c with field:op leaves.
func show(e *ActivityExpr) string {
	if e == nil {
		return "<nil>"
	}
	if e.Term != nil {
		return e.Term.Field.Name + ":" + e.Term.Op
	}
	parts := make([]string, len(e.Kids))
	for i, k := range e.Kids {
		parts[i] = show(k)
	}
	join := " AND "
	if e.Or {
		join = " OR "
	}
	return "(" + strings.Join(parts, join) + ")"
}

func TestActivityFilterShape(t *testing.T) {
	typ := &ActivityType{Name: "T", Fields: []ActivityField{{SchemaName: "mx_Custom_1", DataType: ActString}, {SchemaName: "mx_Custom_2", DataType: ActNumber}}}
	r := func(sub, lso, op, rso string) ActivityRow {
		return ActivityRow{SubConOp: sub, LSO: lso, Operator: op, RSO: rso}
	}
	for _, c := range []struct {
		grp    string
		groups []ActivityGroup
		want   string
	}{
		{"", nil, "<nil>"},
		{"And", []ActivityGroup{{Type: "Activity"}}, "<nil>"},
		{"", []ActivityGroup{{Rows: []ActivityRow{r("", "mx_custom_1", "EQ", "a")}}}, "mx_Custom_1:eq"},
		{"", []ActivityGroup{{ConOp: "or", Rows: []ActivityRow{r("", "Status", "eq", "a"), r("", "mx_Custom_2", "gt", "1"), r("And", "Owner", "isempty", "")}}},
			"((Status:eq OR mx_Custom_2:gt) AND Owner:isempty)"},
		{"Or", []ActivityGroup{{Rows: []ActivityRow{r("", "Status", "eq", "a")}}, {Rows: []ActivityRow{r("", "CreatedOn", "between", "2024-01-01 00:00:00 to 2024-02-01 00:00:00")}}},
			"(Status:eq OR CreatedOn:between)"},
	} {
		e, err := ActivityFilter(typ, c.grp, c.groups)
		if err != nil || show(e) != c.want {
			t.Errorf("%+v: %s, %v; want %s", c.groups, show(e), err, c.want)
		}
	}
}

func TestSplitBetween(t *testing.T) {
	for in, want := range map[string]string{"1 TO 2": "1|2", "1 to 2": "1|2", "1,2": "1|2",
		"2024-01-01 00:00:00 TO 2024-01-02 00:00:00": "2024-01-01 00:00:00|2024-01-02 00:00:00", "1,2,3": "", "1": "", "1 TO": ""} {
		from, to, ok := splitBetween(in)
		got := from + "|" + to
		if !ok {
			got = ""
		}
		if got != want {
			t.Errorf("splitBetween(%q) = %q, want %q", in, got, want)
		}
	}
}
