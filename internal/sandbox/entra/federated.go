package entra

import (
	"fmt"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MintFederatedToken returns a token from the sandbox's federated issuer
// (think GitHub Actions OIDC) that azidentity's ClientAssertionCredential or
// WorkloadIdentityCredential can present as client_assertion. An empty
// audience means api://AzureADTokenExchange; lifetime <= 0 means 1h.
func (s *Server) MintFederatedToken(subject, audience string, lifetime time.Duration) (string, error) {
	return s.mintFederated(s.base(nil), subject, audience, lifetime)
}

func (s *Server) mintFederated(base, subject, audience string, lifetime time.Duration) (string, error) {
	if subject == "" {
		return "", fmt.Errorf("entra: federated token needs a subject")
	}
	if base == "" {
		return "", fmt.Errorf("entra: federated token: base URL not set (call SetBaseURL first)")
	}
	if audience == "" {
		audience = FederatedAudience
	}
	if lifetime <= 0 {
		lifetime = time.Hour
	}
	now := s.now()
	tok, err := s.sign(s.federated, jwt.MapClaims{
		"iss": s.federatedIssuerFor(base),
		"sub": subject,
		"aud": audience,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(lifetime).Unix(),
		"jti": randomToken(16),
	})
	if err != nil {
		return "", fmt.Errorf("entra: federated token: %w", err)
	}
	return tok, nil
}

// handleFederatedToken serves GET /sandbox/federated-token?sub=…[&aud=…]
// as text, for CI scripts that write it to AZURE_FEDERATED_TOKEN_FILE.
func (s *Server) handleFederatedToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sub := q.Get("sub")
	if sub == "" {
		http.Error(w, "missing query parameter 'sub': the subject of the federated token, e.g. ?sub=repo:org/repo:ref:refs/heads/main", http.StatusBadRequest)
		return
	}
	tok, err := s.mintFederated(s.base(r), sub, q.Get("aud"), 0)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	// No trailing newline: azidentity reads AZURE_FEDERATED_TOKEN_FILE verbatim.
	_, _ = w.Write([]byte(tok))
}
