package forecast

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"sync"
)

// BatchOptions configures [Batch] and [Evaluate]. A nil pointer or the zero
// value means GOMAXPROCS workers and no progress reports.
// Options are only read, so one value may be shared by concurrent calls.
type BatchOptions struct {
	// Workers bounds the goroutines working at once; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// Progress, if set, is called after each item with the number of items
	// finished and the total. Calls never overlap, so the callback needs no
	// locking, but it runs on a worker: keep it short.
	Progress func(done, total int)
}

// ItemError is the error of one item of a [Batch]: its position in the
// input, its key, and what went wrong (a model's typed error, a recovered
// panic, or ctx.Err() for items not started before cancellation). Safe for
// concurrent reads; the zero value wraps no error.
type ItemError struct {
	Index int
	Key   string
	Err   error
}

// Error formats the error as `series #3 "N1402": forecast: series too short`.
func (e *ItemError) Error() string {
	return fmt.Sprintf("series #%d %q: %v", e.Index, e.Key, e.Err)
}

// Unwrap returns the item's error.
func (e *ItemError) Unwrap() error { return e.Err }

// BatchResult is the outcome of one item: Value when Err is nil. Err is an
// [*ItemError] that names the item. A plain value; it marshals to JSON with
// the error as a string.
// The zero value holds the zero R and no error; results are
// safe for concurrent reads.
type BatchResult[R any] struct {
	Key   string
	Value R
	Err   error
}

// MarshalJSON writes the error as a string.
func (r BatchResult[R]) MarshalJSON() ([]byte, error) {
	var msg string
	if r.Err != nil {
		msg = r.Err.Error()
	}
	return json.Marshal(struct {
		Key   string `json:"key"`
		Value R      `json:"value"`
		Err   string `json:"error,omitempty"`
	}{r.Key, r.Value, msg})
}

// Batch runs fn over every item with at most Workers goroutines and returns
// one result per item, in input order. key names an item in errors and
// results (it may be nil: the index is used). One failing item (an error or
// a panic in fn) does not stop the others; its result carries an
// [*ItemError]. When ctx is cancelled, items not yet started get ctx.Err()
// and Batch returns ctx.Err() along with the results gathered.
//
// fn must be safe for concurrent use; it receives ctx to pass to long work.
func Batch[T, R any](ctx context.Context, items []T, key func(T) string, fn func(context.Context, T) (R, error), opts *BatchOptions) ([]BatchResult[R], error) {
	var o BatchOptions
	if opts != nil {
		o = *opts
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if fn == nil {
		return nil, fmt.Errorf("%w: nil batch function", ErrInvalid)
	}
	out := make([]BatchResult[R], len(items))
	for i, it := range items {
		if key != nil {
			out[i].Key = key(it)
		} else {
			out[i].Key = fmt.Sprint(i)
		}
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		done     int
		next     = make(chan int)
		progress = o.Progress
	)
	run := func(i int) {
		defer func() {
			if p := recover(); p != nil {
				out[i].Err = &ItemError{Index: i, Key: out[i].Key, Err: fmt.Errorf("forecast: panic: %v", p)}
			}
		}()
		v, err := fn(ctx, items[i])
		if err != nil {
			out[i].Err = &ItemError{Index: i, Key: out[i].Key, Err: err}
			return
		}
		out[i].Value = v
	}
	for range min(o.Workers, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				run(i)
				if progress != nil {
					mu.Lock()
					done++
					progress(done, len(items))
					mu.Unlock()
				}
			}
		}()
	}
	started := 0
feed:
	for ; started < len(items); started++ {
		select {
		case <-ctx.Done():
			break feed
		case next <- started:
		}
	}
	close(next)
	wg.Wait()
	if started < len(items) {
		for i := started; i < len(items); i++ {
			out[i].Err = &ItemError{Index: i, Key: out[i].Key, Err: ctx.Err()}
		}
		return out, ctx.Err()
	}
	return out, nil
}

// Holdout is one series split into a training part and the actual values
// that followed, as in a forecasting competition. A zero Holdout (no Test)
// fails in [Evaluate] with [ErrLength]; Evaluate only reads the slices.
// Holdouts are plain values, safe for concurrent reads.
type Holdout struct {
	Key    string    `json:"key"`
	Train  []float64 `json:"train"`
	Test   []float64 `json:"test"`
	Period int       `json:"period"`
}

// SeasonalFitFunc fits a model to a training series with its seasonal
// period, for sets of series whose periods differ.
// A nil SeasonalFitFunc is an error ([ErrInvalid]) in [Evaluate]; a
// non-nil one must be safe for concurrent use, because Evaluate calls it
// from several workers.
type SeasonalFitFunc func(y []float64, period int) (Model, error)

// HoldoutAccuracy is the accuracy of one series' forecast in an
// [Evaluation]; Err is set (and Accuracy zero) when the series failed.
// The zero value is an unnamed series with nothing measured; values are
// plain and safe for concurrent reads.
type HoldoutAccuracy struct {
	Key      string   `json:"key"`
	Accuracy Accuracy `json:"accuracy"`
	Err      string   `json:"error,omitempty"`
}

// Evaluation summarises a holdout evaluation over many series, the way the
// M3 and M4 competitions report: SMAPE and MASE are the means over series of
// each series' measure over its whole horizon (series whose measure is
// undefined are left out of that mean; MASECount says how many remain).
// It holds no timing: the package never reads the clock, so a caller that
// wants a wall time measures around [Evaluate].
// A plain value, safe for concurrent reads.
type Evaluation struct {
	Model      string            `json:"model"`
	Series     int               `json:"series"`
	Failed     int               `json:"failed"`
	FirstError string            `json:"first_error,omitempty"`
	SMAPE      float64           `json:"smape"`
	MASE       float64           `json:"mase"`
	MASECount  int               `json:"mase_count"`
	PerSeries  []HoldoutAccuracy `json:"per_series"`
}

// MarshalJSON encodes undefined measures as −1, as [Accuracy.Finite] does.
func (e Evaluation) MarshalJSON() ([]byte, error) {
	type plain Evaluation
	p := plain(e)
	for _, v := range []*float64{&p.SMAPE, &p.MASE} {
		if math.IsNaN(*v) || math.IsInf(*v, 0) {
			*v = -1
		}
	}
	p.PerSeries = make([]HoldoutAccuracy, len(e.PerSeries))
	for i, s := range e.PerSeries {
		s.Accuracy = s.Accuracy.Finite()
		p.PerSeries[i] = s
	}
	return json.Marshal(p)
}

// Evaluate fits each series' training part, forecasts len(Test) steps and
// measures the forecast against Test (MASE scaled by the training part at
// the series' period), in parallel as [Batch] does. A series whose fit or
// forecast fails is counted in Failed and left out of the means — compare
// models only on runs with Failed = 0. Evaluate returns an error only for a
// nil fit function or a cancelled ctx.
func Evaluate(ctx context.Context, set []Holdout, fit SeasonalFitFunc, opts *BatchOptions) (*Evaluation, error) {
	if fit == nil {
		return nil, fmt.Errorf("%w: nil fit function", ErrInvalid)
	}
	type one struct {
		acc  Accuracy
		name string
	}
	results, err := Batch(ctx, set, func(h Holdout) string { return h.Key }, func(_ context.Context, h Holdout) (one, error) {
		if len(h.Test) == 0 {
			return one{}, fmt.Errorf("%w: empty test set", ErrLength)
		}
		train := append([]float64(nil), h.Train...)
		f, err := fcoreFitForecast(func(y []float64) (Model, error) { return fit(y, h.Period) }, train, len(h.Test), nil)
		if err != nil {
			return one{}, err
		}
		acc, err := Measure(h.Test, f.fc.Mean, h.Train, h.Period)
		return one{acc, f.name}, err
	}, opts)
	if err != nil {
		return nil, err
	}
	ev := &Evaluation{Series: len(set), PerSeries: make([]HoldoutAccuracy, len(set))}
	var sm, ms float64
	nSM := 0
	for i, r := range results {
		ev.PerSeries[i] = HoldoutAccuracy{Key: r.Key, Accuracy: r.Value.acc}
		if r.Err != nil {
			ev.Failed++
			ev.PerSeries[i].Err = r.Err.Error()
			if ev.FirstError == "" {
				ev.FirstError = r.Err.Error()
			}
			continue
		}
		if ev.Model == "" {
			ev.Model = r.Value.name
		}
		if a := r.Value.acc; !math.IsNaN(a.SMAPE) {
			sm += a.SMAPE
			nSM++
		}
		if a := r.Value.acc; !math.IsNaN(a.MASE) && !math.IsInf(a.MASE, 0) {
			ms += a.MASE
			ev.MASECount++
		}
	}
	ev.SMAPE, ev.MASE = math.NaN(), math.NaN()
	if nSM > 0 {
		ev.SMAPE = sm / float64(nSM)
	}
	if ev.MASECount > 0 {
		ev.MASE = ms / float64(ev.MASECount)
	}
	return ev, nil
}
