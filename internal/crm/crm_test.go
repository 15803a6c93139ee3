package crm

import (
	"errors"
	"testing"
)

func TestNewIDIsValidV7AndIncreasing(t *testing.T) {
	prev := ""
	for i := 0; i < 20000; i++ {
		id := NewID()
		if !ValidID(id) || id[14] != '7' || (id[19] != '8' && id[19] != '9' && id[19] != 'a' && id[19] != 'b') {
			t.Fatalf("NewID() = %q is not a v7 UUID", id)
		}
		if id <= prev {
			t.Fatalf("ids not increasing: %s after %s", id, prev)
		}
		prev = id
	}
}

func TestValidID(t *testing.T) {
	for s, want := range map[string]bool{
		"01a21183-5c79-711d-9324-f17516260b05": true, "01A21183-5C79-711D-9324-F17516260B05": true,
		"01a21183-5c79-711d-9324-f17516260b0": false, "01a21183x5c79-711d-9324-f17516260b05": false,
		"01a21183-5c79-711d-9324-f17516260b0g": false, "": false, "' OR 1=1 --": false,
	} {
		if ValidID(s) != want {
			t.Errorf("ValidID(%q) = %v", s, !want)
		}
	}
}

func TestKeys(t *testing.T) {
	for in, want := range map[string]string{"+91-9988776655": "919988776655", "919988776655": "919988776655", "(020) 555.01": "02055501", "abc": ""} {
		if got := PhoneKey(in); got != want {
			t.Errorf("PhoneKey(%q) = %q, want %q", in, got, want)
		}
	}
	if got := EmailKey("  Ann@Example.COM "); got != "ann@example.com" {
		t.Errorf("EmailKey = %q", got)
	}
	if got := CustomSchemaName("My  Custom Field"); got != "mx_My_Custom_Field" {
		t.Errorf("CustomSchemaName = %q", got)
	}
}

func TestErrors(t *testing.T) {
	err := Internal(errors.New("disk on fire"))
	if KindOf(err) != KindInternal || MessageOf(err) != "" {
		t.Errorf("internal error leaks its message: %q", MessageOf(err))
	}
	wrapped := errors.Join(errors.New("ctx"), Errorf(KindDuplicate, "dup %d", 1))
	if KindOf(wrapped) != KindDuplicate || MessageOf(wrapped) != "dup 1" {
		t.Errorf("KindOf/MessageOf through a wrap: %v %q", KindOf(wrapped), MessageOf(wrapped))
	}
	if KindOf(errors.New("plain")) != KindInternal {
		t.Error("a plain error must be internal")
	}
	if Invalidf("PageSize").Error() != "Invalid Input! Parameter Name: PageSize" {
		t.Error("Invalidf wording")
	}
}

func TestPrepareCreateAndUpdate(t *testing.T) {
	s := NewSchema(1, []*Field{{SchemaName: "mx_Tier", DataType: TypeText, Mandatory: true}})
	v := func(s string) *string { return &s }
	if _, err := PrepareCreate(s, []Attribute{{Name: "FirstName", Value: v("A")}}, "u"); KindOf(err) != KindMandatory {
		t.Errorf("mandatory custom field: %v", err)
	}
	vals, err := PrepareCreate(s, []Attribute{{Name: "FirstName", Value: v("A")}, {Name: "mx_Tier", Value: v("Gold")}, {Name: "Score", Value: v("50")}}, "u")
	if err != nil || vals["Score"] != "0" || vals["OwnerId"] != "u" {
		t.Errorf("PrepareCreate = %v, %v", vals, err)
	}
	if _, changed, err := PrepareUpdate(s, vals, []Attribute{{Name: "FirstName", Value: v("A")}}); changed || err != nil {
		t.Errorf("no-op update: changed=%v err=%v", changed, err)
	}
	if _, _, err := PrepareUpdate(s, vals, []Attribute{{Name: "mx_Tier", Value: nil}}); KindOf(err) != KindMandatory {
		t.Errorf("clearing a mandatory field: %v", err)
	}
	if _, _, err := PrepareUpdate(s, vals, []Attribute{{Name: "FirstName", Value: v("")}}); KindOf(err) != KindMandatory {
		t.Errorf("clearing the last identity field: %v", err)
	}
}
