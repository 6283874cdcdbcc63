package mcpserver

import (
	"encoding/json"
	"sort"
	"strings"
)

// Schema is the approximate shape of a container's items.
type Schema struct {
	SampleSize int     `json:"sample_size" jsonschema:"how many items the shape was inferred from"`
	Fields     []Field `json:"fields"`
}

// Field is one field path seen in the sample.
type Field struct {
	Path    string   `json:"path" jsonschema:"the field path, e.g. customer.email; items[] is each element of the array items"`
	Types   []string `json:"types" jsonschema:"the JSON types seen: string, number, boolean, null, object, array"`
	Present int      `json:"present" jsonschema:"in how many of the sampled items the field occurs"`
}

// systemFields are the service's own properties, the same on every item.
var systemFields = map[string]bool{"_rid": true, "_self": true, "_etag": true, "_attachments": true}

// inferSchema lists the field paths of the sample, sorted by path.
func inferSchema(sample []any) Schema {
	type acc struct {
		types   map[string]bool
		present int
	}
	fields := map[string]*acc{}
	for _, doc := range sample {
		seen := map[string]bool{}
		var walk func(prefix string, v any)
		walk = func(prefix string, v any) {
			if prefix != "" {
				a := fields[prefix]
				if a == nil {
					a = &acc{types: map[string]bool{}}
					fields[prefix] = a
				}
				a.types[jsonType(v)] = true
				if !seen[prefix] {
					seen[prefix] = true
					a.present++
				}
			}
			switch x := v.(type) {
			case map[string]any:
				for k, child := range x {
					if prefix == "" && systemFields[k] {
						continue
					}
					p := k
					if prefix != "" {
						p = prefix + "." + k
					}
					walk(p, child)
				}
			case []any:
				for _, e := range x {
					walk(prefix+"[]", e)
				}
			}
		}
		walk("", doc)
	}
	out := Schema{SampleSize: len(sample), Fields: []Field{}}
	for p, a := range fields {
		f := Field{Path: p, Present: a.present}
		for t := range a.types {
			f.Types = append(f.Types, t)
		}
		sort.Strings(f.Types)
		out.Fields = append(out.Fields, f)
	}
	sort.Slice(out.Fields, func(i, j int) bool { return strings.Compare(out.Fields[i].Path, out.Fields[j].Path) < 0 })
	return out
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}
