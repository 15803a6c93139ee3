package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"
)

// The floor: the latency this machine gives a server that does nothing
// but burn a fixed amount of CPU per call, driven by the same client as
// the real runs. lsqload shares the cores with the server it drives, so
// part of any p99 is the machine's: -serve-floor runs such a server, and
// -op floor drives it.
//
//	lsqload -serve-floor 127.0.0.1:18999 -work 100us -d 1m &
//	lsqload -op floor -url http://127.0.0.1:18999 -c 4 -d 10s

// floorBody is the answer, about the size of a lead.
var floorBody = []byte(`{"Floor":"` + strings.Repeat("x", 1500) + `"}`)

// floorHandler burns work of CPU, then answers floorBody.
func floorHandler(work time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for start := time.Now(); time.Since(start) < work; {
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(floorBody)
	})
}

// serveFloor serves floorHandler on addr (loopback only) for d.
func serveFloor(addr string, work, d time.Duration) error {
	if err := checkLoopback("-serve-floor", "http://"+addr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: floorHandler(work)}
	time.AfterFunc(d, func() { srv.Close() })
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func opFloor(ctx context.Context, l *loader, _ *rand.Rand) (int, error) {
	b, err := l.call(ctx, "GET", "floor", "", nil)
	if err != nil {
		return 0, err
	}
	if l.cfg.check && len(b) != len(floorBody) {
		return 0, fmt.Errorf("floor: %d bytes, want %d", len(b), len(floorBody))
	}
	return 1, nil
}
