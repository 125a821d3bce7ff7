package forecast

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestETSOptionsMatchR runs FitETS with the option paths of R's ets()
// recorded by testdata/ets_opts.R (opt.crit mse/amse/sigma/mae, bounds
// usual/admissible, fixed smoothing parameters with estimated states,
// custom bounds, ic, allow.multiplicative.trend, additive.only) and requires
// R's model and estimates to 1e-6 relative (AMSE only for undamped models).
func TestETSOptionsMatchR(t *testing.T) {
	b, err := os.ReadFile("testdata/ets_opts.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Data map[string]struct {
			Y []float64 `json:"y"`
			M int       `json:"m"`
		} `json:"data"`
		Cases []struct {
			Data string `json:"data"`
			Spec string `json:"spec"`
			Args struct {
				OptCrit   string    `json:"opt.crit"`
				NMSE      int       `json:"nmse"`
				Bounds    string    `json:"bounds"`
				Alpha     *float64  `json:"alpha"`
				Beta      *float64  `json:"beta"`
				Gamma     *float64  `json:"gamma"`
				Phi       *float64  `json:"phi"`
				Lower     []float64 `json:"lower"`
				Upper     []float64 `json:"upper"`
				IC        string    `json:"ic"`
				MultTrend bool      `json:"allow.multiplicative.trend"`
				AddOnly   bool      `json:"additive.only"`
			} `json:"args"`
			Method string             `json:"method"`
			Par    map[string]float64 `json:"par"`
			LogLik float64            `json:"loglik"`
			AIC    float64            `json:"aic"`
			AICc   float64            `json:"aicc"`
			BIC    float64            `json:"bic"`
			MSE    float64            `json:"mse"`
			AMSE   float64            `json:"amse"`
			Sigma2 float64            `json:"sigma2"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	approx := cmpopts.EquateApprox(1e-6, 1e-9)
	for _, c := range ref.Cases {
		a := c.Args
		t.Run(c.Data+"/"+c.Spec, func(t *testing.T) {
			o := &ETSOptions{OptCrit: a.OptCrit, NMSE: a.NMSE, Bounds: a.Bounds, Alpha: a.Alpha, Beta: a.Beta,
				Gamma: a.Gamma, Phi: a.Phi, IC: a.IC, AllowMultiplicativeTrend: a.MultTrend, AdditiveOnly: a.AddOnly}
			if a.Lower != nil {
				copy(o.Lower[:], a.Lower)
				copy(o.Upper[:], a.Upper)
			}
			d := ref.Data[c.Data]
			fit, err := FitETS(d.Y, d.M, c.Spec, o)
			if err != nil {
				t.Fatal(err)
			}
			if fit.String() != c.Method {
				t.Fatalf("model %s, R %s", fit, c.Method)
			}
			wantPar := map[string]float64{}
			for _, k := range []string{"alpha", "beta", "gamma", "phi"} {
				if v, ok := c.Par[k]; ok {
					wantPar[k] = v
				}
			}
			if diff := cmp.Diff(wantPar, fit.ParamsByName(), approx); diff != "" {
				t.Errorf("parameters (-R +got):\n%s", diff)
			}
			type stats struct{ LogLik, AIC, AICc, BIC, MSE, AMSE, Sigma2 float64 }
			want := stats{c.LogLik, c.AIC, c.AICc, c.BIC, c.MSE, c.AMSE, c.Sigma2}
			got := stats{fit.LogLik(), fit.AIC(), fit.AICc(), fit.BIC(), fit.MSE(), fit.AMSE(), fit.Sigma2()}
			if fit.damped {
				// forecast 8.20's multi-step forecasts of damped models
				// carry a bug fixed upstream (b500142b, see
				// testdata/ets_ref.R); AMSE uses them.
				got.AMSE, want.AMSE = 0, 0
			}
			if diff := cmp.Diff(want, got, approx); diff != "" {
				t.Errorf("statistics (-R +got):\n%s", diff)
			}
		})
	}
}
