package store

import (
	"context"
	"testing"

	"github.com/localsquared/localsquared/internal/crm"
)

// TestSyncUniqueValuesFreeWithoutUniqueFields: with no unique custom
// field, syncUniqueValues touches no database (it is given no transaction).
func TestSyncUniqueValuesFreeWithoutUniqueFields(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	org, err := s.CreateOrg(ctx, "Free")
	if err != nil {
		t.Fatal(err)
	}
	custom := []*crm.Field{{SchemaName: "mx_Code", DisplayName: "Code", DataType: crm.TypeText}}
	s.installSchema(org.ID, crm.NewSchema(org.SchemaVersion, custom))
	if err := s.syncUniqueValues(ctx, nil, org.ID, crm.NewID(), map[string]string{"mx_Code": "a", "EmailAddress": "a@example.com"}); err != nil {
		t.Fatal(err)
	}
}
