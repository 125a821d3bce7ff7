package forecast

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestETSRequirements checks the published requirements against R's rules
// (forecast::ets: npars = 2 + 2·trend + m·season + damped, error when
// n <= npars + 4) and that FitETS and Requirements.Check agree on the
// series they reject.
func TestETSRequirements(t *testing.T) {
	tests := []struct {
		name    string
		reason  string
		spec    string
		period  int
		want    Requirements
		wantErr error
	}{
		{"ANN", "level + variance: more than 6 points", "ANN", 1, Requirements{Model: "ETS(ANN)", MinLength: 7}, nil},
		{"ZZZ", "Z parts count as nothing, as R's test", "ZZZ", 12, Requirements{Model: "ETS(ZZZ)", MinLength: 7}, nil},
		{"MAdM", "2 + 2 + 12 + 1 = 17 parameters, positive data", "MAdM", 12, Requirements{Model: "ETS(MAdM)", MinLength: 22, Positive: true}, nil},
		{"AAA period 4", "2 + 2 + 4 = 8 parameters", "AAA", 4, Requirements{Model: "ETS(AAA)", MinLength: 13}, nil},
		{"ZZM", "an explicit M season needs positive data", "ZZM", 12, Requirements{Model: "ETS(ZZM)", MinLength: 19, Positive: true}, nil},
		{"ZZZ weekly", "a Z season above 24 is dropped, as R", "ZZZ", 52, Requirements{Model: "ETS(ZZZ)", MinLength: 7}, nil},
		{"bad spec", "lower case is not a spec", "mam", 12, Requirements{}, ErrInvalid},
		{"season period 1", "explicit season without a period", "AAA", 1, Requirements{}, ErrInvalid},
		{"season above 24", "explicit season above R's limit", "AAA", 1 << 40, Requirements{}, ErrInvalid},
		{"period 0", "period below 1", "ANN", 0, Requirements{}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ETSRequirements(tt.spec, tt.period)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
			}
		})
	}
	// One observation short of MinLength fails both ways with ErrTooShort;
	// MinLength itself passes the check and fits.
	for _, spec := range []string{"ANN", "AAN", "AAdA", "MAM"} {
		req, err := ETSRequirements(spec, 4)
		if err != nil {
			t.Fatal(err)
		}
		y := etsAir[:req.MinLength-1]
		_, fitErr := FitETS(y, 4, spec, nil)
		if !errors.Is(req.Check(y, 4), ErrTooShort) || !errors.Is(fitErr, ErrTooShort) {
			t.Errorf("%s: %d points: Check %v, FitETS %v, want ErrTooShort from both", spec, len(y), req.Check(y, 4), fitErr)
		}
		y = etsAir[:req.MinLength]
		if err := req.Check(y, 4); err != nil {
			t.Errorf("%s: %d points: Check %v", spec, len(y), err)
		}
		if _, err := FitETS(y, 4, spec, nil); errors.Is(err, ErrTooShort) {
			t.Errorf("%s: %d points: FitETS %v", spec, len(y), err)
		}
	}
	if got := ThetaRequirements(); got.MinLength != 7 || got.AllowMissing {
		t.Errorf("ThetaRequirements %+v", got)
	}
}

// TestETSPeriodReportsEffectiveSeason checks that Period agrees with the
// fitted model: a season FitETS drops (R's rules) is reported as period 1.
func TestETSPeriodReportsEffectiveSeason(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		y      []float64
		period int
		spec   string
		want   int
	}{
		{"huge period", "a Z season with period 1<<40 is dropped: period 1", etsAir, 1 << 40, "ZZZ", 1},
		{"weekly", "a Z season above 24 is dropped, as R", etsAir, 52, "AZZ", 1},
		{"short series", "a series no longer than one period has no season", etsAir[:12], 12, "ZZZ", 1},
		{"non-seasonal spec", "ANN ignores the period", etsAir, 12, "ANN", 1},
		{"huge period explicit season", "MAM with period 1<<40 on 144 points: no full period, so R drops the season (MAN)", etsAir, 1 << 40, "MAM", 1},
		{"seasonal", "MAM keeps period 12", etsAir, 12, "MAM", 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fit, err := FitETS(tt.y, tt.period, tt.spec, nil)
			if err != nil {
				t.Fatalf("%s: %v", tt.reason, err)
			}
			if fit.Period() != tt.want {
				t.Errorf("%s: Period %d (model %s), want %d", tt.reason, fit.Period(), fit, tt.want)
			}
			if seasonal := fit.seasT != etsNone; seasonal != (tt.want > 1) {
				t.Errorf("%s: model %s disagrees with Period %d", tt.reason, fit, fit.Period())
			}
		})
	}
}
