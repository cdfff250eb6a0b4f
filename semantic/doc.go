// Package semantic is Wenshu's metrics layer: a pure compiler from a semantic
// query (metrics, dimensions, a time range, filters) to SQL over a model that
// defines every metric once.
//
// The pipeline is split like a language and its engine: ParseModel reads and
// checks a YAML model; ParseQuery reads the query JSON; Compile validates the
// query against the model, plans which aggregations are needed (one CTE per
// group of metrics that share a table, time and fan-out), and renders SQL for a
// Dialect. Nothing here performs I/O: engines that execute the SQL live in
// sub-packages (semantic/duckdb).
package semantic
