package cmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/query/merge"
	"github.com/cosmosctl/cosmosctl/output"
)

// ReadManyOptions are the parsed flags of `cosmosctl read-many`.
type ReadManyOptions struct {
	DataDeps
	IDsFile string

	ctx context.Context
}

// NewCmdReadMany builds `cosmosctl read-many`.
func NewCmdReadMany(f *cmdutil.Factory, runF func(*ReadManyOptions) error) *cobra.Command {
	opts := &ReadManyOptions{DataDeps: newDataDeps(f)}
	cmd := &cobra.Command{
		Use:   "read-many [--ids-file FILE]",
		Short: "Read many items by id and partition key in a few requests",
		Long: `Read items named by JSON lines of {"id": ..., "pk": ...} on stdin (or --ids-file).
Missing items are reported on stderr; exits 5 only when none was found.`,
		Example: `  printf '{"id":"1","pk":"c1"}\n{"id":"2","pk":"c2"}\n' | cosmosctl read-many -d shop -c orders`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return readManyRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.IDsFile, "ids-file", "", "File of JSON lines {\"id\":…,\"pk\":…} (default stdin)")
	return cmd
}

// readManyWant is one requested item.
type readManyWant struct {
	id   string
	pk   azcosmos.PartitionKey
	key  string // id + canonical pk, to match results
	show string // for messages
}

// readManyParse reads JSON lines of {"id", "pk"}.
func readManyParse(r io.Reader, source string) ([]readManyWant, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	var out []readManyWant
	line := 0
	for sc.Scan() {
		line++
		t := bytes.TrimSpace(sc.Bytes())
		if len(t) == 0 {
			continue
		}
		var e map[string]json.RawMessage
		if err := json.Unmarshal(t, &e); err != nil {
			return nil, errs.Usage("%s:%d: not a JSON object {\"id\":…,\"pk\":…}: %v", source, line, err)
		}
		var id string
		if json.Unmarshal(e["id"], &id) != nil || id == "" {
			return nil, errs.Usage("%s:%d: missing string \"id\"", source, line)
		}
		pkRaw, ok := e["pk"]
		if !ok {
			return nil, errs.Usage("%s:%d: missing \"pk\" (use null for a null key)", source, line)
		}
		pkText := string(pkRaw)
		pk, canon, err := queryParsePK(pkText)
		if err != nil {
			return nil, errs.Usage("%s:%d: %v", source, line, err)
		}
		key, err := readManyKey(id, canon)
		if err != nil {
			return nil, errs.Usage("%s:%d: %v", source, line, err)
		}
		out = append(out, readManyWant{id: id, pk: pk, key: key, show: fmt.Sprintf("%q (partition key %s)", id, readPKText(canon))})
	}
	if err := sc.Err(); err != nil {
		return nil, errs.Usage("%s: %v", source, err)
	}
	return out, nil
}

func readManyKey(id, canonPK string) (string, error) {
	c, err := merge.Canonical(json.RawMessage(canonPK))
	if err != nil {
		return "", err
	}
	return id + "\x00" + string(c), nil
}

// readManyExtract returns the document's partition key values as a JSON
// array, walking each path of the container's key definition.
func readManyExtract(doc json.RawMessage, paths []string) (string, string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return "", "", err
	}
	var id string
	_ = json.Unmarshal(top["id"], &id)
	var comps []string
	for _, p := range paths {
		cur := json.RawMessage(nil)
		obj := top
		segs := strings.Split(strings.Trim(p, "/"), "/")
		for i, seg := range segs {
			seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
			v, ok := obj[seg]
			if !ok {
				cur = nil
				break
			}
			cur = v
			if i < len(segs)-1 {
				obj = nil
				if json.Unmarshal(v, &obj) != nil {
					cur = nil
					break
				}
			}
		}
		if cur == nil {
			cur = json.RawMessage("{}")
		}
		comps = append(comps, string(cur))
	}
	return id, "[" + strings.Join(comps, ",") + "]", nil
}

func readManyRun(o *ReadManyOptions) error {
	f := &o.DataDeps
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	in, source := f.IOStreams.In, "stdin"
	if o.IDsFile != "" && o.IDsFile != "-" {
		fh, err := os.Open(o.IDsFile)
		if err != nil {
			return errs.Usage("--ids-file: %v", err)
		}
		defer fh.Close()
		in, source = fh, o.IDsFile
	}
	wants, err := readManyParse(in, source)
	if err != nil {
		return err
	}
	if len(wants) == 0 {
		return errs.Usage("no items to read: pass JSON lines of {\"id\":…,\"pk\":…} on stdin or with --ids-file")
	}
	ctx, cancel := f.WithTimeout(ctx)
	defer cancel()
	client, s, err := queryClientFor(ctx, f, true, true)
	if err != nil {
		return err
	}
	db, coll := s.Database, s.Container
	what := fmt.Sprintf("read-many %s/%s", db, coll)
	ctr, err := client.NewContainer(db, coll)
	if err != nil {
		return fmt.Errorf("container %s/%s: %w", db, coll, err)
	}
	props, err := ctr.Read(ctx, nil)
	if err != nil {
		return cosmos.Explain(err, what)
	}
	paths := props.ContainerProperties.PartitionKeyDefinition.Paths
	ids := make([]azcosmos.ItemIdentity, len(wants))
	for i, w := range wants {
		ids[i] = azcosmos.ItemIdentity{ID: w.id, PartitionKey: w.pk}
	}
	resp, err := ctr.ReadManyItems(ctx, ids, nil)
	if err != nil {
		return cosmos.Explain(err, what)
	}
	found := map[string]json.RawMessage{}
	for _, it := range resp.Items {
		// azcosmos re-marshals each item; restore the bytes the service sent.
		it = cosmos.UnescapeHTML(it)
		id, pk, err := readManyExtract(it, paths)
		if err != nil {
			return fmt.Errorf("%s: decode item: %w", what, err)
		}
		key, err := readManyKey(id, pk)
		if err != nil {
			return fmt.Errorf("%s: decode item: %w", what, err)
		}
		found[key] = json.RawMessage(it)
	}
	p, err := output.New(f.IOStreams.Out, queryOutputOptions(ctx, f, s))
	if err != nil {
		return queryPrinterError(err)
	}
	var missing []string
	n := 0
	for _, w := range wants {
		doc, ok := found[w.key]
		if !ok {
			missing = append(missing, w.show)
			continue
		}
		if err := p.Print(doc); err != nil {
			return err
		}
		n++
	}
	if err := p.Close(); err != nil {
		return err
	}
	queryWarnDropped(f, p)
	for _, m := range missing {
		fmt.Fprintf(f.IOStreams.ErrOut, "not found: item %s\n", m)
	}
	if n == 0 {
		return errs.New(errs.KindNotFound, nil, "check the ids and partition keys (both must match)", "none of the %d items was found in %s/%s", len(wants), db, coll)
	}
	return nil
}
