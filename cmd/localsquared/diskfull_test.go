package main

import (
	"database/sql"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDiskFull: with the data directory on a small filesystem, writes fail
// with MXInternalException once it is full, nothing is corrupted, and
// writes work again, without a restart, once space returns.
func TestDiskFull(t *testing.T) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	dir := filepath.Join(mnt, "data")
	p := startServe(t, dir)
	c := readCreds(t, dir)

	stop := make(chan struct{})
	res := createLoop(p.addr, c, 4, 20000, stop)
	deadline := time.Now().Add(60 * time.Second)
	for {
		res.mu.Lock()
		full := len(res.errors) >= 20
		res.mu.Unlock()
		if full {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the filesystem never filled up")
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	<-res.done
	for _, e := range res.errors {
		if !strings.HasPrefix(e, "500 ") || !strings.Contains(e, "MXInternalException") || strings.Contains(strings.ToLower(e), "sqlite") {
			t.Fatalf("unexpected answer on a full disk: %s", e)
		}
	}
	// Space returns; the same process writes again.
	if out, err := exec.Command("mount", "-o", "remount,size=64m", mnt).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	stop2 := make(chan struct{})
	res2 := createLoop(p.addr, c, 2, 20, stop2)
	<-res2.done
	if len(res2.acked) != 40 {
		t.Errorf("after space returned: %d of 40 creates succeeded; errors %v", len(res2.acked), res2.errors[:min(3, len(res2.errors))])
	}
	p.stop(t)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "localsquared.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
	p2 := startServe(t, dir)
	defer p2.stop(t)
	all := append(res.acked, res2.acked...)
	if n := missingLeads(t, p2.addr, c, all); n > 0 {
		t.Errorf("%d of %d acknowledged creates lost", n, len(all))
	}
	t.Logf("%d creates before the disk filled, %d refused, %d after space returned", len(res.acked), len(res.errors), len(res2.acked))
}
