package cosmos_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Moved from cmd/read_test.go (TestQueryParsePK) with its assertions.
func TestParsePartitionKey(t *testing.T) {
	tests := []struct {
		in, canon string
		err       string
	}{
		{"c1", `["c1"]`, ""},
		{`"c1"`, `["c1"]`, ""},
		{"42", `[42]`, ""},
		{"true", `[true]`, ""},
		{"null", `[null]`, ""},
		{`["t1","u1"]`, `["t1","u1"]`, ""},
		{`["t1",5,null]`, `["t1",5,null]`, ""},
		{"hello world", `["hello world"]`, ""},
		{"[1,", "", "not valid JSON"}, // looks like JSON: must be JSON
		{"9007199254740993", "", "2^53"},
		{"99999999999999999999999", "", "2^53"},
		{"-99999999999999999999999", "", "2^53"},
		{"[1,99999999999999999999999]", "", "2^53"},
		{"[]", "", "at least one"},
		{`{"a":1}`, "", "partition key is a string"},
		{`[{"a":1}]`, "", "components must be"},
		{"😀", "", "Basic Multilingual Plane"},
		{"tab\there", `["tab\there"]`, ""}, // QuoteToASCII writes \t, valid JSON
		{"bell\x01", "", "control characters"},
	}
	for _, tt := range tests {
		pk, err := cosmos.ParsePartitionKey(tt.in)
		canon := pk.JSON()
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParsePartitionKey(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || canon != tt.canon {
			t.Errorf("ParsePartitionKey(%q) = %s, %v; want %s", tt.in, canon, err, tt.canon)
		}
	}
}

func TestParsePartitionKeyForms(t *testing.T) {
	root := azcosmos.NewPartitionKey()
	tests := []struct {
		name, in string
		canon    string // "" when an error is wanted
		show     string // String()
		sdk      azcosmos.PartitionKey
		err      string
	}{
		{"bare word", "c1", `["c1"]`, `"c1"`, root.AppendString("c1"), ""},
		{"quoted string", `"c1"`, `["c1"]`, `"c1"`, root.AppendString("c1"), ""},
		{"quoted number is a string", `"5"`, `["5"]`, `"5"`, root.AppendString("5"), ""},
		{"empty is the empty string", "", `[""]`, `""`, root.AppendString(""), ""},
		{"bare word keeps its spaces", " c1 ", `[" c1 "]`, `" c1 "`, root.AppendString(" c1 "), ""},
		{"JSON is trimmed", " 42 ", `[42]`, `42`, root.AppendNumber(42), ""},
		{"integer", "42", `[42]`, `42`, root.AppendNumber(42), ""},
		{"negative", "-7", `[-7]`, `-7`, root.AppendNumber(-7), ""},
		{"float", "1.5", `[1.5]`, `1.5`, root.AppendNumber(1.5), ""},
		{"exponent", "1e3", `[1e3]`, `1e3`, root.AppendNumber(1000), ""},
		{"leading zero is not JSON", "007", "", "", root, "not valid JSON"},
		{"a date must be quoted", "2024-01-01", "", "", root, "not valid JSON"},
		{"quoted date", `"2024-01-01"`, `["2024-01-01"]`, `"2024-01-01"`, root.AppendString("2024-01-01"), ""},
		{"a word starting with a letter stays a word", "c1-x", `["c1-x"]`, `"c1-x"`, root.AppendString("c1-x"), ""},
		{"2^53 is exact", "9007199254740992", `[9007199254740992]`, `9007199254740992`, root.AppendNumber(1 << 53), ""},
		{"-2^53 is exact", "-9007199254740992", `[-9007199254740992]`, `-9007199254740992`, root.AppendNumber(-(1 << 53)), ""},
		{"beyond 2^53", "9007199254740993", "", "", root, "2^53"},
		{"beyond -2^53", "-9007199254740993", "", "", root, "2^53"},
		{"beyond 2^53 in an array", `["t",9007199254740993]`, "", "", root, "2^53"},
		// ParseInt fails on these, so only ParseFloat sees them (today's rule).
		{"big float passes", "9007199254740993.0", `[9007199254740993.0]`, `9007199254740993.0`, root.AppendNumber(9007199254740993.0), ""},
		{"huge integer passes as a float", "1e300", `[1e300]`, `1e300`, root.AppendNumber(1e300), ""},
		{"true", "true", `[true]`, `true`, root.AppendBool(true), ""},
		{"false", "false", `[false]`, `false`, root.AppendBool(false), ""},
		{"null", "null", `[null]`, `null`, root.AppendNull(), ""},
		{"unicode", "Zoë 東京", `["Zoë 東京"]`, `"Zoë 東京"`, root.AppendString("Zoë 東京"), ""},
		{"escaped unicode", `"\u00e9"`, `["\u00e9"]`, `"\u00e9"`, root.AppendString("é"), ""},
		{"hierarchical", `["t1","u1"]`, `["t1","u1"]`, `["t1","u1"]`, root.AppendString("t1").AppendString("u1"), ""},
		{"hierarchical mixed", `["t1",5,null,true]`, `["t1",5,null,true]`, `["t1",5,null,true]`, root.AppendString("t1").AppendNumber(5).AppendNull().AppendBool(true), ""},
		{"hierarchical spaced", `[ "t1" , 2 ]`, `["t1",2]`, `["t1",2]`, root.AppendString("t1").AppendNumber(2), ""},
		{"prefix of a hierarchical key", `["t1"]`, `["t1"]`, `"t1"`, root.AppendString("t1"), ""},
		// Malformed JSON is a usage error, not the string it spells.
		{"malformed array", "[1,", "", "", root, "--pk [1,: not valid JSON"},
		{"unterminated string", `"c1`, "", "", root, `--pk "c1: not valid JSON`},
		{"malformed object", `{"a":`, "", "", root, "not valid JSON"},
		{"bad number", "-x", "", "", root, "not valid JSON"},
		{"empty array", "[]", "", "", root, "at least one"},
		{"object", `{"a":1}`, "", "", root, "partition key is a string"},
		{"nested array", `[["a"]]`, "", "", root, "components must be"},
		{"object component", `[{"a":1}]`, "", "", root, "components must be"},
		{"astral plane", "😀", "", "", root, "Basic Multilingual Plane"},
		{"escaped astral plane", `"\ud83d\ude00"`, "", "", root, "Basic Multilingual Plane"},
		{"astral plane in an array", `["t","😀"]`, "", "", root, "Basic Multilingual Plane"},
		{"tab is fine", "tab\there", `["tab\there"]`, `"tab\there"`, root.AppendString("tab\there"), ""},
		{"control character", "bell\x01", "", "", root, "control characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pk, err := cosmos.ParsePartitionKey(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || errs.ExitCode(err) != errs.ExitUsage {
					t.Fatalf("ParsePartitionKey(%q) err = %v, want a usage error with %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePartitionKey(%q): %v", tt.in, err)
			}
			var comps []json.RawMessage
			if json.Unmarshal([]byte(pk.JSON()), &comps) != nil {
				t.Fatalf("JSON %s is not an array", pk.JSON())
			}
			if pk.JSON() != tt.canon || pk.String() != tt.show || pk.Len() != len(comps) || !pk.Addressable() {
				t.Errorf("got JSON %s, String %s, Len %d, Addressable %v; want %s, %s, %d, true",
					pk.JSON(), pk.String(), pk.Len(), pk.Addressable(), tt.canon, tt.show, len(comps))
			}
			if !reflect.DeepEqual(pk.SDK(), tt.sdk) {
				t.Errorf("SDK key %+v, want %+v", pk.SDK(), tt.sdk)
			}
		})
	}
}

func TestPartitionKeyOf(t *testing.T) {
	tests := []struct {
		name        string
		doc         string
		paths       []string
		canon       string
		addressable bool
		sameAs      string // a --pk value that must give the same SDK key
	}{
		{"string", `{"id":"1","k":"a b"}`, []string{"/k"}, `["a b"]`, true, "a b"},
		{"number", `{"id":"1","k":42}`, []string{"/k"}, `[42]`, true, "42"},
		{"float bytes kept", `{"id":"1","k":1.0000000000000001}`, []string{"/k"}, `[1.0000000000000001]`, true, ""},
		{"bool", `{"k":false}`, []string{"/k"}, `[false]`, true, "false"},
		{"null", `{"k":null}`, []string{"/k"}, `[null]`, true, "null"},
		{"nested path", `{"a":{"b":{"c":"x"}}}`, []string{"/a/b/c"}, `["x"]`, true, "x"},
		{"missing path is undefined", `{"id":"1"}`, []string{"/k"}, `[{}]`, false, ""},
		{"missing nested path", `{"a":{"z":1}}`, []string{"/a/b"}, `[{}]`, false, ""},
		{"path through a scalar", `{"a":5}`, []string{"/a/b"}, `[{}]`, false, ""},
		{"path through null", `{"a":null}`, []string{"/a/b"}, `[{}]`, false, ""},
		{"object value", `{"k":{"x":1}}`, []string{"/k"}, `[{"x":1}]`, false, ""},
		{"array value", `{"k":[1,2]}`, []string{"/k"}, `[[1,2]]`, false, ""},
		{"escaped segments", `{"a/b":{"c~d":"v"}}`, []string{"/a~1b/c~0d"}, `["v"]`, true, "v"},
		{"hierarchical", `{"tenantId":"t1","userId":"u1","sessionId":3}`, []string{"/tenantId", "/userId", "/sessionId"}, `["t1","u1",3]`, true, `["t1","u1",3]`},
		{"hierarchical with a missing level", `{"tenantId":"t1"}`, []string{"/tenantId", "/userId"}, `["t1",{}]`, false, ""},
		{"beyond 2^53 kept but not addressable", `{"k":9007199254740993}`, []string{"/k"}, `[9007199254740993]`, false, ""},
		{"2^53 addressable", `{"k":9007199254740992}`, []string{"/k"}, `[9007199254740992]`, true, "9007199254740992"},
		{"unicode", `{"k":"Zoë 東京"}`, []string{"/k"}, `["Zoë 東京"]`, true, "Zoë 東京"},
		{"escapes kept", `{"k":"\u00e9t\u00e9"}`, []string{"/k"}, `["\u00e9t\u00e9"]`, true, "été"},
		{"astral plane not addressable", `{"k":"\ud83d\ude80"}`, []string{"/k"}, `["\ud83d\ude80"]`, false, ""},
		{"no paths", `{"k":1}`, nil, `[]`, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pk, err := cosmos.PartitionKeyOf(json.RawMessage(tt.doc), tt.paths)
			if err != nil {
				t.Fatal(err)
			}
			if pk.JSON() != tt.canon || pk.Len() != len(tt.paths) || pk.Addressable() != tt.addressable {
				t.Fatalf("got %s (%d levels, addressable %v), want %s (%d, %v)", pk.JSON(), pk.Len(), pk.Addressable(), tt.canon, len(tt.paths), tt.addressable)
			}
			if tt.sameAs != "" {
				want, err := cosmos.ParsePartitionKey(tt.sameAs)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(pk.SDK(), want.SDK()) {
					t.Errorf("SDK key %+v, want the one of --pk %s: %+v", pk.SDK(), tt.sameAs, want.SDK())
				}
			}
		})
	}
	for _, bad := range []string{`[1,2]`, `"x"`, `{"k":`} {
		if _, err := cosmos.PartitionKeyOf(json.RawMessage(bad), []string{"/k"}); err == nil {
			t.Errorf("PartitionKeyOf(%s): no error for a document that is not an object", bad)
		}
	}
}

func TestCheckLevels(t *testing.T) {
	hash := azcosmos.PartitionKeyDefinition{Kind: azcosmos.PartitionKeyKindHash, Paths: []string{"/customerId"}}
	multi := azcosmos.PartitionKeyDefinition{Kind: azcosmos.PartitionKeyKindMultiHash, Paths: []string{"/tenantId", "/userId", "/sessionId"}}
	tests := []struct {
		name        string
		pk          string
		def         azcosmos.PartitionKeyDefinition
		allowPrefix bool
		err         []string // substrings; nil = valid
	}{
		{"hash, one value", "c1", hash, false, nil},
		{"hash, one value, prefix allowed", "c1", hash, true, nil},
		{"hash, two values", `["c1","x"]`, hash, false, []string{`--pk ["c1","x"]`, "1 level", "/customerId", "the value has 2"}},
		{"hash, two values, prefix allowed", `["c1","x"]`, hash, true, []string{"1 level", "/customerId", "the value has 2"}},
		{"hierarchical, all levels", `["t1","u1",3]`, multi, false, nil},
		{"hierarchical, all levels, prefix allowed", `["t1","u1",3]`, multi, true, nil},
		{"hierarchical prefix refused", `["t1","u1"]`, multi, false, []string{"3 levels", "/tenantId, /userId, /sessionId", "the value has 2"}},
		{"hierarchical prefix allowed", `["t1","u1"]`, multi, true, nil},
		{"hierarchical first level allowed", "t1", multi, true, nil},
		{"hierarchical single refused", "t1", multi, false, []string{"3 levels", "the value has 1"}},
		{"hierarchical too many", `["t1","u1",3,4]`, multi, true, []string{"3 levels", "/tenantId, /userId, /sessionId", "give 1 to 3 values"}},
		{"no definition", `["a","b"]`, azcosmos.PartitionKeyDefinition{}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pk, err := cosmos.ParsePartitionKey(tt.pk)
			if err != nil {
				t.Fatal(err)
			}
			err = pk.CheckLevels(tt.def, tt.allowPrefix)
			if tt.err == nil {
				if err != nil {
					t.Fatalf("CheckLevels: %v", err)
				}
				return
			}
			if err == nil || errs.ExitCode(err) != errs.ExitUsage {
				t.Fatalf("CheckLevels err = %v, want a usage error", err)
			}
			for _, w := range tt.err {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// A --pk that looks like JSON but is not says how to pass it as a string.
func TestParsePartitionKeyMalformedHint(t *testing.T) {
	_, err := cosmos.ParsePartitionKey("2024-01-01")
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.KindUsage || !strings.Contains(e.Hint, `--pk '"2024-01-01"'`) {
		t.Fatalf("err = %#v, want a usage error whose hint quotes the value", err)
	}
}
