package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFloor(t *testing.T) {
	hs := httptest.NewServer(floorHandler(300 * time.Microsecond))
	t.Cleanup(hs.Close)
	var out bytes.Buffer
	if err := run([]string{"-url", hs.URL, "-op", "floor", "-c", "2", "-n", "100", "-d", "2m"}, &out); err != nil {
		t.Fatal(err)
	}
	var r Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	// Every call burns 0.3 ms before answering, so none can be faster.
	if r.Requests != 100 || r.Rows != 100 || r.Errors != 0 || r.P50ms < 0.3 || r.P99ms < r.P50ms {
		t.Errorf("result %+v", r)
	}

	// Any other answer is an error.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) }))
	t.Cleanup(other.Close)
	out.Reset()
	if err := run([]string{"-url", other.URL, "-op", "floor", "-c", "1", "-n", "5", "-d", "2m"}, &out); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(out.Bytes(), &r)
	if r.Errors != 5 || !strings.Contains(r.FirstError, "want 1512") {
		t.Errorf("wrong body: result %+v", r)
	}
}

func TestServeFloor(t *testing.T) {
	if err := run([]string{"-serve-floor", "10.1.2.3:80", "-d", "1s"}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "-serve-floor must be a loopback") {
		t.Errorf("non-loopback address: %v", err)
	}
	// It serves on the address until -d has passed, then returns by itself.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	done := make(chan error, 1)
	go func() { done <- run([]string{"-serve-floor", addr, "-work", "0s", "-d", "3s"}, &bytes.Buffer{}) }()
	var body []byte
	for range 100 {
		res, err := http.Get("http://" + addr + "/v2/floor")
		if err == nil {
			body, _ = io.ReadAll(res.Body)
			res.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !bytes.Equal(body, floorBody) {
		t.Errorf("served %d bytes, want floorBody", len(body))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
