package entra

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/reqlog"
)

const appServiceAPIVersion = "2019-08-01"

// msiError writes the {statusCode, message} body the App Service identity endpoint uses.
func msiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"statusCode": status, "message": msg})
}

// handleManagedIdentity emulates App Service's managed identity endpoint
// (IDENTITY_ENDPOINT, api-version 2019-08-01): GET or POST with the
// X-IDENTITY-HEADER secret, resource and optional client_id / object_id /
// principal_id / mi_res_id selectors.
func (s *Server) handleManagedIdentity(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		msiError(w, http.StatusMethodNotAllowed, "Use GET or POST.")
		return
	}
	s.count(func(st *Stats) { st.ManagedIdentity++ })
	if h := r.Header.Get("X-IDENTITY-HEADER"); subtle.ConstantTimeCompare([]byte(h), []byte(s.miSecret)) != 1 {
		msiError(w, http.StatusUnauthorized, "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER of this sandbox.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		msiError(w, http.StatusBadRequest, "The request could not be parsed: "+err.Error())
		return
	}
	q := r.Form
	if v := q.Get("api-version"); v != appServiceAPIVersion {
		msiError(w, http.StatusBadRequest, "Unsupported api-version '"+v+"'; this endpoint supports "+appServiceAPIVersion+".")
		return
	}
	res := strings.TrimSuffix(q.Get("resource"), "/.default")
	if res == "" {
		msiError(w, http.StatusBadRequest, "Required query variable 'resource' is missing.")
		return
	}
	p := s.selectManagedIdentity(q.Get("client_id"), q.Get("object_id"), q.Get("principal_id"), q.Get("mi_res_id"))
	if p == nil {
		msiError(w, http.StatusBadRequest, "No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId.")
		return
	}
	if !s.resourceAllowed(res) {
		s.writeResourceNotFound(w, r, res)
		return
	}
	reqlog.SetPrincipal(r.Context(), p.Name)
	now := s.now()
	at, err := s.accessToken(grant{p: p, clientID: p.ClientID, resource: res, base: s.base(r)}, now)
	if err != nil {
		msiError(w, http.StatusInternalServerError, "token signing failed: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": at,
		"expires_on":   strconv.FormatInt(now.Add(s.cfg.TokenLifetime).Unix(), 10),
		"resource":     res,
		"token_type":   "Bearer",
		"client_id":    p.ClientID,
	})
}

// selectManagedIdentity picks the identity named by a selector; without one
// it is the first managed identity (the "system-assigned" one). mi_res_id
// matches an ARM id whose last segment is the principal's name.
func (s *Server) selectManagedIdentity(clientID, objectID, principalID, resID string) *Principal {
	for i := range s.principals {
		p := &s.principals[i]
		if !p.ManagedIdentity {
			continue
		}
		switch {
		case clientID != "":
			if strings.EqualFold(p.ClientID, clientID) {
				return p
			}
		case objectID != "" || principalID != "":
			if strings.EqualFold(p.ObjectID, objectID) || strings.EqualFold(p.ObjectID, principalID) {
				return p
			}
		case resID != "":
			if i := strings.LastIndex(resID, "/"); i >= 0 && strings.EqualFold(resID[i+1:], p.Name) {
				return p
			}
		default:
			return p
		}
	}
	return nil
}
