package cosmos_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

func mustMarshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// Moved from cmd/read_test.go (TestQueryParams) with its assertions.
func TestParseParams(t *testing.T) {
	tests := []struct {
		name   string
		params []string
		want   string // JSON of name→value, or error substring
		err    bool
	}{
		{"number", []string{"@n=5"}, `{"@n":5}`, false},
		{"negative float", []string{"@n=-1.5e3"}, `{"@n":-1.5e3}`, false},
		{"bools null", []string{"@t=true", "@f=false", "@z=null"}, `{"@f":false,"@t":true,"@z":null}`, false},
		{"array", []string{`@tags=["a","b"]`}, `{"@tags":["a","b"]}`, false},
		{"object", []string{`@o={"a": 1}`}, `{"@o":{"a":1}}`, false},
		{"quoted string", []string{`@s="5"`}, `{"@s":"5"}`, false},
		{"plain string", []string{"@city=Oslo"}, `{"@city":"Oslo"}`, false},
		{"string with spaces and =", []string{"@q=a = b"}, `{"@q":"a = b"}`, false},
		{"leading zero is a string", []string{"@z=007"}, `{"@z":"007"}`, false},
		{"empty string", []string{"@e="}, `{"@e":""}`, false},
		{"later wins", []string{"@a=1", "@a=2"}, `{"@a":2}`, false},
		{"bad json", []string{`@t=["a",`}, "--param @t", true},
		{"no at", []string{"city=Oslo"}, `--param "city=Oslo"`, true},
		{"no equals", []string{"@city"}, `--param "@city"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cosmos.ParseParams(tt.params, "")
			if tt.err {
				if err == nil || !strings.Contains(err.Error(), tt.want) || errs.ExitCode(err) != errs.ExitUsage {
					t.Fatalf("err = %v, want usage error with %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]json.RawMessage{}
			for _, p := range got {
				m[p.Name] = p.Value.(json.RawMessage)
			}
			b, _ := json.Marshal(m)
			var a, w any
			_ = json.Unmarshal(b, &a)
			_ = json.Unmarshal([]byte(tt.want), &w)
			if string(mustMarshal(a)) != string(mustMarshal(w)) {
				t.Errorf("params = %s, want %s", b, tt.want)
			}
		})
	}
}

// TestParseParamsExact checks the bytes sent for each kind of value, the
// file, the override by --param and the order by name.
func TestParseParamsExact(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	file := write("p.json", `{"@city": "Oslo", "@n": 1.50, "@tags": ["a", "b"], "@z": null}`)
	tests := []struct {
		name   string
		params []string
		file   string
		want   string // name=value pairs in order, or an error substring
		err    bool
	}{
		{"integer kept as written", []string{"@n=10"}, "", `@n=10`, false},
		{"decimal kept as written", []string{"@n=1.0000000000000001"}, "", `@n=1.0000000000000001`, false},
		{"big integer kept", []string{"@n=9223372036854775807"}, "", `@n=9223372036854775807`, false},
		{"exponent", []string{"@n=1E3"}, "", `@n=1E3`, false},
		{"not a number: a string", []string{"@n=1e"}, "", `@n="1e"`, false},
		{"infinity is a string", []string{"@n=Infinity"}, "", `@n="Infinity"`, false},
		{"spaces around JSON trimmed", []string{"@a= [1, 2] "}, "", `@a=[1,2]`, false},
		{"spaces around a word kept", []string{"@s= x "}, "", `@s=" x "`, false},
		{"True is a string", []string{"@b=True"}, "", `@b="True"`, false},
		{"unicode string", []string{"@s=Zoë 東京"}, "", `@s="Zoë 東京"`, false},
		{"html escaped as encoding/json does", []string{"@s=<b>&"}, "", `@s="\u003cb\u003e\u0026"`, false},
		{"quoted JSON string keeps escapes", []string{`@s="\u00e9"`}, "", `@s="\u00e9"`, false},
		{"sorted by name", []string{"@b=2", "@a=1", "@C=3"}, "", `@C=3 @a=1 @b=2`, false},
		{"file alone", nil, file, `@city="Oslo" @n=1.50 @tags=["a", "b"] @z=null`, false},
		{"flag overrides file", []string{"@city=Bergen", "@x=1"}, file, `@city="Bergen" @n=1.50 @tags=["a", "b"] @x=1 @z=null`, false},
		{"missing file", nil, filepath.Join(dir, "none.json"), "--param-file: cannot read", true},
		{"file not an object", nil, write("arr.json", `[1]`), "cannot unmarshal array", true},
		{"file null", nil, write("null.json", `null`), "not a JSON object (want {\"@name\": value, …})", true},
		{"file bad JSON", nil, write("bad.json", `{"@a":`), "--param-file " + filepath.Join(dir, "bad.json"), true},
		{"file name without @", nil, write("noat.json", `{"city":"Oslo"}`), `parameter name "city" must start with @`, true},
		{"file name only @", nil, write("at.json", `{"@":1}`), `parameter name "@" must start with @`, true},
		{"flag name only @", []string{"@=1"}, "", "the name must start with @", true},
		{"bad object", []string{"@o={oops"}, "", "starts like JSON but does not parse", true},
		{"bad string", []string{`@s="open`}, "", "quote it for the shell", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cosmos.ParseParams(tt.params, tt.file)
			if tt.err {
				if err == nil || !strings.Contains(err.Error(), tt.want) || errs.ExitCode(err) != errs.ExitUsage {
					t.Fatalf("err = %v, want a usage error with %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var pairs []string
			for _, p := range got {
				pairs = append(pairs, p.Name+"="+string(p.Value.(json.RawMessage)))
			}
			if s := strings.Join(pairs, " "); s != tt.want {
				t.Errorf("params %s, want %s", s, tt.want)
			}
		})
	}
}
