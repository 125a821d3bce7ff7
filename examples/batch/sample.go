package main

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/crmkit/crmkit/examples/internal/samplebook"
)

// writeSample writes the seeded sample book as the CSV exports this command
// reads, into dir, and points the configuration at them.
func writeSample(c *config, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b := samplebook.New(samplebook.Options{Customers: 2000, AsOf: c.asOf, Years: 3, Clean: true})
	j := &job{cfg: &config{out: dir}}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.RFC3339)
	}
	err := errors.Join(
		j.writeCSV("orders.csv", []string{"id", "customer_id", "time", "amount", "currency", "quantity", "product"}, func(emit func(...string) error) error {
			for _, o := range b.Orders {
				if err := emit(o.ID, o.CustomerID, ts(o.Time), o.Amount.String(), o.Currency, strconv.FormatFloat(o.Quantity, 'g', -1, 64), o.Product); err != nil {
					return err
				}
			}
			return nil
		}),
		j.writeCSV("deals.csv", []string{"id", "pipeline", "stage", "amount", "created", "customer_id", "owner", "currency", "expected_close", "closed", "lost_reason"}, func(emit func(...string) error) error {
			for _, d := range b.Deals {
				if err := emit(d.ID, d.Pipeline, d.Stage, d.Amount.String(), ts(d.Created), d.CustomerID, d.Owner, d.Currency, ts(d.ExpectedClose), ts(d.Closed), d.LostReason); err != nil {
					return err
				}
			}
			return nil
		}),
		j.writeCSV("stage_changes.csv", []string{"deal_id", "from", "to", "time", "owner"}, func(emit func(...string) error) error {
			for _, s := range b.StageChanges {
				if err := emit(s.DealID, s.From, s.To, ts(s.Time), s.Owner); err != nil {
					return err
				}
			}
			return nil
		}),
		j.writeJSON("pipelines.json", b.Pipelines),
	)
	if err != nil {
		return err
	}
	c.orders = filepath.Join(dir, "orders.csv")
	c.deals = filepath.Join(dir, "deals.csv")
	c.stages = filepath.Join(dir, "stage_changes.csv")
	c.pipelines = filepath.Join(dir, "pipelines.json")
	return nil
}
