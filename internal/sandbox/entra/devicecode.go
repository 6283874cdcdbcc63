package entra

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"
)

type dcState int

const (
	dcPending dcState = iota
	dcApproved
	dcDeclined
	dcRedeemed
)

// deviceCode is one pending device-code sign-in.
type deviceCode struct {
	deviceCode string
	userCode   string
	clientID   string
	scope      string
	resource   string
	expires    time.Time
	lastPoll   time.Time // zero until the first poll: issuing the code is not a poll
	state      dcState
	principal  string // set on approval
}

// userCodeAlphabet avoids look-alike characters so codes are easy to type.
const userCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func newUserCode() string {
	var b strings.Builder
	for range 9 { // Entra user codes are 9 characters
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(userCodeAlphabet))))
		if err != nil {
			panic(fmt.Sprintf("entra: crypto/rand: %v", err))
		}
		b.WriteByte(userCodeAlphabet[n.Int64()])
	}
	return b.String()
}

// normUserCode makes user-code lookup forgiving of case, spaces and dashes.
func normUserCode(c string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, c)
}

func (s *Server) intervalSeconds() int {
	sec := int((s.cfg.PollInterval + time.Second - 1) / time.Second)
	return max(sec, 1)
}

func (s *Server) handleDeviceCode(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.tenantOK(w, r); !ok {
		return
	}
	s.count(func(st *Stats) { st.DeviceCode++ })
	if !s.parseOAuthForm(w, r) {
		return
	}
	clientID := r.PostForm.Get("client_id")
	if clientID == "" {
		s.writeMissingParam(w, r, "client_id")
		return
	}
	scope := r.PostForm.Get("scope")
	// Reject unknown resources before the user signs in, not after.
	res, ok := s.checkScope(w, r, scope, false)
	if !ok {
		return
	}
	now := s.now()
	dc := &deviceCode{
		deviceCode: "DAQABIQEAAAD." + randomToken(48),
		userCode:   newUserCode(),
		clientID:   clientID,
		scope:      scope,
		resource:   res,
		expires:    now.Add(s.cfg.DeviceCodeLifetime),
	}
	s.mu.Lock()
	for k, v := range s.deviceCodes {
		// Keep expired codes for an hour so late polls still get expired_token.
		if now.After(v.expires.Add(time.Hour)) {
			delete(s.deviceCodes, k)
			delete(s.userCodes, normUserCode(v.userCode))
		}
	}
	for s.userCodes[dc.userCode] != nil {
		dc.userCode = newUserCode()
	}
	s.deviceCodes[dc.deviceCode] = dc
	s.userCodes[dc.userCode] = dc
	s.mu.Unlock()

	verify := s.base(r) + "/devicelogin"
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code":        dc.userCode,
		"device_code":      dc.deviceCode,
		"verification_uri": verify,
		"expires_in":       int(s.cfg.DeviceCodeLifetime / time.Second),
		"interval":         s.intervalSeconds(),
		"message":          "To sign in, use a web browser to open the page " + verify + " and enter the code " + dc.userCode + " to authenticate.",
	})
}

// grantDeviceCode answers one poll. Order: expired, declined, approved
// (or auto-approved), polled too fast (slow_down), pending. Like Entra, the
// first poll is never too fast: slow_down compares with the previous poll
// only, not with the time the code was issued (MSAL for JavaScript polls
// right away).
func (s *Server) grantDeviceCode(w http.ResponseWriter, r *http.Request) {
	code := r.PostForm.Get("device_code")
	if code == "" {
		s.writeMissingParam(w, r, "device_code")
		return
	}
	now := s.now()
	s.mu.Lock()
	dc := s.deviceCodes[code]
	var cp deviceCode
	if dc != nil {
		cp = *dc
		if dc.state == dcPending && now.Before(dc.expires) && s.cfg.AutoApprove != "" {
			dc.state, dc.principal = dcApproved, s.principalByName(s.cfg.AutoApprove).Name
			s.stats.Approvals++
			cp = *dc
		}
		if dc.state == dcApproved && now.Before(dc.expires) {
			dc.state = dcRedeemed // a device code yields tokens once
		}
		if dc.state == dcPending {
			dc.lastPoll = now
		}
	}
	s.mu.Unlock()

	switch {
	case dc == nil || cp.state == dcRedeemed:
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_grant", 70000,
			"Provided grant is invalid or malformed. The device code is unknown or was already redeemed.")
	case !now.Before(cp.expires):
		s.writeOAuthError(w, r, http.StatusBadRequest, "expired_token", 70020,
			"The provided value for the input parameter 'device_code' is not valid. This device code has expired.")
	case cp.state == dcDeclined:
		s.writeOAuthError(w, r, http.StatusBadRequest, "authorization_declined", 70000,
			"The user declined the sign-in request. Start a new sign-in to try again.")
	case cp.state == dcApproved:
		p := s.principalByName(cp.principal)
		s.issue(w, r, grant{p: p, clientID: cp.clientID, resource: cp.resource, scope: cp.scope, base: s.base(r), user: true})
	case !cp.lastPoll.IsZero() && now.Sub(cp.lastPoll) < s.cfg.PollInterval:
		s.writeOAuthError(w, r, http.StatusBadRequest, "slow_down", 70016,
			fmt.Sprintf("OAuth 2.0 device flow error. Polling too frequently; wait %d second(s) between requests. Authorization is pending. Continue polling.", s.intervalSeconds()))
	default:
		s.writeOAuthError(w, r, http.StatusBadRequest, "authorization_pending", 70016,
			"OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
	}
}

// Approve signs principalName in for the device code with userCode, as if
// the user had completed the device-login page.
func (s *Server) Approve(userCode, principalName string) error {
	p := s.principalByName(principalName)
	if p == nil || p.isApp() {
		return fmt.Errorf("%w: %q", ErrUnknownPrincipal, principalName)
	}
	return s.decide(userCode, func(dc *deviceCode) {
		dc.state, dc.principal = dcApproved, p.Name
		s.stats.Approvals++
	})
}

// Decline rejects the device code with userCode; the polling client gets authorization_declined.
func (s *Server) Decline(userCode string) error {
	return s.decide(userCode, func(dc *deviceCode) { dc.state = dcDeclined })
}

func (s *Server) decide(userCode string, apply func(*deviceCode)) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	dc := s.userCodes[normUserCode(userCode)]
	switch {
	case dc == nil:
		return fmt.Errorf("%w: %q", ErrUnknownCode, userCode)
	case !now.Before(dc.expires):
		return fmt.Errorf("%w: %q", ErrExpiredCode, userCode)
	case dc.state != dcPending:
		return fmt.Errorf("%w: %q", ErrCodeUsed, userCode)
	}
	apply(dc)
	return nil
}
