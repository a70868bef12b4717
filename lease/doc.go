// Package lease keeps hold leases that outlive a process: which seats of a
// performance a hold token has, and until when. lease/redis is the production
// adapter, lease/memory the embedded default; both run the conformance suite in
// lease/leasetest.
//
// The engine is the authority while a process runs; leases let a restarted or
// failed-over shard rebuild the live holds with the same deadlines.
package lease
