package crm

import (
	"testing"
	"time"
)

func TestNewCustomField(t *testing.T) {
	now := time.Unix(1700000000, 0).UTC()
	for _, c := range []struct {
		spec           FieldSpec
		schema, render string
		renderNum, max int
		kind           Kind
		options        []string
	}{
		{spec: FieldSpec{DisplayName: " My  Custom Field ", DataType: TypeText}, schema: "mx_My_Custom_Field", render: "Textbox", renderNum: renderTextbox, max: 200},
		{spec: FieldSpec{DisplayName: "Notes2", DataType: TypeText, RenderType: "TextArea"}, schema: "mx_Notes2", render: "TextArea", renderNum: renderTextArea, max: 2000},
		{spec: FieldSpec{DisplayName: "N", DataType: TypeNumber, MaxLength: 12}, schema: "mx_N", render: "Textbox", renderNum: renderNumber, max: 12},
		{spec: FieldSpec{DisplayName: "S", DataType: TypeSelect, RenderType: "SearchableDropdown",
			Options: []FieldOption{{" b ", 2}, {"a", 1}}}, schema: "mx_S", render: "SearchableDropdown", renderNum: renderSearchDD, options: []string{"a", "b"}},
		{spec: FieldSpec{DisplayName: "S", DataType: TypeSelect, Options: []FieldOption{{"a", 1}, {"b", 1}}}, kind: KindMandatory},
		{spec: FieldSpec{DisplayName: "S", DataType: TypeSelect, Options: []FieldOption{{"a", 2}}}, kind: KindMandatory},
		{spec: FieldSpec{DisplayName: "S", DataType: TypeSelect, Options: []FieldOption{{"a", 1}, {"A", 2}}}, kind: KindInvalid},
		{spec: FieldSpec{DisplayName: "S", DataType: "select"}, kind: KindInvalid},
		{spec: FieldSpec{DisplayName: "S", DataType: TypeBoolean, RenderType: "Checkbox"}, kind: KindInvalid},
		{spec: FieldSpec{DisplayName: "Ünï", DataType: TypeText}, kind: KindInvalid},
		{spec: FieldSpec{DisplayName: "  ", DataType: TypeText}, kind: KindInvalid},
		{spec: FieldSpec{DisplayName: "T", DataType: TypeText, Options: []FieldOption{{"a", 1}}}, kind: KindInvalid},
		{spec: FieldSpec{DisplayName: "T", DataType: TypeText, MaxLength: 9000}, kind: KindInvalid},
	} {
		f, err := NewCustomField(c.spec, now)
		if c.kind != KindInternal {
			if KindOf(err) != c.kind {
				t.Errorf("%+v: err %v, want kind %v", c.spec, err, c.kind)
			}
			continue
		}
		if err != nil {
			t.Errorf("%+v: %v", c.spec, err)
			continue
		}
		if f.SchemaName != c.schema || f.RenderTypeText != c.render || f.RenderType != c.renderNum || f.MaxLength != c.max ||
			len(f.Options) != len(c.options) || !f.CreatedOn.Equal(now) {
			t.Errorf("%+v: got %+v", c.spec, f)
		}
		for i := range c.options {
			if f.Options[i] != c.options[i] {
				t.Errorf("%+v: options %q", c.spec, f.Options)
			}
		}
	}
}

func TestAddOptions(t *testing.T) {
	f := &Field{SchemaName: "mx_P", DataType: TypeSelect, Options: []string{"Gold"}}
	got, n, err := AddOptions(f, []string{"gold", "Silver", "SILVER", " Bronze "})
	if err != nil || n != 2 || len(got) != 3 || got[1] != "Silver" || got[2] != "Bronze" || len(f.Options) != 1 {
		t.Errorf("AddOptions = %q, %d, %v", got, n, err)
	}
	if _, _, err := AddOptions(&Field{SchemaName: "mx_T", DataType: TypeText}, []string{"a"}); KindOf(err) != KindInvalid {
		t.Errorf("AddOptions on a Text field: %v", err)
	}
}

func TestFieldID(t *testing.T) {
	a, b, c := FieldID(1, "mx_A"), FieldID(1, "mx_A"), FieldID(2, "mx_A")
	if a != b || a == c || !ValidID(a) || a[14] != '5' {
		t.Errorf("FieldID: %s %s %s", a, b, c)
	}
}

func TestSchemaSettingsRows(t *testing.T) {
	s := NewSchema(3, []*Field{
		{SchemaName: "Company", ShowInQuickSearch: true, Unique: true, Mandatory: true},
		{SchemaName: "mx_U", Unique: true},
		{SchemaName: "mx_V"},
	})
	if f := s.Field("Company"); !f.System || !f.ShowInQuickSearch || f.Unique || f.Mandatory {
		t.Errorf("Company after its settings row: %+v", f)
	}
	if s.CustomCount() != 2 || len(s.UniqueCustomFields()) != 1 || s.UniqueCustomFields()[0].SchemaName != "mx_U" {
		t.Errorf("custom %d, unique %v", s.CustomCount(), s.UniqueCustomFields())
	}
	if !s.Field("EmailAddress").Unique || !s.Field("Mobile").Unique || s.Field("Fax").Unique {
		t.Errorf("system unique flags wrong")
	}
}
