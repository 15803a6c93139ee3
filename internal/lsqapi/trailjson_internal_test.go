package lsqapi

import (
	"encoding/json"
	"testing"

	"github.com/localsquared/localsquared/internal/crm"
)

// trailOfStrings builds a record whose text fields come from s, t and u,
// covering nil and set pointers, nil and empty Data and ActivityFields.
func trailOfStrings(s, t, u string, n int64, flags uint8) trailRecord {
	r := trailRecord{Id: s, EventCode: int(n % 100000), EventName: t, ActivityScore: n, CreatedOn: u, ModifiedOn: s,
		ActivityType: int(n % 7), Type: t, IsEmailType: flags&1 != 0, TrackLocation: flags&2 != 0, RelatedProspectId: u}
	if flags&4 != 0 {
		r.SessionId, r.Latitude = &s, &t
	}
	if flags&8 != 0 {
		r.Longitude = &u
	}
	switch flags >> 4 & 3 {
	case 1:
		r.Data = []crm.KV{}
	case 2:
		r.Data = []crm.KV{{Key: s, Value: t}, {Key: u, Value: ""}}
	}
	switch flags >> 6 {
	case 1:
		r.ActivityFields = map[string]string{}
	case 2:
		r.ActivityFields = map[string]string{s: t, u: s, "ProspectActivityAutoId": "12", "Owner": u}
	}
	return r
}

func checkTrailJSON(t *testing.T, r trailRecord) {
	t.Helper()
	want, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.appendJSON(nil); string(got) != string(want) {
		t.Errorf("appendJSON:\n got %s\nwant %s", got, want)
	}
}

// TestTrailJSON: the hand encoder of Retrieve's records writes what
// encoding/json writes, escapes and key order included.
func TestTrailJSON(t *testing.T) {
	texts := [][3]string{
		{"", "", ""},
		{"0192f6a0-0000-7000-8000-000000000001", "Phone Call", "2026-12-05 10:00:00.000"},
		{`say "hi"\`, "<b>&amp;</b>", "line\nbreak\ttab\r\x01"},
		{"Zoë 😀", "\u2028\u2029", "bad \xff utf-8"},
	}
	for _, s := range texts {
		for flags := 0; flags < 256; flags += 5 {
			checkTrailJSON(t, trailOfStrings(s[0], s[1], s[2], int64(flags)*37-500, uint8(flags)))
		}
	}
}

func FuzzTrailJSON(f *testing.F) {
	f.Add("a", "b", "c", int64(1), uint8(0))
	f.Add(`"\`, "<>&", "\xff\u2028", int64(-3), uint8(0xff))
	f.Fuzz(func(t *testing.T, s, u, v string, n int64, flags uint8) {
		checkTrailJSON(t, trailOfStrings(s, u, v, n, flags))
	})
}
