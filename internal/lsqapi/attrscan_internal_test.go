package lsqapi

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var attrBodies = []string{
	`[]`, ` [ ] `,
	`[{"Attribute":"FirstName","Value":"Ann"}]`,
	`[{"Value":"Ann","Attribute":"FirstName"},{"Attribute":"Score","Value":12}]`,
	`[{"Attribute":"A","Value":1.50},{"Attribute":"B","Value":-2e3},{"Attribute":"C","Value":0}]`,
	`[{"Attribute":"C","Value":007}]`,
	`[{"Attribute":"A","Value":true},{"Attribute":"B","Value":false},{"Attribute":"C","Value":null},{"Attribute":"D"}]`,
	`[{"Attribute":"A","Value":"say \"hi\"\n\u00e9"},{"Attribute":"Zoë","Value":"Ünal 😀"}]`,
	"[\n\t{ \"Attribute\" : \"A\" , \"Value\" : \"x\" }\r\n]",
	`[{"Attribute":"A","Value":"1","Value":"2"}]`,
	`[{"attribute":"A","value":"x"}]`,
	`[{"Attribute":"A","Value":{"a":1}}]`,
	`[{"Attribute":"A","Value":[1]}]`,
	`[{"Attribute":"A","Value":1e999}]`,
	`[{"Attribute":"","Value":"x"}]`,
	`[{"Attribute":5}]`,
	`[{"Value":"x"}]`,
	`[{}]`,
	`[{"Attribute":"A","Value":"x","Fields":[]}]`,
	`[{"Attribute":"A","Value":"x"},]`,
	`[{"Attribute":"A","Value":"x"}] x`,
	`[{"Attribute":"A","Value":+1}]`,
	"[{\"Attribute\":\"A\",\"Value\":\"\xff\"}]",
	"[{\"Attribute\":\"A\",\"Value\":\"tab\there\"}]",
	`{"Attribute":"A"}`, `null`, ``,
}

var bulkBodies = []string{
	`[]`,
	`[[{"Attribute":"EmailAddress","Value":"a@example.com"},{"Attribute":"SearchBy","Value":"EmailAddress"}],[{"Attribute":"Phone","Value":98}]]`,
	`[[],[{"Attribute":"A","Value":"x"}]]`,
	` [ [ { "Attribute" : "A" , "Value" : null } ] ] `,
	`[[{"Attribute":"A","Value":"x"}],{"Attribute":"B"}]`,
	`[[{"Attribute":"A","Value":"x"}],]`,
	`[[{"Attribute":"A","Value":{"x":1}}]]`,
	`[[{"Attribute":"A","Value":"x"}]`,
	``, `{}`, `[null]`,
}

// TestScanAttrBodies: whatever the one-pass scanners accept, the
// encoding/json path reads to the same attributes; what they refuse it
// reads or rejects. The table's common forms are all read by the
// scanners.
func TestScanAttrBodies(t *testing.T) {
	fast := 0
	for _, in := range attrBodies {
		if checkAttrBody(t, []byte(in)) {
			fast++
		}
	}
	if fast != 8 {
		t.Errorf("scanAttrBody read %d bodies, want 8", fast)
	}
	fast = 0
	for _, in := range bulkBodies {
		if checkBulkBody(t, []byte(in)) {
			fast++
		}
	}
	if fast != 4 {
		t.Errorf("scanBulkBody read %d bodies, want 4", fast)
	}
}

func checkAttrBody(t *testing.T, in []byte) bool {
	t.Helper()
	fast, ok := scanAttrBody(in)
	if !ok {
		return false
	}
	slow, err := decodeAttributes(in)
	if err != nil {
		t.Errorf("scanAttrBody accepted %q, which decodeAttributes rejects: %v", in, err)
	} else if diff := cmp.Diff(slow, fast, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("scanAttrBody(%q) differs (-decode +scan):\n%s", in, diff)
	}
	return true
}

func checkBulkBody(t *testing.T, in []byte) bool {
	t.Helper()
	fast, ok := scanBulkBody(in)
	if !ok {
		return false
	}
	slow, err := decodeBulkAttributes(in, 1<<30)
	if len(fast) == 0 {
		// Both then refuse the body as empty, in bulkAttributes.
		return true
	}
	if err != nil {
		t.Errorf("scanBulkBody accepted %q, which decodeBulkAttributes rejects: %v", in, err)
	} else if diff := cmp.Diff(slow, fast, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("scanBulkBody(%q) differs (-decode +scan):\n%s", in, diff)
	}
	return true
}

func FuzzScanAttrBody(f *testing.F) {
	for _, s := range attrBodies {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkAttrBody(t, in) })
}

func FuzzScanBulkBody(f *testing.F) {
	for _, s := range bulkBodies {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkBulkBody(t, in) })
}
