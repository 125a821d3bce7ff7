// Package segment ranks and groups customers by value: 80/20 tiers,
// concentration, RFM, clustering, purchase models and lifetime value.
package segment
