package main

import (
	"os"
	"regexp"
	"testing"
)

// TestDockerfilePinsGoModToolchain: the image is built with the Go
// release go.mod's toolchain line names, the one govulncheck checks in
// CI, and runs as non-root with a HEALTHCHECK.
func TestDockerfilePinsGoModToolchain(t *testing.T) {
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	docker, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	toolchain := regexp.MustCompile(`(?m)^toolchain go(\S+)$`).FindSubmatch(gomod)
	from := regexp.MustCompile(`(?m)^FROM golang:(\S+) AS build$`).FindSubmatch(docker)
	if toolchain == nil || from == nil || string(toolchain[1]) != string(from[1]) {
		t.Errorf("go.mod toolchain %q, Dockerfile FROM golang:%q; want the same release", toolchain, from)
	}
	for _, want := range []string{`(?m)^USER nonroot`, `(?m)^HEALTHCHECK .*\n?.*"-healthcheck"`} {
		if !regexp.MustCompile(want).Match(docker) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
}
