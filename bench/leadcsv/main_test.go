package main

import (
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	var b strings.Builder
	if err := write(&b, 3); err != nil {
		t.Fatal(err)
	}
	want := "FirstName,LastName,EmailAddress,Phone,Company\n" +
		"First0,Last0,user0@example.com,+91-9800000000,Company 0\n" +
		"First1,Last1,user1@example.com,+91-9800000001,Company 1\n" +
		"First2,Last2,user2@example.com,+91-9800000002,Company 2\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
