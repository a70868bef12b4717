// Package pass owns access products and the facility they admit to (issue
// 14, seeds 000 and 002): what a product is (its kind and the rules of that
// kind: entries, windows, re-entry lock, days, cards, durations, discounts,
// values, zones), when it is valid (fixed dates, a calendar period, from first
// use), and the facility's settings (opening hours, exceptions, season,
// time-card tolerance, zones). Its rules are pure functions that the gate
// will use: Facility.OpenAt and Product.ValidOn. Service makes and changes
// products and settings through the small Store it declares.
//
// It imports only leaves (money, input, internal/ids) and the store
// sentinels: no services, adapters, HTTP or I/O.
package pass
