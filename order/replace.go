package order

// History actions of a performance's replacement (issue 16, "замена").
const (
	ActionReplacementOffered = "replacement_offered" // the buyer told of a new name or date (detail: the replacement)
	ActionReplacementChosen  = "replacement_chosen"  // the buyer chose to attend or a refund (detail: the choice)
)
