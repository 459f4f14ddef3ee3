// Command digits trains, evaluates, benchmarks and serves the LSTM digit
// reader.
//
//	digits train          train the LSTM on MNIST, with checkpoints, metrics and plots
//	digits eval           a model's accuracy on the MNIST test set
//	digits predict        read digits from PNG or JPEG images
//	digits serve          serve the web app: draw a digit, watch the LSTM read it
//	digits export-static  write the web app as plain files
//	digits demo           train the seed model on synthetic digits and watch its loss fall
//	digits bench          measure training and inference speed on the seed model's shapes
//
// Run "digits COMMAND --help" for a command's flags and examples. Exit
// codes: 0 success, 1 failure, 2 a wrong command line, 130 interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/lstm-digits/lstm-digits/backend"
)

// command is one subcommand of digits.
type command struct {
	name, summary string
	// usage is the text after the flag list: examples.
	examples string
	// run parses args with fs and runs, writing results to stdout.
	run func(ctx context.Context, fs *flag.FlagSet, args []string, stdout io.Writer) error
}

var commands = []*command{trainCommand, evalCommand, predictCommand, demoCommand, benchCommand, serveCommand, exportStaticCommand}

// Exit codes.
const (
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// usageError marks a wrong command line: one line, exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(stdout)
		return 0
	}
	var cmd *command
	for _, c := range commands {
		if c.name == args[0] {
			cmd = c
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "digits: unknown command %q (run 'digits help' for the list)\n", args[0])
		return exitUsage
	}
	fs := flag.NewFlagSet("digits "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := runRecovering(ctx, cmd, fs, args[1:], stdout)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		printCommandUsage(stdout, cmd, fs)
		return 0
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "digits %s: interrupted\n", cmd.name)
		return exitInterrupted
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "digits %s: %v (run 'digits %s --help' for usage)\n", cmd.name, err, cmd.name)
		return exitUsage
	}
	fmt.Fprintf(stderr, "digits %s: %v\n", cmd.name, err)
	return exitFailure
}

// runRecovering runs cmd, turning a device's failure in the middle of the
// work (a backend.DeviceError, such as a GPU driver error) into its error.
func runRecovering(ctx context.Context, cmd *command, fs *flag.FlagSet, args []string, stdout io.Writer) (err error) {
	defer backend.Recover(&err)
	return cmd.run(ctx, fs, args, stdout)
}

// parse parses args into fs, turning a flag error into a usageError and
// refusing positional arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "digits: an LSTM that reads handwritten digits row by row\n\nUsage: digits COMMAND [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'digits COMMAND --help' for a command's flags and examples.")
}

func printCommandUsage(w io.Writer, cmd *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "digits %s: %s\n\nUsage: digits %s [flags]\n\nFlags:\n", cmd.name, cmd.summary, cmd.name)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprintf(w, "\nExamples:\n%s", cmd.examples)
}
