module github.com/crmkit/crmkit/examples

go 1.24.0

require (
	github.com/crmkit/crmkit v0.0.0
	github.com/google/go-cmp v0.7.0
	github.com/shopspring/decimal v1.6.0
)

replace github.com/crmkit/crmkit => ../
