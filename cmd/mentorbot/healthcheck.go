package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// healthcheckFlag runs the liveness probe against a running mentorbot
// instead of starting one: the container image has no shell or curl,
// so its HEALTHCHECK runs the binary itself.
const healthcheckFlag = "-healthcheck"

// healthcheck asks the /healthz of the mentorbot listening on
// LISTEN_ADDR (through getenv; on this host) and returns the exit
// code: 0 when it answers 200, 1 otherwise, with the reason on out.
func healthcheck(getenv func(string) string, out io.Writer) int {
	addr, ok := lookup(getenv, "LISTEN_ADDR")
	if !ok {
		addr = ":8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		fmt.Fprintf(out, "mentorbot: healthcheck: LISTEN_ADDR %q is not host:port\n", addr)
		return 1
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1" // listening everywhere includes the loopback
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	u := "http://" + net.JoinHostPort(strings.Trim(host, "[]"), port) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		fmt.Fprintf(out, "mentorbot: healthcheck: %v\n", err)
		return 1
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(out, "mentorbot: healthcheck: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(out, "mentorbot: healthcheck: %s answered %s\n", u, resp.Status)
		return 1
	}
	return 0
}
