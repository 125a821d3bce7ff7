// Command quickstart builds a realistic sample customer book with a fixed
// seed, loads it into an embedded SQLite database (the host's storage; see
// package sqlitehost), streams it back to crmkit from database cursors, and
// prints a short report: data quality, monthly revenue, customer levels by
// rule, likely duplicates, the best referrers, the sales funnel, a revenue
// forecast, customer value, and a rep's handover applied in one transaction.
// Run it from the repository root:
//
//	(cd examples && go run ./quickstart)
//
// -db keeps the database file (default: a temporary one, removed at exit).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/examples/internal/samplebook"
	"github.com/crmkit/crmkit/examples/sqlitehost"
	"github.com/shopspring/decimal"
)

func main() {
	db := flag.String("db", "", "SQLite file to keep the sample book in (default: temporary)")
	flag.Parse()
	path := *db
	if path == "" {
		dir, err := os.MkdirTemp("", "crmkit-quickstart-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "quickstart:", err)
			os.Exit(1)
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "crm.db")
	} else if _, err := os.Stat(path); err == nil {
		fmt.Fprintf(os.Stderr, "quickstart: %s exists; give a new file\n", path)
		os.Exit(2)
	}
	if err := run(os.Stdout, path); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// rules are the host's classification rules, as it might keep them in its
// configuration.
var rules = []customer.Rule{
	{Name: "key account", Level: "A", When: []customer.Condition{{Metric: customer.MetricSpend, Op: ">=", Value: "30000", WindowDays: 365}}},
	{Name: "regular", Level: "B", When: []customer.Condition{{Metric: customer.MetricOrders, Op: ">=", Value: "4", WindowDays: 365}}},
	{Name: "occasional", Level: "C"},
	{Name: "lapsed", Tags: []string{"win-back"}, When: []customer.Condition{{Metric: customer.MetricDaysSincePurchase, Op: ">", Value: "180"}}},
	{Name: "no contact", Tags: []string{"call this week"}, When: []customer.Condition{{Metric: customer.MetricDaysSinceContact, Op: ">", Value: "60"}}},
	{Name: "ambassador", Tags: []string{"ambassador"}, When: []customer.Condition{{Metric: customer.MetricReferrals, Op: ">=", Value: "2"}}},
}

func run(w io.Writer, dbPath string) error {
	ctx := context.Background()
	book := samplebook.New(samplebook.Options{Seed: 1, Years: 3})
	asOf := book.AsOf

	// The host keeps its data in SQLite; crmkit reads it through cursors.
	store, err := sqlitehost.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := errors.Join(store.InsertCustomers(ctx, book.Customers), store.InsertOrders(ctx, book.Orders),
		store.InsertInteractions(ctx, book.Interactions), store.InsertDeals(ctx, book.Deals),
		store.InsertStageChanges(ctx, book.StageChanges)); err != nil {
		return err
	}
	customers := store.Customers(ctx)
	orders := store.Orders(ctx)
	interactions := store.Interactions(ctx)

	total := decimal.Zero
	for _, o := range book.Orders {
		total = total.Add(o.Amount)
	}
	fmt.Fprintf(w, "Sample book as of %s: %d customers, %d orders, %d interactions, %d deals, %d reps (in SQLite)\n\n",
		asOf.Format("2006-01-02 15:04 MST"), len(book.Customers), len(book.Orders), len(book.Interactions), len(book.Deals), len(book.Reps))

	// 1. Data quality. Validate reports every problem; the book has a few
	// planted ones.
	report, verr := customer.Validate(ctx, asOf, customers, orders, interactions, &customer.ValidateOptions{MaxOffenders: 10})
	if report == nil {
		return verr
	}
	fmt.Fprintln(w, "Data quality")
	for _, k := range []struct {
		name string
		r    customer.KindReport
	}{{"customers", report.Customers}, {"orders", report.Orders}, {"interactions", report.Interactions}} {
		fmt.Fprintf(w, "  %-13s %5d read, %5d accepted, %d rejected\n", k.name, k.r.Records, k.r.Accepted, k.r.Rejected)
	}
	var comp []string
	for _, f := range report.Customers.Fields {
		switch f.Field {
		case "phone", "email", "birthday", "referred_by":
			comp = append(comp, fmt.Sprintf("%s %.0f%%", f.Field, 100*f.Completeness))
		}
	}
	fmt.Fprintf(w, "  customer fields filled: %s\n", strings.Join(comp, ", "))
	fmt.Fprintf(w, "  %d problems:\n", report.Problems)
	for _, o := range report.Offenders {
		fmt.Fprintf(w, "    - %s\n", o.Message)
	}

	// 2. Revenue by month for the last year, to show the seasons.
	fmt.Fprintln(w, "\nRevenue by month ("+report.Currency+", accepted orders)")
	monthly := map[string]decimal.Decimal{}
	from := time.Date(asOf.Year()-1, asOf.Month()+1, 1, 0, 0, 0, 0, asOf.Location())
	for o, err := range orders {
		if err != nil {
			return err
		}
		if o.Time.Before(from) || o.Time.After(asOf) || o.Amount.Sign() < 0 || o.Currency != report.Currency {
			continue
		}
		k := o.Time.In(asOf.Location()).Format("2006-01")
		monthly[k] = monthly[k].Add(o.Amount)
	}
	peak := decimal.Zero
	for _, v := range monthly {
		peak = decimal.Max(peak, v)
	}
	for m := from; m.Before(asOf); m = m.AddDate(0, 1, 0) {
		k := m.Format("2006-01")
		bar := 0
		if peak.Sign() > 0 {
			bar = int(monthly[k].Mul(decimal.NewFromInt(40)).Div(peak).IntPart())
		}
		fmt.Fprintf(w, "  %s %12s %s\n", k, monthly[k].StringFixed(2), strings.Repeat("█", bar))
	}

	// 3. Classification: rules decide levels and tags; bad records are
	// skipped and counted.
	class, err := customer.Classify(ctx, asOf, rules, customers, orders, interactions, &customer.ClassifyOptions{SkipInvalid: true})
	if err != nil {
		return err
	}
	levels := map[string]int{}
	changed := 0
	for _, a := range class.Assignments {
		levels[a.Level]++
		if a.PreviousLevel != "" && a.PreviousLevel != a.Level {
			changed++
		}
	}
	fmt.Fprintf(w, "\nClassification (%d records skipped as invalid)\n", len(class.Skipped))
	fmt.Fprintf(w, "  levels: A %d, B %d, C %d; %d customers change level\n", levels["A"], levels["B"], levels["C"], changed)
	for _, r := range rules {
		if len(r.Tags) > 0 {
			fmt.Fprintf(w, "  rule %-12q tags %-18q %4d customers\n", r.Name, r.Tags[0], class.RuleMatches[r.Name])
		}
	}
	for _, a := range class.Assignments {
		if a.PreviousLevel != "" && a.Level < a.PreviousLevel { // an upgrade: "A" < "B"
			fmt.Fprintf(w, "  e.g. %s moves %s → %s by rule %q\n", a.CustomerID, a.PreviousLevel, a.Level, a.LevelRule)
			break
		}
	}

	// 4. Likely duplicates.
	dups, err := customer.FindDuplicates(ctx, customers, &customer.DuplicateOptions{Clusters: true, SkipInvalid: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nLikely duplicates (%d pairs)\n", len(dups.Pairs))
	for _, p := range dups.Pairs {
		var ev []string
		for _, e := range p.Evidence {
			ev = append(ev, e.Field+" "+e.A)
		}
		fmt.Fprintf(w, "  %s ~ %s  score %.2f  %s\n", p.A, p.B, p.Score, strings.Join(ev, "; "))
	}

	// 5. Referral value over the last year: revenue of the customers each
	// referrer brought, direct and one more level at half weight.
	graph, err := customer.BuildReferralGraph(ctx, customers, &customer.ReferralOptions{SkipInvalid: true})
	if err != nil {
		return err
	}
	vals, err := graph.Value(ctx, asOf, orders, &customer.ReferralValueOptions{From: asOf.AddDate(-1, 0, 0), Decay: 0.5, MaxDepth: 2, SkipInvalid: true})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nBest referrers, last 12 months (level 2 at half weight)")
	for _, v := range vals.Values[:min(3, len(vals.Values))] {
		fmt.Fprintf(w, "  %s brought %d (%d in all): value %s %s\n", v.CustomerID, v.Direct, v.Network, v.Value.StringFixed(2), vals.Currency)
	}

	// The analyses below want clean orders: leave out the records Validate
	// rejected, as a host would after fixing or quarantining them.
	rejected := map[string]bool{}
	for _, o := range report.Offenders {
		rejected[o.Kind+"/"+o.ID] = true
	}
	clean := filter(orders, func(o customer.Order) bool { return !rejected["order/"+o.ID] })
	if err := funnelSection(ctx, w, store, book, asOf); err != nil {
		return err
	}
	if err := forecastSection(ctx, w, clean, asOf); err != nil {
		return err
	}
	if err := valueSection(ctx, w, clean, asOf); err != nil {
		return err
	}
	return handoverSection(ctx, w, store, asOf)
}
