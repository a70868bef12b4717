// Package hall owns venue geometry: sections, rows, seats and standing areas, the
// layout JSON format with its strict validation, and generators for test halls.
//
// A compiled Hall gives every seat a dense index 0..N-1. Seats of one row get
// consecutive indices in the order they stand in the row, so a row is a range of
// indices and "side by side" is "adjacent index in the same row".
//
// hall imports nothing but the standard library: no I/O beyond decoding a reader.
package hall
