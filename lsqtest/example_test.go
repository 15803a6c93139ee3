package lsqtest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/localsquared/localsquared/lsq"
	"github.com/localsquared/localsquared/lsqtest"
)

// In a real test, call lsqtest.Start(t) with the test's *testing.T.
func Example() {
	t := &testing.T{}
	srv := lsqtest.Start(t)
	ctx := context.Background()

	id, err := srv.Client.CreateLead(ctx, lsq.Pairs("FirstName", "Ann", "EmailAddress", "ann@example.com"))
	if err != nil {
		fmt.Println(err)
		return
	}
	lead, _ := srv.Client.GetLead(ctx, id)
	fmt.Println(lead.Get("FirstName"), lead.Get("EmailAddress"), lead.Get("ProspectStage"))

	_, err = srv.Client.CreateLead(ctx, lsq.Pairs("EmailAddress", "ANN@example.com"))
	fmt.Println("duplicate:", lsq.IsDuplicate(err))
	// Output:
	// Ann ann@example.com Prospect
	// duplicate: true
}
