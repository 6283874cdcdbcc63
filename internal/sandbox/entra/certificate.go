package entra

import (
	"crypto/rsa"
	"crypto/sha1" // #nosec G505 -- x5t is defined as a SHA-1 thumbprint (RFC 7515 §4.1.7); not used for security decisions alone
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// assertionSkew is the clock skew tolerated on the nbf and exp claims of
// certificate-signed client assertions (Entra allows about five minutes).
const assertionSkew = 5 * time.Minute

// certificateAlgs are the signing algorithms MSAL uses for certificate
// assertions: PS256 with x5t#S256 against Entra, RS256 with x5t for ADFS.
func certificateAlgs() []string { return []string{"PS256", "RS256"} }

// checkCertificates validates the registered certificates of a principal.
func checkCertificates(p *Principal) error {
	if len(p.Certificates) == 0 {
		return nil
	}
	if !p.ServicePrincipal || p.ManagedIdentity {
		return fmt.Errorf("entra: principal %q: certificates can only be registered on service principals", p.Name)
	}
	for i, c := range p.Certificates {
		if c == nil {
			return fmt.Errorf("entra: principal %q: certificate #%d is nil", p.Name, i+1)
		}
		if _, ok := c.PublicKey.(*rsa.PublicKey); !ok {
			return fmt.Errorf("entra: principal %q: certificate #%d (%s) has a %T key; client assertions are verified with RSA keys only", p.Name, i+1, c.Subject, c.PublicKey)
		}
	}
	return nil
}

// isCertificateAssertion tells a certificate-signed client assertion (the
// app signs it itself, so iss is its client id) from a federated one
// (issued by an external identity provider), as Entra does. It only routes
// the request: the chosen validator verifies everything.
func isCertificateAssertion(p *Principal, assertion string) bool {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(assertion, claims); err != nil {
		return false
	}
	iss, _ := claims.GetIssuer()
	return iss != "" && strings.EqualFold(iss, p.ClientID)
}

// thumbprintOf decodes an x5t / x5t#S256 header. MSAL sends standard
// base64 although RFC 7515 specifies base64url, so both are accepted.
func thumbprintOf(v any) ([]byte, bool) {
	str, ok := v.(string)
	if !ok || str == "" {
		return nil, false
	}
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(str); err == nil {
			return b, true
		}
	}
	return nil, false
}

// findCertificate returns the registered certificate named by the
// assertion's header and the thumbprint the client sent (hex, upper case,
// as Entra prints it).
func findCertificate(p *Principal, header map[string]any) (*x509.Certificate, string) {
	shown := ""
	if tp, ok := thumbprintOf(header["x5t#S256"]); ok {
		shown = strings.ToUpper(hex.EncodeToString(tp))
		for _, c := range p.Certificates {
			if sum := sha256.Sum256(c.Raw); string(sum[:]) == string(tp) {
				return c, shown
			}
		}
	}
	if tp, ok := thumbprintOf(header["x5t"]); ok {
		if shown == "" {
			shown = strings.ToUpper(hex.EncodeToString(tp))
		}
		for _, c := range p.Certificates {
			if sum := sha1.Sum(c.Raw); string(sum[:]) == string(tp) { // #nosec G401 -- thumbprint lookup only
				return c, shown
			}
		}
	}
	return nil, shown
}

// tokenEndpoints are the audiences Entra accepts on a certificate-signed
// assertion sent to this request's token endpoint: the v2.0 and v1 token
// endpoint URLs, with the tenant as it appears in the request path or as
// the tenant id.
func (s *Server) tokenEndpoints(r *http.Request) []string {
	base := s.base(r)
	var out []string
	for _, t := range []string{r.PathValue("tenant"), s.tenant} {
		if t == "" {
			continue
		}
		out = append(out, base+"/"+t+"/oauth2/v2.0/token", base+"/"+t+"/oauth2/token")
	}
	return out
}

var errKeyExpired = errors.New("the registered certificate is not within its validity period")

// checkCertificateAssertion validates a client assertion signed with one of
// the service principal's registered certificates: key found by thumbprint,
// RS256/PS256 signature, iss == sub == client id, audience = this token
// endpoint, and nbf/exp within assertionSkew. Failures use real AADSTS
// codes; it writes the error response itself.
func (s *Server) checkCertificateAssertion(w http.ResponseWriter, r *http.Request, p *Principal, assertion string) bool {
	s.count(func(st *Stats) { st.CertificateAssertions++ })
	now := s.now()
	var cert *x509.Certificate
	var shown string
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(assertion, claims, func(t *jwt.Token) (any, error) {
		cert, shown = findCertificate(p, t.Header)
		if cert == nil {
			return nil, errUnknownKey
		}
		if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
			return nil, errKeyExpired
		}
		return cert.PublicKey, nil
	}, jwt.WithValidMethods(certificateAlgs()), jwt.WithoutClaimsValidation())
	const stamp = "01/02/2006 15:04:05"
	found := func() string {
		return fmt.Sprintf("Found key 'Start=%s, End=%s'", cert.NotBefore.UTC().Format(stamp), cert.NotAfter.UTC().Format(stamp))
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_request", 50027, "JWT token is invalid or malformed.")
		return false
	case errors.Is(err, errUnknownKey):
		s.writeOAuthError(w, r, http.StatusUnauthorized, "invalid_client", 700027,
			"The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '"+shown+
				"', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '"+p.ClientID+
				"'.] (The cosmosctl sandbox knows the certificates listed under \"certificates\" of principal '"+p.Name+"' in its seed.)")
		return false
	case errors.Is(err, errKeyExpired):
		s.writeOAuthError(w, r, http.StatusUnauthorized, "invalid_client", 700027,
			"Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '"+shown+"', "+found()+"]")
		return false
	case err != nil:
		reason := "The provided signature value did not match the expected signature value."
		if errors.Is(err, jwt.ErrTokenSignatureInvalid) && cert == nil {
			// The method check failed before the key lookup.
			reason = "The signing algorithm is not supported; use " + strings.Join(certificateAlgs(), " or ") + "."
		}
		msg := "Client assertion failed signature validation. [Reason - " + reason + ", Thumbprint of key used by client: '" + shown + "'"
		if cert != nil {
			msg += ", " + found()
		}
		s.writeOAuthError(w, r, http.StatusUnauthorized, "invalid_client", 700027, msg+"]")
		return false
	}
	iss, _ := claims.GetIssuer()
	sub, _ := claims.GetSubject()
	if !strings.EqualFold(iss, p.ClientID) || !strings.EqualFold(sub, p.ClientID) {
		s.writeOAuthError(w, r, http.StatusUnauthorized, "invalid_client", 700021,
			"Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials . (iss '"+iss+"', sub '"+sub+"', client_id '"+p.ClientID+"'.)")
		return false
	}
	aud, _ := claims.GetAudience()
	audOK := false
	endpoints := s.tokenEndpoints(r)
	for _, a := range aud {
		for _, e := range endpoints {
			audOK = audOK || strings.EqualFold(strings.TrimRight(a, "/"), e)
		}
	}
	if !audOK {
		s.writeOAuthError(w, r, http.StatusUnauthorized, "invalid_client", 700023,
			"Client assertion audience claim does not match Realm issuer. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials . (The assertion's aud is '"+strings.Join(aud, ",")+"'; the cosmosctl sandbox expects '"+endpoints[0]+"'.)")
		return false
	}
	return s.assertionTimeOK(w, r, claims, now, assertionSkew)
}

var errUnknownKey = errors.New("no registered certificate matches the assertion's thumbprint")

// assertionTimeOK checks a client assertion's exp (required) and nbf with
// the given tolerance on exp, and five minutes on nbf, writing AADSTS700024
// when outside.
func (s *Server) assertionTimeOK(w http.ResponseWriter, r *http.Request, claims jwt.MapClaims, now time.Time, expSkew time.Duration) bool {
	exp, _ := claims.GetExpirationTime()
	nbf, _ := claims.GetNotBefore()
	if exp != nil && now.Before(exp.Add(expSkew)) && (nbf == nil || !now.Add(5*time.Minute).Before(nbf.Time)) {
		return true
	}
	var from, to string
	if nbf != nil {
		from = nbf.UTC().String()
	}
	if exp != nil {
		to = exp.UTC().String()
	}
	s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_client", 700024,
		"Client assertion is not within its valid time range. Current time: "+now.UTC().String()+", assertion valid from "+from+", expiry time of assertion "+to+".")
	return false
}
