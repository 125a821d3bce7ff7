// Package funnel models sales pipelines, deals and their stage history, and
// computes the reports sales managers run on them.
package funnel
