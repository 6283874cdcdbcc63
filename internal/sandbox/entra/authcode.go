package entra

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// authCodeLifetime is how long an authorization code can be redeemed;
// Entra's codes live about ten minutes.
const authCodeLifetime = 10 * time.Minute

// authRequest is an authorization request waiting on the sign-in page.
type authRequest struct {
	clientID    string
	redirectURI string
	scope       string
	resource    string
	state       string
	challenge   string
	formPost    bool
	expires     time.Time
}

// authCode is an issued authorization code.
type authCode struct {
	req       authRequest
	principal string
	expires   time.Time
}

// loopbackRedirect reports whether a redirect URI is one a public client on
// this machine may use without registration: http on localhost or
// 127.0.0.1, any port, as Entra allows for native apps.
func loopbackRedirect(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Fragment != "" {
		return false
	}
	switch u.Hostname() {
	case "localhost", "127.0.0.1":
	default:
		return false
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return false
		}
	}
	return true
}

// S256Challenge is the PKCE code challenge of a verifier (RFC 7636 S256).
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// handleAuthorize starts the authorization-code flow. Errors that make the
// redirect URI untrustworthy are shown as a page; every later error goes
// back to the redirect URI, as Entra does.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	s.count(func(st *Stats) { st.Authorizations++ })
	if !s.knownTenant(r.PathValue("tenant")) {
		s.renderAuthError(w, http.StatusBadRequest, 90002, "Tenant '"+r.PathValue("tenant")+"' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
		return
	}
	q := r.URL.Query()
	clientID, redirect := q.Get("client_id"), q.Get("redirect_uri")
	if clientID == "" {
		s.renderAuthError(w, http.StatusBadRequest, 900144, "The request body must contain the following parameter: 'client_id'.")
		return
	}
	if !loopbackRedirect(redirect) {
		s.renderAuthError(w, http.StatusBadRequest, 50011,
			"The redirect URI '"+redirect+"' specified in the request does not match the redirect URIs configured for the application '"+clientID+
				"'. The cosmosctl sandbox accepts only loopback redirect URIs: http://localhost or http://127.0.0.1, any port.")
		return
	}
	req := authRequest{
		clientID: clientID, redirectURI: redirect, scope: q.Get("scope"), state: q.Get("state"),
		challenge: q.Get("code_challenge"), formPost: q.Get("response_mode") == "form_post",
		expires: s.now().Add(authCodeLifetime),
	}
	fail := func(code string, aadsts int, msg string) { s.redirectError(w, r, req, code, aadsts, msg) }
	if rt := q.Get("response_type"); rt != "code" {
		fail("unsupported_response_type", 700054, "response_type '"+rt+"' is not enabled for the application; the cosmosctl sandbox supports 'code'.")
		return
	}
	if m := q.Get("response_mode"); m != "" && m != "query" && m != "form_post" {
		fail("invalid_request", 900144, "response_mode '"+m+"' is not supported; use 'query' or 'form_post'.")
		return
	}
	if req.challenge == "" {
		fail("invalid_request", 900144, "The request body must contain the following parameter: 'code_challenge'. The cosmosctl sandbox requires PKCE for public clients.")
		return
	}
	if m := q.Get("code_challenge_method"); m != "S256" {
		fail("invalid_request", 900144, "code_challenge_method '"+m+"' is not supported; the cosmosctl sandbox requires 'S256'.")
		return
	}
	res, _, ok := resourceFromScopes(req.scope)
	if !ok {
		fail("invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid: it must name exactly one resource.")
		return
	}
	if !s.resourceAllowed(res) {
		fail("invalid_resource", 500011, "The resource principal named "+res+" was not found in the tenant named "+s.tenant+".")
		return
	}
	req.resource = res
	if s.cfg.AutoApprove != "" {
		s.redirectCode(w, r, req, s.principalByName(s.cfg.AutoApprove).Name)
		return
	}
	id := randomToken(24)
	s.mu.Lock()
	s.pruneAuthLocked(s.now())
	s.authRequests[id] = &req
	s.mu.Unlock()
	s.renderSignIn(w, http.StatusOK, signInData{Request: id, Selected: q.Get("login_hint")})
}

// handleAuthorizeSubmit is the sign-in page's form: approve as a user or
// cancel (access_denied, as when a user declines consent).
func (s *Server) handleAuthorizeSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.renderAuthError(w, http.StatusBadRequest, 900144, "The form could not be read: "+err.Error())
		return
	}
	id := r.PostForm.Get("request")
	s.mu.Lock()
	req := s.authRequests[id]
	delete(s.authRequests, id) // one answer per request
	s.mu.Unlock()
	if req == nil || !s.now().Before(req.expires) {
		s.renderAuthError(w, http.StatusBadRequest, 50058, "The sign-in request is unknown, expired or already answered. Start the sign-in again from cosmosctl.")
		return
	}
	if r.PostForm.Get("action") == "cancel" {
		s.redirectError(w, r, *req, "access_denied", 65004, "User declined to consent to access the app.")
		return
	}
	p := s.principalByName(r.PostForm.Get("principal"))
	if p == nil || p.isApp() {
		s.mu.Lock()
		s.authRequests[id] = req // let the user pick again
		s.mu.Unlock()
		s.renderSignIn(w, http.StatusBadRequest, signInData{Request: id, Error: "Pick one of the listed users to sign in."})
		return
	}
	s.redirectCode(w, r, *req, p.Name)
}

func (s *Server) pruneAuthLocked(now time.Time) {
	for k, v := range s.authRequests {
		if now.After(v.expires) {
			delete(s.authRequests, k)
		}
	}
	for k, v := range s.authCodes {
		if now.After(v.expires) {
			delete(s.authCodes, k)
		}
	}
}

func (s *Server) redirectCode(w http.ResponseWriter, r *http.Request, req authRequest, principal string) {
	code := "1.SANDBOXCODE." + randomToken(48)
	now := s.now()
	s.mu.Lock()
	s.pruneAuthLocked(now)
	s.authCodes[code] = &authCode{req: req, principal: principal, expires: now.Add(authCodeLifetime)}
	s.stats.AuthCodes++
	s.mu.Unlock()
	s.respond(w, r, req, url.Values{"code": {code}})
}

func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, req authRequest, code string, aadsts int, msg string) {
	v := url.Values{
		"error":             {code},
		"error_description": {fmt.Sprintf("AADSTS%d: %s", aadsts, msg)},
		"error_uri":         {s.base(r) + "/error?code=" + strconv.Itoa(aadsts)},
	}
	s.respond(w, r, req, v)
}

// respond sends the result to the redirect URI: a 302 with the query
// string (the default), or an auto-submitted form for form_post.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, req authRequest, v url.Values) {
	if req.state != "" {
		v.Set("state", req.state)
	}
	if req.formPost {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = formPostPage.Execute(w, map[string]any{"Action": req.redirectURI, "Values": v})
		return
	}
	u, _ := url.Parse(req.redirectURI) // checked by loopbackRedirect
	q := u.Query()
	for k, vs := range v {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// grantAuthCode redeems an authorization code: single use, same client and
// redirect URI, and a code_verifier whose S256 hash is the challenge.
func (s *Server) grantAuthCode(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	for _, p := range []string{"client_id", "code", "redirect_uri"} {
		if f.Get(p) == "" {
			s.writeMissingParam(w, r, p)
			return
		}
	}
	now := s.now()
	s.mu.Lock()
	ac, found := s.authCodes[f.Get("code")]
	delete(s.authCodes, f.Get("code")) // a code is spent by any redemption attempt
	s.mu.Unlock()
	switch {
	case !found:
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
		return
	case !now.Before(ac.expires):
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
		return
	case !strings.EqualFold(ac.req.clientID, f.Get("client_id")):
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_grant", 70000, "Provided grant is invalid or malformed. The authorization code was issued to a different client ('"+ac.req.clientID+"').")
		return
	case ac.req.redirectURI != f.Get("redirect_uri"):
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_grant", 500112, "The reply address '"+f.Get("redirect_uri")+"' does not match the reply address '"+ac.req.redirectURI+"' provided when requesting Authorization code.")
		return
	case f.Get("code_verifier") == "":
		s.writeMissingParam(w, r, "code_verifier")
		return
	case subtle.ConstantTimeCompare([]byte(S256Challenge(f.Get("code_verifier"))), []byte(ac.req.challenge)) != 1:
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_grant", 50148, "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.")
		return
	}
	p := s.principalByName(ac.principal)
	if p == nil {
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_grant", 50034, "The user account does not exist in the "+s.tenant+" directory.")
		return
	}
	scope := f.Get("scope")
	if scope == "" {
		scope = ac.req.scope
	}
	res, ok := s.checkScope(w, r, scope, false)
	if !ok {
		return
	}
	s.issue(w, r, grant{p: p, clientID: ac.req.clientID, resource: res, scope: scope, base: s.base(r), user: true})
}

type signInData struct {
	Request  string
	Users    []Principal
	Selected string
	Error    string
}

func (s *Server) renderSignIn(w http.ResponseWriter, status int, d signInData) {
	d.Users = s.users()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_ = signInPage.Execute(w, d) // a write error means the browser went away
}

// renderAuthError is the page Entra shows when it cannot redirect back.
func (s *Server) renderAuthError(w http.ResponseWriter, status int, aadsts int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = authErrorPage.Execute(w, fmt.Sprintf("AADSTS%d: %s", aadsts, msg))
}

var signInPage = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in – cosmosctl sandbox</title>
<style>body{font-family:system-ui,sans-serif;background:#f3f2f1}main{max-width:28rem;margin:4rem auto;background:#fff;padding:2rem}
select{width:100%;padding:.5rem}button{margin-top:1.5rem;padding:.6rem 1.5rem}.error{color:#a4262c}</style></head>
<body><main><h1>cosmosctl sandbox sign-in</h1>
{{if .Error}}<p id="error" class="error" role="alert">{{.Error}}</p>{{end}}
{{if .Users}}<form method="post" action="authorize">
<input type="hidden" name="request" value="{{.Request}}">
<label for="principal">Sign in as</label>
<select id="principal" name="principal">
{{range .Users}}<option value="{{.Name}}"{{if eq .UPN $.Selected}} selected{{end}}>{{.DisplayName}} ({{.UPN}})</option>
{{end}}</select>
<button id="submit" type="submit" name="action" value="approve">Sign in</button>
<button id="cancel" type="submit" name="action" value="cancel">Cancel</button>
</form>{{else}}<p id="error" class="error" role="alert">This sandbox has no user principals; add one to the sandbox seed.</p>{{end}}
<p>This is a local test identity provider. No password is needed: picking a user signs in as that user.</p>
</main></body></html>
`))

var authErrorPage = template.Must(template.New("autherror").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in error – cosmosctl sandbox</title></head>
<body><main><h1>Sorry, but we're having trouble signing you in.</h1><p id="error" role="alert">{{.}}</p></main></body></html>
`))

var formPostPage = template.Must(template.New("formpost").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Working…</title></head>
<body onload="document.forms[0].submit()"><form method="post" action="{{.Action}}">
{{range $k, $vs := .Values}}{{range $vs}}<input type="hidden" name="{{$k}}" value="{{.}}">{{end}}{{end}}
<noscript><button type="submit">Continue</button></noscript></form></body></html>
`))
