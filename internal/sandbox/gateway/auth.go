package gateway

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/reqlog"
)

// emulatorKey is the well-known Cosmos DB emulator account key (public by design).
const emulatorKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="

// keyDateSkew is how far x-ms-date may be from the server clock on key requests.
const keyDateSkew = 15 * time.Minute

// authFailure is an authentication error ready to be sent.
type authFailure struct {
	status, substatus int
	message           string
}

func (g *Gateway) blocked(text string) string {
	return "Request blocked by Auth " + g.cfg.AccountName + " : " + text
}

// authenticate checks the Authorization header (cosmos-wire.md §4). On
// success it records on x whether the caller used Entra ID and who it is.
func (g *Gateway) authenticate(x *exchange, res resourceRef) *authFailure {
	raw := x.r.Header.Get("Authorization")
	if raw == "" {
		return &authFailure{http.StatusUnauthorized, subMissingAuth, msgMissingAuth}
	}
	// The SDK query-escapes the master-key form; other clients escape the AAD
	// form too. Decode once when the value is escaped.
	if strings.HasPrefix(strings.ToLower(raw), "type%3d") {
		dec, err := url.QueryUnescape(raw)
		if err != nil {
			return &authFailure{http.StatusUnauthorized, subBadAuthFormat, msgBadAuthFormat}
		}
		raw = dec
	}
	fields := map[string]string{}
	// A JWT contains no '&', but split only on the first two separators anyway.
	for _, part := range strings.SplitN(raw, "&", 3) {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return &authFailure{http.StatusUnauthorized, subBadAuthFormat, msgBadAuthFormat}
		}
		fields[strings.ToLower(strings.TrimSpace(k))] = v
	}
	sig := fields["sig"]
	if fields["ver"] != "1.0" || sig == "" {
		return &authFailure{http.StatusUnauthorized, subBadAuthFormat, msgBadAuthFormat}
	}
	switch strings.ToLower(fields["type"]) {
	case "master":
		reqlog.SetPrincipal(x.r.Context(), "account-key")
		return g.checkMasterKey(x, res, sig)
	case "aad":
		return g.checkToken(x, sig)
	default:
		return &authFailure{http.StatusUnauthorized, subBadAuthFormat, msgBadAuthFormat}
	}
}

func (g *Gateway) checkMasterKey(x *exchange, res resourceRef, sig string) *authFailure {
	if g.cfg.LocalAuthDisabled {
		return &authFailure{http.StatusUnauthorized, subNone, msgLocalAuthOff}
	}
	date := x.r.Header.Get("x-ms-date")
	if date == "" {
		date = x.r.Header.Get("Date")
	}
	if date == "" {
		return &authFailure{http.StatusUnauthorized, subNone, msgMissingDate}
	}
	signed, err := http.ParseTime(date)
	if err != nil {
		return &authFailure{http.StatusUnauthorized, subNone, msgMissingDate}
	}
	// The service accepts a signed date up to 15 minutes from its clock.
	if now := g.now().UTC(); now.Sub(signed) > keyDateSkew || signed.Sub(now) > keyDateSkew {
		return &authFailure{http.StatusForbidden, subNone, fmt.Sprintf(
			"The authorization token is not valid at the current time. Please create another token and retry (token start time: %s, token expiry time: %s, current server time: %s).",
			signed.UTC().Format(http.TimeFormat), signed.Add(keyDateSkew).UTC().Format(http.TimeFormat), now.Format(http.TimeFormat))}
	}
	payload := strings.ToLower(x.r.Method) + "\n" + strings.ToLower(res.signType) + "\n" + res.signLink + "\n" + strings.ToLower(date) + "\n\n"
	got, err := base64.StdEncoding.DecodeString(sig)
	if err == nil {
		keys := [][]byte{g.cfg.MasterKey}
		if g.cfg.AcceptEmulatorKey {
			k, _ := base64.StdEncoding.DecodeString(emulatorKey)
			keys = append(keys, k)
		}
		for _, key := range keys {
			if len(key) == 0 {
				continue
			}
			m := hmac.New(sha256.New, key)
			m.Write([]byte(payload))
			if hmac.Equal(m.Sum(nil), got) {
				return nil
			}
		}
	}
	// The real service also shows the payload it signed; it makes protocol bugs obvious.
	return &authFailure{http.StatusUnauthorized, subNone,
		msgSignature + " Server used the following payload to sign: '" + payload + "'"}
}

// tokenClaims are the Entra access-token claims the gateway inspects.
type tokenClaims struct {
	jwt.RegisteredClaims
	OID    string   `json:"oid"`
	TID    string   `json:"tid"`
	Groups []string `json:"groups"`
}

func (g *Gateway) checkToken(x *exchange, token string) *authFailure {
	invalid := func(why string) *authFailure {
		return &authFailure{http.StatusUnauthorized, subNone, g.blocked("Provided AAD token is invalid: " + why + ".")}
	}
	if g.cfg.TokenKey == nil {
		return invalid("this sandbox has no Entra ID signing keys configured")
	}
	var claims tokenClaims
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	_, err := parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, ok := g.cfg.TokenKey(kid)
		if !ok {
			return nil, fmt.Errorf("unknown signing key id %q", kid)
		}
		return key, nil
	})
	if err != nil {
		switch {
		case errors.Is(err, jwt.ErrTokenMalformed):
			return invalid("the token is not a well-formed JWT")
		case errors.Is(err, jwt.ErrTokenSignatureInvalid):
			return invalid("the signature could not be verified")
		default:
			return invalid(err.Error())
		}
	}
	if g.cfg.TokenIssuer != "" && claims.Issuer != g.cfg.TokenIssuer {
		return invalid(fmt.Sprintf("issuer [%s] is not trusted; expected [%s]", claims.Issuer, g.cfg.TokenIssuer))
	}
	if g.cfg.Tenant != "" && claims.TID != g.cfg.Tenant {
		return invalid(fmt.Sprintf("tenant [%s] does not own this database account; expected [%s]", claims.TID, g.cfg.Tenant))
	}
	accepted := g.acceptedAudiences(x.r)
	if !audienceMatches(claims.Audience, accepted) {
		presented := strings.Join(claims.Audience, ", ")
		if !strings.HasSuffix(presented, "/") {
			presented += "/"
		}
		return &authFailure{http.StatusUnauthorized, subBadAudience,
			"Provided AAD token is intended for [" + presented + "]. This database account accepts tokens intended for [" + strings.Join(accepted, ", ") + "]."}
	}
	now := g.now().UTC()
	if claims.ExpiresAt == nil {
		return invalid("the token has no exp claim")
	}
	if exp := claims.ExpiresAt.UTC(); !now.Before(exp) {
		return &authFailure{http.StatusUnauthorized, subTokenExpired, g.blocked(
			"Provided AAD token has been expired since [" + dotnetTime(exp) + "]. Current server time is [" + dotnetTime(now) + "]. Please refresh the AAD token.")}
	}
	if claims.NotBefore != nil && now.Before(claims.NotBefore.UTC()) {
		return invalid("the token is not valid before [" + dotnetTime(claims.NotBefore.UTC()) + "]; current server time is [" + dotnetTime(now) + "]")
	}
	x.aad = true
	x.principal = claims.OID
	if x.principal == "" {
		x.principal = claims.Subject
	}
	x.groups = claims.Groups
	reqlog.SetPrincipal(x.r.Context(), x.principal)
	return nil
}

// dotnetTime formats like the service: "7/17/2022 5:09:09 PM (UTC)".
func dotnetTime(t time.Time) string {
	return t.Format("1/2/2006 3:04:05 PM") + " (UTC)"
}

// acceptedAudiences lists, in the service's order, the audiences accepted for a request.
func (g *Gateway) acceptedAudiences(r *http.Request) []string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	out := []string{}
	if h, _, err := net.SplitHostPort(host); err == nil {
		out = append(out, scheme+"://"+h, scheme+"://"+host)
	} else {
		out = append(out, scheme+"://"+host)
	}
	for _, a := range g.cfg.ExtraAudiences {
		out = append(out, strings.TrimSuffix(a, "/"))
	}
	return out
}

func audienceMatches(presented []string, accepted []string) bool {
	for _, p := range presented {
		p = strings.TrimSuffix(p, "/")
		for _, a := range accepted {
			if strings.EqualFold(p, a) {
				return true
			}
		}
	}
	return false
}
