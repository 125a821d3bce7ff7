// Package m3 reads the M3 forecasting competition series (Makridakis & Hibon
// 2000) in the CSV layout kept under forecast/testdata/m3. It is shared by the
// forecast package's tests and the examples' benchmark table.
package m3

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Series is one M3 series split into its training part and its hold-out.
type Series struct {
	ID       string
	Category string
	Period   int // seasonal period: 12 monthly, 4 quarterly, 1 yearly and other
	Train    []float64
	Test     []float64
}

// Read parses an M3 CSV file (header `series_id,category,n_total,horizon,
// start_year,start_period,y1..yN`). period is the seasonal period to record.
func Read(r io.Reader, period int) ([]Series, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("m3: header: %w", err)
	}
	if len(header) < 7 || header[0] != "series_id" || header[2] != "n_total" || header[3] != "horizon" {
		return nil, fmt.Errorf("m3: unexpected header %q", header[:min(len(header), 7)])
	}
	var out []Series
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("m3: line %d: %w", line, err)
		}
		n, err1 := strconv.Atoi(strings.TrimSpace(rec[2]))
		h, err2 := strconv.Atoi(strings.TrimSpace(rec[3]))
		if err1 != nil || err2 != nil || h <= 0 || n <= h || 6+n > len(rec) {
			return nil, fmt.Errorf("m3: line %d: bad n_total/horizon %q/%q", line, rec[2], rec[3])
		}
		y := make([]float64, n)
		for i := range n {
			y[i], err = strconv.ParseFloat(strings.TrimSpace(rec[6+i]), 64)
			if err != nil {
				return nil, fmt.Errorf("m3: line %d: y%d: %w", line, i+1, err)
			}
		}
		out = append(out, Series{ID: strings.TrimSpace(rec[0]), Category: strings.TrimSpace(rec[1]), Period: period, Train: y[:n-h], Test: y[n-h:]})
	}
}

// ReadFile reads one of the M3 files by path.
func ReadFile(path string, period int) ([]Series, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, period)
}
