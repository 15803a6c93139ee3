package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestCheckLoopback(t *testing.T) {
	for u, ok := range map[string]bool{
		"http://127.0.0.1:8080": true, "http://127.1.2.3": true, "http://localhost:1": true, "http://[::1]:80": true,
		"http://10.0.0.1": false, "http://192.168.1.1:8080": false, "http://example.com": false, "nonsense": false,
	} {
		if err := checkLoopback("-url", u); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v", u, err)
		}
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-url", "http://10.1.1.1:80", "-access", "a", "-secret", "b"},
		{"-d", "11m", "-access", "a", "-secret", "b"},
		{"-c", "0", "-access", "a", "-secret", "b"},
		{"-op", "nope", "-access", "a", "-secret", "b"},
	} {
		var out bytes.Buffer
		if err := run(args, &out); err == nil {
			t.Errorf("run(%v) succeeded", args)
		}
	}
}

func TestLeadBodyIsUniqueJSON(t *testing.T) {
	l := newLoader(config{concurrency: 1})
	a, b := l.leadBody(1), l.leadBody(2)
	var v []map[string]string
	if err := json.Unmarshal(a, &v); err != nil || len(v) != 5 {
		t.Fatalf("leadBody is not an attribute array: %s", a)
	}
	if bytes.Equal(a, b) || !strings.Contains(string(a), "@example.com") {
		t.Errorf("bodies not unique: %s %s", a, b)
	}
}
