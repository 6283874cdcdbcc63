package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// readDocument serves a point read: the document is looked up only in the
// logical partition named by the partition key header.
func (g *Gateway) readDocument(x *exchange, ref resourceRef) {
	if !g.authorize(x, actItemsRead, "/"+ref.collLink(), ref.collLink()) {
		return
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	c := g.ownedContainer(x, ref)
	if c == nil {
		return
	}
	pk, ok := g.partitionKeyFromHeader(x, c)
	if !ok {
		return
	}
	x.charge = baseRequestCharge
	i, found := c.byKey[docKey(ref.doc, pk)]
	if !found {
		x.fail(http.StatusNotFound, subNone, "", msgNotFound)
		return
	}
	d := c.docs[i]
	x.session = c.ranges[d.rangeIdx].ID + ":-1#" + strconv.FormatInt(d.lsn, 10)
	x.w.Header().Set("etag", d.etag)
	x.w.Header().Set("Last-Modified", time.Unix(d.ts, 0).UTC().Format(http.TimeFormat))
	x.writeJSON(http.StatusOK, []byte(d.raw))
}

// writeDocument serves create, upsert, replace and delete.
func (g *Gateway) writeDocument(x *exchange, ref resourceRef) {
	h := x.r.Header
	if strings.EqualFold(h.Get("x-ms-cosmos-is-batch-request"), "true") {
		x.fail(http.StatusBadRequest, subNone, "", `Message: {"Errors":["The sandbox does not support transactional batches."]}`)
		return
	}
	var action string
	switch x.r.Method {
	case http.MethodPost:
		action = actItemsCreate
		if strings.EqualFold(h.Get("x-ms-documentdb-is-upsert"), "true") {
			action = actItemsUpsert
		}
	case http.MethodPut, http.MethodPatch: // PATCH's action is undocumented; replace is the closest (rbac.md §2)
		action = actItemsReplace
	case http.MethodDelete:
		action = actItemsDelete
	}
	if !g.authorize(x, action, "/"+ref.collLink(), ref.collLink()) {
		return
	}
	if x.r.Method == http.MethodPatch {
		x.fail(http.StatusBadRequest, subNone, "", `Message: {"Errors":["The sandbox does not support PATCH; read the item and replace it instead."]}`)
		return
	}
	var body []byte
	if x.r.Method != http.MethodDelete {
		var err error
		body, err = io.ReadAll(io.LimitReader(x.r.Body, maxDocumentBodyBytes+1))
		if err != nil {
			x.fail(http.StatusBadRequest, subNone, "", "reading the document: "+err.Error())
			return
		}
		if len(body) > maxDocumentBodyBytes {
			x.fail(http.StatusRequestEntityTooLarge, subNone, "", `Message: {"Errors":["Request size is too large"]}`)
			return
		}
	}

	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.ownedContainer(x, ref)
	if c == nil {
		return
	}
	pk, ok := g.partitionKeyFromHeader(x, c)
	if !ok {
		return
	}
	x.charge = 5.0

	var sd *storedDoc
	if body != nil {
		var err error
		if sd, err = c.prepare(json.RawMessage(bytes.TrimSpace(body)), g.now().Unix()); err != nil {
			x.fail(http.StatusBadRequest, subNone, "", `Message: {"Errors":["`+jsonEscape(err.Error())+`"]}`)
			return
		}
		if sd.pkKey != pk {
			x.fail(http.StatusBadRequest, 1001, "", `Message: {"Errors":["PartitionKey extracted from document doesn't match the one specified in the header. Learn more: https://aka.ms/CosmosDB/sql/errors/wrong-pk-value"]}`)
			return
		}
		if ref.kind == kindDocument && sd.id != ref.doc {
			x.fail(http.StatusBadRequest, subNone, "", `Message: {"Errors":["The id in the document does not match the id in the request URI."]}`)
			return
		}
	}
	id := ref.doc
	if sd != nil {
		id = sd.id
	}
	i, exists := c.byKey[docKey(id, pk)]
	if ifMatch := h.Get("If-Match"); ifMatch != "" && exists && c.docs[i].etag != ifMatch {
		x.fail(http.StatusPreconditionFailed, subNone, "", `Message: {"Errors":["One of the specified pre-condition is not met. Learn more: https://aka.ms/CosmosDB/sql/errors/precondition-failed"]}`)
		return
	}
	status := http.StatusOK
	switch {
	case action == actItemsCreate && exists:
		x.fail(http.StatusConflict, subNone, "", `Message: {"Errors":["Resource with specified id, name, or unique index already exists."]}`)
		return
	case (action == actItemsReplace || action == actItemsDelete) && !exists:
		x.fail(http.StatusNotFound, subNone, "", msgNotFound)
		return
	case action == actItemsDelete:
		rangeID := c.ranges[c.docs[i].rangeIdx].ID
		c.removeAt(i)
		c.lsn++
		x.session = rangeID + ":-1#" + strconv.FormatInt(c.lsn, 10)
		x.writeEmpty(http.StatusNoContent)
		return
	case !exists:
		status = http.StatusCreated
	}
	c.insert(sd)
	x.session = c.ranges[sd.rangeIdx].ID + ":-1#" + strconv.FormatInt(sd.lsn, 10)
	x.w.Header().Set("etag", sd.etag)
	if strings.EqualFold(h.Get("Prefer"), "return=minimal") {
		x.w.Header().Set("Content-Length", "0")
		x.writeEmpty(status)
		return
	}
	x.writeJSON(status, []byte(sd.raw))
}

// readDocumentFeed serves the change feed (A-IM: Incremental Feed): documents
// of one range (or the whole container) newer than the If-None-Match LSN.
func (g *Gateway) readDocumentFeed(x *exchange, ref resourceRef) {
	h := x.r.Header
	if !strings.EqualFold(h.Get("A-IM"), "Incremental Feed") {
		x.fail(http.StatusBadRequest, subNone, "", `Message: {"Errors":["The sandbox serves GET …/docs only as a change feed (A-IM: Incremental Feed); use a query to list documents."]}`)
		return
	}
	if !g.authorize(x, actReadChangeFeed, "/"+ref.collLink(), ref.collLink()) {
		return
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	c := g.ownedContainer(x, ref)
	if c == nil {
		return
	}
	rangeIdx := -1
	if id := h.Get("x-ms-documentdb-partitionkeyrangeid"); id != "" {
		idx, found := c.rangeIndexByID(id)
		if !found {
			x.failRangeGone(c, id)
			return
		}
		rangeIdx = idx
	}
	pk := ""
	if h.Get("x-ms-documentdb-partitionkey") != "" {
		var ok bool
		if pk, ok = g.partitionKeyFromHeader(x, c); !ok {
			return
		}
	}
	var from int64
	switch inm := strings.Trim(h.Get("If-None-Match"), `"`); inm {
	case "":
	case "*": // "from now"
		from = c.lsn
	default:
		n, err := strconv.ParseInt(inm, 10, 64)
		if err != nil || n < 0 {
			x.fail(http.StatusBadRequest, subNone, "", `Message: {"Errors":["Invalid change feed continuation (If-None-Match): `+jsonEscape(inm)+`"]}`)
			return
		}
		from = n
	}
	var since int64 = -1
	if ims := h.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		if err != nil {
			x.fail(http.StatusBadRequest, subNone, "", `Message: {"Errors":["Invalid If-Modified-Since: `+jsonEscape(ims)+`"]}`)
			return
		}
		since = t.Unix()
	}
	maxItems := defaultMaxItemCount
	if n, err := strconv.Atoi(h.Get("x-ms-max-item-count")); err == nil && n > 0 {
		maxItems = n
	}
	// c.docs is in LSN order: writes append.
	var page []json.RawMessage
	last := from
	for _, d := range c.docs {
		if d.lsn <= from || (rangeIdx >= 0 && d.rangeIdx != rangeIdx) || (pk != "" && d.pkKey != pk) || d.ts < since {
			continue
		}
		if len(page) == maxItems {
			break
		}
		page = append(page, d.raw)
		last = d.lsn
	}
	// The etag is the feed position; the SDK stores it even from a 304.
	x.w.Header().Set("etag", `"`+strconv.FormatInt(last, 10)+`"`)
	// The session token names the range read: the pinned one, or the one
	// holding the partition key; a whole-container feed reports range 0.
	sessionRange := c.ranges[0].ID
	switch {
	case rangeIdx >= 0:
		sessionRange = c.ranges[rangeIdx].ID
	case pk != "":
		sessionRange = c.ranges[c.rangeOfKey(pk)].ID
	}
	x.session = sessionRange + ":-1#" + strconv.FormatInt(c.lsn, 10)
	x.w.Header().Set("x-ms-item-count", strconv.Itoa(len(page)))
	if len(page) == 0 {
		x.writeEmpty(http.StatusNotModified)
		return
	}
	x.charge = queryRequestCharge(len(page), len(page))
	x.writeJSON(http.StatusOK, feedEnvelope(c.rid, "Documents", page))
}

// executeSproc runs a stored procedure. The sandbox holds none, so an
// authorized call on an existing container is 404 — after the RBAC check,
// as the service authorizes before it looks the procedure up (which is
// what `cosmosctl can-i execute-sproc` relies on).
func (g *Gateway) executeSproc(x *exchange, ref resourceRef) {
	if !g.authorize(x, actExecuteSproc, "/"+ref.collLink(), ref.collLink()) {
		return
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.ownedContainer(x, ref) == nil {
		return
	}
	x.fail(http.StatusNotFound, subNone, "", msgNotFound)
}
