package entra

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
)

// devicePage is the verification URI: pick a user, type the code, submit.
// It works without JavaScript (plain form POST back to /devicelogin).
const devicePageHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in – cosmosctl sandbox</title>
<style>
body{font-family:system-ui,sans-serif;background:#f3f2f1;margin:0}
main{max-width:28rem;margin:4rem auto;background:#fff;padding:2rem;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.4rem;margin-top:0}
label{display:block;margin:1rem 0 .3rem;font-weight:600}
select,input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
input#user_code{text-transform:uppercase;letter-spacing:.15em}
button{margin-top:1.5rem;padding:.6rem 1.5rem;font-size:1rem;background:#0067b8;color:#fff;border:0;cursor:pointer}
button.secondary{background:#e1dfdd;color:#000;margin-left:.5rem}
.error{color:#a4262c;background:#fde7e9;padding:.7rem;margin-bottom:1rem}
.ok{color:#107c10;background:#dff6dd;padding:.7rem}
.note{color:#605e5c;font-size:.85rem;margin-top:2rem}
</style>
</head>
<body><main>
<h1>cosmosctl sandbox sign-in</h1>
{{if .Done}}
<p id="result" class="ok" role="status">{{.Done}}</p>
{{else}}
{{if .Error}}<p id="error" class="error" role="alert">{{.Error}}</p>{{end}}
{{if .Users}}
<form method="post" action="devicelogin">
<label for="principal">Sign in as</label>
<select id="principal" name="principal">
{{range .Users}}<option value="{{.Name}}"{{if eq .Name $.Selected}} selected{{end}}>{{.DisplayName}} ({{.UPN}})</option>
{{end}}</select>
<label for="user_code">Code</label>
<input id="user_code" name="user_code" value="{{.Code}}" autocomplete="off" autofocus required placeholder="Enter the code shown by cosmosctl">
<button id="submit" type="submit" name="action" value="approve">Next</button>
<button id="decline" class="secondary" type="submit" name="action" value="decline">Cancel sign-in</button>
</form>
{{else}}
<p id="error" class="error" role="alert">This sandbox has no user principals; add one to the sandbox seed to sign in with a device code.</p>
{{end}}
{{end}}
<p class="note">This is a local test identity provider. No password is needed: picking a user signs in as that user.</p>
</main></body></html>
`

type pageData struct {
	Users    []Principal
	Selected string
	Code     string
	Error    string
	Done     string
}

func (s *Server) users() []Principal {
	var out []Principal
	for _, p := range s.principals {
		if !p.isApp() {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) renderPage(w http.ResponseWriter, status int, d pageData) {
	d.Users = s.users()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	// A write error means the browser went away.
	_ = s.page.Execute(w, d)
}

func (s *Server) handleDeviceLoginPage(w http.ResponseWriter, r *http.Request) {
	s.renderPage(w, http.StatusOK, pageData{Code: r.URL.Query().Get("code")})
}

// explain turns an Approve/Decline error into a sentence for people.
func explain(err error) string {
	switch {
	case errors.Is(err, ErrUnknownCode):
		return "That code wasn't recognised. Check the code shown by cosmosctl and try again."
	case errors.Is(err, ErrExpiredCode):
		return "That code has expired. Run the sign-in command again to get a new code."
	case errors.Is(err, ErrCodeUsed):
		return "That code was already used. Run the sign-in command again to get a new code."
	case errors.Is(err, ErrUnknownPrincipal):
		return "Pick one of the listed users to sign in."
	default:
		return err.Error()
	}
}

func (s *Server) handleDeviceLoginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.renderPage(w, http.StatusBadRequest, pageData{Error: "The form could not be read: " + err.Error()})
		return
	}
	code := strings.TrimSpace(r.PostForm.Get("user_code"))
	name := r.PostForm.Get("principal")
	d := pageData{Code: code, Selected: name}
	if r.PostForm.Get("action") == "decline" {
		if err := s.Decline(code); err != nil {
			d.Error = explain(err)
			s.renderPage(w, http.StatusBadRequest, d)
			return
		}
		d.Done = "You have cancelled the sign-in. cosmosctl will report that the sign-in was declined; you can close this window."
		s.renderPage(w, http.StatusOK, d)
		return
	}
	if code == "" {
		d.Error = "Enter the code shown by cosmosctl."
		s.renderPage(w, http.StatusBadRequest, d)
		return
	}
	if err := s.Approve(code, name); err != nil {
		d.Error = explain(err)
		s.renderPage(w, http.StatusBadRequest, d)
		return
	}
	p := s.principalByName(name)
	d.Done = "You have signed in as " + p.DisplayName + " (" + p.UPN + ") on the cosmosctl sandbox. You can close this window and return to cosmosctl."
	s.renderPage(w, http.StatusOK, d)
}

// approveRequest is the body of POST /sandbox/approve (JSON or form).
type approveRequest struct {
	UserCode  string `json:"user_code"`
	Principal string `json:"principal"`
	Action    string `json:"action"` // "approve" (default) or "decline"
}

// handleApproveAPI is used by `cosmosctl sandbox approve` in another process.
func (s *Server) handleApproveAPI(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	var req approveRequest
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "message": "request body is not valid JSON: " + err.Error()})
			return
		}
	} else {
		if err := r.ParseForm(); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "message": "request body is not a valid form: " + err.Error()})
			return
		}
		req = approveRequest{UserCode: r.PostForm.Get("user_code"), Principal: r.PostForm.Get("principal"), Action: r.PostForm.Get("action")}
	}
	if strings.TrimSpace(req.UserCode) == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "message": "user_code is required"})
		return
	}
	var err error
	switch req.Action {
	case "", "approve":
		err = s.Approve(req.UserCode, req.Principal)
	case "decline":
		err = s.Decline(req.UserCode)
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "message": "action must be \"approve\" or \"decline\", not " + `"` + req.Action + `"`})
		return
	}
	if err != nil {
		code := "invalid_request"
		switch {
		case errors.Is(err, ErrUnknownCode):
			code = "unknown_code"
		case errors.Is(err, ErrExpiredCode):
			code = "expired_code"
		case errors.Is(err, ErrCodeUsed):
			code = "code_used"
		case errors.Is(err, ErrUnknownPrincipal):
			code = "unknown_principal"
			err = errors.New("unknown principal " + `"` + req.Principal + `"` + "; user principals: " + strings.Join(s.userNames(), ", "))
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "message": err.Error()})
		return
	}
	status := "approved"
	if req.Action == "decline" {
		status = "declined"
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": status, "user_code": normUserCode(req.UserCode), "principal": req.Principal})
}

func (s *Server) userNames() []string {
	var n []string
	for _, p := range s.users() {
		n = append(n, p.Name)
	}
	return sortedCopy(n)
}
