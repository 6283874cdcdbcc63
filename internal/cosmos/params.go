package cosmos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// ParseParams turns --param @name=VALUE flags and a --param-file JSON
// object into query parameters, sorted by name. VALUE is JSON when it is a
// JSON number, true, false, null, or starts with {, [ or "; else a plain
// string. A --param overrides the same name from the file.
func ParseParams(params []string, paramFile string) ([]azcosmos.QueryParameter, error) {
	vals := map[string]json.RawMessage{}
	if paramFile != "" {
		b, err := os.ReadFile(paramFile)
		if err != nil {
			return nil, errs.Usage("--param-file: cannot read %s: %v", paramFile, err)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
			msg := "not a JSON object"
			if err != nil {
				msg = err.Error()
			}
			return nil, errs.Usage("--param-file %s: %s (want {\"@name\": value, …})", paramFile, msg)
		}
		for k, v := range obj {
			if !strings.HasPrefix(k, "@") || len(k) < 2 {
				return nil, errs.Usage("--param-file %s: parameter name %q must start with @", paramFile, k)
			}
			vals[k] = v
		}
	}
	for _, p := range params {
		name, value, ok := strings.Cut(p, "=")
		if !ok {
			return nil, errs.Usage("--param %q: want @name=VALUE", p)
		}
		if !strings.HasPrefix(name, "@") || len(name) < 2 {
			return nil, errs.Usage("--param %q: the name must start with @ (e.g. --param @city=Oslo)", p)
		}
		raw, err := paramValue(value)
		if err != nil {
			return nil, errs.Usage("--param %s: %v", name, err)
		}
		vals[name] = raw
	}
	names := make([]string, 0, len(vals))
	for k := range vals {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]azcosmos.QueryParameter, 0, len(names))
	for _, n := range names {
		out = append(out, azcosmos.QueryParameter{Name: n, Value: vals[n]})
	}
	return out, nil
}

// paramValue is the JSON of one --param VALUE.
func paramValue(v string) (json.RawMessage, error) {
	t := strings.TrimSpace(v)
	if t != "" && (t[0] == '{' || t[0] == '[' || t[0] == '"') {
		if !json.Valid([]byte(t)) {
			var x any
			err := json.Unmarshal([]byte(t), &x)
			return nil, fmt.Errorf("value %s starts like JSON but does not parse: %v (quote it for the shell, e.g. '\"text\"')", v, err)
		}
		var buf bytes.Buffer
		_ = json.Compact(&buf, []byte(t))
		return buf.Bytes(), nil
	}
	switch t {
	case "true", "false", "null":
		return json.RawMessage(t), nil
	}
	if isJSONNumber(t) {
		return json.RawMessage(t), nil
	}
	b, _ := json.Marshal(v)
	return b, nil
}
