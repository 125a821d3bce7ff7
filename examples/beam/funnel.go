package crmbeam

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/funnel"
)

// FunnelConfig configures [Funnel]. Deals, Changes, Pipelines and
// Options.AsOf are required.
//
// Deals and Changes are file globs of JSON lines: one funnel.Deal and one
// funnel.StageChange per line. Changes may come in any order and spread
// over any files; the pipeline puts each deal's changes in time order.
// Options are funnel.Options; Options.Location travels by name (see
// funnel.Accumulator.UnmarshalJSON).
type FunnelConfig struct {
	Deals     string            `json:"deals"`
	Changes   string            `json:"changes"`
	Output    string            `json:"output"`
	Pipelines []funnel.Pipeline `json:"pipelines"`
	Options   funnel.Options    `json:"options"`
}

// Funnel adds the funnel-metrics pipeline to s: read deals and stage
// changes, join them by deal ID into one funnel.History per deal, fold the
// histories into funnel.Accumulators in parallel (a combine: each worker
// folds its share, the partial accumulators travel in their JSON form and
// merge) and write the report — conversion by every definition, velocity,
// time in stage, per pipeline, team and rep — as report.json. The report
// equals funnel.Run over the same good records. Bad records (unparsable
// lines, a change of an unknown deal, a duplicate deal, a history that
// funnel.Accumulator.Add rejects) become error records in errors.jsonl;
// with Options.SkipBad the report also counts them as skipped.
func Funnel(s beam.Scope, cfg FunnelConfig) error {
	if cfg.Deals == "" || cfg.Changes == "" {
		return fmt.Errorf("crmbeam: Deals and Changes globs are required")
	}
	// Fail on bad pipelines or options now, not on a worker.
	if _, err := funnel.NewAccumulator(cfg.Pipelines, &cfg.Options); err != nil {
		return err
	}
	loc := ""
	if cfg.Options.Location != nil {
		loc = cfg.Options.Location.String()
		if _, err := time.LoadLocation(loc); err != nil && loc != "Local" {
			return fmt.Errorf("crmbeam: Options.Location %q cannot be loaded by name on a worker: %v", loc, err)
		}
	}
	s = s.Scope("Funnel")
	deals, dealErrs := beam.ParDo2(s, &parseDealFn{}, textio.Read(s, cfg.Deals))
	changes, changeErrs := beam.ParDo2(s, &parseChangeFn{}, textio.Read(s, cfg.Changes))
	joined := beam.CoGroupByKey(s, deals, changes)
	hists, joinErrs := beam.ParDo2(s, &historyFn{}, joined)
	acc := beam.Combine(s, &funnelCombineFn{Pipelines: cfg.Pipelines, Options: cfg.Options, Location: loc}, hists)
	report, addErrs := beam.ParDo2(s, &reportFn{}, acc)
	textio.Write(s, outPath(cfg.Output, "report.json"), report)
	writeJSONL(s, outPath(cfg.Output, "errors.jsonl"), beam.Flatten(s, dealErrs, changeErrs, joinErrs, addErrs))
	return nil
}

func init() {
	register.DoFn3x0[string, func(string, funnel.Deal), func(ErrorRecord)](&parseDealFn{})
	register.DoFn3x0[string, func(string, funnel.StageChange), func(ErrorRecord)](&parseChangeFn{})
	register.DoFn5x0[string, func(*funnel.Deal) bool, func(*funnel.StageChange) bool, func(funnel.History), func(ErrorRecord)](&historyFn{})
	register.Combiner3[funnelAcc, funnel.History, funnelAcc](&funnelCombineFn{})
	register.DoFn3x1[funnelAcc, func(string), func(ErrorRecord), error](&reportFn{})
	register.Emitter2[string, funnel.Deal]()
	register.Emitter2[string, funnel.StageChange]()
	register.Iter1[funnel.Deal]()
	register.Iter1[funnel.StageChange]()
	register.Emitter1[funnel.History]()
}

type parseDealFn struct{}

func (f *parseDealFn) ProcessElement(line string, emit func(string, funnel.Deal), errs func(ErrorRecord)) {
	if strings.TrimSpace(line) == "" {
		return
	}
	var d funnel.Deal
	if err := json.Unmarshal([]byte(line), &d); err != nil {
		errs(newErrorRecord("parse", "", line, crmkit.Errorf("deal", -1, "", "", crmkit.ErrInvalid, "%v", err)))
		return
	}
	if d.ID == "" {
		errs(newErrorRecord("parse", "", line, crmkit.Errorf("deal", -1, "", "id", crmkit.ErrMissing, "")))
		return
	}
	emit(d.ID, d)
}

type parseChangeFn struct{}

func (f *parseChangeFn) ProcessElement(line string, emit func(string, funnel.StageChange), errs func(ErrorRecord)) {
	if strings.TrimSpace(line) == "" {
		return
	}
	var c funnel.StageChange
	if err := json.Unmarshal([]byte(line), &c); err != nil {
		errs(newErrorRecord("parse", "", line, crmkit.Errorf("stage change", -1, "", "", crmkit.ErrInvalid, "%v", err)))
		return
	}
	if c.DealID == "" {
		errs(newErrorRecord("parse", "", line, crmkit.Errorf("stage change", -1, "", "deal_id", crmkit.ErrMissing, "")))
		return
	}
	emit(c.DealID, c)
}

// historyFn joins one deal with its stage changes.
type historyFn struct{}

func (f *historyFn) ProcessElement(id string, dealIter func(*funnel.Deal) bool, changeIter func(*funnel.StageChange) bool, emit func(funnel.History), errs func(ErrorRecord)) {
	var deals []funnel.Deal
	var d funnel.Deal
	for dealIter(&d) {
		deals = append(deals, d)
	}
	var chs []funnel.StageChange
	var c funnel.StageChange
	for changeIter(&c) {
		chs = append(chs, c)
	}
	switch len(deals) {
	case 0:
		errs(newErrorRecord("deal", id, "", crmkit.Errorf("stage change", -1, id, "deal_id", crmkit.ErrUnknownRef, "%d stage changes of a deal that is not in the deals input", len(chs))))
		return
	case 1:
	default:
		errs(newErrorRecord("deal", id, "", crmkit.Errorf("deal", -1, id, "id", crmkit.ErrDuplicate, "%d deal records with this ID", len(deals))))
		return
	}
	emit(funnel.History{Deal: deals[0], Changes: orderChanges(deals[0], chs)})
}

// orderChanges sorts a deal's changes by time; changes at the same instant
// are put in the order that continues the chain from the stage the deal was
// in (the order the records had at the source, which a shuffle loses).
func orderChanges(d funnel.Deal, chs []funnel.StageChange) []funnel.StageChange {
	slices.SortStableFunc(chs, func(a, b funnel.StageChange) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		if c := cmp.Compare(a.From, b.From); c != 0 {
			return c
		}
		return cmp.Compare(a.To, b.To)
	})
	cur := ""
	for i := 0; i < len(chs); {
		j := i
		for j < len(chs) && chs[j].Time.Equal(chs[i].Time) {
			j++
		}
		if cur == "" {
			// The first group: start from the change whose From is no
			// other change's To.
			for m := i; m < j; m++ {
				if !slices.ContainsFunc(chs[i:j], func(c funnel.StageChange) bool { return c.To == chs[m].From }) {
					chs[i], chs[m] = chs[m], chs[i]
					break
				}
			}
			cur = chs[i].From
		}
		// Within a tie group, repeatedly pick the change starting at cur.
		for k := i; k < j; k++ {
			for m := k; m < j; m++ {
				if chs[m].From == cur {
					chs[k], chs[m] = chs[m], chs[k]
					break
				}
			}
			cur = chs[k].To
		}
		i = j
	}
	return chs
}

// funnelAcc is the combine's state: a funnel.Accumulator, which encodes
// itself (pipelines and options included) for the trip between workers,
// and the histories it rejected.
type funnelAcc struct {
	A    *funnel.Accumulator `json:"a,omitempty"`
	Errs []ErrorRecord       `json:"errs,omitempty"`
}

type funnelCombineFn struct {
	Pipelines []funnel.Pipeline
	Options   funnel.Options
	Location  string
}

func (f *funnelCombineFn) newAcc() (*funnel.Accumulator, error) {
	o := f.Options
	switch f.Location {
	case "":
	case "Local":
		o.Location = time.Local
	default:
		loc, err := time.LoadLocation(f.Location)
		if err != nil {
			return nil, err
		}
		o.Location = loc
	}
	return funnel.NewAccumulator(f.Pipelines, &o)
}

func (f *funnelCombineFn) CreateAccumulator() funnelAcc { return funnelAcc{} }

func (f *funnelCombineFn) AddInput(a funnelAcc, h funnel.History) funnelAcc {
	if a.A == nil {
		acc, err := f.newAcc()
		if err != nil {
			a.Errs = append(a.Errs, newErrorRecord("deal", h.Deal.ID, "", err))
			return a
		}
		a.A = acc
	}
	if err := a.A.Add(h); err != nil {
		a.Errs = append(a.Errs, newErrorRecord("deal", h.Deal.ID, "", err))
	}
	return a
}

func (f *funnelCombineFn) MergeAccumulators(a, b funnelAcc) funnelAcc {
	a.Errs = append(a.Errs, b.Errs...)
	switch {
	case b.A == nil:
	case a.A == nil:
		a.A = b.A
	default:
		if err := a.A.Merge(b.A); err != nil {
			a.Errs = append(a.Errs, newErrorRecord("merge", "", "", err))
		}
	}
	return a
}

func (f *funnelCombineFn) ExtractOutput(a funnelAcc) funnelAcc {
	if a.A == nil {
		acc, err := f.newAcc()
		if err != nil {
			a.Errs = append(a.Errs, newErrorRecord("deal", "", "", err))
			return a
		}
		a.A = acc
	}
	return a
}

type reportFn struct{}

func (f *reportFn) ProcessElement(a funnelAcc, emit func(string), errs func(ErrorRecord)) error {
	for _, e := range a.Errs {
		errs(e)
	}
	if a.A == nil {
		return nil
	}
	r, err := a.A.Report()
	if err != nil {
		errs(newErrorRecord("report", "", "", err))
		return nil
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("crmbeam: encoding the funnel report: %w", err)
	}
	emit(string(b))
	return nil
}
