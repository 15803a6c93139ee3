package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOrgPlanCLI sets plans through the real binary and reads usage back.
func TestOrgPlanCLI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	p := startServe(t, dir)
	defer p.stop(t)
	bin, _ := buildBinary()
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, append(args, "--url", "http://"+p.addr, "--data-dir", dir)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("org", "plan", "pro")
	if err != nil || !strings.Contains(out, `"name": "pro"`) || !strings.Contains(out, `"per5s": 10`) {
		t.Fatalf("org plan pro: %v\n%s", err, out)
	}
	out, err = run("org", "plan", "--per5s", "7", "--bulk", "2", "--daily", "900")
	if err != nil || !strings.Contains(out, `"name": "custom"`) || !strings.Contains(out, `"dailyBase": 900`) {
		t.Fatalf("org plan custom: %v\n%s", err, out)
	}
	out, err = run("org", "usage")
	if err != nil || !strings.Contains(out, `"standard": 0`) || !strings.Contains(out, `"limit": 900`) {
		t.Fatalf("org usage: %v\n%s", err, out)
	}
	if out, err := run("org", "plan", "gold"); err == nil || !strings.Contains(out, "unknown plan") {
		t.Errorf("org plan gold: %v\n%s", err, out)
	}
	if out, err := run("org", "plan"); err == nil {
		t.Errorf("org plan without a plan succeeded:\n%s", out)
	}
}
