// Package iostreams holds the process's standard streams together with what
// is known about them (terminal or not, width, colour), so that commands never
// look at os.Stdout directly and tests can pretend to be a terminal.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// IOStreams is the set of streams a command reads and writes.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	width     int
	noColor   bool
}

// System returns streams bound to the process's stdin, stdout and stderr.
// getenv is consulted for NO_COLOR and COLUMNS.
func System(getenv func(string) string) *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	s.stdinTTY = isTerminal(os.Stdin)
	s.stdoutTTY = isTerminal(os.Stdout)
	s.stderrTTY = isTerminal(os.Stderr)
	if s.stdoutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
			s.width = w
		}
	}
	if c, err := strconv.Atoi(getenv("COLUMNS")); err == nil && c > 0 {
		s.width = c
	}
	s.noColor = getenv("NO_COLOR") != "" || getenv("TERM") == "dumb"
	return s
}

func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

// Test returns streams backed by buffers; nothing is a terminal until the
// Set*TTY methods say so.
func Test() (s *IOStreams, in *bytes.Buffer, out *bytes.Buffer, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

func (s *IOStreams) IsStdinTTY() bool  { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

func (s *IOStreams) SetStdinTTY(v bool)  { s.stdinTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// TerminalWidth is the width of the terminal stdout writes to, or 0 when
// unknown or not a terminal (callers then never truncate).
func (s *IOStreams) TerminalWidth() int {
	if !s.stdoutTTY {
		return 0
	}
	if s.width == 0 {
		return 80
	}
	return s.width
}

// SetTerminalWidth overrides the detected width (tests, COLUMNS).
func (s *IOStreams) SetTerminalWidth(w int) { s.width = w }

// SetColorDisabled turns colour off (the --no-color flag).
func (s *IOStreams) SetColorDisabled(v bool) { s.noColor = v }

// ColorEnabled reports whether stdout may carry ANSI colour: only on a
// terminal, and never with NO_COLOR or --no-color.
func (s *IOStreams) ColorEnabled() bool { return s.stdoutTTY && !s.noColor }
