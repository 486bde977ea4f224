package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestRunDrivesEveryStudentThroughApply(t *testing.T) {
	for _, limits := range []bool{false, true} {
		res, err := run(context.Background(), config{Users: 3, Limits: limits, Timeout: time.Minute})
		if err != nil {
			t.Fatalf("run(3 users, limits %v) = %v", limits, err)
		}
		// /apply, four presses, five uploads and Confirm.
		if want := 3 * 11; res.Updates != want {
			t.Errorf("run(3 users, limits %v) handled %d updates; want %d", limits, res.Updates, want)
		}
		if res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 {
			t.Errorf("run(3 users, limits %v) latencies p50 %v p99 %v max %v; want 0 < p50 <= p99 <= max", limits, res.P50, res.P99, res.Max)
		}
		var out bytes.Buffer
		res.print(&out)
		if !strings.Contains(out.String(), "users 3, updates 33") {
			t.Errorf("print() = %q; want it to start with the counts", out.String())
		}
	}
}

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		ok   bool
		want config
	}{
		{nil, true, config{Users: 100, Timeout: 10 * time.Minute}},
		{[]string{"-users", "7", "-limits"}, true, config{Users: 7, Limits: true, Timeout: 10 * time.Minute}},
		{[]string{"-users", "0"}, false, config{}},
		{[]string{"-users", "many"}, false, config{}},
	} {
		var stderr bytes.Buffer
		got, err := parseFlags(tc.args, &stderr)
		if (err == nil) != tc.ok || tc.ok && got != tc.want {
			t.Errorf("parseFlags(%q) = %+v, %v; want %+v, ok %v", tc.args, got, err, tc.want, tc.ok)
		}
		if !tc.ok && stderr.Len() == 0 {
			t.Errorf("parseFlags(%q) wrote nothing to stderr; want the reason", tc.args)
		}
	}
}
