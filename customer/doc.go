// Package customer holds customer records, orders and interactions, and what a
// CRM does with them: validation and a data-quality report, classification,
// reminders, pool reclaim and handover plans, duplicate detection and the
// referral graph.
package customer
