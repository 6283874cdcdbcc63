package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Error texts the service uses verbatim (cosmos-wire.md §7.4, rbac.md §6).
const (
	msgMissingAuth      = "Required Header authorization is missing. Ensure a valid Authorization token is passed."
	msgBadAuthFormat    = "The authorization header doesn't confirm to the required format. Please verify and try again."
	msgMissingDate      = "Authorization token mandates Date header. Please pass in RFC 1123 style date format."
	msgSignature        = "The input authorization token can't serve the request. The wrong key is being used or the expected payload is not built as per the protocol."
	msgLocalAuthOff     = "Local Authorization is disabled. Use an AAD token to authorize all requests."
	msgNotFound         = "Entity with the specified id does not exist in the system. More info: https://aka.ms/cosmosdb-tsg-not-found"
	msgResourceNotFound = `Message: {"Errors":["Resource Not Found. Learn more: https://aka.ms/cosmosdb-tsg-not-found"]}`
	msgOwnerMissing     = `Message: {"Errors":["Owner resource does not exist"]}`
	msgThrottled        = `Message: {"Errors":["Request rate is large. More Request Units may be needed, so no changes were made. Please retry this request later. Learn more: http://aka.ms/cosmosdb-error-429"]}`
	msgUnavailable      = `Message: {"Errors":["Service is currently unavailable. More info: https://aka.ms/cosmosdb-tsg-service-unavailable"]}`
	msgCrossPartition   = "The provided cross partition query can not be directly served by the gateway. This is a first chance (internal) exception that all newer clients will know how to handle gracefully. This exception is traced, but unless you see it bubble up as an exception (which only happens on older SDK clients), then you can safely ignore this message."
	msgNonValueAgg      = "Cross partition query only supports 'VALUE <AggreateFunc>' for aggregates."
	msgCrossDisabled    = "Cross partition query is required but disabled. Please set x-ms-documentdb-query-enablecrosspartition to true, specify x-ms-documentdb-partitionkey, or revise your query to avoid this exception."
	msgPKFewer          = "The partition key supplied in x-ms-partitionkey header has fewer components than defined in the the collection."
	msgPKMore           = "The partition key supplied in x-ms-partitionkey header has more components than defined in the the collection."
	rbacLearnMore       = "Learn more: https://aka.ms/cosmos-native-rbac"
	groupsSentence      = "This could be because the user's group memberships were not present in the AAD token."
	serverInfo          = "Microsoft.Azure.Documents.Common/2.14.0"
)

// Substatus codes (cosmos-wire.md §7.2).
const (
	subNone                = 0
	subCrossPartition      = 1004
	subOwnerMissing        = 1003
	subRangeGone           = 1002
	subMissingAuth         = 5000
	subBadAuthFormat       = 5001
	subTokenExpired        = 5006
	subBadAudience         = 5008
	subManagementOp        = 5300
	subMetadataDenied      = 5301
	subDataDenied          = 5302
	subThrottled           = 3200
	defaultRetryAfterMs    = 100
	defaultMaxItemCount    = 1000
	gatewayVersion         = "version=2.14.0"
	maxQueryBodyBytes      = 2 << 20
	maxDocumentBodyBytes   = 2 << 20
	baseRequestCharge      = 1.0
	chargePerScannedDoc    = 0.05
	chargePerReturnedDoc   = 0.02
	queryBaseRequestCharge = 2.3
)

// exchange carries per-request state shared by the handlers.
type exchange struct {
	w          http.ResponseWriter
	r          *http.Request
	activityID string
	charge     float64
	session    string
	status     int
	// after runs once the handler has returned and released g.mu (split triggers).
	after func()
	// Filled in by authentication.
	aad       bool
	principal string
	groups    []string
}

// commonHeaders sets the headers every response carries (cosmos-wire.md §5.2).
func (x *exchange) commonHeaders() http.Header {
	h := x.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("x-ms-activity-id", x.activityID)
	h.Set("x-ms-request-charge", strconv.FormatFloat(x.charge, 'f', 2, 64))
	h.Set("x-ms-gatewayversion", gatewayVersion)
	h.Set("x-ms-serviceversion", "version=2.14.0.0")
	h.Set("x-ms-schemaversion", "1.18")
	if x.session == "" {
		x.session = "0:-1#1"
	}
	h.Set("x-ms-session-token", x.session)
	return h
}

// failRangeGone answers a request pinned to a partition key range that does
// not exist (or was split) with 410/1002, so clients re-read the ranges.
func (x *exchange) failRangeGone(c *container, id string) {
	x.fail(http.StatusGone, subRangeGone, "", `Message: {"Errors":["The partition key range [`+jsonEscape(id)+`] of collection [`+
		jsonEscape(c.id)+`] is gone (it does not exist or was split). Refresh the partition key ranges and retry."]}`)
}

// writeJSON sends a success body. body may be []byte (sent verbatim) or any
// value to marshal.
func (x *exchange) writeJSON(status int, body any) {
	var b []byte
	switch t := body.(type) {
	case []byte:
		b = t
	case json.RawMessage:
		b = t
	default:
		var err error
		if b, err = json.Marshal(body); err != nil {
			x.fail(http.StatusInternalServerError, subNone, "InternalServerError", fmt.Sprintf("encoding response: %v", err))
			return
		}
	}
	h := x.commonHeaders()
	if h.Get("etag") == "" {
		h.Set("etag", `"`+x.activityID+`"`)
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	x.status = status
	x.w.WriteHeader(status)
	_, _ = x.w.Write(b)
}

// writeEmpty sends a body-less status (304, 204).
func (x *exchange) writeEmpty(status int) {
	h := x.commonHeaders()
	h.Del("Content-Type")
	x.status = status
	x.w.WriteHeader(status)
}

type errorBody struct {
	Code                string `json:"code"`
	Message             string `json:"message"`
	AdditionalErrorInfo string `json:"additionalErrorInfo,omitempty"`
}

// fail sends the service's error envelope (cosmos-wire.md §7.1).
func (x *exchange) fail(status, substatus int, code, message string) {
	x.failWithInfo(status, substatus, code, message, "")
}

func (x *exchange) failWithInfo(status, substatus int, code, message, info string) {
	if code == "" {
		code = statusName(status)
	}
	body := errorBody{
		Code:                code,
		Message:             message + "\r\nActivityId: " + x.activityID + ", " + serverInfo,
		AdditionalErrorInfo: info,
	}
	b, err := json.Marshal(body)
	if err != nil {
		b = []byte(`{"code":"InternalServerError","message":"encoding error"}`)
	}
	h := x.commonHeaders()
	h.Set("x-ms-substatus", strconv.Itoa(substatus))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	x.status = status
	x.w.WriteHeader(status)
	_, _ = x.w.Write(b)
}

// statusName is the body "code" the service uses for a status.
func statusName(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "BadRequest"
	case http.StatusUnauthorized:
		return "Unauthorized"
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusMethodNotAllowed:
		return "MethodNotAllowed"
	case http.StatusConflict:
		return "Conflict"
	case http.StatusGone:
		return "Gone"
	case http.StatusPreconditionFailed:
		return "PreconditionFailed"
	case http.StatusRequestEntityTooLarge:
		return "RequestEntityTooLarge"
	case http.StatusTooManyRequests:
		return "TooManyRequests"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable"
	default:
		return "InternalServerError"
	}
}

// heldResponse buffers a response (headers go to the real writer's map).
type heldResponse struct {
	w      http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (h *heldResponse) Header() http.Header         { return h.w.Header() }
func (h *heldResponse) WriteHeader(status int)      { h.status = status }
func (h *heldResponse) Write(b []byte) (int, error) { return h.body.Write(b) }

func (h *heldResponse) flush() {
	h.w.WriteHeader(h.status)
	if h.body.Len() > 0 {
		_, _ = h.w.Write(h.body.Bytes())
	}
}
