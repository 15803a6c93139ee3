package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"

	"github.com/localsquared/localsquared/internal/procs"
	"github.com/localsquared/localsquared/internal/server"
)

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg server.Config
	fs.StringVar(&cfg.Addr, "addr", envOr("LOCALSQUARED_ADDR", "127.0.0.1:8080"), "listen address (env LOCALSQUARED_ADDR)")
	fs.StringVar(&cfg.DataDir, "data-dir", envOr("LOCALSQUARED_DATA_DIR", "localsquared-data"), "data directory (env LOCALSQUARED_DATA_DIR)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", envOr("LOCALSQUARED_DATABASE_URL", ""), "postgres://… to use PostgreSQL instead of SQLite (env LOCALSQUARED_DATABASE_URL)")
	fs.StringVar(&cfg.Durability, "durability", envOr("LOCALSQUARED_DURABILITY", "normal"), "SQLite durability: normal (survives crashes) or full (survives power loss) (env LOCALSQUARED_DURABILITY)")
	limit, _ := strconv.ParseInt(envOr("LOCALSQUARED_BODY_LIMIT", "8388608"), 10, 64)
	fs.Int64Var(&cfg.BodyLimit, "body-limit", limit, "largest request body in bytes (env LOCALSQUARED_BODY_LIMIT)")
	logLevel := fs.String("log-level", envOr("LOCALSQUARED_LOG_LEVEL", "info"), "debug, info, warn or error (env LOCALSQUARED_LOG_LEVEL)")
	pprofAddr := fs.String("pprof-addr", envOr("LOCALSQUARED_PPROF_ADDR", ""), "serve Go's /debug/pprof/ profiles on this loopback address, e.g. 127.0.0.1:6060 (env LOCALSQUARED_PPROF_ADDR; off by default)")
	procsFlag := fs.String("procs", envOr("LOCALSQUARED_PROCS", ""), "Go processors: auto (one while one keeps up, all of them under load) or a number; default auto unless GOMAXPROCS is set (env LOCALSQUARED_PROCS)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if cfg.Durability != "normal" && cfg.Durability != "full" {
		fmt.Fprintln(stderr, "serve: --durability must be normal or full")
		return 2
	}
	if *pprofAddr != "" && !isLoopback(*pprofAddr) {
		fmt.Fprintln(stderr, "serve: --pprof-addr must be a loopback address (127.0.0.1:PORT, [::1]:PORT or localhost:PORT)")
		return 2
	}
	maxProcs, err := parseProcs(*procsFlag, os.Getenv("GOMAXPROCS"))
	if err != nil {
		fmt.Fprintln(stderr, "serve:", err)
		return 2
	}
	tuneGC(os.Getenv)
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintln(stderr, "serve: --log-level must be debug, info, warn or error")
		return 2
	}
	// Benchmark-only: bench/run.sh measures the journal's cost by running
	// the same load with it off. Not a flag, so nobody turns it off by accident.
	cfg.JournalDisabled = os.Getenv("LOCALSQUARED_BENCH_NO_JOURNAL") == "1"
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg.Logger, cfg.Out = log, stdout

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, cfg)
	if err != nil {
		log.Error("start failed", "err", err)
		return 1
	}
	if maxProcs > 1 {
		go procs.Run(ctx, log, maxProcs)
	}
	if *pprofAddr != "" {
		ln, err := net.Listen("tcp", *pprofAddr)
		if err != nil {
			srv.Close()
			log.Error("pprof listen failed", "err", err)
			return 1
		}
		defer ln.Close()
		go http.Serve(ln, pprofMux())
		log.Info("profiling", "addr", ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() {
		errc <- srv.ListenAndServe(func(addr net.Addr) {
			log.Info("listening", "addr", addr.String(), "database", srv.Store.Dialect(), "data_dir", cfg.DataDir)
		})
	}()
	select {
	case err := <-errc:
		srv.Close()
		log.Error("serve failed", "err", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down")
	if err := srv.Close(); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("serve", "err", err)
	}
	log.Info("stopped")
	return 0
}

// pprofMux serves net/http/pprof's handlers on their own mux, so they
// never reach the API's listener.
func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// isLoopback reports whether addr (host:port) names a loopback host.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// The server allocates much per call (decoded bodies, leads, response
// buffers) and keeps little, so with Go's default GOGC of 100 the
// collector ran every few megabytes and took about a sixth of a read's
// CPU. serve lets the heap grow to five times what is live (GOGC=400),
// under a soft limit of 64 MiB at which the collector runs more often
// instead (GOMEMLIMIT; Go's memory only: SQLite's page caches, about
// 70 MB, are outside it). Measured against GOGC=100 in one session:
// RecentlyModified pages of 1,000 went from 92 to 133 calls/s and GetById
// at 32 clients from 7,100–7,600 to 7,800–8,000; a 1,000,000-row import's
// peak RSS went from 148 to 163 MB (with a 128 MiB limit it was 215 MB).
// GOGC and GOMEMLIMIT in the environment win.
const (
	serveGCPercent = 400
	serveMemLimit  = 64 << 20
)

// tuneGC sets the collector for serving, where getenv leaves it unset.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemLimit)
	}
}

// parseProcs reads --procs. It returns the most processors the governor
// may use (internal/procs), or 0 when the count is fixed: by a number,
// which it sets, or by GOMAXPROCS in the environment, when --procs is not
// given.
func parseProcs(flag, env string) (int, error) {
	switch {
	case flag == "" && env != "":
		return 0, nil
	case flag == "" || flag == "auto":
		return runtime.GOMAXPROCS(0), nil
	}
	n, err := strconv.Atoi(flag)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("--procs must be auto or a number of processors, not %q", flag)
	}
	runtime.GOMAXPROCS(n)
	return 0, nil
}
