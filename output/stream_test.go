package output

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
	"testing"
)

// appendSampleDoc builds a typical small Cosmos document (~300 bytes) with
// system properties, varying with i so that no output is cached by accident.
func appendSampleDoc(dst []byte, i int) []byte {
	dst = append(dst, `{"id":"item-`...)
	dst = strconv.AppendInt(dst, int64(i), 10)
	dst = append(dst, `","categoryId":"c-`...)
	dst = strconv.AppendInt(dst, int64(i%17), 10)
	dst = append(dst, `","name":"Widget é 日本","price":`...)
	dst = strconv.AppendInt(dst, int64(i%1000), 10)
	dst = append(dst, `.9999999999999999,"count":9223372036854775807,"tags":["a","b"],"dims":{"w":1,"h":null},"_rid":"AAAAAA==","_self":"dbs/a/colls/b/docs/c/","_etag":"\"00000000-0000-0000-0000-000000000000\"","_attachments":"attachments/","_ts":1700000000}`...)
	return dst
}

// appendSmallDoc builds a small document (~80 bytes) for the million-document
// memory test: every kind of value, little text to push through.
func appendSmallDoc(dst []byte, i int) []byte {
	dst = append(dst, `{"id":"`...)
	dst = strconv.AppendInt(dst, int64(i), 10)
	dst = append(dst, `","n":`...)
	dst = strconv.AppendInt(dst, int64(i), 10)
	return append(dst, `,"u":"é日本","t":[true],"o":{"x":null}}`...)
}

// streamFormats are the printers checked for flat memory and benchmarked.
func streamFormats() []Options {
	return []Options{
		{Format: "json"},
		{Format: "json", TTY: true, Color: true},
		{Format: "jsonl"},
		{Format: "csv"},
		{Format: "tsv"},
		{Format: "table", TTY: true, Width: 120},
		{Format: "yaml"},
		{Format: "jsonl", JQ: "{id, price}"},
	}
}

func optsName(o Options) string {
	n := o.Format
	if o.TTY {
		n += "-tty"
	}
	if o.JQ != "" {
		n += "-jq"
	}
	return n
}

// TestHeapStaysFlat streams 1,000,000 documents through each printer into
// io.Discard and checks that the live heap after the stream is no larger
// than after the first 10,000 documents (within a small bound), i.e.
// nothing accumulates per document. It measures memory, never time.
func TestHeapStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("streams a million documents per format")
	}
	const (
		total    = 1_000_000
		baseline = 10_000
		slack    = 256 << 10 // bytes of live-heap growth tolerated
	)
	for _, opts := range streamFormats() {
		n := total / 10 // the other formats share the same machinery; 10x the baseline
		if !opts.TTY && opts.JQ == "" && (opts.Format == "json" || opts.Format == "jsonl" || opts.Format == "csv") {
			n = total
		}
		t.Run(optsName(opts), func(t *testing.T) {
			p, err := New(io.Discard, opts)
			if err != nil {
				t.Fatal(err)
			}
			var ms runtime.MemStats
			var base, peak uint64
			buf := make([]byte, 0, 512)
			for i := range n {
				buf = appendSmallDoc(buf[:0], i)
				if err := p.Print(buf); err != nil {
					t.Fatal(err)
				}
				switch {
				case i+1 == baseline:
					runtime.GC()
					runtime.ReadMemStats(&ms)
					base = ms.HeapInuse
				case (i+1)%100_000 == 0:
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				}
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&ms)
			t.Logf("%d docs: live heap %d KiB after %d docs, %d KiB at the end, peak sampled %d KiB",
				n, base>>10, baseline, ms.HeapInuse>>10, peak>>10)
			if ms.HeapInuse > base+slack {
				t.Errorf("live heap grew from %d to %d bytes over %d documents", base, ms.HeapInuse, n)
			}
		})
	}
}

// BenchmarkPrinters prints one document per iteration; B/op and allocs/op
// are therefore per document.
func BenchmarkPrinters(b *testing.B) {
	doc := appendSampleDoc(nil, 12345)
	for _, opts := range streamFormats() {
		b.Run(optsName(opts), func(b *testing.B) {
			p, err := New(io.Discard, opts)
			if err != nil {
				b.Fatal(err)
			}
			// Get past the tabular column window so the steady state is measured.
			for range ColumnWindow {
				if err := p.Print(doc); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := p.Print(doc); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if err := p.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

func ExampleNew() {
	p, _ := New(os_stdout{}, Options{Format: "csv"})
	_ = p.Print([]byte(`{"name":"Ana","id":"1","_ts":1700000000,"n":9223372036854775807}`))
	_ = p.Close()
	// Output:
	// id,name,n
	// 1,Ana,9223372036854775807
}

// os_stdout forwards to fmt so the example output is captured.
type os_stdout struct{}

func (os_stdout) Write(b []byte) (int, error) { return fmt.Print(string(b)) }
