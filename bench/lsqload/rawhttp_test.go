package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRawConn: the raw client reads what net/http serves (bodies by
// Content-Length and chunked, statuses other than 200, Connection:
// close) and sends what the handler expects, on one connection.
func TestRawConn(t *testing.T) {
	big := strings.Repeat("0123456789", 2000) // past net/http's buffer: chunked
	var conns []string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conns = append(conns, r.RemoteAddr)
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			fmt.Fprintf(w, "%s %s %s %s %s", r.Method, r.URL.RawQuery, r.Header.Get("X-Key"), r.Header.Get("Content-Type"), body)
		case "/big":
			io.WriteString(w, big)
		case "/missing":
			http.Error(w, "no such thing", http.StatusNotFound)
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		}
	}))
	defer hs.Close()
	addr := strings.TrimPrefix(hs.URL, "http://")
	rc := newRawConn(addr, addr)
	defer rc.close()
	ctx := context.Background()
	for _, c := range []struct {
		method, target string
		hdr            []string
		body           []byte
		status         int
		want           string
	}{
		{"POST", "/echo?a=1", []string{"X-Key", "k1", "Content-Type", "application/json"}, []byte(`{"x":1}`), 200, `POST a=1 k1 application/json {"x":1}`},
		{"GET", "/echo?b=2", []string{"X-Key", "k2"}, nil, 200, "GET b=2 k2  "},
		{"POST", "/echo", nil, nil, 200, "POST    "},
		{"GET", "/big", nil, nil, 200, big},
		{"GET", "/missing", nil, nil, 404, "no such thing\n"},
		{"GET", "/empty", nil, nil, 204, ""},
		{"GET", "/close", nil, nil, 200, "bye"},
		{"GET", "/echo?after=close", nil, nil, 200, "GET after=close   "},
	} {
		status, body, err := rc.do(ctx, c.method, c.target, c.hdr, c.body)
		if err != nil || status != c.status || string(body) != c.want {
			t.Errorf("%s %s: %d %.80q %v, want %d %.80q", c.method, c.target, status, body, err, c.status, c.want)
		}
	}
	// Seven calls on the first connection, the one after close on a new one.
	if len(conns) != 8 || conns[6] != conns[0] || conns[7] == conns[0] {
		t.Errorf("connections used: %v", conns)
	}

	// A kept connection the server has since closed: the call goes out
	// again on a new one.
	hs.CloseClientConnections()
	if status, body, err := rc.do(ctx, "GET", "/echo?again=1", nil, nil); err != nil || status != 200 || string(body) != "GET again=1   " {
		t.Errorf("after the server closed the connection: %d %q %v", status, body, err)
	}

	// The run's end is not a failure of the server.
	done, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Millisecond))
	defer cancel()
	if _, _, err := rc.do(done, "GET", "/echo", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("after the deadline: %v", err)
	}
}

// TestRawConnMalformed: a response that is not HTTP is an error, and the
// connection is not used again.
func TestRawConnMalformed(t *testing.T) {
	for _, reply := range []string{
		"SMTP ready\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			c.Read(buf)
			io.WriteString(c, reply)
			c.Close()
		}()
		rc := newRawConn(ln.Addr().String(), "x")
		status, body, err := rc.do(context.Background(), "GET", "/", nil, nil)
		if err == nil {
			t.Errorf("reply %q: %d %q, want an error", reply, status, body)
		}
		if rc.c != nil {
			t.Errorf("reply %q: connection kept", reply)
		}
		ln.Close()
	}
}

// TestReadChunked: chunk extensions and a trailer are read past.
func TestReadChunked(t *testing.T) {
	in := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n"
	srv, cli := net.Pipe()
	go func() {
		buf := make([]byte, 4096)
		srv.Read(buf)
		io.WriteString(srv, in)
	}()
	rc := newRawConn("pipe", "x")
	rc.c, rc.r = cli, bufio.NewReader(cli)
	status, body, err := rc.do(context.Background(), "GET", "/", nil, nil)
	if err != nil || status != 200 || !bytes.Equal(body, []byte("abc0123456789")) {
		t.Errorf("chunked: %d %q %v", status, body, err)
	}
}
