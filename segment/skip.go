package segment

import (
	"cmp"
	"errors"
	"slices"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
)

// MaxSkippedRecords bounds [Skipped.Records]; [Skipped.Count] counts all.
const MaxSkippedRecords = 100

// Skipped reports the bad orders a stream-reading analysis passed over
// because its options asked it to (the Skipped field of [SummaryOptions],
// [ValuesOptions], [RFMOptions] and [ActivityOptions]). Count is the number
// of orders skipped; Records lists the first [MaxSkippedRecords] of them in
// stream order, each with its index, host ID, field and reason (the same
// record as customer's skip options report). A bad order is one that would
// otherwise stop the analysis with a [*crmkit.RecordError]; an error that
// the stream itself yields as a RecordError is skipped too, any other
// stream error and cancellation still stop it.
//
// The zero value reports nothing skipped. A Skipped is written by the one
// call it is passed to; do not share it between concurrent calls.
type Skipped struct {
	Count   int                 `json:"count"`
	Records []customer.Offender `json:"records,omitempty"`
}

// skipper collects skipped orders; a nil *skipper skips nothing.
type skipper struct{ out *Skipped }

func newSkipper(out *Skipped) *skipper {
	if out == nil {
		return nil
	}
	*out = Skipped{}
	return &skipper{out: out}
}

// take records err and reports true when err is a skippable record error.
func (s *skipper) take(err error) bool {
	var re *crmkit.RecordError
	if s == nil || !errors.As(err, &re) {
		return false
	}
	s.out.Count++
	if len(s.out.Records) < MaxSkippedRecords || re.Index < s.out.Records[len(s.out.Records)-1].Index {
		s.out.Records = append(s.out.Records, customer.OffenderOf(re))
		if n := len(s.out.Records); n > 1 && s.out.Records[n-2].Index > re.Index {
			s.sort()
		}
		if len(s.out.Records) > MaxSkippedRecords {
			s.out.Records = s.out.Records[:MaxSkippedRecords]
		}
	}
	return true
}

// sort puts the records in stream order (quantity overflows, found by the
// workers, arrive after the reader's skips).
func (s *skipper) sort() {
	if s == nil {
		return
	}
	slices.SortStableFunc(s.out.Records, func(a, b customer.Offender) int { return cmp.Compare(a.Index, b.Index) })
}
