// Package datasets holds the demo retail dataset: its generator, which writes
// every table of shared/design/DATASET.md into a DuckDB file with SQL run by
// DuckDB itself (deterministic for a seed, linear in scale), and the semantic
// model that describes it, embedded in the binary.
package datasets
