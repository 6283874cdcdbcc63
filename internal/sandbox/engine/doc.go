package engine

import (
	"encoding/json"
	"fmt"
)

// Document is one stored JSON document, parsed once at write/seed time.
type Document struct {
	raw json.RawMessage
	val *value
	id  string
}

// NewDocument parses raw, which must be a JSON object. Raw() returns raw unchanged.
func NewDocument(raw json.RawMessage) (*Document, error) {
	v, err := parseJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("parse document: %w", err)
	}
	if v.kind != kindObject {
		return nil, fmt.Errorf("parse document: not a JSON object")
	}
	d := &Document{raw: raw, val: v}
	if idv := v.field("id"); idv != nil && idv.kind == kindString {
		d.id = idv.str
	}
	return d, nil
}

// Raw returns the exact bytes given to NewDocument.
func (d *Document) Raw() json.RawMessage { return d.raw }

// ID returns the document's "id" string property, or "" if absent.
func (d *Document) ID() string { return d.id }
