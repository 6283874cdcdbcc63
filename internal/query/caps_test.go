package query

import (
	"strings"
	"testing"
)

// TestRunnerMaxBytes: a byte cap hands out a token before the row that
// would cross it, and resuming completes the result without loss or
// duplicates, in every mode; a row bigger than the cap still goes out
// alone, so each run makes progress.
func TestRunnerMaxBytes(t *testing.T) {
	tests := []struct {
		name    string
		backend func() (*fakeBackend, []string)
		pk      bool
	}{
		{"single", plainBackend, true},
		{"direct", plainBackend, false},
		{"merge", func() (*fakeBackend, []string) { return mergeBackend(true, -1) }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, want := tc.backend()
			for _, limit := range []int{1, 10, 25, 40} {
				b, _ := tc.backend()
				spec := testSpec(tc.pk)
				spec.MaxBytes = limit
				var got []string
				for run := 0; ; run++ {
					if run > len(want)+1 {
						t.Fatalf("limit %d: no end after %d runs", limit, run)
					}
					rows, out := runAll(t, b, spec)
					size := 0
					for _, r := range rows {
						size += len(r)
					}
					if len(rows) == 0 || (len(rows) > 1 && size > limit) {
						t.Fatalf("limit %d run %d: %d rows of %d bytes", limit, run, len(rows), size)
					}
					got = append(got, rows...)
					if out.Continuation == "" {
						break
					}
					spec.Continuation = out.Continuation
				}
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Fatalf("limit %d: resumed rows\n got %v\nwant %v", limit, got, want)
				}
			}
		})
	}
}
