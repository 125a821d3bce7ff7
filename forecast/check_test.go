package forecast

import (
	"errors"
	"math"
	"testing"
)

func TestRequirementsCheck(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name, reason string
		req          Requirements
		y            []float64
		period       int
		wantErr      []error // every sentinel that must be found
		wantNone     []error // sentinels that must not be reported
	}{
		{"ok", "a plain positive series meets the zero requirements", Requirements{}, []float64{1, 2, 3}, 1, nil, []error{ErrTooShort, ErrMissing}},
		{"empty", "zero requirements still need one observation", Requirements{}, nil, 1, []error{ErrTooShort}, nil},
		{"short season", "two seasons of 4 need 8 values", Requirements{MinSeasons: 2}, make([]float64, 7), 4, []error{ErrTooShort}, nil},
		{"seasons ignored when non-seasonal", "MinSeasons applies only to period > 1", Requirements{MinSeasons: 2}, []float64{1, 2}, 1, nil, []error{ErrTooShort}},
		{"missing", "NaN is missing unless allowed", Requirements{}, []float64{1, nan, 3}, 1, []error{ErrMissing}, nil},
		{"missing allowed", "AllowMissing accepts NaN", Requirements{AllowMissing: true}, []float64{1, nan, 3}, 1, nil, []error{ErrMissing}},
		{"all missing", "even AllowMissing needs one observed value", Requirements{AllowMissing: true}, []float64{nan, nan}, 1, []error{ErrMissing}, nil},
		{"inf", "infinite values are always invalid", Requirements{AllowMissing: true}, []float64{1, inf}, 1, []error{ErrInvalid}, nil},
		{"non-positive", "zero fails a multiplicative model", Requirements{Positive: true}, []float64{1, 0, 3}, 1, []error{ErrNonPositive}, nil},
		{"constant", "RejectConstant flags a flat series", Requirements{RejectConstant: true}, []float64{2, 2, 2}, 1, []error{ErrConstant}, nil},
		{"constant accepted", "constant is fine unless rejected", Requirements{}, []float64{2, 2, 2}, 1, nil, []error{ErrConstant}},
		{"all at once", "every problem is reported together", Requirements{MinLength: 10, Positive: true, RejectConstant: true}, []float64{0, nan, 0}, 1, []error{ErrTooShort, ErrMissing, ErrNonPositive, ErrConstant}, nil},
		{"bad period", "period below 1 is invalid", Requirements{}, []float64{1}, 0, []error{ErrInvalid}, nil},
		{"huge period", "a period that overflows MinSeasons*period is too short, not a panic", Requirements{MinSeasons: 3}, []float64{1}, math.MaxInt / 2, []error{ErrTooShort}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Check(tt.y, tt.period)
			for _, w := range tt.wantErr {
				if !errors.Is(err, w) {
					t.Errorf("%s: err = %v, want it to wrap %v", tt.reason, err, w)
				}
			}
			for _, w := range tt.wantNone {
				if errors.Is(err, w) {
					t.Errorf("%s: err = %v, must not wrap %v", tt.reason, err, w)
				}
			}
			if len(tt.wantErr) == 0 && err != nil {
				t.Errorf("%s: unexpected error %v", tt.reason, err)
			}
			if err != nil {
				var ce *CheckError
				if !errors.As(err, &ce) {
					t.Errorf("%s: %v is not a *CheckError", tt.reason, err)
				}
			}
		})
	}
}

func TestCheckErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		err  *CheckError
		want string
	}{
		{"full", &CheckError{Model: "ETS(M,N,N)", Index: 4, Err: ErrNonPositive, Detail: "y[4] = 0"}, "ETS(M,N,N): index 4: forecast: non-positive values: y[4] = 0"},
		{"whole series", &CheckError{Index: -1, Err: ErrTooShort}, "forecast: series too short"},
		{"zero", &CheckError{}, "index 0: forecast: check failed"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCheckHorizon(t *testing.T) {
	tests := []struct {
		name    string
		h       int
		levels  []float64
		wantErr error
	}{
		{"ok", 12, []float64{80, 95}, nil},
		{"zero", 0, nil, ErrHorizon},
		{"billion", 1_000_000_000, nil, ErrHorizon},
		{"max", MaxHorizon, nil, nil},
		{"level 100", 1, []float64{100}, ErrInvalid},
		{"level NaN", 1, []float64{math.NaN()}, ErrInvalid},
	}
	for _, tt := range tests {
		if err := CheckHorizon(tt.h, tt.levels...); !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.wantErr)
		}
	}
}
