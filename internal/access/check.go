package access

import (
	"cmp"
	"context"
	"errors"
	"fmt"
)

// Prober sends the harmless request that tests one action at one scope.
// It returns an error only when no HTTP answer came back (network, TLS,
// sign-in); ErrUndecidable-wrapped errors mean no probe exists.
type Prober interface {
	Probe(ctx context.Context, a Action, sc Scope) (Outcome, error)
}

// Result is can-i's answer for one action.
type Result struct {
	Action  Action
	Scope   Scope // the scope asked about
	Answer  Answer
	Reason  string
	Outcome Outcome
	// Missing is the data action the service named as missing (it differs
	// from Action when the account read failed first: readMetadata).
	Missing string
	// Principal is the object id the service named in its refusal.
	Principal string
	// GroupsMayApply is set when the service said group memberships may
	// have been missing from the token.
	GroupsMayApply bool
}

// Fix is the least-privilege role assignment that turns a "no" into a
// "yes": the least built-in role granting the missing action, at the
// scope asked about (the narrowest one that serves the request).
func (r Result) Fix(account, resourceGroup, principalID string) string {
	if r.Answer != No {
		return ""
	}
	role := r.Action.RoleID
	if a, ok := ActionNamed(r.Missing); ok && a.RoleID == DataContributorID {
		role = DataContributorID
	}
	return FixCommand(account, resourceGroup, r.Scope, principalID, role)
}

// ErrUndecidable marks actions no harmless probe can decide.
var ErrUndecidable = errors.New("undecidable without a side effect")

// Check decides each action at sc. A refusal of the account read itself
// (403/5301 on readMetadata, which every request needs first) answers "no"
// for every action with that permission named, without probing further.
// The first error that is not an answer (network, sign-in) stops the check
// and is returned with the results so far.
func Check(ctx context.Context, p Prober, actions []Action, sc Scope) ([]Result, error) {
	var out []Result
	var blocked *Result
	probed := false // whether any probe has been sent (and so the account read)
	for _, a := range actions {
		r := Result{Action: a, Scope: sc}
		switch ok, why := Probeable(a); {
		case blocked != nil:
			r.Answer, r.Missing, r.Principal, r.GroupsMayApply, r.Outcome = No, blocked.Missing, blocked.Principal, blocked.GroupsMayApply, blocked.Outcome
			r.Reason = fmt.Sprintf("every request needs %s first, which was refused", blocked.Missing)
		case !ok:
			// No probe decides this action, but a refused account read
			// still answers it: find out first, once.
			if !probed {
				probed = true
				meta, _ := ActionNamed(ActionReadMetadata)
				if o, err := p.Probe(ctx, meta, sc); err == nil && o.AccountRead && o.Status == 403 {
					d, _ := ParseDenial(o.Message)
					blocked = &Result{Missing: cmp.Or(d.Action, ActionReadMetadata), Principal: d.Principal, GroupsMayApply: d.GroupsMayApply, Outcome: o}
					r.Answer, r.Missing, r.Principal, r.GroupsMayApply, r.Outcome = No, blocked.Missing, blocked.Principal, blocked.GroupsMayApply, o
					r.Reason = fmt.Sprintf("every request needs %s first, which was refused", blocked.Missing)
					break
				}
			}
			r.Answer, r.Reason = Unknown, why
		default:
			probed = true
			o, err := p.Probe(ctx, a, sc)
			if errors.Is(err, ErrUndecidable) {
				r.Answer, r.Reason = Unknown, err.Error()
				break
			}
			if err != nil {
				return out, err
			}
			ans, reason, decided := Decide(a, o)
			if !decided {
				return out, &NotAnswerError{Action: a, Outcome: o}
			}
			r.Answer, r.Reason, r.Outcome = ans, reason, o
			if ans == No {
				r.Missing = a.Name
				if d, ok := ParseDenial(o.Message); ok {
					r.Missing, r.Principal, r.GroupsMayApply = d.Action, d.Principal, d.GroupsMayApply
					r.Reason = fmt.Sprintf("missing %s on %s (%d/%s)", d.Action, orSlash(d.Resource), o.Status, o.SubStatus)
				}
				if o.AccountRead {
					cp := r
					blocked = &cp
				}
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// NotAnswerError is a probe answered with something that is not an
// authorization decision (401: the token itself was refused).
type NotAnswerError struct {
	Action  Action
	Outcome Outcome
}

func (e *NotAnswerError) Error() string {
	return fmt.Sprintf("probe for %s: the service refused the sign-in (%d/%s): %s", e.Action.Verb, e.Outcome.Status, orZero(e.Outcome.SubStatus), e.Outcome.Message)
}

func orSlash(res string) string {
	if res == "" {
		return "/"
	}
	return res
}

// KeyResults answers every action yes for an account-key sign-in: keys
// bypass data-plane RBAC, so no probe is needed (rbac.md §8.2).
func KeyResults(actions []Action, sc Scope) []Result {
	out := make([]Result, len(actions))
	for i, a := range actions {
		out[i] = Result{Action: a, Scope: sc, Answer: Yes, Reason: "signed in with the account key, which bypasses data-plane RBAC"}
	}
	return out
}
