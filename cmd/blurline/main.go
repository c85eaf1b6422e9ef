// Command blurline serves and manages a Blurline knowledge graph.
//
// Run "blurline help" for the commands and flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"syscall"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/graph"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if err != errUsage && err != errSilent {
			fmt.Fprintln(os.Stderr, "blurline:", err)
		}
		os.Exit(exitCode(err))
	}
}

// run is the whole program, callable from tests.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	commands := newCommands()
	if len(args) == 0 {
		usage(stderr, commands)
		return errUsage
	}
	name, rest := args[0], args[1:]
	cmd, ok := commands[name]
	if !ok {
		if name == "help" || name == "-h" || name == "--help" || name == "-help" {
			if len(rest) > 0 {
				if c, ok := commands[rest[0]]; ok {
					fs := c.flags(newConfig(getenv))
					fs.SetOutput(stdout)
					fmt.Fprintf(stdout, "usage: blurline %s %s\n\n%s\n\nflags:\n", rest[0], c.args, c.long)
					fs.PrintDefaults()
					return nil
				}
			}
			usage(stdout, commands)
			return nil
		}
		fmt.Fprintf(stderr, "blurline: unknown command %q\n\n", name)
		usage(stderr, commands)
		return errUsage
	}
	cfg := newConfig(getenv)
	fs := cmd.flags(cfg)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: blurline %s %s\n\n%s\n\nflags:\n", name, cmd.args, cmd.long)
		fs.PrintDefaults()
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	env := &env{cfg: cfg, args: fs.Args(), stdin: stdin, stdout: stdout, stderr: stderr}
	env.lg = cfg.logger(stderr)
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "token" {
			env.lg.Warn("the token was given as --token, which any user of this machine can read in the process list: use --token-file or BLURLINE_TOKEN")
		}
	})
	// cayley logs through a process-wide logger: set here, once, for every command.
	graph.SetCayleyLogger(env.lg)
	if name != "serve" { // the server names each request's principal and origin
		ctx = cliIdentity(ctx, name)
	}
	err := cmd.run(ctx, env)
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) && cmd.interrupted != "" {
		// In place of "graph.Load: context canceled".
		return errors.New("interrupted: " + cmd.interrupted)
	}
	return err
}

// cliIdentity returns ctx with the command line's principal and origin:
// its writes are recorded in the audit trail as the operating system's
// user (or "cli" when it has no name) from "cli", their action the
// command's name. Whoever runs the command holds the store's files, so it
// holds every scope, and its load may restore an export's audit trail.
func cliIdentity(ctx context.Context, command string) context.Context {
	name := "cli"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	ctx = blurline.NewContextWithPrincipal(ctx, &blurline.Principal{Name: name, Scopes: blurline.AllScopes, MaxMarking: blurline.TLPRed})
	return blurline.NewContextWithOrigin(ctx, blurline.Origin{From: "cli", Action: command, Restore: command == "load"})
}
