// Package doctor walks the chain between a user and their data one link at
// a time — configuration, DNS, TLS, Entra ID, the sign-in, the token's
// claims against the account, the account, the database and container, a
// query — and stops at the first broken link. The links are plain
// functions so the command, the MCP server and tests can compose them; the
// checks here do their own I/O only for DNS, TLS and Entra's discovery
// document.
package doctor

import (
	"context"
	"errors"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Step is one link of the chain. Run returns a short detail on success
// ("resolves to 1 address", "alice@contoso.test, 52 min left") or an
// explained error (an *errs.Error, whose kind gives the exit code). A
// step that does not apply returns ErrSkip (wrapped with the reason).
type Step struct {
	Name string
	Run  func(ctx context.Context) (string, error)
}

// ErrSkip marks a step that does not apply to this profile.
var ErrSkip = errors.New("skipped")

// Status of one step.
type Status string

const (
	StatusOK      Status = "ok"
	StatusFail    Status = "fail"
	StatusSkipped Status = "skipped"
	// StatusNotRun marks the steps after the first failure.
	StatusNotRun Status = "not run"
)

// Result is one step's outcome.
type Result struct {
	Name     string        `json:"step"`
	Status   Status        `json:"status"`
	Detail   string        `json:"detail,omitempty"`
	Hint     string        `json:"hint,omitempty"`
	Duration time.Duration `json:"-"`
	Millis   float64       `json:"ms"`
	Err      error         `json:"-"`
}

// Run runs the steps in order and stops at the first failure; the steps
// after it are reported as not run. It returns the results and the first
// failure's error (nil when every step passed or was skipped).
func Run(ctx context.Context, steps []Step, now func() time.Time) ([]Result, error) {
	if now == nil {
		now = time.Now
	}
	var out []Result
	var failed error
	for _, s := range steps {
		r := Result{Name: s.Name}
		if failed != nil {
			r.Status = StatusNotRun
			out = append(out, r)
			continue
		}
		start := now()
		detail, err := s.Run(ctx)
		r.Duration = now().Sub(start)
		r.Millis = float64(r.Duration.Microseconds()) / 1000
		switch {
		case errors.Is(err, ErrSkip):
			r.Status, r.Detail = StatusSkipped, skipReason(err)
		case err != nil:
			r.Status, r.Err, failed = StatusFail, err, err
			var ce *errs.Error
			if errors.As(err, &ce) {
				r.Detail, r.Hint = ce.Msg, ce.Hint
			} else {
				r.Detail = errs.FirstLine(err.Error())
			}
			if ctx.Err() != nil {
				failed = errors.Join(err, ctx.Err())
			}
		default:
			r.Status, r.Detail = StatusOK, detail
		}
		out = append(out, r)
	}
	return out, failed
}

func skipReason(err error) string {
	var se *skipError
	if errors.As(err, &se) {
		return se.reason
	}
	return ""
}

// Skip returns an ErrSkip with the reason.
func Skip(reason string) error {
	return &skipError{reason}
}

type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }
func (e *skipError) Is(t error) bool {
	return t == ErrSkip
}
