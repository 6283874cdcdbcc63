package entra

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/atomicfile"
)

// stateVersion is the format of Config.StateFile.
const stateVersion = 1

// rtKey is how a refresh token is remembered: its hash, so that neither
// the server's memory nor the state file holds a token anyone could redeem.
func rtKey(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

type stateFile struct {
	Version       int            `json:"version"`
	RefreshTokens []stateRefresh `json:"refresh_tokens"`
}

type stateRefresh struct {
	Hash      string    `json:"sha256"`
	Principal string    `json:"principal"`
	ClientID  string    `json:"client_id"`
	Issued    time.Time `json:"issued"`
	Expires   time.Time `json:"expires"`
	State     rtState   `json:"state"`
	ChangedAt time.Time `json:"changed_at,omitzero"`
}

// loadState reads Config.StateFile, if any; a missing file is a first start.
func (s *Server) loadState() error {
	if s.cfg.StateFile == "" {
		return nil
	}
	data, err := os.ReadFile(s.cfg.StateFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("entra: read state: %w", err)
	}
	var st stateFile
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("entra: %s is not valid JSON (remove it to sign everyone out): %w", s.cfg.StateFile, err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("entra: %s has version %d, want %d (remove it to sign everyone out)", s.cfg.StateFile, st.Version, stateVersion)
	}
	for _, r := range st.RefreshTokens {
		// Tokens of principals no longer in the seed cannot be redeemed anyway.
		if s.principalByName(r.Principal) == nil {
			continue
		}
		s.refreshTokens[r.Hash] = &refreshToken{principal: r.Principal, clientID: r.ClientID, issued: r.Issued, expires: r.Expires, state: r.State, changedAt: r.ChangedAt}
	}
	return nil
}

// saveStateLocked writes Config.StateFile (0600); s.mu must be held.
func (s *Server) saveStateLocked() error {
	if s.cfg.StateFile == "" {
		return nil
	}
	st := stateFile{Version: stateVersion, RefreshTokens: []stateRefresh{}}
	for k, v := range s.refreshTokens {
		st.RefreshTokens = append(st.RefreshTokens, stateRefresh{Hash: k, Principal: v.principal, ClientID: v.clientID, Issued: v.issued, Expires: v.expires, State: v.state, ChangedAt: v.changedAt})
	}
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("entra: encode state: %w", err)
	}
	if err := atomicfile.Write(s.cfg.StateFile, data, 0o600); err != nil {
		return fmt.Errorf("entra: save state: %w", err)
	}
	return nil
}

// saveStateBestEffortLocked saves after a token was spent or revoked: the
// answer stands either way, and the next issuance saves again; a failed
// save can only let a spent token work once more after a restart.
func (s *Server) saveStateBestEffortLocked() { _ = s.saveStateLocked() }
