package engine

import (
	"encoding/json"
	"testing"
)

func TestNewDocument(t *testing.T) {
	tests := []struct {
		raw     string
		wantErr bool
		id      string
	}{
		{`{"id":"a","n":1}`, false, "a"},
		{` { "id" : "b" , "x" : [ 1 , 2 ] } `, false, "b"},
		{`{"n":1}`, false, ""},
		{`{"id":5}`, false, ""},
		{`{"id":"\u00e9"}`, false, "é"},
		{`[1,2]`, true, ""},
		{`"x"`, true, ""},
		{`{"id":"a"`, true, ""},
		{`{"id":"a"} x`, true, ""},
		{`{"a":01}`, true, ""},
		{``, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			d, err := NewDocument(json.RawMessage(tt.raw))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if d.ID() != tt.id {
				t.Errorf("ID() = %q, want %q", d.ID(), tt.id)
			}
			if string(d.Raw()) != tt.raw {
				t.Errorf("Raw() = %s, want the bytes given", d.Raw())
			}
		})
	}
}

func TestPartitionKeyValues(t *testing.T) {
	d := testDoc(t, `{"id":"1","pk":"a","n":{"x":1.50},"t":null,"arr":[1]}`)
	tests := []struct {
		paths []string
		want  []string // "" = undefined
	}{
		{[]string{"/pk"}, []string{`"a"`}},
		{[]string{"/n/x"}, []string{`1.50`}},
		{[]string{"/t", "/missing"}, []string{`null`, ``}},
		{[]string{`/"pk"`}, []string{`"a"`}},
	}
	for _, tt := range tests {
		got := PartitionKeyValues(PartitionKeyDef{Paths: tt.paths, Kind: "MultiHash", Version: 2}, d)
		if len(got) != len(tt.want) {
			t.Fatalf("%v: got %d values", tt.paths, len(got))
		}
		for i := range got {
			if string(got[i]) != tt.want[i] {
				t.Errorf("%v[%d] = %s, want %s", tt.paths, i, got[i], tt.want[i])
			}
		}
	}
}
