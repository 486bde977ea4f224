// Command mentorbot runs the mentoring programme's Telegram bot. Without
// a TELEGRAM_TOKEN it opens a console chat over the same flows instead,
// for trying conversations without Telegram.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == healthcheckFlag {
		os.Exit(healthcheck(os.Getenv, os.Stderr))
	}
	cfg, err := parseConfig(os.Args[1:], os.Getenv, os.Stdout)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mentorbot: "+err.Error())
		os.Exit(2)
	}
	cfg.LogOutput = os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, cfg, os.Stdin, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mentorbot: "+err.Error())
		os.Exit(1)
	}
}
