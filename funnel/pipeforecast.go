package funnel

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
)

// ForecastMethod says how a distribution was computed. The zero value is
// [MethodAuto]. It is a plain string value, safe for concurrent use.
type ForecastMethod string

const (
	// MethodAuto (the zero value) computes each figure exactly where that
	// is cheap and by Monte Carlo elsewhere.
	MethodAuto ForecastMethod = ""
	// MethodExact computes every figure exactly and fails when one is too
	// large to (see [ForecastOptions.ExactBudget]).
	MethodExact ForecastMethod = "exact"
	// MethodMonteCarlo simulates every figure.
	MethodMonteCarlo ForecastMethod = "monte_carlo"
)

// ForecastOptions control [ForecastPipeline]. A nil *ForecastOptions is
// invalid because AsOf is required; every other zero field means the
// documented default. Options are read, never modified; the same options
// may serve concurrent calls if Model and Slippage are safe for it (the
// shipped ones are). The zero value is invalid (no AsOf).
type ForecastOptions struct {
	// AsOf is the clock (required). The first forecast period is the one
	// containing AsOf; records dated after it are errors.
	AsOf time.Time `json:"as_of"`
	// Period is the length of a forecast period; default Month.
	Period Period `json:"period,omitempty"`
	// Periods is the number of periods forecast; default 3, at most 120.
	Periods int `json:"periods,omitempty"`
	// Location is the time zone of calendar periods; default UTC.
	Location *time.Location `json:"-"`
	// Teams maps rep → team; reps not in it belong to team "".
	Teams map[string]string `json:"teams,omitempty"`
	// Model gives each open deal's win probability; nil means the stages'
	// default probabilities ([StageDefaults]).
	Model WinProbability `json:"-"`
	// Slippage places each open deal's close in periods; nil places it at
	// its expected close date (or AsOf when that has passed). Open deals
	// without an expected close date are not forecast; the result counts
	// them (Unplaced).
	Slippage *Slippage `json:"-"`
	// Categories assign forecast categories; nil means the defaults of
	// [CategoryRules].
	Categories *CategoryRules `json:"categories,omitempty"`
	// Targets give the amounts whose probability of being reached is
	// reported. Period must equal Period above and Pipeline be empty; a
	// target with both Rep and Team empty is the company total.
	Targets []Target `json:"targets,omitempty"`
	// Currency every deal must be in ("" = the first currency seen; deals
	// with an empty Currency are in the call's currency).
	Currency string `json:"currency,omitempty"`
	// Draws is the number of Monte Carlo draws; default 10 000, at most
	// 1 000 000, and Periods × Draws at most 10 000 000.
	Draws int `json:"draws,omitempty"`
	// Seed seeds the simulation (PCG); the same input and seed give the
	// same result, whatever Workers is.
	Seed uint64 `json:"seed,omitempty"`
	// Workers bounds the goroutines that work out records and simulate
	// draws (one more merges records, one more feeds the simulation);
	// default 2. With more than one, records are read ahead in batches
	// (at most 256 × (2·Workers+2)) and worked out concurrently, so the
	// stream must not reuse a yielded record's slices or maps for later
	// records ([crmkit.Stream] does not); Workers 1 reads strictly one
	// record at a time. Results do not depend on Workers.
	Workers int `json:"workers,omitempty"`
	// Method: see [ForecastMethod].
	Method ForecastMethod `json:"method,omitempty"`
	// ExactBudget bounds the work of one exact distribution, in deal ×
	// lattice-state steps; default 20 000 000. A figure is exact when its
	// deals number at most 16 (all outcomes enumerated) or their amounts
	// share a unit g with Σamount/g ≤ 1 000 000 and deals × Σamount/g
	// within the budget (dynamic programming on the lattice).
	ExactBudget int64 `json:"exact_budget,omitempty"`
}

// PipelineForecast is the result of [ForecastPipeline]: for the company
// (Total), each team and each rep, the won amount expected in each future
// period and its distribution. Teams and Reps are sorted by name. It
// marshals to JSON. The zero value is an empty forecast. It is a plain value,
// safe for concurrent reads.
type PipelineForecast struct {
	AsOf           time.Time       `json:"as_of"`
	Period         Period          `json:"period"`
	Currency       string          `json:"currency,omitempty"`
	Draws          int             `json:"draws"`
	Seed           uint64          `json:"seed"`
	OpenDeals      int             `json:"open_deals"`
	Unplaced       int             `json:"unplaced"`
	UnplacedAmount decimal.Decimal `json:"unplaced_amount"`
	Total          GroupForecast   `json:"total"`
	Teams          []GroupForecast `json:"teams,omitempty"`
	Reps           []GroupForecast `json:"reps,omitempty"`
}

// GroupForecast is the forecast of one group: Level is "total", "team" or
// "rep". Horizon covers all Periods together; its Target, when any period
// has one, is the sum of the periods' targets. A plain value (the zero value
// is an empty group), safe for concurrent reads.
type GroupForecast struct {
	Level   string           `json:"level"`
	Team    string           `json:"team,omitempty"`
	Rep     string           `json:"rep,omitempty"`
	Periods []PeriodForecast `json:"periods"`
	Horizon PeriodForecast   `json:"horizon"`
}

// PeriodForecast is one group's forecast for [Start, End).
//
// Closed is the amount already won in the period (by AsOf); Weighted the
// open deals' amounts times their probability of being won in the period
// (win probability × share of their close placed in it); Expected = Closed
// + Weighted, the mean of the period's won amount. P10, P50 and P90 are
// quantiles of the won amount (the smallest x with P(won ≤ x) ≥ level) and
// PReachTarget is P(won ≥ Target), present when a target is set. Method
// says how they were computed. OpenDeals counts the open deals with any
// chance of closing in the period. Categories sum amounts by forecast
// category, placing open deals by their expected close date (as CRMs do,
// without slippage) and closed deals by their close date. A plain value
// (the zero value is an empty period), safe for concurrent reads.
type PeriodForecast struct {
	Start        time.Time        `json:"start"`
	End          time.Time        `json:"end"`
	Method       ForecastMethod   `json:"method"`
	OpenDeals    int              `json:"open_deals"`
	Closed       decimal.Decimal  `json:"closed"`
	Weighted     decimal.Decimal  `json:"weighted"`
	Expected     decimal.Decimal  `json:"expected"`
	P10          decimal.Decimal  `json:"p10"`
	P50          decimal.Decimal  `json:"p50"`
	P90          decimal.Decimal  `json:"p90"`
	Target       *decimal.Decimal `json:"target,omitempty"`
	PReachTarget *float64         `json:"p_reach_target,omitempty"`
	Categories   CategoryAmounts  `json:"categories"`
}

// pipeFDeal is an open deal placed in the horizon.
type pipeFDeal struct {
	amount decimal.Decimal
	value  float64
	p      float64     // win probability
	pl     *pipePlaced // its share of the close in each period; shared, read only
}

// pipeFGroup collects one rep's deals.
type pipeFGroup struct {
	team, rep string
	deals     []pipeFDeal
	closed    []decimal.Decimal // per period
	cats      []CategoryAmounts // per period
	sums      []pipeCatSums     // per period, while reading
}

// ForecastPipeline forecasts the won amount per future period for the
// company, each team and each rep.
//
// histories holds every deal the host has (open, won and lost), read once,
// in any order; [History] describes what each must satisfy. Open deals are
// scored by Options.Model and placed in periods by Options.Slippage; deals
// won in a forecast period count as Closed there. Each open deal's outcome is
// independent of the others': won in one period, or not won in the horizon.
// Open deals in the omitted category (by rule or set by the host) are left
// out of the distribution but shown in Categories.Omitted.
//
// Distributions are exact where cheap (see [ForecastOptions.ExactBudget]),
// otherwise simulated with Options.Draws seeded draws; with the default 10
// 000 draws a simulated quantile is within about ±0.01 in probability of the
// exact one and the mean within 2–3 standard errors (SE = sd/100). Memory:
// the open deals plus 5 × Periods × Draws float64 (3 × when Periods × Draws
// exceeds 2 000 000).
func ForecastPipeline(ctx context.Context, pipelines []Pipeline, histories iter.Seq2[History, error], opts *ForecastOptions) (*PipelineForecast, error) {
	cfg, err := pipeForecastConfig(pipelines, opts)
	if err != nil {
		return nil, err
	}
	pp, err := pipeIndexPipelines(pipelines)
	if err != nil {
		return nil, err
	}
	model := opts.Model
	if model == nil {
		model, _ = NewStageDefaults(pipelines)
	}
	H := cfg.periods
	out := &PipelineForecast{AsOf: opts.AsOf, Period: cfg.period, Currency: opts.Currency, Draws: cfg.draws, Seed: opts.Seed}
	groups := map[string]*pipeFGroup{}
	group := func(rep string) *pipeFGroup {
		g := groups[rep]
		if g == nil {
			g = &pipeFGroup{team: opts.Teams[rep], rep: rep, closed: make([]decimal.Decimal, H), cats: make([]CategoryAmounts, H), sums: make([]pipeCatSums, H)}
			groups[rep] = g
		}
		return g
	}
	rd := &pipeReader{pp: pp, model: model, opts: opts, cfg: cfg}
	// merge applies one record's contribution, in stream order, with the
	// checks that depend on the records before it (the currency).
	merge := func(r *pipeRecord) error {
		if r.err != nil && !r.errLate {
			return r.err
		}
		if r.currency != "" {
			if out.Currency == "" {
				out.Currency = r.currency
			} else if r.currency != out.Currency {
				return crmkit.Errorf("deal", r.idx, r.id, "currency", crmkit.ErrCurrency, "%s, but the forecast is in %s", r.currency, out.Currency)
			}
		}
		g := group(r.owner)
		if r.err != nil {
			return r.err
		}
		if r.open {
			out.OpenDeals++
		}
		switch {
		case r.unplaced:
			out.Unplaced++
			out.UnplacedAmount = out.UnplacedAmount.Add(r.amount)
			return nil
		case r.k < 0:
		default:
			s := &g.sums[r.k]
			if !r.open && r.won {
				s[5].add(r.amount)
			}
			if c := pipeCatIndex(r.cat); c >= 0 {
				s[c].add(r.amount)
			}
		}
		if r.deal {
			g.deals = append(g.deals, r.fd)
		}
		return nil
	}
	if err := rd.read(ctx, histories, merge); err != nil {
		return nil, err
	}
	for _, g := range groups {
		for k := range g.sums {
			g.cats[k], g.closed[k] = g.sums[k].amounts()
		}
		g.sums = nil
	}
	if err := pipeForecastGroups(ctx, cfg, opts, groups, out); err != nil {
		return nil, err
	}
	return out, nil
}

// pipeIndexErr fills in the record index of a RecordError built without it.
func pipeIndexErr(err error, idx int) error {
	if re, ok := err.(*crmkit.RecordError); ok && re.Index < 0 {
		cp := *re
		cp.Index = idx
		return &cp
	}
	return err
}

type pipeFConfig struct {
	period  Period
	periods int
	bounds  []time.Time
	draws   int
	workers int
	budget  int64
	targets map[pipeTargetKey]decimal.Decimal
}

type pipeTargetKey struct {
	team, rep string
	level     string
	k         int
}

func pipeForecastConfig(pipelines []Pipeline, opts *ForecastOptions) (*pipeFConfig, error) {
	bad := func(field string, sentinel error, format string, args ...any) error {
		return fmt.Errorf("funnel: ForecastPipeline: %w: %s: %s", sentinel, field, fmt.Sprintf(format, args...))
	}
	if opts == nil || opts.AsOf.IsZero() {
		return nil, bad("AsOf", crmkit.ErrMissing, "required")
	}
	cfg := &pipeFConfig{period: opts.Period, periods: opts.Periods, draws: opts.Draws, workers: opts.Workers, budget: opts.ExactBudget}
	if cfg.period == "" {
		cfg.period = Month
	}
	switch cfg.period {
	case Week, Month, Quarter, Year:
	default:
		return nil, bad("Period", crmkit.ErrInvalid, "%q", cfg.period)
	}
	if cfg.periods == 0 {
		cfg.periods = 3
	}
	if cfg.draws == 0 {
		cfg.draws = 10000
	}
	if cfg.workers == 0 {
		cfg.workers = 2
	}
	if cfg.budget == 0 {
		cfg.budget = 20_000_000
	}
	if cfg.periods < 1 || cfg.periods > 120 {
		return nil, bad("Periods", crmkit.ErrInvalid, "%d not in [1, 120]", cfg.periods)
	}
	if cfg.draws < 1 || cfg.draws > 1_000_000 {
		return nil, bad("Draws", crmkit.ErrInvalid, "%d not in [1, 1000000]", cfg.draws)
	}
	if int64(cfg.periods)*int64(cfg.draws) > 10_000_000 {
		return nil, bad("Draws", crmkit.ErrInvalid, "%d periods × %d draws exceeds 10 000 000 (memory is 24 bytes per period and draw)", cfg.periods, cfg.draws)
	}
	if cfg.workers < 1 || cfg.budget < 0 {
		return nil, bad("Workers", crmkit.ErrInvalid, "workers %d, budget %d", cfg.workers, cfg.budget)
	}
	switch opts.Method {
	case MethodAuto, MethodExact, MethodMonteCarlo:
	default:
		return nil, bad("Method", crmkit.ErrInvalid, "%q", opts.Method)
	}
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	first := fnlPeriodIndex(cfg.period, opts.AsOf.Unix(), loc)
	for k := range cfg.periods + 1 {
		s, _ := fnlPeriodBounds(cfg.period, first+int32(k), loc)
		cfg.bounds = append(cfg.bounds, s)
	}
	cfg.targets = map[pipeTargetKey]decimal.Decimal{}
	for i, t := range opts.Targets {
		terr := func(field string, sentinel error, format string, args ...any) error {
			return crmkit.Errorf("target", i, t.Rep+t.Team, field, sentinel, format, args...)
		}
		per := t.Period
		if per == "" {
			per = Month
		}
		switch {
		case per != cfg.period:
			return nil, terr("period", crmkit.ErrInvalid, "%q, but the forecast is per %q", per, cfg.period)
		case t.Pipeline != "":
			return nil, terr("pipeline", crmkit.ErrInvalid, "per-pipeline targets are not supported by the forecast")
		case t.Rep != "" && t.Team != "":
			return nil, terr("rep", crmkit.ErrInvalid, "both rep and team set")
		case t.Amount.Sign() < 0:
			return nil, terr("amount", crmkit.ErrInvalid, "negative: %s", t.Amount)
		}
		k := int(fnlPeriodIndex(cfg.period, t.Start.Unix(), loc) - first)
		if k < 0 || k >= cfg.periods {
			continue
		}
		key := pipeTargetKey{level: "total", k: k}
		switch {
		case t.Rep != "":
			key = pipeTargetKey{rep: t.Rep, team: opts.Teams[t.Rep], level: "rep", k: k}
		case t.Team != "":
			key = pipeTargetKey{team: t.Team, level: "team", k: k}
		}
		if _, dup := cfg.targets[key]; dup {
			return nil, terr("start", crmkit.ErrDuplicate, "second target for the same group and period")
		}
		cfg.targets[key] = t.Amount
	}
	return cfg, nil
}

// pipeCell is one figure to compute: the open deals' chances and amounts in
// one period (or the horizon) of one group.
type pipeCell struct {
	n        int     // open deals with a chance in the cell
	weighted float64 // Σ amount × probability
	sum      float64 // Σ amount
	least    float64 // smallest positive amount (+Inf if none)
	keep     bool    // deal lists below are filled
	amounts  []decimal.Decimal
	values   []float64
	probs    []float64
}

// pipeExact tries the exact distribution of a cell.
func pipeExact(c *pipeCell, budget int64) ([]pipeAtom, bool) {
	if !c.keep {
		return nil, false
	}
	n := len(c.probs)
	if n == 0 {
		return []pipeAtom{{0, 1}}, true
	}
	if n <= pipeEnumerateMax {
		return pipeEnumerate(c.values, c.probs), true
	}
	maxStates := min(int64(1_000_000), budget/int64(n))
	if int64(n) > maxStates {
		// Every nonzero amount is at least one unit: too many states.
		nz := 0
		for _, v := range c.values {
			if v != 0 {
				nz++
			}
		}
		if int64(nz) > maxStates {
			return nil, false
		}
	}
	// Every unit divides the smallest nonzero amount, so Σamount/min is a
	// lower bound on the lattice size: reject without the decimal gcd pass
	// when even that exceeds the budget (the usual case for cent amounts).
	// The 1e-9 slack keeps float rounding from rejecting a lattice that fits.
	sum, least := 0.0, math.Inf(1)
	for _, v := range c.values {
		sum += v
		if v > 0 {
			least = min(least, v)
		}
	}
	if least > 0 && sum/least > float64(maxStates)*(1+1e-9)+1 {
		return nil, false
	}
	units, unit, ok := pipeLattice(c.amounts, maxStates)
	if !ok {
		return nil, false
	}
	u, _ := unit.Float64()
	return pipeLatticeAtoms(pipeLatticePMF(units, c.probs, -1), u), true
}

func pipeForecastGroups(ctx context.Context, cfg *pipeFConfig, opts *ForecastOptions, groups map[string]*pipeFGroup, out *PipelineForecast) error {
	H, N := cfg.periods, cfg.draws
	reps := make([]*pipeFGroup, 0, len(groups))
	for _, g := range groups {
		reps = append(reps, g)
	}
	slices.SortFunc(reps, func(a, b *pipeFGroup) int {
		if c := strings.Compare(a.team, b.team); c != 0 {
			return c
		}
		return strings.Compare(a.rep, b.rep)
	})
	// cellsOf returns the cells of a group: per period and (last) for the
	// horizon. Deal lists are kept only for cells small enough to try an
	// exact distribution; every cell gets its count and weighted amount.
	cellsOf := func(gs []*pipeFGroup) []pipeCell {
		cells := make([]pipeCell, H+1)
		for k := range cells {
			cells[k].least = math.Inf(1)
		}
		count := func(c *pipeCell, v, w float64) {
			c.n++
			c.weighted += w
			c.sum += v
			if v > 0 {
				c.least = min(c.least, v)
			}
		}
		for _, g := range gs {
			for _, d := range g.deals {
				tot := 0.0
				for k := d.pl.first; k <= d.pl.last; k++ {
					if qk := d.pl.q[k]; qk > 0 {
						count(&cells[k], d.value, d.value*d.p*qk)
						tot += qk
					}
				}
				count(&cells[H], d.value, d.value*d.p*math.Min(tot, 1))
			}
		}
		keep := false
		for k := range cells {
			c := &cells[k]
			n := int64(c.n)
			c.keep = opts.Method != MethodMonteCarlo && (n <= pipeEnumerateMax || n*n <= cfg.budget && n <= 1_000_000)
			if c.keep && n > pipeEnumerateMax && c.least < math.Inf(1) {
				// pipeExact's first test, done here so that lists it
				// would reject at once are never built.
				if c.sum/c.least > float64(min(1_000_000, cfg.budget/n))*(1+1e-9)+1 {
					c.keep = false
				}
			}
			if c.keep {
				c.amounts = make([]decimal.Decimal, 0, c.n)
				c.values = make([]float64, 0, c.n)
				c.probs = make([]float64, 0, c.n)
				keep = true
			}
		}
		if !keep {
			return cells
		}
		for _, g := range gs {
			for _, d := range g.deals {
				tot := 0.0
				for k := d.pl.first; k <= d.pl.last; k++ {
					qk := d.pl.q[k]
					if c := &cells[k]; qk > 0 && c.keep {
						c.amounts = append(c.amounts, d.amount)
						c.values = append(c.values, d.value)
						c.probs = append(c.probs, d.p*qk)
					}
					tot += qk
				}
				if c := &cells[H]; c.keep {
					c.amounts = append(c.amounts, d.amount)
					c.values = append(c.values, d.value)
					c.probs = append(c.probs, d.p*math.Min(tot, 1))
				}
			}
		}
		return cells
	}
	needMC := opts.Method == MethodMonteCarlo
	build := func(level, team, rep string, gs []*pipeFGroup) (*pipePending, error) {
		gf := &GroupForecast{Level: level, Team: team, Rep: rep, Periods: make([]PeriodForecast, H)}
		cells := cellsOf(gs)
		pd := &pipePending{gf: gf, gs: gs, cells: cells, exact: make([][]pipeAtom, H+1)}
		for k := range H + 1 {
			if opts.Method != MethodMonteCarlo {
				if at, ok := pipeExact(&cells[k], cfg.budget); ok {
					pd.exact[k] = at
					continue
				}
				if opts.Method == MethodExact {
					return nil, fmt.Errorf("funnel: ForecastPipeline: %w: %s %q%q period %d: %d deals are too many for an exact distribution within ExactBudget", crmkit.ErrInvalid, level, team, rep, k, cells[k].n)
				}
			}
			needMC = true
		}
		return pd, nil
	}
	total, err := build("total", "", "", reps)
	if err != nil {
		return err
	}
	// Teams: reps[teamStart[t]:teamStart[t+1]] (reps are sorted by team).
	var teamStart []int
	teamOf := make([]int, len(reps))
	for i := range reps {
		if i == 0 || reps[i].team != reps[i-1].team {
			teamStart = append(teamStart, i)
		}
		teamOf[i] = len(teamStart) - 1
	}
	teamStart = append(teamStart, len(reps))
	repPend := make([]*pipePending, len(reps))
	teamPend := make([]*pipePending, len(teamStart)-1)
	buildRep := func(i int) (err error) {
		if repPend[i] == nil {
			g := reps[i]
			repPend[i], err = build("rep", g.team, g.rep, []*pipeFGroup{g})
		}
		return err
	}
	buildTeam := func(t int) (err error) {
		if teamPend[t] == nil {
			lo, hi := teamStart[t], teamStart[t+1]
			teamPend[t], err = build("team", reps[lo].team, "", reps[lo:hi])
		}
		return err
	}
	// When the total needs simulating, so do its reps: their cells are then
	// built while the simulation runs (in done below); otherwise (or for
	// MethodExact, which must report a group it cannot do) all first.
	lazy := needMC && opts.Method != MethodExact
	if !lazy {
		for t := range teamPend {
			if err := buildTeam(t); err != nil {
				return err
			}
			for i := teamStart[t]; i < teamStart[t+1]; i++ {
				if err := buildRep(i); err != nil {
					return err
				}
			}
		}
	}
	// Simulate rep by rep; team and total draws are sums of their reps',
	// added in a fixed order. Reps are finished (summarised and added to
	// their team) while later reps are being simulated.
	var teamAcc, totAcc, scratch []float64
	if needMC {
		teamAcc, totAcc = make([]float64, H*N), make([]float64, H*N)
		scratch = make([]float64, N)
		// Reps in flight: while one is summarised, the next ones are
		// simulated. Above 2 million period-draws one buffer is kept, as
		// before, to bound memory (the window does not change results).
		window := 3
		if H*N > 2_000_000 {
			window = 1
		}
		bufs := make([][]float64, window)
		for i := range bufs {
			bufs[i] = make([]float64, H*N)
		}
		type slab struct {
			deals, sorted []pipeSimDeal
		}
		slabs := make([]slab, window)
		// The split of a won draw over periods depends only on the
		// placement, which deals closing on the same date share: prepared
		// once per placement (on the one goroutine that calls deals).
		splits := map[*pipePlaced][]pipeBinomP{}
		deals := func(g int) []pipeSimDeal {
			fg := reps[g]
			sl := &slabs[g%window] // group g−window is done: reuse its slab
			sim := sl.deals[:0]
			for _, d := range fg.deals {
				pl := d.pl
				split, ok := splits[pl]
				if !ok {
					split = pipeSplit(pl.q[pl.first : pl.last+1])
					splits[pl] = split
				}
				won := 0.0
				for k := pl.first; k <= pl.last; k++ {
					won += d.p * pl.q[k]
				}
				sim = append(sim, pipeSimDeal{value: d.value, first: pl.first, won: pipeNewBinomP(won), split: split})
			}
			// Deals that close in the same periods run one after the
			// other, so the rows they add to stay in the L1 cache: a
			// stable counting sort by first period.
			if cap(sl.sorted) < len(sim) {
				sl.sorted = make([]pipeSimDeal, len(sim))
			}
			sorted := sl.sorted[:len(sim)]
			var start [121]int
			for i := range sim {
				start[sim[i].first+1]++
			}
			for k := 1; k <= H; k++ {
				start[k] += start[k-1]
			}
			for i := range sim {
				f := sim[i].first
				sorted[start[f]] = sim[i]
				start[f]++
			}
			sl.deals, sl.sorted = sim, sorted
			return sorted
		}
		var lazyErr error // (building can fail only for MethodExact, never lazy)
		done := func(g int, acc []float64) {
			if err := buildRep(g); err != nil && lazyErr == nil {
				lazyErr = err
			}
			pipeFinish(cfg, repPend[g], acc, scratch)
			pipeAddInto(teamAcc, acc)
			if t := teamOf[g]; g == teamStart[t+1]-1 {
				if err := buildTeam(t); err != nil && lazyErr == nil {
					lazyErr = err
				}
				pipeFinish(cfg, teamPend[t], teamAcc, scratch)
				pipeAddInto(totAcc, teamAcc)
				clear(teamAcc)
			}
		}
		if err := pipeSimGroups(ctx, len(reps), H, N, opts.Seed, cfg.workers, window, deals, func(i int) []float64 { return bufs[i] }, done); err != nil {
			return err
		}
		if lazyErr != nil {
			return lazyErr
		}
	}
	pipeFinish(cfg, total, totAcc, scratch)
	for t := range teamPend {
		list := append([]*pipePending{teamPend[t]}, repPend[teamStart[t]:teamStart[t+1]]...)
		for _, pd := range list {
			if !needMC {
				pipeFinish(cfg, pd, nil, nil)
			}
			switch pd.gf.Level {
			case "team":
				out.Teams = append(out.Teams, *pd.gf)
			case "rep":
				out.Reps = append(out.Reps, *pd.gf)
			}
		}
	}
	out.Total = *total.gf
	return nil
}

func pipeAddInto(dst, src []float64) {
	for i, v := range src {
		dst[i] += v
	}
}

// pipePending is a group whose figures are being computed.
type pipePending struct {
	gf    *GroupForecast
	gs    []*pipeFGroup
	cells []pipeCell
	exact [][]pipeAtom // per cell; nil where simulation is needed
}

// pipeFinish fills a group's figures from its exact distributions or its
// draws (acc: periods × draws; nil when nothing was simulated).
func pipeFinish(cfg *pipeFConfig, pd *pipePending, acc, scratch []float64) {
	H, N := cfg.periods, cfg.draws
	gf := pd.gf
	var hz PeriodForecast
	hz.Start, hz.End = cfg.bounds[0], cfg.bounds[H]
	var hzTarget decimal.Decimal
	hzHasTarget := false
	for k := range H + 1 {
		pf := &hz
		if k < H {
			pf = &gf.Periods[k]
			pf.Start, pf.End = cfg.bounds[k], cfg.bounds[k+1]
			for _, g := range pd.gs {
				pf.Closed = pf.Closed.Add(g.closed[k])
				c := &pf.Categories
				gc := g.cats[k]
				c.Pipeline, c.BestCase, c.Commit = c.Pipeline.Add(gc.Pipeline), c.BestCase.Add(gc.BestCase), c.Commit.Add(gc.Commit)
				c.Closed, c.Omitted = c.Closed.Add(gc.Closed), c.Omitted.Add(gc.Omitted)
			}
			pf.Categories.rollup()
			hz.Closed = hz.Closed.Add(pf.Closed)
			c, pc := &hz.Categories, pf.Categories
			c.Pipeline, c.BestCase, c.Commit = c.Pipeline.Add(pc.Pipeline), c.BestCase.Add(pc.BestCase), c.Commit.Add(pc.Commit)
			c.Closed, c.Omitted = c.Closed.Add(pc.Closed), c.Omitted.Add(pc.Omitted)
			if t, ok := cfg.targets[pipeTargetKey{team: gf.Team, rep: gf.Rep, level: gf.Level, k: k}]; ok {
				tt := t
				pf.Target = &tt
				hzTarget = hzTarget.Add(t)
				hzHasTarget = true
			}
		} else {
			hz.Categories.rollup()
			if hzHasTarget {
				pf.Target = &hzTarget
			}
		}
		cell := &pd.cells[k]
		pf.OpenDeals = cell.n
		pf.Weighted, _ = crmkit.FromFloat(cell.weighted)
		pf.Expected = pf.Closed.Add(pf.Weighted)
		closed, _ := crmkit.ToFloat(pf.Closed)
		target := 0.0
		if pf.Target != nil {
			target, _ = crmkit.ToFloat(*pf.Target)
			target -= closed
		}
		var sm pipeSummary
		if pd.exact[k] != nil {
			pf.Method = MethodExact
			sm = pipeSummarizeAtoms(pd.exact[k], target, pf.Target != nil)
		} else {
			pf.Method = MethodMonteCarlo
			if k < H {
				copy(scratch, acc[k*N:(k+1)*N])
			} else {
				clear(scratch)
				for j := range H {
					pipeAddInto(scratch, acc[j*N:(j+1)*N])
				}
			}
			sm = pipeSummarizeDraws(scratch, target, pf.Target != nil)
		}
		for i, dst := range []*decimal.Decimal{&pf.P10, &pf.P50, &pf.P90} {
			v, _ := crmkit.FromFloat(sm.q[i])
			*dst = pf.Closed.Add(v)
		}
		if pf.Target != nil {
			r := sm.pReach
			pf.PReachTarget = &r
		}
	}
	gf.Horizon = hz
}
