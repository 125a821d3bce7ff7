package crmbeam

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/funnel"
	"github.com/crmkit/crmkit/segment"

	// Local files for textio; remote runners add gcs and others.
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
)

// ErrorRecord is one input record or one key that could not be processed.
// The pipelines never drop data silently and never fail on bad data: each
// problem becomes an ErrorRecord in the errors output. Stage names the step
// ("parse", "customer", "fit", "series", "backtest", "deal"), Key the
// customer, series or deal ID when known, Input the offending line (cut to
// 500 bytes) when the problem is a record.
type ErrorRecord struct {
	Stage string `json:"stage"`
	Key   string `json:"key,omitempty"`
	Input string `json:"input,omitempty"`
	Error string `json:"error"`
}

func newErrorRecord(stage, key, input string, err error) ErrorRecord {
	if len(input) > 500 {
		input = input[:500]
	}
	return ErrorRecord{Stage: stage, Key: key, Input: input, Error: err.Error()}
}

// Beam ships elements between workers with coders. crmkit's types hold
// decimal.Decimal (unexported fields), so they travel as JSON, which is also
// what the pipelines write. Each coder is a named function: a runner finds
// it by name in the worker binary.

func encOrder(v customer.Order) ([]byte, error) { return json.Marshal(v) }
func decOrder(b []byte) (customer.Order, error) {
	var v customer.Order
	err := json.Unmarshal(b, &v)
	return v, err
}
func encSummary(v segment.Summary) ([]byte, error) { return json.Marshal(v) }
func decSummary(b []byte) (segment.Summary, error) {
	var v segment.Summary
	err := json.Unmarshal(b, &v)
	return v, err
}
func encCustAcc(v custAcc) ([]byte, error) { return json.Marshal(v) }
func decCustAcc(b []byte) (custAcc, error) {
	var v custAcc
	err := json.Unmarshal(b, &v)
	return v, err
}
func encCustRec(v custRec) ([]byte, error) { return json.Marshal(v) }
func decCustRec(b []byte) (custRec, error) {
	var v custRec
	err := json.Unmarshal(b, &v)
	return v, err
}
func encPatternAcc(v patternAcc) ([]byte, error) { return json.Marshal(v) }
func decPatternAcc(b []byte) (patternAcc, error) {
	var v patternAcc
	err := json.Unmarshal(b, &v)
	return v, err
}
func encDeal(v funnel.Deal) ([]byte, error) { return json.Marshal(v) }
func decDeal(b []byte) (funnel.Deal, error) {
	var v funnel.Deal
	err := json.Unmarshal(b, &v)
	return v, err
}
func encChange(v funnel.StageChange) ([]byte, error) { return json.Marshal(v) }
func decChange(b []byte) (funnel.StageChange, error) {
	var v funnel.StageChange
	err := json.Unmarshal(b, &v)
	return v, err
}
func encHistory(v funnel.History) ([]byte, error) { return json.Marshal(v) }
func decHistory(b []byte) (funnel.History, error) {
	var v funnel.History
	err := json.Unmarshal(b, &v)
	return v, err
}
func encFunnelAcc(v funnelAcc) ([]byte, error) { return json.Marshal(v) }
func decFunnelAcc(b []byte) (funnelAcc, error) {
	var v funnelAcc
	err := json.Unmarshal(b, &v)
	return v, err
}

func init() {
	beam.RegisterCoder(reflect.TypeFor[customer.Order](), encOrder, decOrder)
	beam.RegisterCoder(reflect.TypeFor[segment.Summary](), encSummary, decSummary)
	beam.RegisterCoder(reflect.TypeFor[custAcc](), encCustAcc, decCustAcc)
	beam.RegisterCoder(reflect.TypeFor[custRec](), encCustRec, decCustRec)
	beam.RegisterCoder(reflect.TypeFor[patternAcc](), encPatternAcc, decPatternAcc)
	beam.RegisterCoder(reflect.TypeFor[funnel.Deal](), encDeal, decDeal)
	beam.RegisterCoder(reflect.TypeFor[funnel.StageChange](), encChange, decChange)
	beam.RegisterCoder(reflect.TypeFor[funnel.History](), encHistory, decHistory)
	beam.RegisterCoder(reflect.TypeFor[funnelAcc](), encFunnelAcc, decFunnelAcc)
	register.DoFn2x1[beam.T, func(string), error](&toJSONFn{})
	register.Emitter1[string]()
}

// toJSONFn writes any element as one JSON line.
type toJSONFn struct{}

func (f *toJSONFn) ProcessElement(v beam.T, emit func(string)) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("crmbeam: encoding output: %w", err)
	}
	emit(string(b))
	return nil
}

// writeJSONL writes a PCollection as JSON lines to one file.
func writeJSONL(s beam.Scope, filename string, col beam.PCollection) {
	textio.Write(s, filename, beam.ParDo(s, &toJSONFn{}, col))
}

// outPath joins an output directory or prefix and a file name.
func outPath(prefix, name string) string {
	if prefix == "" || strings.HasSuffix(prefix, "/") {
		return prefix + name
	}
	return prefix + "/" + name
}
