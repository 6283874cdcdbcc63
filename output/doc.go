// Package output prints query results — a stream of raw JSON documents — as
// json, jsonl, table, wide, csv, tsv or yaml, optionally through a jq
// expression. It knows nothing of Cosmos DB beyond which fields are system
// properties.
//
// Streaming and memory: every printer writes each document before Print
// returns (one Write per document or row; wrap w in a bufio.Writer for
// throughput) and keeps only reused buffers, so memory does not grow with
// the number of documents. The exceptions are bounded or requested: the
// tabular formats buffer the first ColumnWindow documents to learn columns
// (and widths), and JQSlurp buffers everything because the user asked for
// one array.
//
// Faithfulness: documents are re-emitted from their raw bytes. Key order,
// number text (9223372036854775807, 1.0000000000000001, 1e400) and string
// bytes are kept; only insignificant whitespace changes, and nothing is
// HTML- or unicode-escaped that was not escaped by the server. jq results
// keep the input's key order too (gojq itself sorts keys; see keyOrder), so
// `--jq .` prints the document as it came.
//
// jq results: strings print raw, one per line, like `jq -r` and gh
// (JQJSON prints them as JSON strings); in the json format each result is
// one JSON value per line, as jq prints them; in table and wide, objects
// make the table and other results print as JSON lines, never as a
// one-column table.
//
// Single documents (PrintOne): json and yaml print the object itself, not
// a list of one; table and wide a "key:  value" block like kubectl
// describe.
//
// Formats:
//   - json: one array; piped "[\n{…},\n{…}\n]", on a terminal indented with
//     two spaces (and coloured if Color). No documents print "[]".
//   - jsonl: one compact document per line; nothing for no documents.
//   - yaml: one block sequence written item by item ("- a: 1"); "[]" for
//     none. Strings are plain only when that is unambiguous, otherwise
//     double-quoted; numbers verbatim.
//   - table / wide: aligned columns. Columns are the top-level keys in
//     first-seen order over the first ColumnWindow documents, "id" first;
//     non-object documents go in a "value" column; system properties (_rid,
//     _self, _etag, _attachments, _ts) only in wide. Nested values are
//     compact JSON, null and missing keys empty, control characters shown
//     as \n \t \r \u00XX. On a terminal with a Width, columns are shrunk
//     and cells truncated with "…" (and columns that cannot fit at all are
//     replaced by a final "…" column); piped, nothing is truncated. Keys
//     first seen after the window are not shown; DroppedColumns
//     (ColumnReporter) returns them so the caller can say so on stderr
//     (stdout holds only the table).
//   - csv / tsv: header plus one record per document, same columns as the
//     table (including the window and dropped-key rule: a header cannot be
//     extended once written). csv quotes per RFC 4180 (encoding/csv, "\n"
//     line ends); tsv escapes \ tab newline CR as \\ \t \n \r.
//
// Empty results print nothing for table, wide, csv, tsv and jsonl.
//
// Usage: call Print for each document (the printer copies what it keeps,
// so the caller may reuse the buffer) and Close once, also after an error,
// so that json/yaml output is terminated. A Printer is not safe for
// concurrent use. An invalid document is rejected with an error and does
// not affect the printer; write errors are returned wrapped.
//
// Terminal safety: control characters in values never reach the terminal
// raw in json, table or yaml output (they are JSON-escaped, shown as
// \u001b, or YAML-escaped); csv and tsv pass data through as data.
package output
