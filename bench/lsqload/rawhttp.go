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
	"strconv"
	"time"
)

// rawConn is one worker's keep-alive HTTP/1.1 connection, written and
// read by the worker itself. lsqload shares the cores with the server it
// measures, and net/http's client cost it about 66 µs of CPU a call (a
// reader and a writer goroutine per connection, handing each response
// between them, and the pool's locks): at 8,000 calls/s half a core the
// server did not get. Here a call is one write(2) and, mostly, one
// read(2). It speaks only what LocalSquared answers: a status line,
// headers, and a body by Content-Length or chunked.
type rawConn struct {
	addr, host string
	c          net.Conn
	r          *bufio.Reader
	req        []byte
}

func newRawConn(addr, host string) *rawConn { return &rawConn{addr: addr, host: host} }

func (rc *rawConn) close() {
	if rc.c != nil {
		rc.c.Close()
		rc.c = nil
	}
}

// do sends one request and returns the status and body. A reused
// connection the server has closed meanwhile fails before a byte of the
// response arrives; the request is then sent once more on a new one.
func (rc *rawConn) do(ctx context.Context, method, target string, hdr []string, body []byte) (int, []byte, error) {
	rc.req = rc.req[:0]
	rc.req = append(rc.req, method...)
	rc.req = append(rc.req, ' ')
	rc.req = append(rc.req, target...)
	rc.req = append(rc.req, " HTTP/1.1\r\nHost: "...)
	rc.req = append(rc.req, rc.host...)
	rc.req = append(rc.req, "\r\n"...)
	for i := 0; i+1 < len(hdr); i += 2 {
		rc.req = append(rc.req, hdr[i]...)
		rc.req = append(rc.req, ": "...)
		rc.req = append(rc.req, hdr[i+1]...)
		rc.req = append(rc.req, "\r\n"...)
	}
	if body != nil || method == "POST" {
		rc.req = append(rc.req, "Content-Length: "...)
		rc.req = strconv.AppendInt(rc.req, int64(len(body)), 10)
		rc.req = append(rc.req, "\r\n"...)
	}
	rc.req = append(rc.req, "\r\n"...)
	rc.req = append(rc.req, body...)
	for attempt := 0; ; attempt++ {
		// The run's end: ctx's deadline can pass a moment before ctx says
		// so, and a call then must not count as a failure.
		end, ok := ctx.Deadline()
		if ok && !time.Now().Before(end) {
			return 0, nil, context.DeadlineExceeded
		}
		reused := rc.c != nil
		if !reused {
			c, err := (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, "tcp", rc.addr)
			if err != nil {
				return 0, nil, err
			}
			rc.c = c
			if rc.r == nil {
				rc.r = bufio.NewReaderSize(c, 16<<10)
			} else {
				rc.r.Reset(c)
			}
		}
		deadline := time.Now().Add(30 * time.Second)
		if ok && end.Before(deadline) {
			deadline = end
		}
		rc.c.SetDeadline(deadline)
		status, resp, started, err := rc.roundTrip()
		if err == nil {
			return status, resp, nil
		}
		rc.close()
		if ok && !time.Now().Before(end) {
			return 0, nil, context.DeadlineExceeded
		}
		if !reused || started || attempt > 0 || ctx.Err() != nil {
			return 0, nil, err
		}
	}
}

// roundTrip writes the request and reads the response; started reports
// whether any of the response had arrived when it failed.
func (rc *rawConn) roundTrip() (status int, body []byte, started bool, err error) {
	if _, err := rc.c.Write(rc.req); err != nil {
		return 0, nil, false, err
	}
	line, err := rc.r.ReadSlice('\n')
	if err != nil {
		return 0, nil, len(line) > 0, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, nil, true, fmt.Errorf("bad status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, nil, true, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, closing := -1, false, false
	for {
		h, err := rc.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, true, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return 0, nil, true, fmt.Errorf("bad header %q", h)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, nil, true, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closing = bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case status == http.StatusNoContent || status == http.StatusNotModified:
		// no body, whatever the headers say
	case chunked:
		body, err = rc.readChunked()
	case length >= 0:
		body = make([]byte, length)
		_, err = io.ReadFull(rc.r, body)
	default: // the body runs to the end of the connection
		body, err = io.ReadAll(rc.r)
		closing = true
	}
	if err != nil {
		return 0, nil, true, err
	}
	if closing {
		rc.close()
	}
	return status, body, true, nil
}

// readChunked reads a chunked body and its (empty) trailer.
func (rc *rawConn) readChunked() ([]byte, error) {
	var body []byte
	for {
		line, err := rc.r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 32)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			break
		}
		start := len(body)
		body = append(body, make([]byte, n)...)
		if _, err := io.ReadFull(rc.r, body[start:]); err != nil {
			return nil, err
		}
		if crlf, err := rc.r.ReadSlice('\n'); err != nil || len(bytes.TrimRight(crlf, "\r\n")) != 0 {
			return nil, errors.New("bad chunk end")
		}
	}
	for { // trailer
		line, err := rc.r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return body, nil
		}
	}
}
