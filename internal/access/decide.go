package access

import (
	"fmt"
	"net/http"
)

// Answer is can-i's answer for one action.
type Answer int

const (
	Unknown Answer = iota
	Yes
	No
)

// String is the word printed on stdout.
func (a Answer) String() string {
	switch a {
	case Yes:
		return "yes"
	case No:
		return "no"
	}
	return "unknown"
}

// Allowed is the JSON form: true, false, or nil for unknown.
func (a Answer) Allowed() *bool {
	if a == Unknown {
		return nil
	}
	v := a == Yes
	return &v
}

// Outcome is what a probe's response says: the HTTP status and substatus
// of the harmless request (0 when it never got one).
type Outcome struct {
	Status    int
	SubStatus string
	Message   string // the service's message, for denials
	// AccountRead is set when the answer was to the account read (GET /)
	// that precedes every other request, not to the probe itself.
	AccountRead bool
}

// Decide applies rbac.md §8.1's interpretation rule to a probe's outcome:
// 403 with an RBAC substatus is a denial; 429 means the request was
// authorized; the documented "allowed" answers of each probe are yes;
// 404/1003 (a missing database or container) cannot tell. ok is false when
// the outcome is not a decision at all (401: the sign-in failed), and the
// caller reports it as an error rather than an answer.
func Decide(a Action, o Outcome) (ans Answer, reason string, ok bool) {
	switch {
	case o.Status == http.StatusUnauthorized:
		return Unknown, "", false
	case o.Status == http.StatusForbidden:
		switch o.SubStatus {
		case "5301", "5302", "5303", "5400":
			return No, fmt.Sprintf("the service refused the probe (403/%s)", o.SubStatus), true
		}
		return Unknown, fmt.Sprintf("the service refused the probe with 403/%s, which is not an RBAC decision (a firewall or private-endpoint rule?)", orZero(o.SubStatus)), true
	case o.Status == http.StatusTooManyRequests:
		return Yes, "the probe was authorized (then throttled, 429)", true
	case o.Status == http.StatusNotFound && o.SubStatus == "1003":
		return Unknown, "the database or container does not exist, so the service did not decide", true
	case o.Status >= 200 && o.Status < 300, o.Status == http.StatusNotModified:
		return Yes, fmt.Sprintf("the probe was allowed (%d)", o.Status), true
	case o.Status == http.StatusNotFound, o.Status == http.StatusPreconditionFailed:
		// The probes address a random id: being told it does not exist
		// (or that its etag does not match) means authorization passed.
		return Yes, fmt.Sprintf("the probe was authorized (%d for a random id)", o.Status), true
	}
	return Unknown, fmt.Sprintf("the probe got %d/%s, which does not decide %s", o.Status, orZero(o.SubStatus), a.Verb), true
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// Probeable reports whether a harmless request can decide a: create and
// upsert cannot be tried without possibly writing (rbac.md §8.1).
func Probeable(a Action) (bool, string) {
	switch a.Name {
	case ActionItemsCreate, ActionItemsUpsert:
		return false, "no request can test " + a.Verb + " without possibly writing a document; ask an owner which roles you hold (`az cosmosdb sql role assignment list`)"
	}
	return true, ""
}
