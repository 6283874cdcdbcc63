package iostreams

import "testing"

func TestColorAndWidth(t *testing.T) {
	cases := []struct {
		name      string
		tty       bool
		noColor   bool
		width     int
		wantColor bool
		wantWidth int
	}{
		{"piped", false, false, 120, false, 0},
		{"terminal", true, false, 120, true, 120},
		{"terminal, width unknown", true, false, 0, true, 80},
		{"terminal, NO_COLOR", true, true, 100, false, 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _, _ := Test()
			s.SetStdoutTTY(tc.tty)
			s.SetTerminalWidth(tc.width)
			s.SetColorDisabled(tc.noColor)
			if got := s.ColorEnabled(); got != tc.wantColor {
				t.Errorf("ColorEnabled = %v, want %v", got, tc.wantColor)
			}
			if got := s.TerminalWidth(); got != tc.wantWidth {
				t.Errorf("TerminalWidth = %d, want %d", got, tc.wantWidth)
			}
		})
	}
}

func TestSystemReadsEnvironment(t *testing.T) {
	env := map[string]string{"NO_COLOR": "1", "COLUMNS": "133"}
	s := System(func(k string) string { return env[k] })
	s.SetStdoutTTY(true)
	if s.ColorEnabled() {
		t.Error("NO_COLOR must disable colour")
	}
	if s.TerminalWidth() != 133 {
		t.Errorf("COLUMNS ignored: width %d", s.TerminalWidth())
	}
}
